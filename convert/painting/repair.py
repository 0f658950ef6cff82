"""Repairing a painted sample: gaps closed, small pieces merged, every changed pixel counted.

Two rules (``segconv fix``, and ``convert`` with the same flags), applied in this order to what
:func:`~convert.painting.paint.paint` made, each decided on the painting the rule before left:

1. **close gaps** (``close_gaps`` = W): a *bare* pixel is one no region covers (before the fill class is
   applied).  It is filled when the bare stretch through it along its row or its column is at most W pixels
   long and bounded at both ends by covered pixels (a stretch reaching the image border is an open inlet);
   the shorter stretch decides, the row on a tie.  It takes what the nearer end shows; equally near, the end
   whose region painted at the higher level, then the lower class index (void counting as its value).  Bare
   pixels left unfilled stay bare: the fill class, or void, as always.
2. **min area** (``min_area`` = A): each 4-connected piece of one class of fewer than A pixels (void
   excepted) takes the class it shares the longest border with, counted in pixel edges and only against
   pixels outside every such piece and not void; on a tie the class of the higher level, then the lower
   index.  A piece with no such neighbour stays.  All pieces are decided at once.

Nothing else changes.  A repaired pixel joins a region that is already there, so writers see an ordinary
painting: a filled gap pixel joins the region on top of the end it copied (so an instance writer grows that
object), a merged piece joins the region on top of the most of its border with the class it took (bare
pixels when that class is the fill class shown where nothing is drawn; a drawn region wins a tie, then the
first painted).

    >>> from convert.model.labelmap import LabelMap
    >>> from convert.model.sample import Box, Origin, Region, Sample
    >>> from convert.painting.paint import paint
    >>> lm = LabelMap.from_dict({"classes": [{"name": "plate", "index": 1, "level": 1},
    ...                                      {"name": "bowl", "index": 2, "level": 1}]})
    >>> o = Origin("demo")
    >>> s = Sample("a.jpg", 7, 2, [Region("plate", Box(0, 0, 3, 2), (0,), o),
    ...                            Region("bowl", Box(4, 0, 7, 2), (1,), o)], o)
    >>> painted = paint(s, lm)
    >>> painted.class_mask.tolist()                       # a 1-pixel gap in column 3, written as void
    [[1, 1, 1, 255, 2, 2, 2], [1, 1, 1, 255, 2, 2, 2]]
    >>> fixed = repair(painted, lm, RepairRules(close_gaps=1))
    >>> fixed.painted.class_mask.tolist()                 # equally near: same level, the lower index wins
    [[1, 1, 1, 1, 2, 2, 2], [1, 1, 1, 1, 2, 2, 2]]
    >>> fixed.gaps, fixed.net
    ({(255, 1): 2}, {(255, 1): 2})
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from convert.model.labelmap import LabelMap
from convert.painting.paint import Painted, Stretches
from convert.pixels import runs
from convert.pixels.gaps import gap_fills
from convert.pixels.layers import lookup
from convert.pixels.pieces import borders, small_pieces

Pairs = dict[tuple[int, int], int]  # (value before, value after): pixels


@dataclass(frozen=True, slots=True)
class RepairRules:
    """What to repair: ``close_gaps`` (W, 0 = off) and ``min_area`` (A, 0 = off)."""

    close_gaps: int = 0
    min_area: int = 0

    def __bool__(self) -> bool:
        return bool(self.close_gaps or self.min_area)

    def to_dict(self) -> dict:
        return {"close_gaps": self.close_gaps, "min_area": self.min_area}


@dataclass
class Repaired:
    """What :func:`repair` returns: the repaired ``painted``; per rule the pixels it changed, as ``{(value
    before, value after): pixels}`` (``gaps`` counts every filled pixel, also one that shows the class it
    showed before: the fill class, drawn now); the pieces merged and the pieces kept for want of a
    neighbour; ``net``, the pixels whose value differs after both rules (what ``segconv diff`` sees); and the
    runs of the pixels either rule touched."""

    painted: Painted
    gaps: Pairs = field(default_factory=dict)
    pieces: Pairs = field(default_factory=dict)
    merged: int = 0
    kept: int = 0
    net: Pairs = field(default_factory=dict)
    touched: tuple[np.ndarray, np.ndarray] = (runs.EMPTY, runs.EMPTY)

    def touched_mask(self) -> np.ndarray:
        """``(height, width)`` booleans: the pixels either rule filled or merged."""
        h, w = self.painted.class_mask.shape
        return runs.to_mask(*self.touched, h, w)


def _pairs(before: np.ndarray, after: np.ndarray, pixels: np.ndarray) -> Pairs:
    """``{(before, after): summed pixels}``."""
    out: Pairs = {}
    for b, a, n in zip(before.tolist(), after.tolist(), pixels.tolist()):
        out[(b, a)] = out.get((b, a), 0) + int(n)
    return dict(sorted(out.items()))


def _first_per(group: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Indices of the first row of each ``group`` when rows are ordered by ``keys`` (most important first)."""
    order = np.lexsort((*reversed(keys), group))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    return order[first]


