"""A YOLO row's pixels as Ultralytics trains on them (``docs/formats.md``, "YOLO-seg", "Two fills").

Ultralytics (``ultralytics/data/utils.py``, ``polygon2mask``; ``ultralytics/utils/ops.py``,
``resample_segments``) turns a row into a mask this way, and so does :func:`row_mask`:

1. the numbers are read as float32 (``np.array(x[1:], dtype=np.float32)``);
2. the row is resampled to 1,000 points: a row of fewer keeps its own vertices and gets points added along
   its edges (a row of exactly 1,000 is left alone); a row of more is *re-sampled*, 1,000 points evenly
   spaced in vertex order, so its own vertices are lost;
3. ``x·W``, ``y·H`` in float32, truncated to int32 (``0.664062 · 640 = 424.9997`` is column 424);
4. ``cv2.fillPoly(mask, [points], 1)``: OpenCV's scanline fill of integer vertices, the outline included
   (every edge drawn as an 8-connected line, both ends), the inside filled between pairs of edge crossings
   in x order (even-odd), each edge counting on rows ``[y0, y1)``, spans from the ceiling of the left
   crossing to the floor of the right one (16-bit fixed point, as OpenCV computes them).

With ``overlap_mask`` (the default) the rows of an image are composed by area: larger first, smaller on
top (:func:`compose`).  A pixel (column c, row r) is integer point (c, r) here: vertex ``c + 0.5`` over
``W`` truncates to column c, which is how segconv's default rows are written.

    >>> centres = np.array([[0, 0], [2, 0], [2, 1], [0, 1]]) + 0.5   # the centres of pixels (0..2, 0..1)
    >>> row_mask((centres / [4, 3]).astype(np.float32), 4, 3)
    array([[1, 1, 1, 0],
           [1, 1, 1, 0],
           [0, 0, 0, 0]], dtype=uint8)
"""

from __future__ import annotations

import numpy as np

POINTS = 1000  # Ultralytics' segment_resamples for segmentation
_SHIFT = 16
_ONE = 1 << _SHIFT


def resample(points: np.ndarray, n: int = POINTS) -> np.ndarray:
    """Ultralytics' ``resample_segments`` of one row (``(k, 2)`` float32, normalised), as it is today."""
    if len(points) == n:
        return points
    closed = np.concatenate((points, points[:1]), axis=0)
    known = np.arange(len(closed))
    if len(closed) < n:
        at = np.linspace(0, len(closed) - 1, n - len(closed))
        at = np.insert(at, np.searchsorted(at, known), known)
    else:
        at = np.linspace(0, len(closed) - 1, n)
    return np.stack([np.interp(at, known, closed[:, k]) for k in range(2)], axis=1).astype(np.float32)


