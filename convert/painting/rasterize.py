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

The painter asks :func:`runs_many` for all regions of an image at once, as
runs (:mod:`convert.pixels.runs`); :func:`rasterize` gives one geometry as a mask.
"""

from __future__ import annotations

from itertools import groupby

import numpy as np
from PIL import Image
from pycocotools import mask as cocomask

from convert.model.sample import Bitmap, Box, Ellipse, Geometry, Polygon, Rle, Runs, Stroke
from convert.pixels import runs

RULES = ("coco", "labelme")
LABELME_LINE_WIDTH = 10
LABELME_POINT_SIZE = 5


def has_area(geometry: Geometry, rule: str) -> bool:
    """``False`` for geometry a rule does not paint (strokes under ``coco``)."""
    return not (isinstance(geometry, Stroke) and rule == "coco")


MAX_BOUNDARY_STEPS = 20_000_000  # pycocotools walks every ring in 0.2-pixel steps


class GeometryTooLarge(ValueError):
    """Coordinates so far out that rasterising would allocate gigabytes."""


def rasterize(geometry: Geometry, height: int, width: int, rule: str = "coco") -> np.ndarray:
    """A boolean ``(height, width)`` mask of ``geometry`` under ``rule``."""
    starts, ends, _, failed = runs_many([geometry], height, width, rule)
    if failed:
        raise failed[0]
    return runs.to_mask(starts, ends, height, width)


def runs_many(geometries, height: int, width: int, rule: str = "coco"):
    """Rasterise several geometries of one image at once, as runs (:mod:`convert.pixels.runs`).

    Returns ``(starts, ends, which, failed)``: the runs of every geometry,
    concatenated in the order of ``geometries`` (``which`` names the geometry
    of each run), and ``{position: GeometryTooLarge}`` for geometries that
    were refused.  Polygons and boxes go to pycocotools in one call and their
    strings are decoded in one pass, so a typical image costs a few numpy
    calls, not a few per region.

    >>> s, e, which, failed = runs_many([Box(1, 1, 3, 3), Box(0, 0, 1, 1)], 4, 4)
    >>> s.tolist(), e.tolist(), which.tolist(), failed
    ([5, 9, 0], [7, 11, 1], [0, 0, 1], {})
    """
    if rule not in RULES:
        raise ValueError(f"unknown pixel rule {rule!r}; known: {', '.join(RULES)}")
    failed: dict[int, GeometryTooLarge] = {}
    strings: list[bytes] = []
    string_of: list[int] = []  # geometry of each string
    rings: list[np.ndarray] = []
    ring_of: list[int] = []  # geometry of each ring
    parts: list[tuple[int, np.ndarray, np.ndarray]] = []  # geometries rasterised on their own
    for k, g in enumerate(geometries):
        if isinstance(g, Rle):  # rasters are the same under every rule
            if tuple(g.size) != (height, width):
                raise ValueError(f"RLE size {g.size} is not the image size {(height, width)}")
            strings.append(g.counts.encode("ascii"))
            string_of.append(k)
        elif isinstance(g, Runs):  # read as runs already (label images): the same under every rule
            if tuple(g.size) != (height, width):
                raise ValueError(f"runs of a {g.size} image on a {(height, width)} image")
            parts.append((k, g.starts, g.ends))
        elif isinstance(g, Polygon) and g.rule == "ultralytics":
            parts.append((k, *_ultralytics_runs(g, height, width, k, failed)))
        elif isinstance(g, Polygon) and g.rule == "pillow":
            parts.append((k, *pillow_runs(g, height, width)))
        elif rule == "coco" and isinstance(g, (Polygon, Box)):
            for ring in (g.rings if isinstance(g, Polygon) else (g.corners(),)):
                if len(ring) >= 3:  # pycocotools reads a 2-vertex ring as a box; it has no area
                    rings.append(np.asarray(ring, dtype=np.float64))
                    ring_of.append(k)
        elif rule == "coco" and isinstance(g, Stroke):
            continue
        else:
            parts.append((k, *_window_runs(g, height, width, rule)))
    if rings:
        _polygon_strings(rings, ring_of, height, width, strings, string_of, failed)
    s, e, which = runs.from_strings(strings) if strings else (runs.EMPTY, runs.EMPTY, runs.EMPTY)
    which = np.asarray(string_of, dtype=np.int64)[which] if strings else runs.EMPTY
    if parts:
        s = np.concatenate([s] + [p[1] for p in parts])
        e = np.concatenate([e] + [p[2] for p in parts])
        which = np.concatenate([which] + [np.full(len(p[1]), p[0], dtype=np.int64) for p in parts])
    if len(which) > 1 and (which[1:] < which[:-1]).any():  # group the runs by geometry, in order
        order = np.argsort(which, kind="stable")
        s, e, which = s[order], e[order], which[order]
    return s, e, which, failed


def _polygon_strings(rings, ring_of, height, width, strings, string_of, failed) -> None:
    """pycocotools strings of the polygon and box geometries (one per geometry,
    rings of one geometry unioned), after the outline-length guard.  Rings of
    one geometry are consecutive in ``rings``."""
    steps = np.bincount(ring_of, weights=ring_steps(rings))  # per geometry
    ok = []
    for i, k in enumerate(ring_of):
        if not np.isfinite(steps[k]) or steps[k] > MAX_BOUNDARY_STEPS:
            failed[k] = GeometryTooLarge(f"the outline would take {steps[k]:.0f} rasterisation steps "
                                         f"(coordinates far outside the image?); limit {MAX_BOUNDARY_STEPS}")
        else:
            ok.append(i)
    if not ok:
        return
    rles = iter(cocomask.frPyObjects([rings[i].ravel() for i in ok], height, width))
    for k, group in groupby(ring_of[i] for i in ok):
        parts = [next(rles) for _ in group]
        strings.append((parts[0] if len(parts) == 1 else cocomask.merge(parts))["counts"])
        string_of.append(k)


def ring_steps(rings) -> np.ndarray:
    """How many points pycocotools' ``rleFrPoly`` allocates for each ring (it
    walks every edge on a 5x grid); computed for all rings in one numpy pass.

    >>> ring_steps([np.array([[0, 0], [2, 0], [2, 1]], dtype=float)]).tolist()   # 10 + 5 + 10 steps + 3 vertices
    [28.0]
    """
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    pts = np.concatenate(rings) * 5.0
    nxt = np.arange(1, len(pts) + 1)
    ring_end = np.cumsum(sizes)
    nxt[ring_end - 1] = ring_end - sizes  # each ring closes on its first vertex
    d = np.abs(pts[nxt] - pts)
    with np.errstate(invalid="ignore"):
        longest = np.maximum(d[:, 0], d[:, 1])
    return np.add.reduceat(longest, ring_end - sizes) + sizes


def _window_runs(g: Geometry, height: int, width: int, rule: str):
    """Runs of a geometry rasterised on its own (bitmaps, ellipses, rule ``labelme``)."""
    if isinstance(g, Bitmap):
        top, left, mask = _bitmap_in_image(g, height, width)
    elif rule == "coco":
        if not isinstance(g, Ellipse):
            raise TypeError(f"cannot rasterise {type(g).__name__}")
        top, left, mask = ellipse_window(g, height, width)
    else:
        top, left, mask = _cropped(_labelme(g, height, width))
    return runs.from_window(left, top, mask.T, height)


def _cropped(mask: np.ndarray) -> tuple[int, int, np.ndarray]:
    """``(top, left, window)``: a full-image mask cut to the rows and columns that hold its pixels, so that
    turning it into runs costs its box, not the image.

    >>> _cropped(np.array([[0, 0, 0], [0, 1, 1]], dtype=np.uint8))
    (1, 1, array([[1, 1]], dtype=uint8))
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if not rows.size:
        return 0, 0, mask[:0, :0]
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(cols[0]), mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _ultralytics_runs(g: Polygon, height: int, width: int, k: int, failed: dict):
    """Runs of a YOLO row as Ultralytics fills it (:mod:`convert.pixels.ultralytics_fill`): resampled, truncated to
    integers, ``cv2.fillPoly``; several rings unioned.  The outline-length guard of the other polygons
    applies."""
    from convert.pixels.ultralytics_fill import fill_poly, resample

    rings = [np.asarray(r, dtype=np.float64) for r in g.rings if len(r) >= 3]
    steps = ring_steps(rings).sum() if rings else 0.0
    if not rings or not np.isfinite(steps) or steps > MAX_BOUNDARY_STEPS:
        if rings:
            failed[k] = GeometryTooLarge(f"the outline would take {steps:.0f} rasterisation steps "
                                         f"(coordinates far outside the image?); limit {MAX_BOUNDARY_STEPS}")
        return runs.EMPTY, runs.EMPTY
    vertices = [resample(ring.astype(np.float32)).astype(np.int32).astype(np.int64) for ring in rings]
    every = np.concatenate(vertices)
    (left, top), (right, bottom) = np.maximum(every.min(axis=0), 0), np.minimum(every.max(axis=0), [width - 1,
                                                                                                  height - 1])
    if right < left or bottom < top:
        return runs.EMPTY, runs.EMPTY
    window = np.zeros((int(bottom - top + 1), int(right - left + 1)), dtype=np.uint8)
    for points in vertices:
        fill_poly(window, points - [left, top])
    return runs.from_window(int(left), int(top), window.T.astype(bool), height)


