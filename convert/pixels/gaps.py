"""Bare stretches along rows and columns, and which bare pixels a gap rule fills.

Bare pixels are given as runs of the column-major flat index (:mod:`convert.pixels.runs`): pixel (row r,
column c) of an image ``height`` rows tall is ``c * height + r``.  A *stretch* is a maximal line of bare
pixels along one row or one column.  It is *bounded* when the pixels just beyond both of its ends lie inside
the image (they are then covered: the stretch is maximal); a stretch that reaches the border is an open
inlet.  :func:`gap_fills` lists every bare pixel that lies on a bounded stretch at most ``widest`` long,
with the stretch that decides it: the shorter of its row and column stretch, the row on a tie.

    >>> import numpy as np
    >>> # 3 rows x 5 columns; column 2 is bare in rows 0..2, the rest covered
    >>> fills = gap_fills(np.array([6]), np.array([9]), 3, 5, widest=2)
    >>> fills.pixel.tolist(), fills.length.tolist(), fills.along_row.tolist()
    ([6, 7, 8], [1, 1, 1], [True, True, True])
    >>> fills.near.tolist(), fills.far.tolist(), fills.tied.tolist()   # the pixels left and right of each
    ([3, 4, 5], [9, 10, 11], [True, True, True])

Cost follows the number of stretch ends: column stretches are the runs themselves, row stretches come from
where a column's bare runs differ from the column before (the runs of both, shifted by one column and
compared boundary by boundary); no pass over the image's pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convert.pixels.runs import EMPTY, split_columns


@dataclass(frozen=True, slots=True)
class GapFills:
    """Bare pixels a gap rule fills, sorted by ``pixel`` (flat column-major index).  For each: the ``length``
    of the stretch that decides it, whether that stretch runs ``along_row``, the covered pixel at its
    ``near`` end and at its ``far`` end (flat indices), and whether both ends are equally near (``tied``)."""

    pixel: np.ndarray
    length: np.ndarray
    along_row: np.ndarray
    near: np.ndarray
    far: np.ndarray
    tied: np.ndarray

    def __len__(self) -> int:
        return len(self.pixel)


def _expand(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which stretch, position 0..length-1 in it) of every pixel of stretches of ``lengths``."""
    which = np.repeat(np.arange(len(lengths)), lengths)
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return which, offsets


def _along(first_pixel, step: int, lengths, before, after, along_row: bool):
    """The pixels of some stretches (``first_pixel`` + k * ``step``) with the covered pixel ``before`` and
    ``after`` each, as GapFills columns (unsorted)."""
    which, k = _expand(lengths)
    length = lengths[which]
    pixel = first_pixel[which] + k * step
    to_before, to_after = k + 1, length - k
    near = np.where(to_before <= to_after, before[which], after[which])
    far = np.where(to_before <= to_after, after[which], before[which])
    return pixel, length, np.full(len(pixel), along_row), near, far, to_before == to_after


def column_stretches(starts: np.ndarray, ends: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Bare runs cut at every column start: the column stretches, as ``(starts, ends)``."""
    return split_columns(starts, ends, height)


def row_stretches(starts: np.ndarray, ends: np.ndarray, height: int,
                  width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The row stretches of the bare runs ``[starts, ends)``: ``(rows, first columns, end columns)``, the end
    exclusive, sorted by row then column.

    A pixel starts a row stretch where it is bare and the pixel left of it is not, and the stretch ends
    before the first pixel that is not bare: both are where the bare set differs from itself shifted one
    column to the right (its boundaries and the shifted ones, those present in both cancelling out).

    >>> # 2 rows x 3 columns: bare pixels (0, 0), (0, 1) and (1, 2)
    >>> [a.tolist() for a in row_stretches(np.array([0, 2, 5]), np.array([1, 3, 6]), 2, 3)]
    [[0, 1], [0, 2], [2, 3]]
    """
    if not len(starts):
        return EMPTY, EMPTY, EMPTY
    points = np.concatenate((starts, ends, starts + height, ends + height))
    points.sort(kind="stable")
    odd = np.ones(len(points), dtype=bool)  # a point in both lists cancels: keep those that occur once
    same = points[1:] == points[:-1]
    odd[1:] &= ~same
    odd[:-1] &= ~same
    points = points[odd]
    lo, hi = points[0::2], points[1::2]
    which, k = _expand(hi - lo)
    edge = lo[which] + k  # flat index of the pixel right of a change along its row (column may be `width`)
    # the pixel right of the change is bare: a stretch starts; else the one left of it was: a stretch ends
    where = np.searchsorted(starts, edge, side="right") - 1
    opens = (where >= 0) & (edge < ends[np.maximum(where, 0)])
    column, row = np.divmod(edge, height)
    order = np.lexsort((column, row))
    row, column, opens = row[order], column[order], opens[order]
    return row[opens], column[opens], column[~opens]  # in each row, starts and ends alternate


def gap_fills(starts: np.ndarray, ends: np.ndarray, height: int, width: int, widest: int) -> GapFills:
    """The bare pixels (runs ``[starts, ends)``, sorted and disjoint) that lie on a bounded row or column
    stretch of at most ``widest`` pixels, each with the stretch that decides it (see the module docstring)."""
    from convert.pixels.runs import join

    starts, ends = join(starts, ends)
    parts = []
    c_starts, c_ends = column_stretches(starts, ends, height)
    c_len = c_ends - c_starts
    row0, row_end = c_starts % height, c_ends - (c_starts - c_starts % height)
    keep = (row0 > 0) & (row_end < height) & (c_len <= widest)
    if keep.any():
        s, n = c_starts[keep], c_len[keep]
        parts.append(_along(s, 1, n, s - 1, s + n, along_row=False))
    rows, first, end = row_stretches(starts, ends, height, width)
    r_len = end - first
    keep = (first > 0) & (end < width) & (r_len <= widest)
    if keep.any():
        r, c, n = rows[keep], first[keep], r_len[keep]
        s = c * height + r
        parts.append(_along(s, height, n, s - height, s + n * height, along_row=True))
    if not parts:
        return GapFills(EMPTY, EMPTY, np.zeros(0, bool), EMPTY, EMPTY, np.zeros(0, bool))
    pixel, length, along_row, near, far, tied = (np.concatenate(c) for c in zip(*parts))
    order = np.lexsort((~along_row, length, pixel))  # per pixel: the shorter stretch first, the row on a tie
    pixel = pixel[order]
    first_of = np.ones(len(pixel), dtype=bool)
    first_of[1:] = pixel[1:] != pixel[:-1]
    pick = order[first_of]
    return GapFills(pixel[first_of], length[pick], along_row[pick], near[pick], far[pick], tied[pick])
