"""Turning geometry into pixels, under one of two rules.

Rule ``coco`` (the default) is pycocotools itself: a pixel belongs to a
polygon when its centre (c + 0.5, r + 0.5) lies inside the ring after the
vertices are snapped to a 0.2-pixel grid; centres exactly on an edge count on
right and bottom edges only, so polygons that share an edge partition the
pixels.  Several rings are unioned (``merge``).  Parts outside the image are
clipped.  Boxes are rasterised as their 4-corner polygon (rotation applied),
as CVAT's mask export does; ellipses by the same centre rule, exactly.

    >>> square = Polygon((np.array([[0.5, 0.5], [2.5, 0.5], [2.5, 2.5], [0.5, 2.5]]),))
    >>> rasterize(square, 4, 4).astype(int)
    array([[0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0]])

Rule ``labelme`` is labelme's ``shape_to_mask``: Pillow's ``ImageDraw`` with
``fill=1, outline=1``, vertices truncated to integers and the boundary
included, so the same square covers 3x3 pixels; lines are 10 px wide and
points are discs of radius 5.

    >>> rasterize(square, 4, 4, "labelme").astype(int)
    array([[1, 1, 1, 0],
           [1, 1, 1, 0],
           [1, 1, 1, 0],
           [0, 0, 0, 0]])

Under ``coco`` the result is bit-identical to ``COCO.annToMask``; under
``labelme`` to labelme's own masks.  The tests check both.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as cocomask

from .model import Bitmap, Box, Ellipse, Geometry, Polygon, Rle, Stroke
from .rle import string_to_counts

RULES = ("coco", "labelme")
LABELME_LINE_WIDTH = 10
LABELME_POINT_SIZE = 5


def has_area(geometry: Geometry, rule: str) -> bool:
    """``False`` for geometry a rule does not paint (strokes under ``coco``)."""
    return not (isinstance(geometry, Stroke) and rule == "coco")


MAX_BOUNDARY_STEPS = 20_000_000  # pycocotools walks every ring in 0.2-pixel steps


class GeometryTooLarge(ValueError):
    """Coordinates so far out that rasterising would allocate gigabytes."""


def boundary_steps(ring: np.ndarray) -> int:
    """How many points pycocotools' ``rleFrPoly`` allocates for ``ring`` (5x grid walk)."""
    closed = np.vstack([ring, ring[:1]]) * 5.0
    d = np.abs(np.diff(closed, axis=0))
    return int(np.maximum(d[:, 0], d[:, 1]).sum() + len(ring))


def polygon_rle(rings, height: int, width: int) -> dict:
    """pycocotools RLE (compressed, bytes counts) of the union of ``rings``.

    Each ring is an ``(n, 2)`` array with n >= 3; callers drop shorter rings
    (pycocotools would read a 2-vertex ring as a box).  Raises
    :class:`GeometryTooLarge` before pycocotools would allocate more than
    ``MAX_BOUNDARY_STEPS`` boundary points."""
    steps = sum(boundary_steps(np.asarray(r, dtype=np.float64)) for r in rings)
    if not np.isfinite(steps) or steps > MAX_BOUNDARY_STEPS:
        raise GeometryTooLarge(f"the outline would take {steps} rasterisation steps (coordinates far outside "
                               f"the image?); limit {MAX_BOUNDARY_STEPS}")
    flat = [np.ascontiguousarray(r, dtype=np.float64).ravel() for r in rings]
    rles = cocomask.frPyObjects(flat, height, width)
    return rles[0] if len(rles) == 1 else cocomask.merge(rles)


def rasterize(geometry: Geometry, height: int, width: int, rule: str = "coco") -> np.ndarray:
    """A boolean ``(height, width)`` mask of ``geometry`` under ``rule``."""
    out = np.zeros((height, width), dtype=bool)
    window = raster_window(geometry, height, width, rule)
    if window is not None:
        top, left, mask = window
        out[top:top + mask.shape[0], left:left + mask.shape[1]] = mask
    return out


