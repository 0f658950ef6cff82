"""What painting gives: the class mask, the stretches it was drawn from, the objects, and the trace.

:func:`convert.painting.paint.paint` returns a :class:`Painted`; writers read its ``class_mask``, its
``stretches`` (the column-major stretches with the region on top of each, see :class:`Stretches`) and its
``instances``; the validator reads its ``traced`` :class:`Trace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convert.findings import Finding
from convert.model.labelmap import LabelClass
from convert.model.sample import Region
from convert.pixels import runs
from convert.pixels.layers import lookup
from convert.pixels.runs import store_columns


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
    void) and ``levels[i]`` the level it painted at; ``raster[i]`` its pixel
    count before layering, ``visible[i]`` after.  ``overlaps[(i, j)]`` is
    ``(both, shown)`` for two regions of one level and different classes, i
    painted before j: ``both`` pixels lie in both regions, and on ``shown`` of
    them no higher level covers the pair, so the mask shows what the order
    inside the level decided.  ``outside[i]`` holds the pixels of region i
    outside the classes its class must lie ``within``, with their bounding
    box.  ``covered_by[i]`` lists, for every region that shows no pixel, the
    regions on top of it.  Pixels as masks (for pictures) come from
    :meth:`offending_mask` and :meth:`bare_mask`.
    """

    painted: list[tuple[Region, LabelClass | None]]
    levels: np.ndarray
    raster: np.ndarray
    visible: np.ndarray
    overlaps: dict[tuple[int, int], tuple[int, int]]
    outside: dict[int, tuple[int, tuple[int, int, int, int]]]
    covered_by: dict[int, list[int]]
    height: int
    width: int
    offending_runs: tuple[np.ndarray, np.ndarray]
    bare_runs: tuple[np.ndarray, np.ndarray]
    region_runs: tuple[np.ndarray, np.ndarray, np.ndarray]  # (starts, ends, which) of every painted region

    def raster_bbox(self, i: int) -> tuple[int, int, int, int] | None:
        """(x, y, width, height) of region i's pixels before layering, or None when it has none."""
        starts, ends, which = self.region_runs
        lo, hi = np.searchsorted(which, [i, i + 1])
        if lo == hi:
            return None
        return runs.bbox(starts[lo:hi], ends[lo:hi], self.height)

    def raster_bboxes(self) -> list[tuple[int, int, int, int] | None]:
        """:meth:`raster_bbox` of every region, in one pass over the runs."""
        starts, ends, which = self.region_runs
        return runs.bboxes(starts, ends, which, len(self.painted), self.height)

    def bare_box(self) -> tuple[int, int, int, int]:
        """(x, y, width, height) of the pixels no region covers (there must be some)."""
        return runs.bbox(*self.bare_runs, self.height)

    def bare_mask(self) -> np.ndarray:
        """``(height, width)`` booleans: the pixels no region covers."""
        return runs.to_mask(*self.bare_runs, self.height, self.width)

    def offending_mask(self) -> np.ndarray | None:
        """``(height, width)`` booleans: pixels of same-level overlaps and pixels
        outside their container; ``None`` when there are none."""
        if not len(self.offending_runs[0]):
            return None
        return runs.to_mask(*self.offending_runs, self.height, self.width)


@dataclass(slots=True)
class Stretches:
    """The painted image as stretches of the column-major pixel order (see
    :mod:`convert.pixels.runs`): pixels ``starts[i]`` .. ``ends[i] - 1`` show the
    painted region ``top[i]`` (-1: none).  Writers that encode run lengths
    (COCO RLE) use them instead of scanning a mask per object.

    ``values`` is the class value of each painted region and ``empty`` the
    value of pixels no region covers; ``objects`` (with ``instances=True``)
    the instance id each region writes, 0 for void; ``levels`` the level each
    region painted at (:func:`convert.model.ordering.paint_level`).

        >>> s = Stretches(np.array([0, 2]), np.array([2, 6]), np.array([-1, 0]), np.array([7]), 0)
        >>> s.per_stretch(s.values, s.empty).tolist()
        [0, 7]
    """

    starts: np.ndarray
    ends: np.ndarray
    top: np.ndarray
    values: np.ndarray
    empty: int
    objects: np.ndarray | None = None
    levels: np.ndarray | None = None

    @property
    def object_ids(self) -> np.ndarray:
        """``objects``, painted with ``instances=True``."""
        if self.objects is None:
            raise ValueError("painted without instances=True")
        return self.objects

    def per_stretch(self, per_region: np.ndarray, empty) -> np.ndarray:
        """``per_region[top]`` for every stretch, ``empty`` where no region is."""
        return lookup(per_region, empty)[self.top]

    def drawn_void(self, void: int) -> np.ndarray:
        """For every stretch: a region paints it void (a void region, or a label the label map does not know).
        Pixels no region covers are left out, though without a fill class they are void in the mask too: they
        are what no region covers, reported as ``unlabelled-pixels``, not void a source drew.

            >>> s = Stretches(np.array([0, 2, 4]), np.array([2, 4, 6]), np.array([-1, 0, 1]), np.array([9, 1]), 9)
            >>> s.drawn_void(9).tolist()
            [False, True, False]
        """
        return self.per_stretch(self.values == void, False)

    def pixels(self, chosen: np.ndarray) -> int:
        """The pixels of the stretches ``chosen`` (one boolean per stretch).

            >>> Stretches(np.array([0, 2]), np.array([2, 7]), np.array([0, -1]), np.array([1]), 9).pixels(
            ...     np.array([False, True]))
            5
        """
        return int((self.ends - self.starts)[chosen].sum())

    def image(self, per_region: np.ndarray, empty, shape: tuple[int, int]) -> np.ndarray:
        """The row-major ``shape`` image showing ``per_region`` of the region on top
        of every pixel, ``empty`` where no region is."""
        out = np.empty(shape, dtype=per_region.dtype)
        store_columns(out, 0, np.repeat(self.per_stretch(per_region, empty), self.ends - self.starts))
        return out


@dataclass(slots=True)
class Painted:
    """What :func:`paint` returns."""

    class_mask: np.ndarray
    findings: list[Finding] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    trace: Trace | None = None
    drawn_from: Stretches | None = None  # set by paint(); read it as ``stretches``

    @property
    def traced(self) -> Trace:
        """The trace of ``paint(..., trace=True)``."""
        if self.trace is None:
            raise ValueError("painted without trace=True")
        return self.trace

    @property
    def stretches(self) -> Stretches:
        """The stretches the mask was written from (always there after :func:`paint`)."""
        if self.drawn_from is None:
            raise ValueError("not painted by convert.painting.paint.paint")
        return self.drawn_from

    def drawn_void(self, void: int) -> np.ndarray:
        """``(height, width)`` booleans: the pixels a region paints void (:meth:`Stretches.drawn_void`); with a
        fill class, every void pixel of the mask."""
        st = self.stretches
        return st.image(st.values == void, False, self.class_mask.shape)

    @property
    def instance_mask(self) -> np.ndarray | None:
        """With ``paint(..., instances=True)``: objects numbered 1..N in painting
        order, 0 where no object is and on void.  Drawn from the stretches when
        asked for; writers that work on runs never pay for it."""
        st = self.drawn_from
        if st is None or st.objects is None:
            return None
        return st.image(st.objects.astype(np.min_scalar_type(len(self.instances))), 0, self.class_mask.shape)
