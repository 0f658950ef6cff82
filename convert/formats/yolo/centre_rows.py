"""YOLO rows that Ultralytics' fill paints back to exactly the traced pixels (``docs/formats.md``, "YOLO-seg",
"Two fills").

:mod:`convert.pixels.trace` gives rings along pixel *edges*: exact under pycocotools' centre rule, but
``cv2.fillPoly`` (which Ultralytics trains with, :mod:`convert.pixels.ultralytics_fill`) paints a polygon's outline
too, so such a ring gains a pixel row on two of its sides.  Here every ring is moved half a pixel towards its
object, so that it runs through the *centres* of the object's boundary pixels: integer pixel positions,
which ``fillPoly`` paints outline and inside alike.  A part one pixel wide becomes a path there and back,
which ``fillPoly`` still draws.  A vertex of an edge ring at corner (x, y) moves by half the sum of the
inward normals of its two edges (the object is on the right of every edge, on screen, for outer rings and
holes alike), then by (-½, -½) from corner to pixel coordinates.

Rings of one object are joined into one row by bridges between their nearest vertices, each crossed twice
(an even-odd fill adds nothing inside); ``fillPoly`` draws a bridge as a line, so a bridge across a gap
between two parts paints that gap's pixels, which the read-back counts.  Coordinates are written as
``(c + ½) / W``, which truncate back to c after Ultralytics' float32 scaling (:func:`centre_text`).

    >>> ring = np.array([[0, 0], [3, 0], [3, 2], [0, 2]])   # the edge ring around pixels (0..2, 0..1)
    >>> centre_ring(ring).tolist()
    [[0, 0], [2, 0], [2, 1], [0, 1]]
"""

from __future__ import annotations

import numpy as np

_NEAREST_CELLS = 4_000_000  # vertex pairs compared at once when looking for the shortest bridge
KEPT_POINTS = 999  # Ultralytics keeps a row's own vertices up to this many (resample_segments), resamples past it


def centre_ring(ring: np.ndarray) -> np.ndarray:
    """An edge ring (corners, the object on the right of every edge) as a ring through the centres of its
    boundary pixels, in pixel coordinates, without repeated or straight-through vertices."""
    before = np.sign(ring - np.roll(ring, 1, axis=0))
    after = np.sign(np.roll(ring, -1, axis=0) - ring)
    inward = np.stack((-before[:, 1] - after[:, 1], before[:, 0] + after[:, 0]), axis=1)  # right normals, summed
    centres = (2 * ring + inward - 1) // 2
    return _tidy(centres)


def _tidy(points: np.ndarray) -> np.ndarray:
    """Without consecutive repeats, and without vertices where the path goes straight on (a reversal, the
    tip of a part one pixel wide, is kept)."""
    keep = np.any(points != np.roll(points, 1, axis=0), axis=1)
    if not keep.any():
        return points[:1]
    points = points[keep]
    if len(points) < 3:
        return points
    before = points - np.roll(points, 1, axis=0)
    after = np.roll(points, -1, axis=0) - points
    cross = before[:, 0] * after[:, 1] - before[:, 1] * after[:, 0]
    dot = (before * after).sum(axis=1)
    straight = (cross == 0) & (dot > 0)
    return points[~straight] if (~straight).any() else points[:2]


def fewer_vertices(ring: np.ndarray) -> np.ndarray:
    """A centre ring of more than :data:`KEPT_POINTS` vertices with corners left out where ``fillPoly`` paints
    the same pixels without them (checked with the fill itself): staircases of unit steps become 45° edges
    through their outer corners.  Ultralytics re-samples a longer row, which costs pixels (a bridge or a
    hole can move); the writer's read-back counts them.

    >>> ids = (np.add.outer(np.arange(6), np.arange(6)) < 6).astype(int)    # a staircase triangle
    >>> from convert.pixels.trace import trace_parts
    >>> ring = centre_ring(trace_parts(ids)[1][0][0])
    >>> len(ring), len(_fewer(ring, 3))
    (12, 3)
    """
    return _fewer(ring, KEPT_POINTS)


