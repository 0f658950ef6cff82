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


def stacked_vertices(rows: list[np.ndarray], width: int, height: int) -> np.ndarray:
    """:func:`pixel_vertices` of every row (none empty), stacked: ``(len(rows) · POINTS, 2)``, in one pass over
    all rows.  np.linspace's arithmetic (``i · step``, the last point its stop), np.insert's order (a row's own
    points before equal ones) and np.interp's (``slope · (x - j) + y_j``, ``y_j`` itself at ``x = j``; the
    slope is the difference of two points, as the sample points are 0, 1, 2...), done on all rows at once:
    the same float64 operations, so the same numbers.

    >>> rows = [np.array([[0.1, 0.2], [0.9, 0.2], [0.5, 0.8]], dtype=np.float32)] * 2
    >>> bool((stacked_vertices(rows, 40, 30) == np.concatenate([pixel_vertices(r, 40, 30) for r in rows])).all())
    True
    """
    n = POINTS
    lengths = np.array([len(points) for points in rows])
    points = np.concatenate(rows).astype(np.float32).astype(np.float64)
    sizes = lengths + 1  # closed: the first point again at the end
    fewer = sizes < n  # the row's own points kept, np.linspace's put between them
    m = np.where(lengths == n, 0, np.where(fewer, n - sizes, n))  # the points np.linspace places
    owner = np.repeat(np.arange(len(rows)), m)
    begin = np.cumsum(m) - m
    i = np.arange(len(owner)) - begin[owner]
    at = i * ((sizes - 1) / np.maximum(m - 1, 1))[owner]  # np.linspace(0, size - 1, m): i · step ...
    ends = m > 1
    at[(begin + m - 1)[ends]] = (sizes - 1)[ends]  # ... ending on its stop exactly
    j = at.astype(np.int64)  # the sample point at or before it
    first, length = np.cumsum(lengths) - lengths, lengths[owner]
    here = first[owner] + np.where(j < length, j, 0)  # the closed ring's point j (the first point again at its end)
    there = first[owner] + np.where(j + 1 < length, j + 1, 0)
    frac = at - j
    out = np.empty((2, len(rows) * n), dtype=np.float64)
    placed = np.where(fewer[owner], i + j + 1, i) + owner * n  # after the row's own points at or before it
    for axis in range(2):
        y0 = points[here, axis]
        out[axis, placed] = (points[there, axis] - y0) * frac + y0
    free = np.ones(len(rows) * n, dtype=bool)
    free[placed] = False
    count = np.where(fewer, sizes, np.where(lengths == n, n, 0))  # the row's own points in its output
    owner = np.repeat(np.arange(len(rows)), count)
    own = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    own = first[owner] + np.where(own < lengths[owner], own, 0)
    out[:, np.flatnonzero(free)] = points[own].T
    scaled = out.astype(np.float32) * np.array([[width], [height]], dtype=np.float32)
    return scaled.astype(np.int32).astype(np.int64).T


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
    fill_edges(mask, vertices, np.concatenate((vertices[1:], vertices[:1])))


