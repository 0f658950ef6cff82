"""What a ring that touches or crosses itself paints: where the fill rules part.

A ring that is not simple splits the plane into faces, each wound some number of times.  An even-odd fill
(pycocotools, OpenCV's ``fillPoly``, so every mask segconv writes) paints the faces wound an odd number of
times; a nonzero fill paints every face wound at all.  They differ only on faces wound twice (or 4, 6 ...
times) in total: loops that overlap turning the same way.  A ring whose loops only touch at a repeated
vertex — how Ultralytics joins the parts of one object — or run back along a bridge, or cross as a bow-tie
does, has no such face, and both rules paint the same pixels.

    >>> bow_tie = np.array([[0, 0], [4, 4], [4, 0], [0, 4]], dtype=float)
    >>> doubly_wound_area(bow_tie)
    0.0
    >>> twice = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0], [1, 1], [3, 1], [3, 3], [1, 3], [1, 1]], float)
    >>> doubly_wound_area(twice)   # a loop inside the outline, turning the same way
    4.0
"""

from __future__ import annotations

import numpy as np
import shapely


def doubly_wound_area(ring: np.ndarray) -> float:
    """The area of the faces of ``ring`` wound an even, nonzero number of times (px² for pixel coordinates)."""
    return wound_areas(ring)[0]


def wound_areas(ring: np.ndarray) -> tuple[float, float]:
    """(area wound an even, nonzero number of times; area wound against the ring's main turn), in px².

    A ring that only touches itself or runs back along a bridge has neither: every face it paints is wound
    once, the same way, as a simple outline's is.  A bow-tie's smaller lobe turns the other way:

    >>> wound_areas(np.array([[0, 0], [4, 4], [4, 0], [0, 4]], dtype=float))
    (0.0, 4.0)
    >>> bridged = np.array([[0, 0], [4, 0], [4, 2], [6, 2], [6, 0], [8, 0], [8, 4], [6, 4], [6, 2], [4, 2], [4, 4],
    ...                     [0, 4]], dtype=float)   # two squares joined by a bridge run out and back
    >>> wound_areas(bridged)
    (0.0, 0.0)
    """
    closed = np.vstack((ring, ring[:1]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(shapely.linestrings(closed)))))
    if not len(faces):
        return 0.0, 0.0
    points = shapely.get_coordinates(shapely.point_on_surface(faces))
    wound = winding_numbers(closed, points)
    areas = shapely.area(faces)
    doubly = (wound != 0) & (wound % 2 == 0)
    turning = float(areas[wound > 0].sum()), float(areas[wound < 0].sum())
    return float(areas[doubly].sum()), min(turning)


def winding_numbers(closed: np.ndarray, points: np.ndarray) -> np.ndarray:
    """How many times the closed polyline ``closed`` (first vertex repeated last) winds around each point."""
    x0, y0 = closed[:-1, 0][None, :], closed[:-1, 1][None, :]
    x1, y1 = closed[1:, 0][None, :], closed[1:, 1][None, :]
    px, py = points[:, 0][:, None], points[:, 1][:, None]
    side = (x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)
    up = (y0 <= py) & (y1 > py) & (side > 0)
    down = (y0 > py) & (y1 <= py) & (side < 0)
    return up.sum(axis=1) - down.sum(axis=1)