def raster_window(geometry: Geometry, height: int, width: int, rule: str = "coco"):
    """``(top, left, mask)``: the pixels of ``geometry`` inside the bounding box
    of its set pixels (a C-contiguous boolean array), or ``None`` when it has no
    pixel in the image.  Painting works on these windows, so a small object in
    a large image costs the object's size, not the image's.

    >>> raster_window(Box(1, 1, 3, 2), 4, 4)
    (1, 1, array([[ True,  True]]))
    """
    window = raster_window_t(geometry, height, width, rule)
    if window is None:
        return None
    left, top, mask_t = window
    return top, left, np.ascontiguousarray(mask_t.T)


def raster_window_t(geometry: Geometry, height: int, width: int, rule: str = "coco"):
    """Like :func:`raster_window`, transposed: ``(left, top, mask_t)`` with
    ``mask_t[column, row]``.  COCO RLE is column-major, so this is how its
    windows come for free; the painter works on a transposed canvas."""
    if rule not in RULES:
        raise ValueError(f"unknown pixel rule {rule!r}; known: {', '.join(RULES)}")
    if isinstance(geometry, Rle):  # rasters are the same under every rule
        if tuple(geometry.size) != (height, width):
            raise ValueError(f"RLE size {geometry.size} is not the image size {(height, width)}")
        return window_from_counts(string_to_counts(geometry.counts), height, width)
    if isinstance(geometry, Bitmap):
        window = crop_window(*_bitmap_in_image(geometry, height, width))
    elif rule == "coco":
        if isinstance(geometry, Polygon):
            if not geometry.rings:
                return None
            return window_from_rle(polygon_rle(geometry.rings, height, width), height, width)
        if isinstance(geometry, Box):
            return window_from_rle(polygon_rle([geometry.corners()], height, width), height, width)
        if isinstance(geometry, Stroke):
            return None
        if not isinstance(geometry, Ellipse):
            raise TypeError(f"cannot rasterise {type(geometry).__name__}")
        window = crop_window(*ellipse_window(geometry, height, width))
    else:
        window = crop_window(0, 0, _labelme(geometry, height, width))
    if window is None:
        return None
    top, left, mask = window
    return left, top, mask.T


def window_from_rle(rle: dict, height: int, width: int):
    return window_from_counts(string_to_counts(rle["counts"].decode("ascii")), height, width)