def _top_at(starts: np.ndarray, top: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    return top[np.searchsorted(starts, pixels, side="right") - 1]


def close_gaps(st: Stretches, height: int, width: int, widest: int, starts, ends, top):
    """Rule 1 on the stretches ``(starts, ends, top)``: the new stretches, the filled pixels and the region
    each joined."""
    bare = top < 0
    fills = gap_fills(starts[bare], ends[bare], height, width, widest)
    if not len(fills):
        return starts, ends, top, runs.EMPTY, runs.EMPTY
    levels = st.levels if st.levels is not None else np.zeros(len(st.values), dtype=np.int64)
    near, far = _top_at(starts, top, fills.near), _top_at(starts, top, fills.far)
    lv_near, lv_far = levels[near], levels[far]
    far_first = (lv_far > lv_near) | ((lv_far == lv_near) & (st.values[far] < st.values[near]))
    region = np.where(fills.tied & far_first, far, near)
    starts, ends, top = runs.paste(starts, ends, top, fills.pixel, fills.pixel + 1, region)
    return starts, ends, top, fills.pixel, region


def merge_pieces(st: Stretches, labelmap: LabelMap, height: int, width: int, smaller_than: int, starts, ends,
                 top):
    """Rule 2 on the stretches ``(starts, ends, top)``: the new stretches, ``(before, after, pixels)`` per merged
    piece, its runs, and how many pieces were kept."""
    f_starts, f_ends = runs.split_columns(starts, ends, height)
    f_top = top[np.searchsorted(starts, f_starts, side="right") - 1]
    shown = lookup(st.values, st.empty)
    f_val = shown[f_top].astype(np.int64)
    found = small_pieces(f_starts, f_ends, f_val, height, smaller_than, skip=labelmap.void)
    n_pieces = len(found.sizes)
    nothing = (starts, ends, top, (runs.EMPTY,) * 3, (runs.EMPTY, runs.EMPTY), n_pieces)
    if not n_pieces:
        return nothing
    piece, run, edges = borders(found, f_starts, f_ends, height, width)
    value = f_val[run]
    keep = value != labelmap.void
    piece, run, edges, value = piece[keep], run[keep], edges[keep], value[keep]
    merged_pieces = np.unique(piece)
    if not len(piece):
        return nothing
    # the class: the longest border, then the higher level, then the lower index
    key = piece * (int(value.max()) + 1) + value
    pairs, inverse = np.unique(key, return_inverse=True)
    per_class = np.bincount(inverse, weights=edges).astype(np.int64)
    p_piece, p_value = np.divmod(pairs, int(value.max()) + 1)
    level_of = {cls.index: cls.level for cls in labelmap.classes}
    p_level = np.array([level_of.get(v, 0) for v in p_value.tolist()], dtype=np.int64)
    best = _first_per(p_piece, -per_class, -p_level, p_value)
    chosen = np.full(n_pieces, -1, dtype=np.int64)
    chosen[p_piece[best]] = p_value[best]
    # the region it joins: the most border among the runs of that class, a drawn region first, then the first
    mine = chosen[piece] == value
    r_piece, r_top, r_edges = piece[mine], f_top[run[mine]], edges[mine]
    key = r_piece * (len(st.values) + 1) + (r_top + 1)
    pairs, inverse = np.unique(key, return_inverse=True)
    per_region = np.bincount(inverse, weights=r_edges).astype(np.int64)
    g_piece, g_top = np.divmod(pairs, len(st.values) + 1)
    g_top -= 1
    best = _first_per(g_piece, -per_region, (g_top < 0).astype(np.int64), g_top)
    joins = np.full(n_pieces, -2, dtype=np.int64)
    joins[g_piece[best]] = g_top[best]
    moving = np.flatnonzero(found.piece >= 0)
    moving = moving[joins[found.piece[moving]] > -2]
    p_starts, p_ends = found.starts[moving], found.ends[moving]
    starts, ends, top = runs.paste(starts, ends, top, p_starts, p_ends, joins[found.piece[moving]])
    value_of_piece = np.empty(n_pieces, dtype=np.int64)
    value_of_piece[found.piece[moving]] = found.values[moving]
    changes = (value_of_piece[merged_pieces], chosen[merged_pieces], found.sizes[merged_pieces])
    return starts, ends, top, changes, (p_starts, p_ends), n_pieces - len(merged_pieces)


def repair(painted: Painted, labelmap: LabelMap, rules: RepairRules) -> Repaired:
    """``painted`` repaired by ``rules`` (see the module docstring); ``painted`` itself is not changed."""
    st = painted.stretches
    height, width = painted.class_mask.shape
    starts, ends, top = st.starts, st.ends, st.top
    result = Repaired(painted)
    touched_s, touched_e = [], []
    if rules.close_gaps:
        starts, ends, top, filled, region = close_gaps(st, height, width, rules.close_gaps, starts, ends, top)
        result.gaps = _pairs(np.full(len(filled), st.empty), st.values[region], np.ones(len(filled), np.int64))
        touched_s.append(filled)
        touched_e.append(filled + 1)
    if rules.min_area:
        starts, ends, top, changes, moved, result.kept = merge_pieces(st, labelmap, height, width, rules.min_area,
                                                                      starts, ends, top)
        result.pieces = _pairs(*changes)
        result.merged = len(changes[0])
        touched_s.append(moved[0])
        touched_e.append(moved[1])
    if not touched_s or not sum(len(t) for t in touched_s):
        return result
    final = Stretches(starts, ends, top, st.values, st.empty, st.objects, st.levels)
    result.touched = runs.union(np.concatenate(touched_s), np.concatenate(touched_e))
    # the touched pixels cut where the painting before or after changes: what each showed, and shows now
    shown = lookup(st.values, st.empty)
    which, run, _ = runs.overlapping(st.starts, st.ends, *result.touched)
    cut_s = np.maximum(result.touched[0][which], st.starts[run])
    cut_e = np.minimum(result.touched[1][which], st.ends[run])
    was = shown[st.top[run]]
    which, run, lengths = runs.overlapping(starts, ends, cut_s, cut_e)
    was, now = was[which], shown[top[run]]
    differs = was != now
    result.net = _pairs(was[differs].astype(np.int64), now[differs].astype(np.int64), lengths[differs])
    result.painted = _repainted(painted, final)
    d_starts = np.maximum(cut_s[which], starts[run])[differs]
    _patch(result.painted.class_mask, d_starts, d_starts + lengths[differs], now[differs])
    return result


def _repainted(painted: Painted, final: Stretches) -> Painted:
    """A painting with ``final`` stretches: the class mask copied (patched by the caller), the objects'
    visible pixels counted again; no trace (the trace describes the painting as the source drew it)."""
    instances = painted.instances
    if instances and final.objects is not None:
        on = final.top >= 0
        visible = np.bincount(final.top[on], weights=(final.ends - final.starts)[on], minlength=len(final.values))
        shown = np.bincount(final.objects, weights=visible, minlength=len(instances) + 1)
        instances = [dataclasses.replace(obj, pixels=int(shown[obj.id])) for obj in instances]
    return Painted(painted.class_mask.copy(), [], instances, None, final)


def _patch(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> None:
    """Write ``values`` over the column-major runs ``[starts, ends)`` of the row-major ``mask``."""
    if not len(starts):
        return
    height, width = mask.shape
    lengths = ends - starts
    which = np.repeat(np.arange(len(starts)), lengths)
    flat = starts[which] + np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths,
                                                                                     lengths)
    column, row = np.divmod(flat, height)
    mask.reshape(-1)[row * width + column] = values[which]
