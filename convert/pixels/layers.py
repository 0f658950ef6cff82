"""Which region is on top of every stretch of pixels, and what lies beneath it.

The painter numbers the regions of an image 0..n-1 in painting order (lowest
level first, then source order) and hands over their runs (:mod:`convert.pixels.runs`).
The run boundaries of all regions cut the column-major flat index into
*segments*: stretches that every region covers entirely or not at all.  For
every segment the sweep lists its *stack*, the regions covering it from bottom
to top.  The top of the stack is what the pixels show; the entry just below a
region is what that region painted over.  Everything the painter and the
validator need comes from these stacks: the class mask, visible pixels per
region, overlaps, hidden regions, pixels outside a container.

    >>> starts, ends = np.array([0, 2]), np.array([4, 6])   # region 0: 0..3, region 1: 2..5
    >>> layers = Layers.sweep(starts, ends, np.array([0, 1]), 2, 0, 8)
    >>> layers.bounds.tolist(), layers.top.tolist()          # segments and who is on top
    ([0, 2, 4, 6, 8], [0, 1, 1, -1])
    >>> layers.paint(np.array([7, 9], dtype=np.uint8), 0).tolist()
    [7, 7, 9, 9, 9, 9, 0, 0]
    >>> [(u.tolist(), o.tolist(), p.tolist()) for u, o, p in [layers.painted_over()]]
    [([0], [1], [2])]

Cost follows the number of runs and of stack entries, not the image area;
only :meth:`Layers.paint` touches every pixel, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STACK_LIMIT = 8_000_000  # stack entries in one band; more and the band is split by columns


@dataclass(slots=True)
class Layers:
    """The segments of ``[lo, hi)`` and their stacks.

    ``bounds``: segment i is ``[bounds[i], bounds[i + 1])``.  ``top[i]``: the
    region on top of segment i, -1 when no region covers it.  ``seg`` and
    ``region``: every stack entry, sorted by segment, then bottom to top.
    """

    bounds: np.ndarray
    top: np.ndarray
    seg: np.ndarray
    region: np.ndarray

    @classmethod
    def sweep(cls, starts: np.ndarray, ends: np.ndarray, region: np.ndarray, n_regions: int,
              lo: int, hi: int) -> Layers:
        """Stacks of the runs ``[starts, ends)`` (inside ``[lo, hi)``, grouped by
        ``region`` in painting order, each region's runs in order)."""
        bounds, first, count = _segments(starts, ends, lo, hi)
        return cls._stack(bounds, first, count, region, n_regions)

    @classmethod
    def _stack(cls, bounds, first, count, region, n_regions) -> Layers:
        total = int(count.sum())
        # stack entries, generated region by region: the segments each run covers
        seg = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count - first, count)
        bits = max(int(n_regions) - 1, 1).bit_length()  # the region in the low bits: shifts, not a division
        key = (seg << bits) | np.repeat(region, count)
        key.sort(kind="stable")  # sorted runs of keys, one per region: timsort merges them
        seg, reg = key >> bits, key & ((1 << bits) - 1)
        top = np.full(len(bounds) - 1, -1, dtype=np.int64)
        np.maximum.at(top, seg, reg)  # the last region painted over a segment is the highest-numbered one
        return cls(bounds, top, seg, reg)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.bounds)

    def paint(self, values: np.ndarray, empty, dtype=None) -> np.ndarray:
        """The flat column-major pixels of ``[lo, hi)``: ``values[region]`` of the
        region on top, ``empty`` where no region is."""
        return np.repeat(lookup(values, empty, dtype)[self.top], self.lengths)

    def visible(self, n_regions: int) -> np.ndarray:
        """Pixels each region shows after layering."""
        on = self.top >= 0
        return np.bincount(self.top[on], weights=self.lengths[on], minlength=n_regions).astype(np.int64)

    def painted_over(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(under, over, pixels)`` per segment where region ``over`` was painted
        directly on region ``under`` (consecutive entries of one stack)."""
        same = self.seg[1:] == self.seg[:-1]
        return self.region[:-1][same], self.region[1:][same], self.lengths[self.seg[1:][same]]

    def runs_of(self, segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The runs ``(starts, ends)`` of some segments (sorted indices)."""
        return self.bounds[segments], self.bounds[segments + 1]


def lookup(per_region: np.ndarray, empty, dtype=None) -> np.ndarray:
    """``per_region`` with ``empty`` appended, to be indexed by a region number:
    -1 (no region) reads ``empty``.

    >>> lookup(np.array([4, 9]), 0)[np.array([1, -1, 0])].tolist()
    [9, 0, 4]
    """
    lut = np.empty(len(per_region) + 1, dtype=dtype or per_region.dtype)
    lut[:-1] = per_region
    lut[-1] = empty
    return lut


def _segments(starts, ends, lo: int, hi: int):
    """Segment bounds of ``[lo, hi)`` and, per run, its first segment and how many it covers."""
    # every region's runs are sorted already: timsort ("stable") merges them in near-linear time
    cuts = np.sort(np.concatenate((starts, ends, [lo, hi])), kind="stable")
    fresh = np.empty(len(cuts), dtype=bool)
    fresh[0] = True
    np.not_equal(cuts[1:], cuts[:-1], out=fresh[1:])
    bounds = cuts[fresh]
    first = np.searchsorted(bounds, starts)
    count = np.searchsorted(bounds, ends) - first
    return bounds, first, count


def sweep_bands(starts: np.ndarray, ends: np.ndarray, region: np.ndarray, n_regions: int, height: int,
                width: int, limit: int = STACK_LIMIT):
    """Yield ``(first column, end column, Layers)`` over the whole image, in
    column order.  One band normally; a band whose stacks would hold more than
    ``limit`` entries (deep, finely cut masks) is split in two by columns, so
    memory stays bounded whatever the input.

    >>> starts, ends = np.array([0, 1, 3, 5]), np.array([6, 2, 4, 6])     # 2 rows, 3 columns
    >>> region = np.array([0, 1, 1, 1])                                 # 9 stack entries in all
    >>> [(c0, c1) for c0, c1, _ in sweep_bands(starts, ends, region, 2, 2, 3, limit=4)]
    [(0, 1), (1, 2), (2, 3)]
    """
    pending = [(0, width)]
    while pending:
        c0, c1 = pending.pop()
        lo, hi = c0 * height, c1 * height
        s, e, r = starts, ends, region
        if c0 > 0 or c1 < width:
            inside = (s < hi) & (e > lo)
            s, e, r = np.maximum(s[inside], lo), np.minimum(e[inside], hi), r[inside]
        bounds, first, count = _segments(s, e, lo, hi)
        if int(count.sum()) > limit and c1 - c0 > 1:
            middle = (c0 + c1) // 2
            pending += [(middle, c1), (c0, middle)]  # the left half comes out first
            continue
        yield c0, c1, Layers._stack(bounds, first, count, r, n_regions)