def window_from_counts(counts: np.ndarray, height: int, width: int):
    """The transposed window ``(left, top, mask_t)`` of a column-major run-length
    mask (COCO RLE counts); ``mask_t`` is a view, no pixel is copied twice."""
    ends = np.cumsum(counts)
    starts = ends - counts
    fg_s, fg_e = starts[1::2], ends[1::2]
    keep = fg_e > fg_s
    fg_s, fg_e = fg_s[keep], fg_e[keep]
    if not fg_s.size:
        return None
    h = height
    c0, c1 = int(fg_s[0] // h), int((fg_e[-1] - 1) // h)
    if ((fg_e - 1) // h > fg_s // h).any():
        r0, r1 = 0, h - 1
    else:
        r0, r1 = int((fg_s % h).min()), int(((fg_e - 1) % h).max())
    base, stop = c0 * h, (c1 + 1) * h
    # runs meeting [base, stop): all whole but the first and the last, which are cut
    i0 = int(np.searchsorted(ends, base, side="right"))
    i1 = int(np.searchsorted(starts, stop, side="left"))
    lengths = counts[i0:i1].copy()
    lengths[0] -= base - starts[i0]
    lengths[-1] -= ends[i1 - 1] - stop
    values = np.zeros(i1 - i0, dtype=bool)
    values[(1 - i0 % 2)::2] = True  # odd runs are foreground
    flat = np.repeat(values, lengths)
    return c0, r0, flat.reshape(c1 - c0 + 1, h)[:, r0:r1 + 1]


def crop_window(top: int, left: int, mask: np.ndarray):
    """Shrink ``(top, left, mask)`` to the bounding box of its set pixels."""
    rows = np.flatnonzero(mask.any(axis=1))
    if not rows.size:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return (top + int(rows[0]), left + int(cols[0]),
            np.ascontiguousarray(mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]))


def _bitmap_in_image(bitmap: Bitmap, height: int, width: int):
    bh, bw = bitmap.mask.shape
    y0, x0 = max(bitmap.top, 0), max(bitmap.left, 0)
    y1, x1 = min(bitmap.top + bh, height), min(bitmap.left + bw, width)
    if y1 <= y0 or x1 <= x0:
        return 0, 0, np.zeros((0, 0), dtype=bool)
    return y0, x0, bitmap.mask[y0 - bitmap.top:y1 - bitmap.top, x0 - bitmap.left:x1 - bitmap.left].astype(bool)


def ellipse_window(e: Ellipse, height: int, width: int) -> tuple[int, int, np.ndarray]:
    """``(top, left, mask)`` over the ellipse's bounding box (clipped to the image):
    the pixels whose centre lies inside or on the ellipse."""
    empty = (0, 0, np.zeros((0, 0), dtype=bool))
    if e.rx <= 0 or e.ry <= 0:
        return empty
    x0, y0, x1, y1 = e.bounds()
    c0, r0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
    c1, r1 = min(int(np.ceil(x1)) + 1, width), min(int(np.ceil(y1)) + 1, height)
    if c1 <= c0 or r1 <= r0:
        return empty
    ys, xs = np.mgrid[r0:r1, c0:c1]
    dx, dy = xs + 0.5 - e.cx, ys + 0.5 - e.cy
    t = np.deg2rad(e.rotation)
    u = dx * np.cos(t) + dy * np.sin(t)
    v = -dx * np.sin(t) + dy * np.cos(t)
    return r0, c0, (u / e.rx) ** 2 + (v / e.ry) ** 2 <= 1.0


def _labelme(geometry: Geometry, height: int, width: int) -> np.ndarray:
    """A vector shape drawn as labelme's ``shape_to_mask`` draws it."""
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    if isinstance(geometry, Polygon):
        for ring in geometry.rings:
            draw.polygon([tuple(p) for p in ring.tolist()], outline=1, fill=1)
    elif isinstance(geometry, Box):
        if geometry.rotation:
            draw.polygon([tuple(p) for p in geometry.corners().tolist()], outline=1, fill=1)
        else:  # labelme >= 5.11 orders the corners; older versions crash on reversed ones
            x0, x1 = sorted((geometry.x0, geometry.x1))
            y0, y1 = sorted((geometry.y0, geometry.y1))
            draw.rectangle([x0, y0, x1, y1], outline=1, fill=1)
    elif isinstance(geometry, Ellipse):
        if geometry.rotation:
            t = np.linspace(0, 2 * np.pi, 360, endpoint=False)
            r = np.deg2rad(geometry.rotation)
            px = geometry.cx + geometry.rx * np.cos(t) * np.cos(r) - geometry.ry * np.sin(t) * np.sin(r)
            py = geometry.cy + geometry.rx * np.cos(t) * np.sin(r) + geometry.ry * np.sin(t) * np.cos(r)
            draw.polygon(list(zip(px.tolist(), py.tolist())), outline=1, fill=1)
        else:
            draw.ellipse([geometry.cx - geometry.rx, geometry.cy - geometry.ry,
                          geometry.cx + geometry.rx, geometry.cy + geometry.ry], outline=1, fill=1)
    elif isinstance(geometry, Stroke):
        pts = [tuple(p) for p in geometry.points.tolist()]
        if geometry.kind == "point":
            (cx, cy), r = pts[0], LABELME_POINT_SIZE
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=1, fill=1)
        else:
            draw.line(xy=pts, fill=1, width=LABELME_LINE_WIDTH)
    else:
        raise TypeError(f"cannot rasterise {type(geometry).__name__}")
    return np.asarray(image, dtype=bool)
