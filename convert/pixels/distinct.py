"""The distinct values of a 1-D integer array, sorted: ``np.unique`` for the painter's hot path.

``np.unique`` imports ``numpy.ma`` on its first call (about a tenth of a second of numpy's start-up on
a slow machine) and checks for masked arrays on every call; the painter calls it on plain integer
arrays, per image.

    >>> distinct(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 2, 3]
    >>> distinct(np.array([], dtype=np.int64)).tolist()
    []
"""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray, below: int | None = None) -> np.ndarray:
    """The sorted distinct values of the 1-D array ``values`` (what ``np.unique(values)`` returns).

    ``below``: the values are known to lie in ``0 .. below - 1``.  When that range is small beside the
    array, the values present are counted instead of sorted (one pass; the painter's keys of region pairs
    are below the square of an image's region count, its segment numbers below the segment count).

    >>> distinct(np.array([7, 0, 7, 3]), below=8).tolist()
    [0, 3, 7]
    """
    if below is not None and 0 < below <= 4 * values.size:
        return np.flatnonzero(np.bincount(values, minlength=below)).astype(values.dtype, copy=False)
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
