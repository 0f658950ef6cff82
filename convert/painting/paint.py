"""Painting a sample into a class mask, level by level.

Regions are painted lowest level first and, inside a level, in the source's own
order (``Region.order``); a pixel painted by a higher level is taken from the
lower one.  The ``fill`` class covers every pixel nothing else covers; without
a fill class those pixels are written as ``void`` and reported
(``unlabelled-pixels``), so training code ignores them instead of learning a
made-up class.

    >>> from convert.model.labelmap import LabelMap
    >>> from convert.model.sample import Box, Origin, Region, Sample
    >>> lm = LabelMap.from_dict({"classes": [
    ...     {"name": "background", "index": 0, "level": 0, "fill": True},
    ...     {"name": "plate", "index": 1, "level": 1},
    ...     {"name": "rice", "index": 4, "level": 2}]})
    >>> o = Origin("demo")
    >>> s = Sample("a.jpg", 5, 3, [
    ...     Region("rice", Box(1, 0, 3, 2), (0,), o),      # listed first, painted last
    ...     Region("plate", Box(0, 0, 4, 3), (1,), o)], o)
    >>> paint(s, lm).class_mask
    array([[1, 4, 4, 1, 0],
           [1, 4, 4, 1, 0],
           [1, 1, 1, 1, 0]], dtype=uint8)

With ``trace=True`` the painter also records how many pixels each region
rasterised to and shows, where two classes of one level overlap, which
regions are hidden and by what, and where a region leaves the classes a
``within`` rule asks for; the validator (:mod:`convert.checks.validator`) turns that
into findings.  What painting gives (:class:`Painted`, its :class:`Stretches`, :class:`Trace` and
:class:`Instance`) is :mod:`convert.painting.painted`.

How: every region is rasterised to column-major runs (pycocotools' own RLE
for polygons, so masks stay bit-identical to ``annToMask``), and one sweep
over all runs (:mod:`convert.pixels.layers`) finds the region on top of every stretch
of pixels.  The class mask is written once from those stretches; nothing is
painted pixel by pixel, region after region.
"""

from __future__ import annotations

import numpy as np

from convert.findings import Finding, located
from convert.model.labelmap import LabelClass, LabelMap
from convert.model.ordering import paint_level, painting_order, void_level
from convert.model.sample import Region, Runs, Sample
from convert.painting.painted import Instance, Painted, Stretches, Trace
from convert.painting.rasterize import has_area, runs_many
from convert.pixels import runs
from convert.pixels.distinct import distinct
from convert.pixels.layers import sweep_bands
from convert.pixels.runs import store_columns


def resolve(sample: Sample, labelmap: LabelMap):
    """Pair each region with its class (``None`` for void).  A label the label
    map does not know is an ``unknown-label`` finding and its region is paired
    with ``None`` too: its pixels are void, never the fill class
    (:func:`convert.model.ordering.paint_level` paints it beneath every class).
    Returns ``(pairs, findings)``."""
    pairs: list[tuple[Region, LabelClass | None]] = []
    findings: list[Finding] = []
    for region in sample.regions:
        if region.label is None:
            pairs.append((region, None))
            continue
        cls = labelmap.resolve(region.label)
        if cls is None and not labelmap.is_void(region.label):
            hint = labelmap.suggest(region.label)
            msg = (f"label {region.label!r} is not in the label map; its pixels are painted as void "
                   f"({labelmap.void}) beneath every class")
            if hint:
                msg += f" (did you mean {hint!r}?)"
            findings.append(Finding("unknown-label", msg, **located(region, sample)))
        pairs.append((region, cls))
    return pairs, findings


def bbox_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the set pixels of a non-empty mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


def _report_bare(findings, sample, labelmap, bare, box) -> None:
    findings.append(Finding(
        "unlabelled-pixels",
        f"{bare:,} pixel{'s are' if bare != 1 else ' is'} covered by no region and the label map has no fill class; "
        "written as void "
        f"({labelmap.void}); bounding box x={box[0]} y={box[1]} w={box[2]} h={box[3]}",
        file=sample.origin.file, image=sample.name, pixels=bare))


