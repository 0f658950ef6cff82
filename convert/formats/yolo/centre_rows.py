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

from convert.formats.yolo.row_checks import RowMemo

_NEAREST_CELLS = 4_000_000  # vertex pairs compared at once when looking for the shortest bridge
KEPT_POINTS = 999  # Ultralytics keeps a row's own vertices up to this many (resample_segments), resamples past it


def _before(a: np.ndarray) -> np.ndarray:
    """``np.roll(a, 1, axis=0)``: each element's predecessor round the ring (cheaper than ``np.roll``)."""
    return np.concatenate((a[-1:], a[:-1]))


def _after(a: np.ndarray) -> np.ndarray:
    """``np.roll(a, -1, axis=0)``: each element's successor round the ring."""
    return np.concatenate((a[1:], a[:1]))


def centre_ring(ring: np.ndarray) -> np.ndarray:
    """An edge ring (corners, the object on the right of every edge) as a ring through the centres of its
    boundary pixels, in pixel coordinates, without repeated or straight-through vertices."""
    before = np.sign(ring - _before(ring))
    after = np.sign(_after(ring) - ring)
    inward = np.stack((-before[:, 1] - after[:, 1], before[:, 0] + after[:, 0]), axis=1)  # right normals, summed
    centres = (2 * ring + inward - 1) // 2
    return _tidy(centres)


def _tidy(points: np.ndarray) -> np.ndarray:
    """Without consecutive repeats, and without vertices where the path goes straight on (a reversal, the
    tip of a part one pixel wide, is kept).  On the x and y columns, by positions (cheaper than (n, 2)
    arrays and boolean masks)."""
    x, y = points[:, 0], points[:, 1]
    moved = np.flatnonzero((x != _before(x)) | (y != _before(y)))
    if not len(moved):
        return points[:1]
    points = points[moved]
    if len(points) < 3:
        return points
    x, y = points[:, 0], points[:, 1]
    bx, by = x - _before(x), y - _before(y)
    ax, ay = _after(x) - x, _after(y) - y
    turns = np.flatnonzero((bx * ay != by * ax) | (bx * ax + by * ay <= 0))  # not straight on
    return points[turns] if len(turns) else points[:2]


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
    while len(ring) > limit:
        gone = frame.removable(ring, np.flatnonzero(_corners(ring)), np.zeros(0, dtype=np.int64))
        if not len(gone):
            break
        keep = np.ones(len(ring), dtype=bool)
        keep[gone] = False
        ring, kept = _tidy(ring[keep]), len(ring) - len(gone)
        if len(ring) != kept and frame.bands:  # _tidy left out vertices too: does the fill stay the target's?
            frame.bands = frame.fills_as_target(ring)
    while len(ring) > limit:  # still too long: edges of any slope, each corner checked where it can change
        shorter = _any_slope(ring, limit)
        if len(shorter) == len(ring):
            break
        ring = shorter
    return ring


def _any_slope(ring: np.ndarray, limit: int) -> np.ndarray:
    """One pass leaving out, one by one, corners on the object's side whose two neighbours lie on either side
    of them in y (so every row the change touches keeps its number of crossings, and no pixel outside the
    corner's rows can change), each checked by filling those rows before and after; after a corner is left
    out, the next one keeps its neighbour.  The ring's fill is drawn once: a change that passes leaves it as
    it was, and a corner's rows are filled from the edges that reach them only.

    The corners are checked :data:`_BATCH` at a time against the ring as it is (:func:`_corners_alike`); a
    check stands once earlier corners of the batch have gone when none of them was its neighbour and none
    of their rows is among its rows (the edges that reach its rows are then the same), else the batch ends
    there and the next one starts from that corner: the corners that go are those of one by one.  As the
    corner after one that goes is skipped, the one after that always shares its rows; so each corner is also
    checked with the corner two before it gone, which stands when no other corner gone shares its rows."""
    ring = ring.copy()
    target = _Runs(ring)  # the fill every accepted change keeps
    i = 0
    while i < len(ring) and len(ring) > limit:
        n = len(ring)
        at = np.arange(i, min(i + _BATCH, n))
        prev, here, nxt = ring[(at - 1) % n], ring[at], ring[(at + 1) % n]
        span = nxt - prev
        side = ((here - prev) * np.stack((-span[:, 1], span[:, 0]), axis=1)).sum(axis=1)
        top, bottom = np.minimum(prev[:, 1], nxt[:, 1]), np.maximum(prev[:, 1], nxt[:, 1])
        fits = (side >= 0) & span.any(axis=1) & (top <= here[:, 1]) & (here[:, 1] <= bottom)
        alike = np.zeros(len(at), dtype=bool)
        after = np.zeros(len(at), dtype=bool)  # checked with the corner two before gone too
        pairs = np.zeros(len(at), dtype=bool)
        pairs[2:] = fits[2:] & fits[:-2]
        alone, paired = np.flatnonzero(fits), np.flatnonzero(pairs)
        if len(alone):  # both checks in one fill: the paired ones with the corner two before gone (-1: none)
            checks = np.concatenate((alone, paired))
            also = np.concatenate((np.full(len(alone), -1), at[paired] - 2))
            answers = _corners_alike(target, ring, at[checks], top[checks], bottom[checks], also)
            alike[alone], after[paired] = answers[:len(alone)], answers[len(alone):]
        gone: list[int] = []
        rows: list[tuple[int, int]] = []  # the rows of the corners gone in this batch
        at_next = i
        for k, corner in enumerate(at.tolist()):
            if corner < at_next:
                continue  # the corner after one that went keeps its neighbour
            if n - len(gone) <= limit:
                break
            ok = bool(alike[k])
            if gone and (corner + 1) % n in gone:
                break  # its next corner went (round the ring's end): check it again
            if gone and fits[k]:
                seen = rows
                if gone[-1] == corner - 2 and pairs[k]:  # the check that saw that corner gone holds
                    seen, ok = rows[:-1], bool(after[k])
                if any(t <= bottom[k] and top[k] <= b for t, b in seen):
                    break  # its check saw a ring that has changed where it looks: check it again
            if fits[k] and ok:
                gone.append(corner)
                rows.append((int(top[k]), int(bottom[k])))
                at_next = corner + 2
            else:
                at_next = corner + 1
        else:
            if n - len(gone) > limit:
                at_next = max(at_next, int(at[-1]) + 1)
        ring = np.delete(ring, gone, axis=0)
        i = at_next - len(gone)
        if len(ring) <= limit:
            break
    return _tidy(ring)


