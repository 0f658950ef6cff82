"""Pixels back into polygons that paint exactly those pixels.

Pixel (column c, row r) is the square [c, c+1) x [r, r+1) and belongs to a polygon when its centre lies
inside (the ``coco`` rule).  A ring that runs along pixel edges, with its vertices on pixel corners, passes
through no pixel centre, so it contains exactly the centres of the pixels it was traced around: rings traced
this way rasterise back to the very same pixels, none lost, none gained.

:func:`trace` traces every object of an id image at once (numpy, no loop over pixels or vertices):

- outer rings run clockwise on screen (``y`` down), holes counter-clockwise, so :func:`signed_area` is
  positive for an outer ring and negative for a hole;
- pixels that touch only at a corner belong to different rings (4-connectivity), so every ring is simple;
- a vertex is kept only where the ring turns.

    >>> ids = np.array([[0, 1, 1],
    ...                 [0, 1, 0]])
    >>> [ring.tolist() for ring in trace(ids)[1]]
    [[[1, 0], [3, 0], [3, 1], [2, 1], [2, 2], [1, 2]]]
"""

from __future__ import annotations

import numpy as np

from convert.pixels.runs import where

_DX = np.array([1, 0, -1, 0], dtype=np.int64)  # directions: 0 right, 1 down, 2 left, 3 up
_DY = np.array([0, 1, 0, -1], dtype=np.int64)


def trace(ids: np.ndarray) -> dict[int, list[np.ndarray]]:
    """The rings of every object of ``ids`` (``(height, width)`` integers, 0 = no object): ``{id: [ring,
    ...]}``, each ring an ``(n, 2)`` int64 array of (x, y) corners, outer rings first in the order their
    first edge is met, then holes."""
    return {key: outer + holes for key, (outer, holes) in trace_parts(ids).items()}


def trace_parts(ids: np.ndarray) -> dict[int, tuple[list[np.ndarray], list[np.ndarray]]]:
    """:func:`trace`'s rings of every object as ``{id: (outer rings, holes)}``, each list in the order met.

    >>> outer, holes = trace_parts(np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]]))[1]
    >>> [r.tolist() for r in outer], [r.tolist() for r in holes]
    ([[[0, 0], [3, 0], [3, 3], [0, 3]]], [[[1, 2], [2, 2], [2, 1], [1, 1]]])
    """
    height, width = ids.shape
    if not ids.size or not ids.any():
        return {}
    padded = np.zeros((height + 2, width + 2), dtype=ids.dtype)
    padded[1:-1, 1:-1] = ids
    obj, sx, sy, ex, ey, direction = _edges(padded, height, width)
    if not len(obj):
        return {}
    out: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for key, ring, area in _link(obj, sx, sy, ex, ey, direction, width, height):
        outer, holes = out.setdefault(key, ([], []))
        (outer if area > 0 else holes).append(ring)
    return out


def signed_area(ring: np.ndarray) -> float:
    """The shoelace area of a ring in image coordinates (``y`` down): positive when it runs clockwise on
    screen (an outer ring here), negative for a hole.

    >>> signed_area(np.array([[0, 0], [1, 0], [1, 1], [0, 1]]))
    1.0
    """
    x, y = ring[:, 0].astype(np.float64), ring[:, 1].astype(np.float64)
    closing = x[-1] * y[0] - x[0] * y[-1]  # the edge from the last vertex back to the first
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]) + closing) / 2


def _edges(padded: np.ndarray, height: int, width: int):
    """Every straight stretch of boundary between an object's pixels and anything else, with the object on
    its right-hand side (on screen): ``(object, start x, start y, end x, end y, direction)``, the stretches
    running right first, in row-major order of their start.  A stretch is as long as the boundary runs
    straight along one object, so consecutive stretches of a ring always turn."""
    parts = []
    # horizontal lines y = r, r = 0..height: the pixel above is padded[r], the pixel below padded[r + 1]
    above, below = padded[:-1, 1:-1], padded[1:, 1:-1]
    r, c = where(above != below)
    o, line, first, last = _straight(below[r, c], r, c)  # top edges of the pixels below, running right
    parts.append((o, first, line, last + 1, line, 0))
    o, line, first, last = _straight(above[r, c], r, c)  # bottom edges of the pixels above, running left
    parts.append((o, last + 1, line, first, line, 2))
    # vertical lines x = c, c = 0..width, walked column by column: the pixel left of the line is
    # padded[:, c], the pixel right of it padded[:, c + 1]; found row by row, then sorted by column (3x
    # cheaper than a transposed copy of the image)
    left, right = padded[1:-1, :-1], padded[1:-1, 1:]
    r, c = where(left != right)
    order = np.argsort(c * height + r, kind="stable")
    r, c = r[order], c[order]
    left, right = left[r, c], right[r, c]
    o, line, first, last = _straight(right, c, r)  # left edges of the pixels on the right, running up
    parts.append((o, line, last + 1, line, first, 3))
    o, line, first, last = _straight(left, c, r)  # right edges of the pixels on the left, running down
    parts.append((o, line, first, line, last + 1, 1))
    columns_out = [np.concatenate([p[k] for p in parts]).astype(np.int64) for k in range(5)]
    direction = np.concatenate([np.full(len(p[0]), p[5], dtype=np.int64) for p in parts])
    return (*columns_out, direction)