def pixel_vertices(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """Steps 2 and 3: the integer vertices ``cv2.fillPoly`` gets for a row of normalised float32 points."""
    scaled = resample(np.asarray(points, dtype=np.float32)) * np.array([width, height], dtype=np.float32)
    return scaled.astype(np.int32).astype(np.int64)


def row_mask(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """The ``(height, width)`` uint8 mask of one row (1 inside) as Ultralytics rasterises it."""
    mask = np.zeros((height, width), dtype=np.uint8)
    top, left, window = row_window(points, width, height)
    mask[top:top + window.shape[0], left:left + window.shape[1]] = window
    return mask


def row_window(points: np.ndarray, width: int, height: int) -> tuple[int, int, np.ndarray]:
    """:func:`row_mask` over the row's own box only: ``(top, left, window)``."""
    vertices = pixel_vertices(points, width, height)
    lo = np.maximum(vertices.min(axis=0), 0)
    hi = np.minimum(vertices.max(axis=0), [width - 1, height - 1])
    if (hi < lo).any():
        return 0, 0, np.zeros((0, 0), dtype=np.uint8)
    window = np.zeros((int(hi[1] - lo[1] + 1), int(hi[0] - lo[0] + 1)), dtype=np.uint8)
    fill_poly(window, vertices - lo)
    return int(lo[1]), int(lo[0]), window


def fill_poly(mask: np.ndarray, vertices: np.ndarray) -> None:
    """``cv2.fillPoly(mask, [vertices], 1)`` with integer ``vertices`` (``(k, 2)``), LINE_8, no shift: equal
    to OpenCV's for vertices inside the image (tested against it); outside it, OpenCV clips each outline
    edge before walking it, which this does not."""
    if len(vertices) == 0:
        return
    fill_edges(mask, vertices, np.roll(vertices, -1, axis=0))


def fill_edges(mask: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
    """:func:`fill_poly` of a ring given as its edges ``start[k] -> end[k]``.  A row's pixels depend only on
    the edges whose rows include it, so the edges that reach a band of rows fill that band as the whole
    ring does."""
    height, width = mask.shape
    _outline(mask, start, end)
    going = start[:, 1] != end[:, 1]
    if np.count_nonzero(going) < 2:
        return
    a, b = start[going], end[going]
    down = a[:, 1] < b[:, 1]
    top = np.where(down[:, None], a, b)
    bottom = np.where(down[:, None], b, a)
    rise = bottom[:, 1] - top[:, 1]
    run = (bottom[:, 0] - top[:, 0]) << _SHIFT
    dx = np.sign(run) * (np.abs(run) // rise)  # C's division: toward zero
    first = np.maximum(top[:, 1], 0)
    last = np.minimum(bottom[:, 1], height)  # an edge counts on rows [y0, y1), clipped to the image
    counts = np.maximum(last - first, 0)
    total = int(counts.sum())
    if not total:
        return
    edge = np.repeat(np.arange(len(top)), counts)
    rows = first[edge] + np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    xs = (top[edge, 0] << _SHIFT) + (rows - top[edge, 1]) * dx[edge]
    order = np.lexsort((xs, rows))
    rows, xs = rows[order], xs[order]
    row, left, right = rows[0::2], xs[0::2], xs[1::2]  # a closed ring crosses every row an even number of times
    begin = np.maximum((left + _ONE - 1) >> _SHIFT, 0)
    stop = np.minimum(right >> _SHIFT, width - 1)
    keep = begin <= stop
    _spans(mask, row[keep], begin[keep], stop[keep])


def _spans(mask: np.ndarray, rows: np.ndarray, first: np.ndarray, last: np.ndarray) -> None:
    """Set ``mask[r, a..b]`` for every (r, a, b), in one pass."""
    if not len(rows):
        return
    height, width = mask.shape
    size = height * (width + 1)
    marks = np.bincount(rows * (width + 1) + first, minlength=size) - \
        np.bincount(rows * (width + 1) + last + 1, minlength=size)
    mask[np.cumsum(marks.reshape(height, width + 1), axis=1)[:, :width] > 0] = 1


def _outline(mask: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
    """Every edge drawn as OpenCV's 8-connected line (``LineIterator``, walked left to right), both ends
    included, all edges in one pass: along the major axis one pixel a step, the minor axis moved
    ``ceil((2·minor·k - major) / (2·major))`` times by step k (Bresenham's error rule, closed form)."""
    height, width = mask.shape
    swap = start[:, 0] > end[:, 0]
    a = np.where(swap[:, None], end, start)
    b = np.where(swap[:, None], start, end)
    dx, dy = b[:, 0] - a[:, 0], np.abs(b[:, 1] - a[:, 1])
    step_y = np.where(b[:, 1] < a[:, 1], -1, 1)
    major, minor = np.maximum(dx, dy), np.minimum(dx, dy)
    count = major + 1
    edge = np.repeat(np.arange(len(a)), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    big, small = major[edge], minor[edge]
    ahead = 2 * small * k - big
    moved = np.where(ahead > 0, -(-ahead // np.maximum(2 * big, 1)), 0)
    along_x = (dx >= dy)[edge]
    xs = a[edge, 0] + np.where(along_x, k, moved)
    ys = a[edge, 1] + step_y[edge] * np.where(along_x, moved, k)
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    mask[ys[inside], xs[inside]] = 1


def _line(mask: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """One edge drawn as :func:`_outline` draws it."""
    _outline(mask, np.array([[x0, y0]]), np.array([[x1, y1]]))


def compose(windows: list[tuple[int, int, np.ndarray]], classes: list[int], background: int,
            shape: tuple[int, int]) -> np.ndarray:
    """Ultralytics' ``polygons2masks_overlap`` read as classes: the rows (:func:`row_window`) painted larger
    first, smaller on top; pixels no row covers are ``background``."""
    out = np.full(shape, background, dtype=np.int64)
    areas = [int(w.sum()) for _, _, w in windows]
    for k in sorted(range(len(windows)), key=lambda k: -areas[k]):  # stable; numpy's argsort(-areas) is not
        top, left, window = windows[k]
        region = out[top:top + window.shape[0], left:left + window.shape[1]]
        region[window != 0] = classes[k]
    return out