_BATCH = 32  # corners checked at once by _any_slope


def _corners_alike(target: _Runs, ring: np.ndarray, at: np.ndarray, top: np.ndarray, bottom: np.ndarray,
                   also: np.ndarray | None = None) -> np.ndarray:
    """For each corner ``at[k]`` of ``ring``: whether the ring without it (and without ``also[k]``, another
    corner, where given and not negative) fills rows ``top[k]..bottom[k]`` (its neighbours' rows) as
    ``target`` shows them.  All in one fill: the k-th shortened ring's edges that reach its rows, moved down
    by k times the ring's height (:func:`~convert.pixels.ultralytics_fill.fill_runs` takes rows per edge; an
    edge that does not reach them adds nothing there)."""
    from convert.pixels.ultralytics_fill import fill_runs

    n, count = len(ring), len(at)
    end = _after(ring)
    low, high = np.minimum(ring[:, 1], end[:, 1]), np.maximum(ring[:, 1], end[:, 1])
    reach = (high[None, :] >= top[:, None]) & (low[None, :] <= bottom[:, None])
    which = np.arange(count)
    reach[which, at] = False  # the corner's own two edges, replaced by one from its previous to its next
    reach[which, (at - 1) % n] = False
    bridges = [(which, at)]
    if also is not None:
        has = np.flatnonzero(also >= 0)
        reach[has, also[has]] = False
        reach[has, (also[has] - 1) % n] = False
        bridges.append((has, also[has]))
    group, edge = np.nonzero(reach)
    group = np.concatenate([group] + [g for g, _ in bridges])
    start = np.concatenate([ring[edge]] + [ring[(v - 1) % n] for _, v in bridges])
    stop = np.concatenate([end[edge]] + [ring[(v + 1) % n] for _, v in bridges])
    base = int(ring[:, 1].min())
    height = int(ring[:, 1].max()) - base + 2
    down = np.stack((np.zeros(len(group), dtype=np.int64), group * height - base), axis=1)
    rows, first, last = fill_runs(start + down, stop + down, top[group] + down[:, 1], bottom[group] + down[:, 1])
    got_group = rows // height
    i, j = np.searchsorted(target.rows, top), np.searchsorted(target.rows, bottom + 1)
    counts = j - i
    want_group = np.repeat(which, counts)
    index = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(i, counts)
    want = (target.rows[index] - base + want_group * height, target.first[index], target.last[index])
    same = np.bincount(got_group, minlength=count) == counts
    got_kept, want_kept = same[got_group], same[want_group]
    differ = np.zeros(int(got_kept.sum()), dtype=bool)
    for got_part, want_part in zip((rows, first, last), want):
        differ |= got_part[got_kept] != want_part[want_kept]
    return same & (np.bincount(got_group[got_kept][differ], minlength=count) == 0)


class _Runs:
    """What ``fillPoly`` paints of a ring, as runs ``(rows, first, last)`` in the ring's own coordinates, sorted
    by row (:func:`~convert.pixels.ultralytics_fill.fill_runs`): to compare a shortened ring's rows with."""

    def __init__(self, ring: np.ndarray):
        from convert.pixels.ultralytics_fill import fill_runs

        self.rows, self.first, self.last = fill_runs(ring, _after(ring), int(ring[:, 1].min()),
                                                     int(ring[:, 1].max()))

    def same(self, ring: np.ndarray) -> bool:
        """Whether ``ring`` fills exactly as this."""
        other = _Runs(ring)
        return all(np.array_equal(a, b) for a, b in zip((self.rows, self.first, self.last),
                                                         (other.rows, other.first, other.last)))