def paint(sample: Sample, labelmap: LabelMap, *, rule: str = "coco", instances: bool = False,
          trace: bool = False) -> Painted:
    """Paint ``sample`` into a ``(height, width)`` class mask of ``labelmap.dtype``.

    With ``instances=True`` an instance mask is painted too: objects numbered
    1..N in painting order (regions sharing ``Region.instance`` and label are
    one object), 0 where no object is and on void regions.
    """
    h, w = sample.height, sample.width
    pairs, findings = resolve(sample, labelmap)
    candidates = []
    for region, cls in painting_order(pairs, labelmap):
        if has_area(region.geometry, rule):
            candidates.append((region, cls))
            continue
        findings.append(Finding(
            "no-area-shape",
            f"a {region.attributes.get('shape', type(region.geometry).__name__.lower())!r} shape has no area under "
            f"rule '{rule}'; not painted (rule 'labelme' draws it as labelme does)", **located(region, sample)))
    starts, ends, which, failed = runs_many([r.geometry for r, _ in candidates], h, w, rule)
    painted = candidates
    if failed:
        for k, exc in sorted(failed.items()):
            region = candidates[k][0]
            findings.append(Finding("coordinates-too-large", f"{exc}; not painted", **located(region, sample)))
        renumber = np.cumsum([k not in failed for k in range(len(candidates))]) - 1
        which = renumber[which]
        painted = [p for k, p in enumerate(candidates) if k not in failed]
    n = len(painted)

    void = void_level(labelmap)
    levels = np.array([paint_level(r, c, labelmap, void) for r, c in painted], dtype=np.int64)
    values = np.array([labelmap.void if c is None else c.index for _, c in painted], dtype=labelmap.dtype)
    fill = labelmap.fill
    base = fill.index if fill else labelmap.void
    class_mask = np.empty((h, w), dtype=labelmap.dtype)
    inst_list, object_of = _objects(painted) if instances else ([], None)

    visible = np.zeros(n, dtype=np.int64)
    study = _Study(painted, labelmap, levels, h) if trace else None
    bands: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for c0, _c1, layers in sweep_bands(starts, ends, which, n, h, w):
        store_columns(class_mask, c0, layers.paint(values, base))
        bands.append((layers.bounds[:-1], layers.bounds[1:], layers.top))
        visible += layers.visible(n)
        if study is not None:
            study.add(layers)
    starts_b, ends_b, top_b = (np.concatenate(part) for part in zip(*bands))
    stretches = Stretches(starts_b, ends_b, top_b, values, base, object_of, levels)
    uncovered = np.flatnonzero(stretches.top < 0)
    bare_runs = runs.join(stretches.starts[uncovered], stretches.ends[uncovered])
    n_bare = int((bare_runs[1] - bare_runs[0]).sum())
    if fill is None and n_bare:
        _report_bare(findings, sample, labelmap, n_bare, runs.bbox(*bare_runs, h))

    result = Painted(class_mask, findings, drawn_from=stretches)
    if instances:
        shown = np.bincount(object_of, weights=visible, minlength=len(inst_list) + 1)
        for obj in inst_list:
            obj.pixels = int(shown[obj.id])  # void regions write 0: their objects show nothing
        result.instances = inst_list
    if study is not None:
        raster = np.bincount(which, weights=ends - starts, minlength=n).astype(np.int64)
        result.trace = study.trace(raster, visible, w, bare_runs, (starts, ends, which))
    return result


def _objects(painted):
    """Objects in painting order (regions sharing ``instance`` and label are one)
    and the instance id each painted region writes (0 for void)."""
    objects: dict[object, Instance] = {}
    order: list[Instance] = []
    ids = np.zeros(len(painted), dtype=np.uint32)
    for k, (region, cls) in enumerate(painted):
        key = (region.instance, region.label) if region.instance is not None else id(region)
        obj = objects.get(key)
        if obj is None:
            obj = objects[key] = Instance(len(order) + 1, cls, [])
            order.append(obj)
        obj.regions.append(region)
        ids[k] = obj.id if cls is not None else 0
    return order, ids


