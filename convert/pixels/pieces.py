"""Small 4-connected pieces of a label image, and what they border, found on its column runs.

The image is given as runs of the column-major flat index (:mod:`convert.pixels.runs`) that cover it whole,
each inside one column, with a value each.  A *piece* is a 4-connected set of pixels of one value.  Runs of
one value that touch inside a column belong to one piece, and so do runs of one value in neighbouring
columns whose rows overlap; a piece is *small* when it has fewer than ``smaller_than`` pixels.  Only runs
shorter than that can be in a small piece, so the connections are looked for among those runs alone (a run
of one value beside a long one is in a large piece), and a piece is a set of runs: the cost follows the
number of short runs, not the area.

    >>> import numpy as np
    >>> # 3 rows x 3 columns, value 1 everywhere but a 2-pixel speck of 7 at rows 0..1 of column 1
    >>> starts, ends = np.array([0, 3, 5, 6]), np.array([3, 5, 6, 9])
    >>> values = np.array([1, 7, 1, 1])
    >>> found = small_pieces(starts, ends, values, 3, smaller_than=3)
    >>> found.piece.tolist(), found.sizes.tolist()        # each joined run's small piece (-1: none)
    ([-1, 0, -1, -1], [2])
    >>> [b.tolist() for b in borders(found, starts, ends, 3, 3)]   # (piece, neighbouring run, edges)
    [[0, 0, 0], [0, 2, 3], [2, 1, 2]]

The speck shares 2 pixel edges with column 0 (run 0), 1 with the pixel below it (run 2) and 2 with
column 2 (run 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convert.pixels.runs import EMPTY, overlapping


@dataclass(frozen=True, slots=True)
class Pieces:
    """The runs of an image joined by value inside each column (``starts``, ``ends``, ``values``; ``of_run``:
    for each given run, the joined run holding it), the small piece of every joined run (``piece``, -1 when it
    lies in a large piece or has the skipped value) and the size of every small piece."""

    starts: np.ndarray
    ends: np.ndarray
    values: np.ndarray
    of_run: np.ndarray
    piece: np.ndarray
    sizes: np.ndarray


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The component of each of ``n`` nodes joined by the edges ``(u, v)``: the smallest node in it.
    Roots are hooked under the smallest root they are joined to, then every pointer jumps to its root, until
    no edge joins two trees.

    >>> components(5, np.array([3, 1]), np.array([4, 3])).tolist()
    [0, 1, 2, 1, 1]
    """
    parent = np.arange(n)
    while len(u):
        pu, pv = parent[u], parent[v]
        apart = pu != pv
        if not apart.any():
            break
        u, v, pu, pv = u[apart], v[apart], pu[apart], pv[apart]
        np.minimum.at(parent, np.maximum(pu, pv), np.minimum(pu, pv))
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
    return parent


def join_by_value(starts: np.ndarray, ends: np.ndarray, values: np.ndarray,
                  height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Runs of one value that touch inside a column, joined: ``(starts, ends, values, of_run)``."""
    fresh = np.ones(len(starts), dtype=bool)
    fresh[1:] = (values[1:] != values[:-1]) | (starts[1:] % height == 0)
    of_run = np.cumsum(fresh) - 1
    first = np.flatnonzero(fresh)
    last = np.r_[first[1:], len(starts)] - 1
    return starts[first], ends[last], values[first], of_run


def small_pieces(starts: np.ndarray, ends: np.ndarray, values: np.ndarray, height: int, smaller_than: int,
                 skip: int | None = None) -> Pieces:
    """The pieces of fewer than ``smaller_than`` pixels (see the module docstring); pixels of value ``skip``
    are in none."""
    j_starts, j_ends, j_values, of_run = join_by_value(starts, ends, values, height)
    short = np.flatnonzero((j_ends - j_starts < smaller_than) & (j_values != (-1 if skip is None else skip)))
    piece = np.full(len(j_starts), -1, dtype=np.int64)
    if not len(short):
        return Pieces(j_starts, j_ends, j_values, of_run, piece, EMPTY)
    large = np.zeros(len(j_starts), dtype=bool)
    node = np.full(len(j_starts), -1, dtype=np.int64)
    node[short] = np.arange(len(short))
    edges_u, edges_v = [], []
    for shift in (height, -height):  # the next column, then the one before
        q_s, q_e = j_starts[short] + shift, j_ends[short] + shift
        inside = (q_s >= 0) & (q_e <= j_ends[-1])
        which, run, _ = overlapping(j_starts, j_ends, q_s[inside], q_e[inside])
        mine = short[inside][which]
        same = j_values[run] == j_values[mine]
        mine, run = mine[same], run[same]
        beside_short = node[run] >= 0
        large[mine[~beside_short]] = True  # beside a long run of its value: in a large piece
        if shift > 0:
            edges_u.append(node[mine[beside_short]])
            edges_v.append(node[run[beside_short]])
    root = components(len(short), np.concatenate(edges_u), np.concatenate(edges_v))
    lengths = (j_ends - j_starts)[short]
    size = np.bincount(root, weights=lengths, minlength=len(short))
    spoiled = np.zeros(len(short), dtype=bool)
    spoiled[root[large[short]]] = True
    small_root = (root == np.arange(len(short))) & (size < smaller_than) & ~spoiled
    ids = np.full(len(short), -1, dtype=np.int64)
    roots = np.flatnonzero(small_root)
    ids[roots] = np.arange(len(roots))
    piece[short] = ids[root]
    return Pieces(j_starts, j_ends, j_values, of_run, piece, size[roots].astype(np.int64))


def borders(found: Pieces, starts: np.ndarray, ends: np.ndarray, height: int,
            width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(piece, run, edges)``: how many pixel edges each small piece shares with each of the given runs
    (``starts``, ``ends``: the runs :func:`small_pieces` was given) outside every small piece, summed per
    pair and sorted by piece, then run."""
    mine = np.flatnonzero(found.piece >= 0)
    if not len(mine):
        return EMPTY, EMPTY, EMPTY
    s, e = found.starts[mine], found.ends[mine]
    parts = []
    above = s % height > 0  # the run just above, in the same column
    parts.append((mine[above], np.searchsorted(starts, s[above] - 1, side="right") - 1,
                  np.ones(int(above.sum()), dtype=np.int64)))
    below = e % height > 0  # the run just below
    parts.append((mine[below], np.searchsorted(starts, e[below], side="right") - 1,
                  np.ones(int(below.sum()), dtype=np.int64)))
    column = s // height
    for shift, ok in ((-height, column > 0), (height, column < width - 1)):
        which, run, overlap = overlapping(starts, ends, s[ok] + shift, e[ok] + shift)
        parts.append((mine[ok][which], run, overlap))
    joined, run, edges = (np.concatenate(p) for p in zip(*parts))
    outside = found.piece[found.of_run[run]] < 0
    piece, run, edges = found.piece[joined[outside]], run[outside], edges[outside]
    key = piece * len(starts) + run
    keys, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=edges).astype(np.int64)
    return keys // len(starts), keys % len(starts), sums