def _fewer(ring: np.ndarray, limit: int) -> np.ndarray:
    """Rounds of leaving out corners on the object's side, each set checked against the ring's own fill (and
    halved until it passes), until the ring has ``limit`` vertices or no corner can go."""
    if len(ring) <= limit:
        return ring
    frame = _Frame(ring)
    target = frame.fill(ring)
    while len(ring) > limit:
        gone = frame.removable(ring, np.flatnonzero(_corners(ring)), np.zeros(0, dtype=np.int64), target)
        if not len(gone):
            break
        keep = np.ones(len(ring), dtype=bool)
        keep[gone] = False
        ring, kept = _tidy(ring[keep]), len(ring) - len(gone)
        if len(ring) != kept and frame.bands:  # _tidy left out vertices too: does the fill stay the target's?
            frame.bands = np.array_equal(frame.fill(ring), target)
    while len(ring) > limit:  # still too long: edges of any slope, each corner checked where it can change
        shorter = _any_slope(ring, limit)
        if len(shorter) == len(ring):
            break
        ring = shorter
    return ring


def _any_slope(ring: np.ndarray, limit: int) -> np.ndarray:
    """One pass leaving out, one by one, corners on the object's side whose two neighbours lie on either side
    of them in y (so every row the change touches keeps its number of crossings, and no pixel outside the
    corner's rows can change), each checked by filling those rows before and after.  The ring's fill is
    drawn once: a change that passes leaves it as it was, and a corner's rows are filled from the edges that
    reach them only (:func:`~convert.pixels.ultralytics_fill.fill_edges`)."""
    from convert.pixels.ultralytics_fill import fill_poly

    ring = ring.copy()
    lo, hi = ring.min(axis=0), ring.max(axis=0)
    whole = np.zeros((int(hi[1] - lo[1] + 1), int(hi[0] - lo[0] + 1)), dtype=np.uint8)
    fill_poly(whole, ring - lo)  # the fill every accepted change keeps
    i = 0
    while i < len(ring) and len(ring) > limit:
        n = len(ring)
        prev, here, nxt = ring[(i - 1) % n], ring[i], ring[(i + 1) % n]
        span = nxt - prev
        side = (here - prev) @ np.array([-span[1], span[0]])
        if side < 0 or not span.any() or not (min(prev[1], nxt[1]) <= here[1] <= max(prev[1], nxt[1])):
            i += 1
            continue
        top, bottom = min(prev[1], nxt[1]), max(prev[1], nxt[1])
        candidate = np.delete(ring, i, axis=0)
        if _fills_rows_alike(whole, lo, ring, candidate, int(top), int(bottom)):
            ring = candidate
        i += 1  # after a change, the next corner keeps its neighbour
    return _tidy(ring)


def _fills_rows_alike(target: np.ndarray, lo: np.ndarray, ring: np.ndarray, changed: np.ndarray, top: int,
                      bottom: int) -> bool:
    """Whether ``changed`` fills rows ``top``..``bottom`` as ``target`` (the fill of ``ring``, its corner at
    ``lo``) shows them, where ``changed`` is ``ring`` less vertices whose rows, with their neighbours', lie
    there.  A row's pixels come from the edges that reach it only, and lie between their ends, so only those
    edges are drawn, over the columns the ring's own edges there span."""
    from convert.pixels.ultralytics_fill import fill_edges

    def reaching(points):
        start, end = points, np.roll(points, -1, axis=0)
        reach = (np.maximum(start[:, 1], end[:, 1]) >= top) & (np.minimum(start[:, 1], end[:, 1]) <= bottom)
        return start[reach], end[reach]

    start, end = reaching(ring)
    left = int(min(start[:, 0].min(), end[:, 0].min()))
    right = int(max(start[:, 0].max(), end[:, 0].max()))
    start, end = reaching(changed)
    band = np.zeros((bottom - top + 1, right - left + 1), dtype=np.uint8)
    shift = np.array([left, top])
    fill_edges(band, start - shift, end - shift)
    row, col = top - int(lo[1]), left - int(lo[0])
    return np.array_equal(band, target[row:row + len(band), col:col + band.shape[1]])