class _Study:
    """What the validator needs, gathered band by band from the layers."""

    def __init__(self, painted, labelmap: LabelMap, levels: np.ndarray, height: int):
        self.painted, self.height = painted, height
        self.level = levels
        self.is_void = np.array([c is None for _, c in painted], dtype=bool)
        self.class_id = np.array([-1 if c is None else c.index for _, c in painted], dtype=np.int64)
        self.n = len(painted)
        self.overlaps: dict[tuple[int, int], list[int]] = {}
        self.offending: list[tuple[np.ndarray, np.ndarray]] = []
        self.outside: dict[int, list] = {}
        self.covers: list[np.ndarray] = []  # keys under * n + over: region `over` is on top of some of `under`
        names = [None if c is None else c.name for _, c in painted]
        # a label image (masks, VOC, panoptic PNGs) holds one class per pixel: nothing lies beneath its regions,
        # so a within rule has nothing to check there
        drawn = np.array([not isinstance(r.geometry, Runs) for r, _ in painted], dtype=bool)
        self.rules = []  # (regions of a constrained class, regions of its containers)
        for cls in labelmap.classes:
            if cls.within and cls.name in names:
                mine = np.array([name == cls.name for name in names], dtype=bool) & drawn
                containers = np.array([name in cls.within for name in names], dtype=bool)
                self.rules.append((mine, containers))

    def add(self, layers) -> None:
        seg, reg, top = layers.seg, layers.region, layers.top
        shown = top[seg]  # the region on top of each stack entry's segment
        under = np.flatnonzero(reg != shown)  # positions, not a boolean mask: 4x faster to index with
        if under.size:
            self.covers.append(distinct(reg[under] * self.n + shown[under], below=self.n * self.n))
        self._same_level_overlaps(layers)
        for mine, containers in self.rules:
            held = np.zeros(len(top), dtype=bool)
            held[seg[containers[reg]]] = True
            out = mine[reg] & ~held[seg]
            if out.any():
                for k in distinct(reg[out], below=self.n).tolist():
                    self.outside.setdefault(k, []).append(layers.runs_of(seg[out & (reg == k)]))

    def _same_level_overlaps(self, layers) -> None:
        """Every pair of stack entries of one segment, one level and two classes.
        Entries of one segment are sorted by painting order, so the entries of
        one level are consecutive: entries ``j`` and ``j + d`` are such a pair only if
        ``j`` .. ``j + d`` all are, so each distance looks only at the entries that
        started a pair at the distance before (few), never at the whole stack again."""
        seg, reg, top = layers.seg, layers.region, layers.top
        if len(seg) < 2:
            return
        level = self.level[reg]
        void, class_id = self.is_void, self.class_id
        lengths = layers.lengths
        # j where entries j and j + 1 are of one segment and one level
        chained = (seg[1:] == seg[:-1]) & (level[1:] == level[:-1])
        first = np.flatnonzero(chained)
        clashing: list[np.ndarray] = []
        pairs: list[np.ndarray] = []  # lower * n + upper of each clashing entry pair
        counted: list[np.ndarray] = []  # (pixels, pixels the level decided) of each
        d = 1
        while first.size:
            upper_at = first + d
            lower, upper = reg[first], reg[upper_at]
            pair = ~void[lower] & ~void[upper] & (class_id[upper] != class_id[lower])
            if pair.any():
                lower, upper, upper_at = lower[pair], upper[pair], upper_at[pair]
                where = seg[upper_at]
                pixels = lengths[where]
                decided = np.where(self.level[top[where]] == level[upper_at], pixels, 0)
                pairs.append(lower.astype(np.int64) * self.n + upper)
                counted.append(np.stack([pixels, decided]))
                clashing.append(where)
            first = first[first + d < len(chained)]  # j + d + 1 must be an entry too
            first = first[chained[first + d]]
            d += 1
        if clashing:
            # summed per pair of regions in numpy: an image of large overlapping shapes has thousands of
            # clashing segments but a handful of pairs
            keys, which = np.unique(np.concatenate(pairs), return_inverse=True)
            both = np.concatenate(counted, axis=1)  # pixel counts: sums of whole numbers below 2**53 are exact
            sums = [np.bincount(which.ravel(), weights=row, minlength=len(keys)).astype(np.int64).tolist()
                    for row in both]
            for (u, o), p, q in zip(zip(*(part.tolist() for part in np.divmod(keys, self.n))), *sums):
                entry = self.overlaps.setdefault((u, o), [0, 0])
                entry[0] += p
                entry[1] += q
            self.offending.append(layers.runs_of(distinct(np.concatenate(clashing), below=len(top))))

    def trace(self, raster, visible, width: int, bare_runs, region_runs) -> Trace:
        outside = {}
        offending = list(self.offending)
        for k, parts in sorted(self.outside.items()):
            s = np.concatenate([p[0] for p in parts])
            e = np.concatenate([p[1] for p in parts])
            outside[k] = (int((e - s).sum()), runs.bbox(s, e, self.height))
            offending.append((s, e))
        if offending:
            s = np.concatenate([o[0] for o in offending])
            e = np.concatenate([o[1] for o in offending])
            order = np.argsort(s, kind="stable")
            offending_runs = runs.join(*_disjoint(s[order], e[order]))
        else:
            offending_runs = (runs.EMPTY, runs.EMPTY)
        covered_by: dict[int, list[int]] = {}
        hidden = set(np.flatnonzero((visible == 0) & (raster > 0)).tolist())
        if hidden and self.covers:
            keys = distinct(np.concatenate(self.covers))
            for under, over in zip(*(part.tolist() for part in np.divmod(keys, self.n))):
                if under in hidden:
                    covered_by.setdefault(under, []).append(over)
        overlaps = {pair: (both, shown) for pair, (both, shown)
                    in sorted(self.overlaps.items(), key=lambda kv: kv[0][::-1])}
        return Trace(self.painted, self.level, raster, visible, overlaps, outside, covered_by,
                     self.height, width, offending_runs, bare_runs, region_runs)


def _disjoint(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted runs made disjoint (overlapping runs merged)."""
    if len(starts) < 2:
        return starts, ends
    reach = np.maximum.accumulate(ends)
    fresh = np.r_[True, starts[1:] > reach[:-1]]
    group = np.cumsum(fresh) - 1
    return starts[fresh], np.maximum.reduceat(ends, np.flatnonzero(fresh))[: group[-1] + 1]
