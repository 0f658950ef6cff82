"""Editable polygons of traced pixels: parts with their holes, holes joined by bridges through the object's own
pixels, and rings nudged for Pillow (``docs/formats.md``, "Sending a delivery back").

:func:`convert.pixels.trace.trace_parts` gives an object's outer rings and holes along pixel edges.  Tools that
take one ring per polygon (CVAT, labelme, COCO consumers) want one polygon per *part*, with that part's holes:

- :func:`parts` gives each outer ring the holes that lie in it (a part inside another part's hole keeps its
  own holes);
- :func:`joined` turns a part into one ring: each hole, topmost first, is reached by a bridge straight up from
  its top vertex, through the object's own pixels, to the first edge above (the outline, or a hole joined
  before), walked round and left the same way.  A bridge is crossed twice, so an even-odd fill (pycocotools,
  Pillow) adds nothing for it and keeps the hole empty; Pillow, which also draws the outline, draws the bridge
  over pixels of the object only;
- :func:`nudged` moves the edges of an edge ring that have the object on their left or top side 0.01 px towards
  it (to ``c + 0.99`` when pixel c is the object's last), which makes a ring exact under *two* rules at once.
  labelme's Pillow rule truncates each coordinate to an integer: an edge at ``c`` (pixel c is the object's
  first) and one at ``c + 0.99`` both become pixel c, so it sees the ring through the centres of the object's
  boundary pixels, which it paints, outline and inside.  pycocotools' centre rule snaps ``c + 0.99`` to its
  0.2 px grid, back to ``c + 1``: it sees the edge ring itself, exact.  The polygon's area is the pixel count
  less 0.01 px per pixel of its right and bottom edges, so an area check sees no difference.

    >>> ids = np.array([[1, 1, 1, 1],
    ...                 [1, 0, 0, 1],
    ...                 [1, 1, 1, 1]])
    >>> from convert.pixels.trace import trace_parts
    >>> [(o.tolist(), [h.tolist() for h in hs]) for o, hs in parts(*trace_parts(ids)[1])]
    [([[0, 0], [4, 0], [4, 3], [0, 3]], [[[1, 2], [3, 2], [3, 1], [1, 1]]])]
    >>> joined(*parts(*trace_parts(ids)[1])[0]).tolist()
    [[0, 0], [1, 0], [1, 1], [1, 2], [3, 2], [3, 1], [1, 1], [1, 0], [4, 0], [4, 3], [0, 3]]
    >>> nudged(np.array([[0, 0], [2, 0], [2, 1], [0, 1]])).tolist()     # two pixels: Pillow sees (0,0)-(1,0)
    [[0.0, 0.0], [1.99, 0.0], [1.99, 0.99], [0.0, 0.99]]
"""

from __future__ import annotations

import numpy as np

NUDGE = 0.01  # below pycocotools' half grid step (0.1), so its snap undoes it; above 0 for Pillow's truncation


def parts(outer: list[np.ndarray], holes: list[np.ndarray]) -> list[tuple[np.ndarray, list[np.ndarray]]]:
    """Each outer ring with the holes that lie in it, in the order of ``outer``.  A hole belongs to the smallest
    outer ring holding the pixel on the object's side of its first edge (a pixel of the part around it)."""
    if not holes:
        return [(ring, []) for ring in outer]
    from shapely import contains_xy
    from shapely.geometry import Polygon as ShapelyPolygon

    shapes = [ShapelyPolygon(ring) for ring in outer]
    by_size = sorted(range(len(outer)), key=lambda k: shapes[k].area)
    found: list[list[np.ndarray]] = [[] for _ in outer]
    for hole in holes:
        x, y = _beside(hole)
        owner = next((k for k in by_size if contains_xy(shapes[k], x, y)), by_size[-1])
        found[owner].append(hole)
    return list(zip(outer, found))


def _beside(ring: np.ndarray) -> tuple[float, float]:
    """The centre of the pixel on the object's side (the right, on screen) of a ring's first edge.

    >>> _beside(np.array([[1, 2], [3, 2], [3, 1], [1, 1]]))     # a hole's bottom edge, running right
    (1.5, 2.5)
    """
    (x0, y0), (x1, y1) = ring[0], ring[1]
    dx, dy = np.sign(x1 - x0), np.sign(y1 - y0)
    return float(x0 + 0.5 * dx - 0.5 * dy), float(y0 + 0.5 * dy + 0.5 * dx)


def joined(outer: np.ndarray, holes: list[np.ndarray]) -> np.ndarray:
    """One ring of a part and its holes (rings of edges along rows and columns: traced, or :func:`nudged`): every
    hole, topmost first, bridged straight up to the nearest edge above it that runs along a row.  Between a
    hole's top and that edge the column holds the object's pixels only: a pixel of anything else would have an
    edge of its own there, nearer."""
    path = outer
    for hole in sorted(holes, key=lambda ring: ring[:, 1].min()):
        path = _bridge_up(path, hole)
    return path


def _bridge_up(path: np.ndarray, hole: np.ndarray) -> np.ndarray:
    top = int(np.lexsort((hole[:, 0], hole[:, 1]))[0])  # topmost, then leftmost vertex
    x, y = hole[top]
    walk = np.roll(hole, -top, axis=0)
    a, b = path, np.roll(path, -1, axis=0)
    above = (a[:, 1] == b[:, 1]) & (a[:, 1] < y) & (np.minimum(a[:, 0], b[:, 0]) <= x) & (np.maximum(a[:, 0],
                                                                                                   b[:, 0]) >= x)
    if not above.any():
        raise ValueError("a hole with no edge of its part above it: not a hole of this ring")
    level = np.where(above, a[:, 1], -np.inf)
    i = int(np.argmax(level))
    foot = np.array([[x, level[i]]], dtype=path.dtype)
    return np.concatenate((path[:i + 1], foot, walk, walk[:1], foot, path[i + 1:]))


def nudged(ring: np.ndarray, by: float = NUDGE) -> np.ndarray:
    """An edge ring (vertices on pixel corners, the object on the right of every edge on screen, a turn at every
    vertex) with each edge that has the object on its left or top side (on screen: the object at smaller x or
    y) moved ``by`` towards it.  Edges with the object at larger x or y stay on their pixel corner."""
    before = np.sign(ring - np.roll(ring, 1, axis=0))
    after = np.sign(np.roll(ring, -1, axis=0) - ring)
    inward = np.stack((-before[:, 1] - after[:, 1], before[:, 0] + after[:, 0]), axis=1)  # right normals, summed
    return np.round(ring + by * np.minimum(inward, 0), 2)