def _straight(obj: np.ndarray, line: np.ndarray, along: np.ndarray):
    """Unit edges sorted by (line, position along it), on the side of object ``obj`` (0: no object, left
    out), merged into straight stretches of one object: ``(object, line, first position, last position)``
    of every stretch."""
    keep = obj != 0
    obj, line, along = obj[keep], line[keep], along[keep]
    n = len(obj)
    if not n:
        return obj, line, along, along
    new = np.ones(n, dtype=bool)
    new[1:] = (line[1:] != line[:-1]) | (along[1:] != along[:-1] + 1) | (obj[1:] != obj[:-1])
    first = np.flatnonzero(new)
    last = np.empty_like(first)
    last[:-1] = first[1:] - 1
    last[-1] = n - 1
    return obj[first], line[first], along[first], along[last]


def _link(obj, sx, sy, ex, ey, direction, width: int, height: int):
    """Chain the stretches into rings: the successor of a stretch is its object's stretch that starts where it
    ends; where two do (two pixels of the object meet at a corner only), the one turning right, which keeps
    the two pixels' rings apart.  Stretches turn at every vertex, so a ring alternates horizontal and vertical
    stretches: each ring is walked over its horizontal ones only, from its lowest-numbered stretch (a
    horizontal one: they are numbered first), with a plain loop (cheaper here than vectorised pointer
    jumping), and the vertical stretch after each is put in behind it.  The vertices are the stretches'
    starts."""
    corners = (width + 1) * (height + 1)
    start_key = obj * corners + sy * (width + 1) + sx
    end_key = obj * corners + ey * (width + 1) + ex
    order = np.argsort(start_key, kind="stable")
    sorted_keys = np.append(start_key[order], -1)  # -1: no key, past the end
    first = np.searchsorted(sorted_keys[:-1], end_key, side="left")
    nxt = order[first]
    pinch = np.flatnonzero(sorted_keys[first + 1] == end_key)  # two stretches start there
    if len(pinch):
        other = order[first[pinch] + 1]
        right_turn = (direction[pinch] + 1) % 4
        nxt[pinch] = np.where(direction[nxt[pinch]] == right_turn, nxt[pinch], other)
    horizontal = int(np.count_nonzero(direction % 2 == 0))  # numbered before every vertical stretch
    two_on = nxt[nxt[:horizontal]].tolist()  # the horizontal stretch after the next one
    seen = bytearray(horizontal)
    walk: list[int] = []  # horizontal stretch numbers, ring after ring, each from its lowest-numbered on
    append = walk.append
    cuts = [0]
    first_edge = seen.find(0)  # the lowest-numbered stretch on no ring yet (-1: none left)
    while first_edge >= 0:
        edge = first_edge
        while not seen[edge]:
            seen[edge] = 1
            append(edge)
            edge = two_on[edge]
        cuts.append(2 * len(walk))
        first_edge = seen.find(0, first_edge + 1)
    ring_order = np.empty(2 * len(walk), dtype=np.int64)
    ring_order[0::2] = walk
    ring_order[1::2] = nxt[ring_order[0::2]]
    x, y = sx[ring_order], sy[ring_order]
    vertices = np.stack((x, y), axis=1)
    owner = obj[ring_order]
    # every ring's shoelace sum at once (signed_area's convention: > 0 for an outer ring)
    following = np.arange(1, len(x) + 1)
    following[np.array(cuts[1:]) - 1] = cuts[:-1]
    cross = x * y[following] - x[following] * y
    areas = np.add.reduceat(cross, cuts[:-1]).tolist() if len(cross) else []
    return [(int(owner[a]), vertices[a:b], area) for a, b, area in zip(cuts[:-1], cuts[1:], areas)]


def bridged(rings: list[np.ndarray]) -> np.ndarray:
    """One ring that paints, filled even-odd (pycocotools; OpenCV's ``fillPoly`` as Ultralytics uses it), what
    the rings paint together: every other ring is reached from the first ring's first vertex and left the
    same way back, so each bridge is crossed twice and adds no pixel, and holes stay holes.

    >>> outer = np.array([[0, 0], [4, 0], [4, 4], [0, 4]]); hole = np.array([[1, 1], [1, 3], [3, 3], [3, 1]])
    >>> bridged([outer, hole]).tolist()
    [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0], [1, 1], [1, 3], [3, 3], [3, 1], [1, 1], [0, 0]]
    """
    if len(rings) == 1:
        return rings[0]
    anchor = rings[0][:1]
    parts = [rings[0], anchor]
    for ring in rings[1:]:
        parts += [ring, ring[:1], anchor]
    return np.concatenate(parts)
