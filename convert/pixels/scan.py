"""The two orders a flat pixel index can count in, and runs in either.

Row-major (C order, "left to right, then top to bottom"): pixel (row r, column c) of a ``height`` x
``width`` image is ``r * width + c``.  Column-major (Fortran order, "top to bottom, then left to right"):
``c * height + r``, the order of COCO's RLE and of segconv's own runs (:mod:`convert.pixels.runs`).  A run
list read in the wrong one of the two is the mask transposed and cut to the wrong shape, without any
error: the trap of Kaggle's run-length CSVs (``docs/formats.md``, "Kaggle run-length CSV").

    >>> s, e = from_row_major(np.array([1, 6]), np.array([3, 8]), 2, 5)   # rows 0 and 1, columns 1-2
    >>> s.tolist(), e.tolist()                                            # columns 1-2, both rows
    ([2], [6])
    >>> image = np.array([[0, 7, 7], [0, 0, 7]])
    >>> {v: (s.tolist(), e.tolist()) for v, (s, e) in value_runs(image, "row").items()}
    {7: ([1, 5], [3, 6])}
    >>> {v: (s.tolist(), e.tolist()) for v, (s, e) in value_runs(image, "column").items()}
    {7: ([2, 4], [3, 6])}
"""

from __future__ import annotations

import numpy as np

from convert.pixels import runs

ORDERS = ("row", "column")


def from_row_major(starts: np.ndarray, ends: np.ndarray, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The column-major runs of the pixels that sorted, disjoint row-major runs cover.  Only the rows the
    runs touch are laid out (a window of those rows, full width), never more than the image."""
    starts, ends = runs.join(np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))
    if not len(starts):
        return runs.EMPTY, runs.EMPTY
    first, last = int(starts[0]) // width, (int(ends[-1]) - 1) // width
    base = first * width
    steps = np.zeros((last - first + 1) * width + 1, dtype=np.int8)  # +1 where a run starts, -1 where it ends
    steps[starts - base] = 1
    steps[ends - base] = -1  # joined runs never end where another starts
    window = np.cumsum(steps[:-1], dtype=np.int8).astype(bool).reshape(-1, width)
    return runs.from_window(0, first, window.T, height)


def mask_of(starts: np.ndarray, ends: np.ndarray, height: int, width: int, order: str) -> np.ndarray:
    """The ``(height, width)`` boolean mask of runs counted in ``order`` (runs inside the image)."""
    n = height * width
    steps = np.bincount(starts, minlength=n + 1) - np.bincount(ends, minlength=n + 1)
    flat = np.cumsum(steps[:-1]) > 0
    return flat.reshape(height, width) if order == "row" else flat.reshape(width, height).T


def value_runs(image: np.ndarray, order: str) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The runs of every non-zero value of a ``(height, width)`` integer image, counted in ``order``
    (``"row"`` or ``"column"``): ``{value: (starts, ends)}``, each value's runs sorted and disjoint."""
    flat = (image if order == "row" else image.T).ravel()
    if not flat.size:
        return {}
    cut = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts = np.concatenate(([0], cut)).astype(np.int64)
    ends = np.concatenate((cut, [flat.size])).astype(np.int64)
    values = flat[starts]
    out = {}
    for value, s, e in runs.by_value(starts, ends, values):
        if value:
            out[int(value)] = (s, e)
    return out