def _fills_rows_alike(target: _Runs, changed: np.ndarray, tops: np.ndarray, bottoms: np.ndarray) -> bool:
    """Whether ``changed`` fills the rows ``tops[k]..bottoms[k]`` as ``target`` (the fill of a ring) shows
    them, where ``changed`` is that ring less vertices whose rows, with their neighbours', lie there.  A row's
    pixels come from the edges that reach it only, so only those edges are drawn, on those rows, as runs
    (:func:`~convert.pixels.ultralytics_fill.fill_runs`): the cost follows the edges, not the area."""
    from convert.pixels.ultralytics_fill import fill_runs

    order = np.argsort(tops, kind="stable")
    tops, bottoms = tops[order], np.maximum.accumulate(bottoms[order])
    new = np.ones(len(tops), dtype=bool)
    new[1:] = tops[1:] > bottoms[:-1]  # the bands as disjoint intervals of rows
    tops, bottoms = tops[new], bottoms[np.append(np.flatnonzero(new)[1:] - 1, len(new) - 1)]
    start, end = changed, _after(changed)
    low, high = np.minimum(start[:, 1], end[:, 1]), np.maximum(start[:, 1], end[:, 1])
    band, edge = np.nonzero((high[None, :] >= tops[:, None]) & (low[None, :] <= bottoms[:, None]))
    got = fill_runs(start[edge], end[edge], tops[band], bottoms[band])
    i, j = np.searchsorted(target.rows, tops), np.searchsorted(target.rows, bottoms + 1)
    counts = j - i
    if int(counts.sum()) != len(got[0]):
        return False
    index = np.arange(len(got[0])) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(i, counts)
    return all(np.array_equal(part, want[index]) for part, want in zip(got, (target.rows, target.first, target.last)))


def _corners(ring: np.ndarray) -> np.ndarray:
    """Vertices on the object's side (the right, as the ring runs) of the step between their neighbours, or
    on it, where that step runs along a row, a column or at 45°: the points Ultralytics adds along such an
    edge truncate onto it (along another slope they may not); never two neighbours, so each stays joined to
    a kept vertex."""
    prev, nxt = _before(ring), _after(ring)
    span = nxt - prev
    side = ((ring - prev) * np.stack((-span[:, 1], span[:, 0]), axis=1)).sum(axis=1)
    steady = (span[:, 0] == 0) | (span[:, 1] == 0) | (np.abs(span[:, 0]) == np.abs(span[:, 1]))
    drop = (side >= 0) & span.any(axis=1) & steady
    drop[1:] &= ~drop[:-1]
    drop[0] &= not drop[-1]
    return drop


class _Frame:
    """A ring being shortened, and the fill every shortened ring must keep: its own."""

    def __init__(self, ring: np.ndarray):
        self.runs = _Runs(ring)
        self.bands = True  # the ring being shortened fills as the target: a change can be checked on its rows

    def fills_as_target(self, points: np.ndarray) -> bool:
        """Whether ``points`` fill as the ring did, every row compared."""
        return self.runs.same(points)

    def same_fill(self, ring: np.ndarray, keep: np.ndarray, new: np.ndarray, memo: RowMemo | None = None) -> bool:
        """Whether ``ring[keep]`` (``ring`` less some vertices, never two neighbours) fills as the target, where
        ``ring`` less the vertices gone before ``new`` (those left out of ``keep`` besides ``new``) already
        does.  Leaving out a vertex changes only the rows between the lowest and the highest of it and its two
        neighbours (a row's pixels come from the edges that reach it), so only the rows of ``new``'s vertices
        are filled again, from the edges that reach them (the rows ``memo`` has seen in that state are not)."""
        if not self.bands:
            return self.fills_as_target(ring[keep])
        points = ring[keep]
        if np.count_nonzero(points[:, 1] != _after(points[:, 1])) < 2:  # no longer a ring that fills
            return self.fills_as_target(points)
        if memo is not None and memo.usable:
            return memo.same(ring, keep, new)
        n = len(ring)
        ys = ring[:, 1]
        around = np.stack((ys[(new - 1) % n], ys[new], ys[(new + 1) % n]))
        return _fills_rows_alike(self.runs, points, around.min(axis=0), around.max(axis=0))

    def removable(self, ring: np.ndarray, candidates: np.ndarray, gone: np.ndarray,
                  memo: RowMemo | None = None) -> np.ndarray:
        """Of ``candidates``, those that can go besides ``gone`` with the fill still the target: all at once
        if they can, else each half in turn (the first call's candidates answered row by row, :class:`RowMemo`)."""
        if not len(candidates):
            return candidates
        if memo is None and not len(gone):
            memo = RowMemo(ring, candidates, (self.runs.rows, self.runs.first, self.runs.last))
        keep = np.ones(len(ring), dtype=bool)
        keep[gone] = False
        keep[candidates] = False
        if self.same_fill(ring, keep, candidates, memo):
            return candidates
        if len(candidates) == 1:
            return candidates[:0]
        half = len(candidates) // 2
        first = self.removable(ring, candidates[:half], gone, memo)
        return np.concatenate((first, self.removable(ring, candidates[half:], np.concatenate((gone, first)), memo)))


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
    a, b = path, _after(path)
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