def fill_edges(mask: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
    """:func:`fill_poly` of a ring given as its edges ``start[k] -> end[k]``.  A row's pixels depend only on
    the edges whose rows include it, so the edges that reach a band of rows fill that band as the whole
    ring does."""
    height, width = mask.shape
    xs, ys, _ = _outline_points(start, end)
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    mask[ys[inside], xs[inside]] = 1
    row, begin, stop = _crossing_spans(start, end, 0, height)
    begin, stop = np.maximum(begin, 0), np.minimum(stop, width - 1)
    keep = begin <= stop
    _spans(mask, row[keep], begin[keep], stop[keep])


def fill_runs(start: np.ndarray, end: np.ndarray, top, bottom) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`fill_edges` paints on rows ``top..bottom`` (no clipping: the plane, not an image), as runs
    ``(rows, first, last)``: sorted by row then column, merged (no two runs of a row overlap or touch), given
    every edge that reaches those rows.  Without a mask: the cost follows the edges, not the area.  ``top``
    and ``bottom`` may be given per edge: rings far apart in y (moved there) are then filled in one call,
    each on its own rows.

    >>> square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]])
    >>> [v.tolist() for v in fill_runs(square, np.roll(square, -1, axis=0), 1, 2)]
    [[1, 2], [0, 0], [2, 2]]
    """
    if np.ndim(top) == 0:  # np.full: cheaper than np.broadcast_to
        top = np.full(len(start), top, dtype=np.int64)
    if np.ndim(bottom) == 0:
        bottom = np.full(len(start), bottom, dtype=np.int64)
    chained = np.zeros(len(start), dtype=bool)  # the edge's end is the next edge's start, on the same rows
    np.equal(end[:-1, 0], start[1:, 0], out=chained[:-1])
    chained[:-1] &= (end[:-1, 1] == start[1:, 1]) & (top[:-1] == top[1:]) & (bottom[:-1] == bottom[1:])
    xs, ys, edge = _outline_points(start, end, top, bottom, chained)
    near = (ys >= top[edge]) & (ys <= bottom[edge])
    row, begin, stop = _crossing_spans(start, end, top, bottom + 1)
    keep = begin <= stop
    return merged_runs(np.concatenate((ys[near], row[keep])), np.concatenate((xs[near], begin[keep])),
                       np.concatenate((xs[near], stop[keep])))


def merged_runs(rows: np.ndarray, first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs ``first..last`` on ``rows`` (any order, overlapping) as sorted runs of which no two of a row overlap
    or touch.

    >>> [v.tolist() for v in merged_runs(np.array([3, 1, 3, 3]), np.array([5, 0, 0, 3]), np.array([6, 2, 2, 3]))]
    [[1, 3, 3], [0, 0, 5], [2, 3, 6]]
    """
    if not len(rows):
        return rows, first, last
    low = int(first.min())
    span = int(last.max()) - low + 3  # rows apart by more than any run's end: one running maximum for all rows
    starts = rows.astype(np.int64) * span + (first - low)
    order = np.argsort(starts, kind="stable")
    starts = starts[order]
    ends = np.maximum.accumulate(rows[order].astype(np.int64) * span + (last[order] - low))
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] > ends[:-1] + 1
    at = np.flatnonzero(new)
    row = starts[at] // span
    return row, starts[at] - row * span + low, ends[np.append(at[1:] - 1, len(ends) - 1)] - row * span + low


