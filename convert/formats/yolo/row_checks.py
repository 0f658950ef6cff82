"""The checks of one round of :func:`~convert.formats.yolo.centre_rows.fewer_vertices`, answered row by row
and remembered.

A round asks, many times over, whether a ring less a set of its corners fills as the ring did on the rows of
some of them (``_Frame.removable`` halves a set that fails).  A row's pixels come from the edges that reach
it only; a corner left out replaces its two edges by one between its neighbours, all inside its rows (from the
lowest to the highest of it and its neighbours), and no two corners of a round are neighbours.  So what a row
looks like depends only on the row and on which of the corners whose rows include it are left out: that
answer is kept, and a later check fills only the rows it has not seen in that state.  The answers are the
ones filling every row of the check gives, so the corners that go are the same.

    >>> from convert.pixels.ultralytics_fill import fill_runs
    >>> ring = np.array([[0, 0], [4, 0], [4, 2], [3, 3], [0, 3]])
    >>> target = fill_runs(ring, np.roll(ring, -1, axis=0), 0, 3)
    >>> memo = RowMemo(ring, np.array([3]), target)
    >>> memo.usable, memo.same(ring, np.array([True, True, True, False, True]), np.array([3]))
    (True, False)
"""

from __future__ import annotations

import numpy as np

_BITS = 62  # corners sharing one row at most, for a row's state to fit one integer


class RowMemo:
    """Per-row answers for one ring and its round's ``candidates`` (vertex indices, ascending, no two
    neighbours), against ``target``, the ring's own fill as runs ``(rows, first, last)`` sorted by row."""

    def __init__(self, ring: np.ndarray, candidates: np.ndarray, target: tuple[np.ndarray, np.ndarray, np.ndarray]):
        n = len(ring)
        ys = ring[:, 1]
        around = np.stack((ys[(candidates - 1) % n], ys[candidates], ys[(candidates + 1) % n]))
        low, high = around.min(axis=0), around.max(axis=0)
        counts = high - low + 1
        corner = np.repeat(np.arange(len(candidates)), counts)
        rows = low[corner] + np.arange(len(corner)) - np.repeat(np.cumsum(counts) - counts, counts)
        order = np.lexsort((corner, rows))
        self.rows, self.corner = rows[order], corner[order]  # every (row, candidate) pair, by row
        first = np.ones(len(self.rows), dtype=bool)
        first[1:] = self.rows[1:] != self.rows[:-1]
        starts = np.flatnonzero(first)
        bit = np.arange(len(self.rows)) - np.repeat(starts, np.diff(np.append(starts, len(self.rows))))
        self.usable = not len(bit) or int(bit.max()) < _BITS
        self.bit = np.left_shift(np.int64(1), bit.astype(np.int64))
        self.candidates, self.target = candidates, target
        self.base = int(self.rows[0]) if len(self.rows) else 0
        self.span = int(self.rows[-1]) - self.base + 1 if len(self.rows) else 0
        self.known: dict[tuple[int, int], bool] = {}

    def same(self, ring: np.ndarray, keep: np.ndarray, new: np.ndarray) -> bool:
        """Whether ``ring[keep]`` (``ring`` less candidates) fills as the target on the rows of ``new`` (some of
        the candidates left out), every row answered once per state."""
        out = np.zeros(len(self.candidates), dtype=bool)
        out[np.searchsorted(self.candidates, np.flatnonzero(~keep))] = True
        mine = np.zeros(len(self.candidates), dtype=bool)
        mine[np.searchsorted(self.candidates, new)] = True
        gone = out[self.corner]
        rows = self.rows[gone]  # sorted: one group of pairs a row
        at = np.flatnonzero(np.append(True, rows[1:] != rows[:-1])) if len(rows) else np.zeros(0, dtype=np.int64)
        state = np.add.reduceat(self.bit[gone], at) if len(at) else at
        rows = rows[at]
        marked = np.zeros(self.span, dtype=bool)
        marked[self.rows[mine[self.corner]] - self.base] = True
        asked = marked[rows - self.base]
        keys = list(zip(rows[asked].tolist(), state[asked].tolist()))
        todo = [k for k in keys if k not in self.known]
        if todo:
            points = ring[keep]
            fresh = _rows_alike(self.target, points, np.array([r for r, _ in todo]))
            self.known.update(zip(todo, fresh.tolist()))
        return all(self.known[k] for k in keys)


def _rows_alike(target, points: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows`` (ascending, distinct): whether the ring ``points`` fills it as ``target`` shows
    it, from the edges that reach it (:func:`~convert.pixels.ultralytics_fill.fill_runs`)."""
    from convert.pixels.ultralytics_fill import fill_runs

    new = np.ones(len(rows), dtype=bool)
    new[1:] = rows[1:] != rows[:-1] + 1  # the rows as intervals
    tops = rows[new]
    bottoms = rows[np.append(np.flatnonzero(new)[1:] - 1, len(rows) - 1)]
    end = np.concatenate((points[1:], points[:1]))
    low, high = np.minimum(points[:, 1], end[:, 1]), np.maximum(points[:, 1], end[:, 1])
    band, edge = np.nonzero((high[None, :] >= tops[:, None]) & (low[None, :] <= bottoms[:, None]))
    got = fill_runs(points[edge], end[edge], tops[band], bottoms[band])
    want_at = np.searchsorted(target[0], rows)
    want_count = np.searchsorted(target[0], rows, side="right") - want_at
    got_at = np.searchsorted(got[0], rows)
    got_count = np.searchsorted(got[0], rows, side="right") - got_at
    same = want_count == got_count
    which = np.flatnonzero(same & (want_count > 0))
    counts = want_count[which]
    step = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    want_index, got_index = np.repeat(want_at[which], counts) + step, np.repeat(got_at[which], counts) + step
    differ = (target[1][want_index] != got[1][got_index]) | (target[2][want_index] != got[2][got_index])
    bad = np.bincount(np.repeat(which, counts)[differ], minlength=len(rows))
    return same & (bad == 0)