def pillow_runs(g: Polygon, height: int, width: int):
    """Runs of a polygon as Pillow's ``ImageDraw.polygon(points, fill=...)`` paints it (no outline argument),
    each ring on its own and the rings unioned: cityscapesScripts' ``createLabelImage``.  The canvas starts at
    pixel (0, 0), as the tool's does (Pillow's fill of fractional vertices is not the same under a shift of
    whole pixels: 3 polygons in 4,000 differ by a pixel), and ends just past the polygon; only the window
    around the polygon is read back.

    >>> square = Polygon((np.array([[1, 1], [3, 1], [3, 3], [1, 3]], dtype=float),), rule="pillow")
    >>> s, e = pillow_runs(square, 5, 5)
    >>> runs.to_mask(s, e, 5, 5).astype(int)[0:4, 0:4].tolist()
    [[0, 0, 0, 0], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]]
    """
    rings = [np.asarray(r, dtype=np.float64) for r in g.rings if len(r)]
    if not rings:
        return runs.EMPTY, runs.EMPTY
    every = np.concatenate(rings)
    low, high = np.floor(every.min(axis=0)), np.ceil(every.max(axis=0))
    if high[0] < 0 or high[1] < 0 or low[0] >= width or low[1] >= height:
        return runs.EMPTY, runs.EMPTY
    left, top = (int(v) if v > 0 else 0 for v in low)
    right, bottom = int(min(high[0] + 2, width)), int(min(high[1] + 2, height))
    from PIL import ImageDraw  # only the labelme rule draws with Pillow

    image = Image.new("L", (right, bottom), 0)
    draw = ImageDraw.Draw(image)
    for ring in rings:
        draw.polygon([tuple(p) for p in ring.tolist()], fill=1)
    window = np.asarray(image.crop((left, top, right, bottom)), dtype=bool)
    return runs.from_window(left, top, window.T, height)


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
    from PIL import ImageDraw

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