def mask_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A mask's set pixels as runs ``(rows, first, last)``, as :func:`merged_runs` gives them.

    >>> [v.tolist() for v in mask_runs(np.array([[0, 1, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]]))]
    [[0, 0, 2], [1, 4, 0], [2, 4, 4]]
    """
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask != 0
    step = np.diff(padded, axis=1)
    rows, first = np.nonzero(step == 1)
    _, after = np.nonzero(step == -1)
    return rows, first, after - 1


def _crossing_spans(start: np.ndarray, end: np.ndarray, top, stop_row) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inside of the fill on rows ``top..stop_row - 1``: ``(rows, first, last)`` between pairs of edge
    crossings in x order (even-odd), each edge counting on rows ``[y0, y1)``, from the ceiling of the left
    crossing to the floor of the right one in 16-bit fixed point; ``first > last`` where a pair paints
    nothing.  ``top`` and ``stop_row`` may be given per edge."""
    none = np.zeros(0, dtype=np.int64)
    going = np.flatnonzero(start[:, 1] != end[:, 1])  # positions: faster to index with than an irregular mask
    if len(going) < 2:
        return none, none, none
    if np.ndim(top):
        top, stop_row = top[going], stop_row[going]
    ax, ay, bx, by = start[going, 0], start[going, 1], end[going, 0], end[going, 1]
    down = ay < by
    top_x, top_y = np.where(down, ax, bx), np.where(down, ay, by)
    bottom_x, bottom_y = np.where(down, bx, ax), np.where(down, by, ay)
    run = (bottom_x - top_x) << _SHIFT
    dx = np.sign(run) * (np.abs(run) // (bottom_y - top_y))  # C's division: toward zero
    first = np.maximum(top_y, top)
    last = np.minimum(bottom_y, stop_row)  # an edge counts on rows [y0, y1), clipped to the rows asked
    counts = np.maximum(last - first, 0)
    total = int(counts.sum())
    if not total:
        return none, none, none
    edge = np.repeat(np.arange(len(top_y)), counts)
    rows = np.arange(total) - np.repeat(np.cumsum(counts) - counts - first, counts)
    xs = (top_x[edge] << _SHIFT) + (rows - top_y[edge]) * dx[edge]
    low, high = int(xs.min()), int(xs.max())
    order = np.argsort((rows - int(rows.min())) * (high - low + 1) + (xs - low), kind="stable")  # by row, then x
    rows, xs = rows[order], xs[order]
    left, right = xs[0::2], xs[1::2]  # a closed ring crosses every row an even number of times
    return rows[0::2], (left + _ONE - 1) >> _SHIFT, right >> _SHIFT


def _spans(mask: np.ndarray, rows: np.ndarray, first: np.ndarray, last: np.ndarray) -> None:
    """Set ``mask[r, a..b]`` for every (r, a, b), in one pass: +1 where a span starts, -1 after it ends, summed
    along each row."""
    if not len(rows):
        return
    height, width = mask.shape
    marks = np.zeros((height, width + 1), dtype=np.int32)
    flat = marks.reshape(-1)
    np.add.at(flat, rows * (width + 1) + first, 1)
    np.add.at(flat, rows * (width + 1) + last + 1, -1)
    np.cumsum(marks, axis=1, dtype=np.int32, out=marks)
    np.copyto(mask, 1, where=marks[:, :width] > 0)


def _outline_points(start: np.ndarray, end: np.ndarray, top=None, bottom=None, chained=None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, edge)`` of every pixel of every edge drawn as OpenCV's 8-connected line (``LineIterator``,
    walked left to right), both ends included: along the major axis one pixel a step, the minor axis moved
    ``ceil((2·minor·k - major) / (2·major))`` times by step k (Bresenham's error rule, closed form).  With
    ``top`` and ``bottom`` (per edge), only the pixels on rows ``top..bottom``: the steps k that reach them,
    from the same rule solved for k (moved ≥ m from k = ⌊major·(2m - 1) / (2·minor)⌋ + 1 on); with
    ``chained`` too (per edge), an edge marked there leaves out its end pixel (the next edge's start, drawn by
    that edge).  The quotients are taken in float64: exact, as every numerator is far below 2**53."""
    sx, sy, ex, ey = start[:, 0], start[:, 1], end[:, 0], end[:, 1]
    swap = sx > ex
    ax, ay = np.where(swap, ex, sx), np.where(swap, ey, sy)
    bx, by = np.where(swap, sx, ex), np.where(swap, sy, ey)
    dx, dy = bx - ax, np.abs(by - ay)
    rising = by < ay
    major, minor = np.maximum(dx, dy), np.minimum(dx, dy)
    along = dx >= dy
    first = np.zeros(len(ax), dtype=np.int64)
    count = major + 1
    if top is not None:  # the steps k whose pixel lies on rows top..bottom
        low = np.maximum(np.where(rising, ay - bottom, top - ay), 0)  # moved (or k) in low..high
        high = np.minimum(np.where(rising, ay - top, bottom - ay), np.where(along, minor, major))
        wide = 2.0 * np.maximum(minor, 1)
        from_k = np.where(low > 0, np.floor(major * (2 * low - 1) / wide) + 1, 0).astype(np.int64)
        to_k = np.where(high < minor, np.floor(major * (2 * high + 1) / wide), major).astype(np.int64)
        first = np.where(along, from_k, low)
        last = np.where(along, to_k, high)
        if chained is not None:  # the end pixel left out: k = major where b is the end, k = 0 where a is
            last = np.where(chained & ~swap, np.minimum(last, major - 1), last)
            first = np.where(chained & swap, np.maximum(first, 1), first)
        count = np.where(low <= high, np.maximum(last - first + 1, 0), 0)
    edge = np.repeat(np.arange(len(ax)), count)
    k = np.arange(len(edge)) - np.repeat(np.cumsum(count) - count - first, count)
    big = major[edge]
    moved = np.ceil((2 * minor[edge] * k - big) / np.maximum(2.0 * big, 1))
    np.maximum(moved, 0, out=moved)
    moved = moved.astype(np.int64)
    along_x = along[edge]
    xs = ax[edge] + np.where(along_x, k, moved)
    step = np.where(along_x, moved, k)
    ys = ay[edge] + np.where(rising[edge], -step, step)
    return xs, ys, edge


def _outline(mask: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
    """Every edge drawn as :func:`_outline_points` gives it, clipped to the mask."""
    height, width = mask.shape
    xs, ys, _ = _outline_points(start, end)
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
    areas = [np.count_nonzero(w) for _, _, w in windows]
    for k in sorted(range(len(windows)), key=lambda k: -areas[k]):  # stable; numpy's argsort(-areas) is not
        top, left, window = windows[k]
        region = out[top:top + window.shape[0], left:left + window.shape[1]]
        np.copyto(region, classes[k], where=window != 0)
    return out


_RANKS = 52  # rows composed as bit sets of a float64's exact integers; more go through windows


def compose_rows(rows: list[np.ndarray], classes: list[int], background: int, shape: tuple[int, int]) -> np.ndarray:
    """:func:`compose` of :func:`row_window` of each row (normalised float32 points), without a mask per row:
    each row's fill as runs (:func:`fill_runs`, in one call for all rows: the k-th row moved down by k times
    the image's height), the runs' ends as events toggling the row's bit (a row's runs are merged, so its bit
    is set exactly on its pixels), the bits set at every pixel by one running XOR in pixel order, and the
    pixel given the class of the last-painted row among them (larger first, smaller on top).  Rows with a
    vertex outside the image (clipped there by :func:`row_window`), or more than 52 rows, go through
    :func:`compose`.

    >>> rows = [np.array([[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]], dtype=np.float32),
    ...         np.array([[0.3, 0.3], [0.5, 0.3], [0.5, 0.5]], dtype=np.float32)]
    >>> got = compose_rows(rows, [1, 2], 0, (6, 5))
    >>> bool((got == compose([row_window(r, 5, 6) for r in rows], [1, 2], 0, (6, 5))).all()), got[1].tolist()
    (True, [1, 2, 2, 1, 1])
    """
    height, width = shape
    if not rows:
        return np.full(shape, background, dtype=np.int64)
    inside = False
    if all(len(points) for points in rows) and len(rows) <= _RANKS:
        start = stacked_vertices(rows, width, height)
        inside = bool(start.min() >= 0 and (start.max(axis=0) < [width, height]).all())
    if not inside:
        return compose([row_window(points, width, height) for points in rows], classes, background, shape)
    sizes = np.full(len(rows), POINTS)
    ends = np.cumsum(sizes)
    down = np.repeat(np.arange(len(rows)) * height, sizes)  # the k-th row on rows k·height.., apart from the others
    start[:, 1] += down
    following = np.arange(1, len(start) + 1)
    following[ends - 1] = ends - sizes  # each row's last vertex joined to its first
    row, first, last = fill_runs(start, start[following], down, down + height - 1)
    owner = row // height  # the runs come row after row, each row's sorted as fill_runs gives them
    row -= owner * height
    areas = np.bincount(owner, weights=last - first + 1, minlength=len(rows)).astype(np.int64).tolist()
    rank = np.empty(len(rows), dtype=np.int64)
    rank[sorted(range(len(rows)), key=lambda k: -areas[k])] = np.arange(len(rows))  # paint order, stable
    row = np.concatenate((row, row))
    at = row * width + np.concatenate((first, last + 1))
    bits = np.tile(np.left_shift(np.int64(1), rank)[owner], 2)
    order = np.argsort(at, kind="stable")
    at, state = at[order], np.bitwise_xor.accumulate(bits[order])
    last_of = np.append(at[1:] != at[:-1], True)  # the state after every event at that position
    at, state = at[last_of], state[last_of]
    top = np.frexp(state.astype(np.float64))[1] - 1  # the highest bit set: the row painted last
    by_rank = np.empty(len(rows), dtype=np.int64)
    by_rank[rank] = classes
    values = np.where(state > 0, by_rank[np.maximum(top, 0)], background)
    starts = np.concatenate(([0], at))
    values = np.concatenate(([background], values))
    lengths = np.diff(np.append(starts, height * width))
    return np.repeat(values, lengths).reshape(height, width)
