"""Turning geometry into pixels.

Rule ``coco`` (the default) is pycocotools itself: a pixel belongs to a
polygon when its centre (c + 0.5, r + 0.5) lies inside the ring after the
vertices are snapped to a 0.2-pixel grid; centres exactly on an edge count on
right and bottom edges only, so polygons that share an edge partition the
pixels.  Several rings are unioned (``merge``).  Parts outside the image are
clipped.  Boxes are rasterised as their 4-corner polygon (rotation applied),
as CVAT's mask export does.

    >>> square = Polygon((np.array([[0.5, 0.5], [2.5, 0.5], [2.5, 2.5], [0.5, 2.5]]),))
    >>> rasterize(square, 4, 4).astype(int)
    array([[0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0]])

The result is bit-identical to ``COCO.annToMask`` for the same annotation; the
tests check this against pycocotools on random polygons.
"""

from __future__ import annotations

import numpy as np
from pycocotools import mask as cocomask

from .model import Bitmap, Box, Geometry, Polygon, Rle

RULES = ("coco",)


def polygon_rle(rings, height: int, width: int) -> dict:
    """pycocotools RLE (compressed, bytes counts) of the union of ``rings``.

    Each ring is an ``(n, 2)`` array with n >= 3; callers drop shorter rings
    (pycocotools would read a 2-vertex ring as a box)."""
    flat = [np.ascontiguousarray(r, dtype=np.float64).ravel() for r in rings]
    rles = cocomask.frPyObjects(flat, height, width)
    return rles[0] if len(rles) == 1 else cocomask.merge(rles)


def rasterize(geometry: Geometry, height: int, width: int, rule: str = "coco") -> np.ndarray:
    """A boolean ``(height, width)`` mask of ``geometry`` under ``rule``."""
    if rule != "coco":
        raise ValueError(f"unknown pixel rule {rule!r}; known: {', '.join(RULES)}")
    if isinstance(geometry, Polygon):
        if not geometry.rings:
            return np.zeros((height, width), dtype=bool)
        return cocomask.decode(polygon_rle(geometry.rings, height, width)).astype(bool, copy=False)
    if isinstance(geometry, Box):
        return cocomask.decode(polygon_rle([geometry.corners()], height, width)).astype(bool, copy=False)
    if isinstance(geometry, Rle):
        if tuple(geometry.size) != (height, width):
            raise ValueError(f"RLE size {geometry.size} is not the image size {(height, width)}")
        return cocomask.decode(geometry.as_pycoco()).astype(bool, copy=False)
    if isinstance(geometry, Bitmap):
        return place_bitmap(geometry, height, width)
    raise TypeError(f"cannot rasterise {type(geometry).__name__}")


def place_bitmap(bitmap: Bitmap, height: int, width: int) -> np.ndarray:
    """Paste ``bitmap`` into an empty image-sized mask, cropping what sticks out."""
    out = np.zeros((height, width), dtype=bool)
    bh, bw = bitmap.mask.shape
    y0, x0 = max(bitmap.top, 0), max(bitmap.left, 0)
    y1, x1 = min(bitmap.top + bh, height), min(bitmap.left + bw, width)
    if y1 > y0 and x1 > x0:
        out[y0:y1, x0:x1] = bitmap.mask[y0 - bitmap.top : y1 - bitmap.top, x0 - bitmap.left : x1 - bitmap.left]
    return out