def _corners(ring: np.ndarray) -> np.ndarray:
    """Vertices on the object's side (the right, as the ring runs) of the step between their neighbours, or
    on it, where that step runs along a row, a column or at 45°: the points Ultralytics adds along such an
    edge truncate onto it (along another slope they may not); never two neighbours, so each stays joined to
    a kept vertex."""
    prev, nxt = np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0)
    span = nxt - prev
    side = ((ring - prev) * np.stack((-span[:, 1], span[:, 0]), axis=1)).sum(axis=1)
    steady = (span[:, 0] == 0) | (span[:, 1] == 0) | (np.abs(span[:, 0]) == np.abs(span[:, 1]))
    drop = (side >= 0) & span.any(axis=1) & steady
    drop[1:] &= ~drop[:-1]
    drop[0] &= not drop[-1]
    return drop


class _Frame:
    """The box of a ring's vertices, where fills are compared."""

    def __init__(self, ring: np.ndarray):
        self.lo = ring.min(axis=0)
        self.shape = tuple(int(v) for v in (ring.max(axis=0) - self.lo + 1)[::-1])
        self.bands = True  # the ring being shortened fills as the target: a change can be checked on its rows

    def fill(self, points: np.ndarray) -> np.ndarray:
        """What ``fillPoly`` paints of the row."""
        from convert.pixels.ultralytics_fill import fill_poly

        mask = np.zeros(self.shape, dtype=np.uint8)
        fill_poly(mask, points - self.lo)
        return mask

    def same_fill(self, ring: np.ndarray, keep: np.ndarray, target: np.ndarray) -> bool:
        """Whether ``ring[keep]`` (``ring`` less some vertices, never two neighbours) fills as ``target``, the
        fill of ``ring``.  Leaving out a vertex changes only the rows between the lowest and the highest of it
        and its two neighbours (a row's pixels come from the edges that reach it), so only the band of rows
        holding all of those is filled again, from the edges that reach it."""
        if not self.bands:
            return np.array_equal(self.fill(ring[keep]), target)
        gone = np.flatnonzero(~keep)
        n = len(ring)
        ys = ring[:, 1]
        around = np.stack((ys[(gone - 1) % n], ys[gone], ys[(gone + 1) % n]))
        points = ring[keep]
        if np.count_nonzero(points[:, 1] != np.roll(points[:, 1], -1)) < 2:  # no longer a ring that fills
            return np.array_equal(self.fill(points), target)
        return _fills_rows_alike(target, self.lo, ring, points, int(around.min()), int(around.max()))

    def removable(self, ring: np.ndarray, candidates: np.ndarray, gone: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Of ``candidates``, those that can go besides ``gone`` with the fill still ``target``: all at once
        if they can, else each half in turn."""
        if not len(candidates):
            return candidates
        keep = np.ones(len(ring), dtype=bool)
        keep[gone] = False
        keep[candidates] = False
        if self.same_fill(ring, keep, target):
            return candidates
        if len(candidates) == 1:
            return candidates[:0]
        half = len(candidates) // 2
        first = self.removable(ring, candidates[:half], gone, target)
        return np.concatenate((first, self.removable(ring, candidates[half:], np.concatenate((gone, first)),
                                                     target)))


def joined(rings: list[np.ndarray]) -> np.ndarray:
    """One path through every ring.  Each ring after the first, topmost first, is reached by a bridge straight
    up from its top vertex to the path so far (for a hole: through the object's own pixels, to the outline or
    a hole above, which is on the path already), walked round, and left the same way; a ring that nothing
    lies above (another part) is reached from the nearest vertex of the path by a bridge across, then down.
    Bridges run along rows and columns only: Ultralytics adds points along every edge and truncates them, which
    keeps such edges where they are.

    >>> outer = np.array([[0, 0], [6, 0], [6, 6], [0, 6]]); hole = np.array([[2, 2], [2, 4], [4, 4], [4, 2]])
    >>> joined([outer, hole]).tolist()
    [[0, 0], [2, 0], [2, 2], [2, 4], [4, 4], [4, 2], [2, 2], [2, 0], [6, 0], [6, 6], [0, 6]]
    """
    path = rings[0]
    for ring in sorted(rings[1:], key=lambda r: int(r[:, 1].min())):
        path = _bridge_up(path, ring)
    return path


def _bridge_up(path: np.ndarray, ring: np.ndarray) -> np.ndarray:
    top = int(np.lexsort((ring[:, 0], ring[:, 1]))[0])
    x, y = ring[top]
    walk = np.roll(ring, -top, axis=0)
    a, b = path, np.roll(path, -1, axis=0)
    across = (a[:, 1] == b[:, 1]) & (np.minimum(a[:, 0], b[:, 0]) <= x) & (np.maximum(a[:, 0], b[:, 0]) >= x)
    level = np.where(across, a[:, 1], np.iinfo(np.int64).min)
    level[level >= y] = np.iinfo(np.int64).min
    if level.max() > np.iinfo(np.int64).min:  # the nearest edge straight above
        i = int(np.argmax(level))
        foot = np.array([[x, level[i]]])
        return np.concatenate((path[:i + 1], foot, walk, walk[:1], foot, path[i + 1:]))
    i, j = _nearest(path, ring)  # another part beside or below: across, then down
    walk = np.roll(ring, -j, axis=0)
    corner = np.array([[walk[0, 0], path[i, 1]]])
    return np.concatenate((path[:i + 1], corner, walk, walk[:1], corner, path[i:]))


def _nearest(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Indices of the closest pair of vertices of ``a`` and ``b`` (every pair when few; else a thinned grid of
    each, which finds a short bridge, not always the shortest)."""
    step_a = max(1, int(np.ceil(len(a) * len(b) / _NEAREST_CELLS)) if len(a) >= len(b) else 1)
    step_b = max(1, int(np.ceil(len(a) * len(b) / _NEAREST_CELLS)) if len(b) > len(a) else 1)
    sa, sb = a[::step_a], b[::step_b]
    d = ((sa[:, None, :] - sb[None, :, :]) ** 2).sum(axis=2)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    return int(i) * step_a, int(j) * step_b


def centre_text(size: int) -> tuple[np.ndarray, np.ndarray]:
    """For every pixel position 0..size-1 of a side: the text written for it, ``(c + ½) / size`` with 6
    decimals (8 ASCII characters, a ``(size, 8)`` uint8 table), and the number that text reads as.  Checked
    here: Ultralytics' float32 reading times ``size``, truncated, gives c back; past a million pixels a side
    it would not, and 7 or more decimals are used.

    >>> table, read = centre_text(640)
    >>> table[424].tobytes(), float(np.float32(read[424]) * np.float32(640))
    (b'0.663281', 424.4998474121094)
    """
    for decimals in (6, 7, 8, 9):
        text = [f"{(c + 0.5) / size:.{decimals}f}" for c in range(size)]
        read = np.array(text, dtype=np.float32)
        if ((read * np.float32(size)).astype(np.int32) == np.arange(size)).all():
            table = np.frombuffer("".join(text).encode("ascii"), dtype=np.uint8).reshape(size, 2 + decimals)
            return table, np.array([float(t) for t in text])
    raise ValueError(f"no decimal text of (c + 0.5) / {size} truncates back to c")  # pragma: no cover
