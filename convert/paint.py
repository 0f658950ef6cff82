"""Painting a sample into a class mask, level by level.

Regions are painted lowest level first and, inside a level, in the source's own
order (``Region.order``); a pixel painted by a higher level is taken from the
lower one.  The ``fill`` class covers every pixel nothing else covers; without
a fill class those pixels are written as ``void`` and reported
(``unlabelled-pixels``), so training code ignores them instead of learning a
made-up class.

    >>> from convert.labelmap import LabelMap
    >>> from convert.model import Box, Origin, Region, Sample
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

With ``trace=True`` the painter also records which region owns each pixel, how
many pixels each region rasterised to, where two classes of one level overlap
and where a region leaves the classes a ``within`` rule asks for; the
validator (:mod:`convert.checks`) turns that into findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .findings import Finding
from .labelmap import LabelClass, LabelMap
from .model import Region, Sample
from .rasterize import GeometryTooLarge, has_area, raster_window_t


@dataclass(slots=True)
class Instance:
    """One painted object: its number in the instance mask, class and origin."""

    id: int
    label: LabelClass | None  # None: void
    regions: list[Region]
    pixels: int = 0  # visible pixels after layering (filled by paint when instances=True)


@dataclass(slots=True)
class Trace:
    """How a sample was painted, region by region (``paint(..., trace=True)``).

    ``painted[i]`` is the i-th region painted (with its class, ``None`` for
    void); ``raster[i]`` its pixel count before layering, ``visible[i]`` after;
    ``owner[r, c]`` the index of the region that owns the pixel, -1 for none.
    ``overlaps[(i, j)]`` counts pixels where region j (same level, another
    class) painted over region i; ``outside[i]`` the pixels of region i outside
    the classes its class must lie ``within``.  ``offending`` marks the pixels
    of those problems (for pictures), ``None`` when there are none.
    """

    painted: list[tuple[Region, LabelClass | None]]
    raster: np.ndarray
    visible: np.ndarray
    owner: np.ndarray
    overlaps: dict[tuple[int, int], int]
    outside: dict[int, tuple[int, tuple[int, int, int, int]]]
    offending: np.ndarray | None


@dataclass(slots=True)
class Painted:
    """What :func:`paint` returns."""

    class_mask: np.ndarray
    findings: list[Finding] = field(default_factory=list)
    instance_mask: np.ndarray | None = None
    instances: list[Instance] = field(default_factory=list)
    trace: Trace | None = None


def resolve(sample: Sample, labelmap: LabelMap):
    """Pair each region with its class (``None`` for void); unknown labels become
    ``unknown-label`` findings.  Returns ``(pairs, findings)``."""
    pairs: list[tuple[Region, LabelClass | None]] = []
    findings: list[Finding] = []
    for region in sample.regions:
        if region.label is None:
            pairs.append((region, None))
            continue
        cls = labelmap.resolve(region.label)
        if cls is None and not labelmap.is_void(region.label):
            hint = labelmap.suggest(region.label)
            msg = f"label {region.label!r} is not in the label map; not painted"
            if hint:
                msg += f" (did you mean {hint!r}?)"
            findings.append(
                Finding("unknown-label", msg, file=region.origin.file, image=sample.name,
                        element=region.origin.element, line=region.origin.line)
            )
            continue
        pairs.append((region, cls))
    return pairs, findings


def painting_order(pairs, labelmap: LabelMap):
    """Sort (region, class) pairs by level, then by the source's order.  Void
    regions paint at ``labelmap.void_level``, by default above every level:
    "don't care" wins."""
    void_level = labelmap.void_level if labelmap.void_level is not None else max(labelmap.levels()) + 1
    return sorted(pairs, key=lambda p: (void_level if p[1] is None else p[1].level, p[0].order))


def bbox_of(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the set pixels of a non-empty mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


def _report_bare(findings, sample, labelmap, bare, box) -> None:
    findings.append(Finding(
        "unlabelled-pixels",
        f"{bare} pixels are covered by no region and the label map has no fill class; written as void "
        f"({labelmap.void}); bounding box x={box[0]} y={box[1]} w={box[2]} h={box[3]}",
        file=sample.origin.file, image=sample.name, pixels=bare))


def paint(sample: Sample, labelmap: LabelMap, *, rule: str = "coco", instances: bool = False,
          trace: bool = False) -> Painted:
    """Paint ``sample`` into a ``(height, width)`` class mask of ``labelmap.dtype``.

    With ``instances=True`` an instance mask is painted too: objects numbered
    1..N in painting order (regions sharing ``Region.instance`` and label are
    one object), 0 where no object is and on void regions.

    Internally every canvas is stored transposed, ``[column, row]``, the order
    of COCO run-lengths, so a region's window is painted without copying it;
    the class mask is transposed once at the end.
    """
    h, w = sample.height, sample.width
    pairs, findings = resolve(sample, labelmap)
    ordered = painting_order(pairs, labelmap)
    fill = labelmap.fill
    base = fill.index if fill else labelmap.void
    canvas = np.full((w, h), base, dtype=labelmap.dtype)
    covered = None if fill or trace else np.zeros((w, h), dtype=bool)
    inst_canvas = np.zeros((w, h), dtype=np.uint32) if instances else None
    objects: dict[object, Instance] = {}
    inst_list: list[Instance] = []

    owner_type = np.int16 if len(ordered) < 32000 else np.int32
    owner = np.full((w, h), -1, dtype=owner_type) if trace and ordered else None
    offending = None
    painted: list[tuple[Region, LabelClass | None]] = []
    raster: list[int] = []
    visible: list[int] = []
    boxes = np.zeros((len(ordered), 4), dtype=np.int64)  # (left, right, top, bottom) per painted region
    overlaps: dict[tuple[int, int], int] = {}
    constrained = {c.name for c in labelmap.classes if c.within} if trace else set()
    containers = {n for c in labelmap.classes if c.name in constrained for n in c.within}
    union = {n: np.zeros((w, h), dtype=bool) for n in containers}
    kept: list = []

    for region, cls in ordered:
        if not has_area(region.geometry, rule):
            findings.append(Finding(
                "no-area-shape",
                f"{region.attributes.get('shape', type(region.geometry).__name__.lower())} has no area under "
                f"rule '{rule}'; not painted (rule 'labelme' draws it as labelme does)",
                file=region.origin.file, image=sample.name, element=region.origin.element,
                line=region.origin.line))
            continue
        try:
            window = raster_window_t(region.geometry, h, w, rule)
        except GeometryTooLarge as exc:
            findings.append(Finding("coordinates-too-large", f"{exc}; not painted", file=region.origin.file,
                                    image=sample.name, element=region.origin.element, line=region.origin.line))
            continue
        value = labelmap.void if cls is None else cls.index
        obj_id = 0
        if inst_canvas is not None:
            key = (region.instance, region.label) if region.instance is not None else id(region)
            obj = objects.get(key)
            if obj is None:
                obj = Instance(len(inst_list) + 1, cls, [])
                objects[key] = obj
                inst_list.append(obj)
            obj.regions.append(region)
            obj_id = obj.id if cls is not None else 0
        if window is None:
            if trace:
                boxes[len(painted)] = (0, 0, 0, 0)
                painted.append((region, cls))
                raster.append(0)
                visible.append(0)
            continue
        left, top, mask = window  # mask[column, row]
        right, bottom = left + mask.shape[0], top + mask.shape[1]
        cs, rs = slice(left, right), slice(top, bottom)
        if trace:
            index = len(painted)
            painted.append((region, cls))
            own = owner[cs, rs]
            n_pixels = int(np.count_nonzero(mask))
            raster.append(n_pixels)
            visible.append(n_pixels)
            boxes[index] = (left, right, top, bottom)
            # earlier regions whose box meets this one, and that still own pixels
            b = boxes[:index]
            meets = np.flatnonzero((b[:, 0] < right) & (b[:, 1] > left) & (b[:, 2] < bottom) & (b[:, 3] > top))
            meets = [j for j in meets.tolist() if visible[j] > 0]
            if meets:
                x0, x1 = int(max(left, b[meets, 0].min())), int(min(right, b[meets, 1].max()))
                y0, y1 = int(max(top, b[meets, 2].min())), int(min(bottom, b[meets, 3].max()))
                under = owner[x0:x1, y0:y1][mask[x0 - left:x1 - left, y0 - top:y1 - top]]
                for j in meets:
                    n = int(np.count_nonzero(under == j))
                    if not n:
                        continue
                    visible[j] -= n  # region j loses these pixels to this one
                    other = painted[j][1]
                    if cls is not None and other is not None and other.level == cls.level \
                            and other.name != cls.name:
                        overlaps[(j, index)] = n
                        if offending is None:
                            offending = np.zeros((w, h), dtype=bool)
                        offending[cs, rs] |= mask & (own == j)
            own[mask] = index
            if cls is not None and cls.name in union:
                union[cls.name][cs, rs] |= mask
            if cls is not None and cls.name in constrained:
                kept.append((index, cs, rs, mask, cls))
        canvas[cs, rs][mask] = value
        if covered is not None:
            covered[cs, rs] |= mask
        if inst_canvas is not None:
            inst_canvas[cs, rs][mask] = obj_id

    result = Painted(np.ascontiguousarray(canvas.T), findings)
    if trace:
        outside: dict[int, tuple[int, tuple[int, int, int, int]]] = {}
        for index, cs, rs, mask, cls in kept:
            allowed = np.zeros(mask.shape, dtype=bool)
            for name in cls.within:
                allowed |= union[name][cs, rs]
            out = mask & ~allowed
            n = int(np.count_nonzero(out))
            if n:
                x, y, bw, bh = bbox_of(out.T)
                outside[index] = (n, (x + cs.start, y + rs.start, bw, bh))
                if offending is None:
                    offending = np.zeros((w, h), dtype=bool)
                offending[cs, rs] |= out
        if owner is None:
            owner = np.full((w, h), -1, dtype=np.int16)
        result.trace = Trace(painted, np.array(raster, dtype=np.int64), np.array(visible, dtype=np.int64),
                             owner.T, overlaps, outside, None if offending is None else offending.T)
        if fill is None:
            bare = h * w - int(sum(visible))
            if bare:
                _report_bare(findings, sample, labelmap, bare, bbox_of(owner.T < 0))
    if covered is not None and fill is None:
        bare = int(h * w - np.count_nonzero(covered))
        if bare:
            _report_bare(findings, sample, labelmap, bare, bbox_of(~covered.T))
    if inst_canvas is not None:
        counts = np.bincount(inst_canvas.ravel(), minlength=len(inst_list) + 1)
        for obj in inst_list:
            obj.pixels = int(counts[obj.id])
        result.instance_mask = np.ascontiguousarray(inst_canvas.T)
        result.instances = inst_list
    return result
