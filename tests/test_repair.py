"""`segconv fix`'s rules (convert/painting/repair.py), checked against a painter of the rules written here with
numpy and scipy from issue 31's words, never through segconv's code: scenes are boxes with integer edges (a
box from edge x0 to x1 covers columns x0..x1-1, as polygons and boxes do under both pixel rules), so the
mask before the repair is known without segconv's painter too."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import ndimage

from convert.model.labelmap import LabelMap
from convert.model.sample import Box, Origin, Polygon, Region, Runs, Sample
from convert.painting.paint import paint
from convert.painting.repair import RepairRules, repair
from convert.pixels import runs

VOID = 255
CLASSES = [{"name": "background", "index": 0, "level": 0},
           {"name": "plate", "index": 1, "level": 1},
           {"name": "bowl", "index": 2, "level": 1},
           {"name": "rice", "index": 5, "level": 2}]
INDEX = {c["name"]: c["index"] for c in CLASSES}
LEVEL = {c["index"]: c["level"] for c in CLASSES}
# the level each label paints at: void regions above every level, a label the map does not know beneath all
LABEL_LEVEL = {**{c["name"]: c["level"] for c in CLASSES}, "void": 3, "plat": -(10 ** 9)}


def labelmap(fill: bool) -> LabelMap:
    classes = [dict(c, fill=True) if fill and c["name"] == "background" else c for c in CLASSES]
    return LabelMap.from_dict({"classes": classes})


# --------------------------------------------------------------------------- the reference painter
def reference_before(boxes, height: int, width: int, fill: bool):
    """(shown, bare, level) of boxes ``(label, x0, y0, x1, y1)`` painted lowest level first, then in list
    order: what each pixel shows, whether no box covers it, the level of the box on top.  Label ``void`` is
    void; ``plat`` is a label the map does not know: void too, beneath every class."""
    shown = np.full((height, width), INDEX["background"] if fill else VOID, dtype=np.int64)
    level = np.full((height, width), -1, dtype=np.int64)
    bare = np.ones((height, width), dtype=bool)
    for label, x0, y0, x1, y1 in sorted(boxes, key=lambda b: LABEL_LEVEL[b[0]]):
        shown[y0:y1, x0:x1] = INDEX.get(label, VOID)
        level[y0:y1, x0:x1] = LABEL_LEVEL[label]
        bare[y0:y1, x0:x1] = False
    return shown, bare, level


def _stretch(bare, r, c, dr, dc):
    """The bare stretch through (r, c) along (dr, dc): (first, last) positions, bounded or not."""
    h, w = bare.shape
    r0, c0 = r, c
    while 0 <= r0 - dr < h and 0 <= c0 - dc < w and bare[r0 - dr, c0 - dc]:
        r0, c0 = r0 - dr, c0 - dc
    r1, c1 = r, c
    while 0 <= r1 + dr < h and 0 <= c1 + dc < w and bare[r1 + dr, c1 + dc]:
        r1, c1 = r1 + dr, c1 + dc
    before, after = (r0 - dr, c0 - dc), (r1 + dr, c1 + dc)
    bounded = all(0 <= p[0] < h and 0 <= p[1] < w for p in (before, after))
    length = max(r1 - r0, c1 - c0) + 1
    near_before = max(r - r0, c - c0) + 1
    near_after = max(r1 - r, c1 - c) + 1
    return length, bounded, before, after, near_before, near_after


def reference_gaps(shown, bare, level, widest: int):
    """Rule 1, pixel by pixel: {(r, c): value taken}."""
    filled = {}
    h, w = shown.shape
    for r in range(h):
        for c in range(w):
            if not bare[r, c]:
                continue
            candidates = []
            for order, (dr, dc) in enumerate(((0, 1), (1, 0))):  # the row first on a tie
                length, bounded, before, after, d_before, d_after = _stretch(bare, r, c, dr, dc)
                if bounded and length <= widest:
                    candidates.append((length, order, before, after, d_before, d_after))
            if not candidates:
                continue
            _, _, before, after, d_before, d_after = min(candidates)
            if d_before != d_after:
                end = before if d_before < d_after else after
            else:  # the higher level, then the lower class index
                end = max((before, after), key=lambda p: (level[p], -shown[p]))
            filled[(r, c)] = int(shown[end])
    return filled


def reference_pieces(mask, smaller_than: int):
    """Rule 2 on a mask: (the mask after it, [(value before, value after, pixels)] per merged piece, kept)."""
    small = np.zeros(mask.shape, dtype=bool)
    pieces = []
    for value in np.unique(mask).tolist():
        if value == VOID:
            continue
        labelled, n = ndimage.label(mask == value)  # scipy's default structure: 4-connectivity
        for k in range(1, n + 1):
            piece = labelled == k
            if piece.sum() < smaller_than:
                pieces.append((value, piece))
                small |= piece
    out = mask.copy()
    merged, kept = [], 0
    h, w = mask.shape
    for value, piece in pieces:
        border: Counter = Counter()
        for r, c in np.argwhere(piece).tolist():
            for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if 0 <= rr < h and 0 <= cc < w and not small[rr, cc] and mask[rr, cc] != VOID:
                    border[int(mask[rr, cc])] += 1
        if not border:
            kept += 1
            continue
        best = max(border, key=lambda v: (border[v], LEVEL[v], -v))
        out[piece] = best
        merged.append((value, best, int(piece.sum())))
    return out, merged, kept


def reference_fix(boxes, height, width, fill, widest, smaller_than):
    shown, bare, level = reference_before(boxes, height, width, fill)
    after_gaps = shown.copy()
    filled = reference_gaps(shown, bare, level, widest) if widest else {}
    for (r, c), value in filled.items():
        after_gaps[r, c] = value
    final, merged, kept = (reference_pieces(after_gaps, smaller_than) if smaller_than
                           else (after_gaps, [], 0))
    return shown, filled, merged, kept, final


# --------------------------------------------------------------------------- segconv's
def sample_of(boxes, height, width, polygons: bool = False) -> Sample:
    o = Origin("test")
    regions = []
    for i, (label, x0, y0, x1, y1) in enumerate(boxes):
        geometry = (Polygon([np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)]) if polygons
                    else Box(x0, y0, x1, y1))
        regions.append(Region(None if label == "void" else label, geometry, (i,), o))
    return Sample("a.jpg", width, height, regions, o)


def segconv_fix(boxes, height, width, fill, widest, smaller_than, polygons=False, instances=False):
    lm = labelmap(fill)
    painted = paint(sample_of(boxes, height, width, polygons), lm, instances=instances)
    return painted, repair(painted, lm, RepairRules(widest, smaller_than))


def check_against_reference(boxes, height, width, fill, widest, smaller_than, polygons=False):
    shown, filled, merged, kept, final = reference_fix(boxes, height, width, fill, widest, smaller_than)
    painted, fixed = segconv_fix(boxes, height, width, fill, widest, smaller_than, polygons)
    assert painted.class_mask.tolist() == shown.tolist()  # the scene is what the reference thinks it is
    assert fixed.painted.class_mask.tolist() == final.tolist()
    base = INDEX["background"] if fill else VOID
    assert fixed.gaps == dict(Counter((base, v) for v in filled.values()))
    expected_pieces: Counter = Counter()
    for before, after, n in merged:
        expected_pieces[(before, after)] += n
    assert fixed.pieces == dict(expected_pieces)
    assert (fixed.merged, fixed.kept) == (len(merged), kept)
    net = Counter()
    for a, b in zip(shown.ravel().tolist(), final.ravel().tolist()):
        if a != b:
            net[(a, b)] += 1
    assert fixed.net == dict(net)
    return painted, fixed


# --------------------------------------------------------------------------- gaps between polygons
@pytest.mark.parametrize("gap", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("widest", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("vertical", [False, True])
def test_gap_between_adjacent_polygons(gap, widest, vertical):
    """Two polygons 5 pixels across with a gap of ``gap`` pixels between them, from border to border (so the
    stretches across the gap are the only bounded ones): the gap is filled exactly when it is at most
    ``widest`` wide, half from each side, the middle pixel to the lower index (both are of level 1)."""
    size = 4 + gap + 4
    if vertical:
        boxes = [("plate", 0, 0, 5, 4), ("bowl", 0, 4 + gap, 5, size)]
        height, width = size, 5
    else:
        boxes = [("plate", 0, 0, 4, 5), ("bowl", 4 + gap, 0, size, 5)]
        height, width = 5, size
    painted, fixed = check_against_reference(boxes, height, width, False, widest, 0, polygons=True)
    bare = gap * 5
    if gap <= widest:
        half, middle = gap // 2, gap % 2
        expected = {(VOID, 1): (half + middle) * 5, (VOID, 2): half * 5}  # the middle: plate 1 < bowl 2
        assert fixed.gaps == {k: n for k, n in expected.items() if n}
        assert sum(fixed.gaps.values()) == bare
        assert not (fixed.painted.class_mask == VOID).any()
    else:
        assert fixed.gaps == {}
        assert fixed.painted.class_mask.tolist() == painted.class_mask.tolist()


def test_tie_goes_to_the_higher_level():
    """A 3-pixel gap between rice (level 2) and plate (level 1): the middle pixel takes rice."""
    boxes = [("plate", 0, 0, 2, 1), ("rice", 5, 0, 7, 1)]
    _, fixed = check_against_reference(boxes, 1, 7, False, 3, 0)
    assert fixed.painted.class_mask.tolist() == [[1, 1, 1, 5, 5, 5, 5]]


def test_open_inlet_at_the_border_is_not_a_gap():
    """A 2-pixel strip between a plate and the right border, and a 2-pixel notch at the top border: open
    inlets, left bare whatever W is (their other stretches are long)."""
    boxes = [("plate", 0, 2, 8, 12)]
    painted, fixed = check_against_reference(boxes, 12, 10, True, 6, 0)
    assert fixed.gaps == {}
    assert fixed.painted.class_mask.tolist() == painted.class_mask.tolist()


def test_a_large_bare_area_stays_bare():
    boxes = [("plate", 0, 0, 3, 20), ("bowl", 15, 0, 20, 20)]  # 12 columns between them, W = 6
    _, fixed = check_against_reference(boxes, 20, 20, True, 6, 0)
    assert fixed.gaps == {} and fixed.net == {}


def test_the_shorter_stretch_decides():
    """A bare pixel with a row stretch of 3 and a column stretch of 1: the column decides (above: plate,
    below: rice), and rice wins the tie by level."""
    boxes = [("plate", 0, 0, 5, 1), ("rice", 0, 2, 5, 3), ("bowl", 0, 1, 1, 2), ("bowl", 4, 1, 5, 2)]
    _, fixed = check_against_reference(boxes, 3, 5, False, 3, 0)
    assert fixed.painted.class_mask[1].tolist() == [2, 5, 5, 5, 2]


# --------------------------------------------------------------------------- specks and holes
def test_specks_merge_into_the_longest_border():
    """A 1-pixel rice speck inside a plate (4 edges with the plate); a 2-pixel bowl speck on the plate's corner
    (4 edges with the background, 2 with the plate): each takes the class it borders most."""
    boxes = [("background", 0, 0, 12, 8), ("plate", 2, 2, 10, 8), ("rice", 5, 4, 6, 5), ("bowl", 2, 1, 3, 3)]
    _, fixed = check_against_reference(boxes, 8, 12, True, 0, 3)
    assert fixed.pieces == {(2, 0): 2, (5, 1): 1}


def test_small_hole_of_the_fill_class_is_filled():
    """Bare pixels inside a plate, too wide for W = 1: the fill class shows there, and min-area fills the hole
    with the plate."""
    boxes = [("plate", 0, 0, 3, 6), ("plate", 3, 0, 6, 2), ("plate", 3, 4, 6, 6), ("plate", 5, 2, 8, 4),
             ("plate", 6, 0, 8, 6)]
    painted, fixed = check_against_reference(boxes, 6, 8, True, 1, 5)
    assert fixed.gaps == {}
    assert fixed.pieces == {(0, 1): 4}
    assert (fixed.painted.class_mask == 1).all()


def test_piece_among_small_pieces_only_stays():
    """A rice speck whose only neighbours are another small piece stays (borders count only against pixels
    outside every small piece); the piece around it merges."""
    boxes = [("plate", 0, 0, 9, 9), ("bowl", 3, 3, 6, 6), ("rice", 4, 4, 5, 5)]
    _, fixed = check_against_reference(boxes, 9, 9, True, 0, 9)
    assert fixed.pieces == {(2, 1): 8} and fixed.kept == 1


def test_a_gap_beside_void_takes_void_when_nearer():
    """Void regions cover their pixels: a gap between a void region and a plate is bounded, its nearer half
    becomes void, and the middle goes to the void region (it paints above every level)."""
    boxes = [("void", 0, 0, 2, 1), ("plate", 5, 0, 7, 1)]
    _, fixed = check_against_reference(boxes, 1, 7, True, 3, 0)
    assert fixed.painted.class_mask.tolist() == [[VOID, VOID, VOID, VOID, 1, 1, 1]]
    boxes = [("plat", 0, 0, 2, 1), ("plate", 5, 0, 7, 1)]  # an unknown label paints beneath every class
    _, fixed = check_against_reference(boxes, 1, 7, True, 3, 0)
    assert fixed.painted.class_mask.tolist() == [[VOID, VOID, VOID, 1, 1, 1, 1]]


def test_void_is_no_piece_and_no_neighbour():
    """Without a fill class the bare pixels are void: a speck against void only stays."""
    boxes = [("plate", 0, 0, 4, 4), ("rice", 6, 1, 7, 2)]
    _, fixed = check_against_reference(boxes, 4, 9, False, 0, 4)
    assert fixed.kept == 1 and fixed.pieces == {}


def test_the_painting_given_is_not_changed():
    boxes = [("plate", 0, 0, 2, 3), ("bowl", 3, 0, 5, 3)]
    painted, fixed = segconv_fix(boxes, 3, 5, False, 1, 2)
    assert (painted.class_mask == VOID).sum() == 3
    assert (fixed.painted.class_mask != VOID).all()


def test_filled_pixels_join_the_objects_they_copy():
    boxes = [("plate", 0, 0, 2, 3), ("bowl", 4, 0, 6, 3)]
    painted, fixed = segconv_fix(boxes, 3, 6, False, 2, 0, instances=True)
    assert [o.pixels for o in painted.instances] == [6, 6]
    assert [o.pixels for o in fixed.painted.instances] == [9, 9]
    assert fixed.painted.instance_mask.tolist() == [[1, 1, 1, 2, 2, 2]] * 3


# --------------------------------------------------------------------------- properties
LABELS = [c["name"] for c in CLASSES] + ["void", "plat"]


@st.composite
def scenes(draw):
    height, width = draw(st.integers(2, 11)), draw(st.integers(2, 11))
    boxes = []
    for _ in range(draw(st.integers(0, 7))):
        x0, y0 = draw(st.integers(0, width - 1)), draw(st.integers(0, height - 1))
        x1, y1 = draw(st.integers(x0 + 1, width)), draw(st.integers(y0 + 1, height))
        boxes.append((draw(st.sampled_from(LABELS)), x0, y0, x1, y1))
    return boxes, height, width, draw(st.booleans()), draw(st.integers(0, 5)), draw(st.integers(0, 9))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_equals_the_reference_painter(scene):
    check_against_reference(*scene)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_changes_only_what_the_rules_name(scene):
    """Every pixel that changes is a bare pixel on a bounded stretch of at most W, or lies in a piece of fewer
    than A pixels of the mask after the gaps (found here with scipy); every other pixel keeps its value."""
    boxes, height, width, fill, widest, smaller_than = scene
    shown, filled, _, _, _ = reference_fix(boxes, height, width, fill, widest, 0)
    named = np.zeros(shown.shape, dtype=bool)
    after_gaps = shown.copy()
    for (r, c), value in filled.items():
        named[r, c] = True
        after_gaps[r, c] = value
    if smaller_than:
        for value in np.unique(after_gaps).tolist():
            if value != VOID:
                labelled, n = ndimage.label(after_gaps == value)
                sizes = np.bincount(labelled.ravel())
                named |= (labelled > 0) & (sizes[labelled] < smaller_than)
    _, fixed = segconv_fix(boxes, height, width, fill, widest, smaller_than)
    changed = fixed.painted.class_mask != shown
    assert not (changed & ~named).any()
    assert not (fixed.touched_mask() & ~named).any()


def _read_back(mask: np.ndarray, lm: LabelMap) -> Sample:
    """The repaired mask as segconv's own masks are read back: one region per value, void as void."""
    height, width = mask.shape
    o = Origin("out")
    by_index = {c.index: c.name for c in lm.classes}
    s, e, v = runs.from_label_image(mask)
    regions = [Region(None if value == lm.void else by_index[value], Runs(rs, re, (height, width)), (value,), o)
               for value, rs, re in runs.by_value(s, e, v)]
    return Sample("a.jpg", width, height, regions, o)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_fixing_twice_equals_fixing_once(scene):
    """The written masks fixed again change nothing, but for the pieces the first fix kept for want of a
    neighbour outside the small pieces (rule 2 decides all pieces at once, so a piece whose neighbours were
    all small merges only when fixed again): a second fix may merge those, and touches nothing else."""
    boxes, height, width, fill, widest, smaller_than = scene
    lm = labelmap(fill)
    _, once = segconv_fix(boxes, height, width, fill, widest, smaller_than)
    again = repair(paint(_read_back(once.painted.class_mask, lm), lm), lm, RepairRules(widest, smaller_than))
    differs = again.painted.class_mask != once.painted.class_mask
    if not once.kept:
        assert not differs.any()
    else:
        assert again.gaps == {}
        assert again.merged <= once.kept
        mask = once.painted.class_mask
        for value in np.unique(mask[differs]).tolist():  # what changed lies in pieces still small after once
            labelled, _ = ndimage.label(mask == value)
            sizes = np.bincount(labelled.ravel())
            assert (sizes[labelled[differs & (mask == value)]] < smaller_than).all()


def test_a_bare_pixel_whose_stretch_the_first_fix_shortened_is_filled_by_a_second():
    """The third case of docs/design.md's "Fixing twice": bare pixels (.) in a plate (P), W = 1::

        P P P P        (1, 1): column stretch 1, filled;  (2, 2): row stretch 1, filled
        P . . P        (1, 2): row 2 and column 2, kept bare by the first fix; its row is then 1 long
        P P . P
        P P P P

    Read back with the fill class implicit (as COCO writes it), it is bare again, on a stretch of 1: the
    second fix fills it.  The trial found this on the README example (75 pixels in a second fix)."""
    lm = labelmap(True)
    boxes = [("plate", 0, 0, 4, 1), ("plate", 0, 3, 4, 4), ("plate", 0, 1, 1, 2), ("plate", 3, 1, 4, 2),
             ("plate", 0, 2, 2, 3), ("plate", 3, 2, 4, 3)]
    _, once = segconv_fix(boxes, 4, 4, True, 1, 0)
    assert sorted(zip(*np.nonzero(once.painted.class_mask == 0))) == [(1, 2)]  # the fill class shows there
    mask = once.painted.class_mask
    o = Origin("out")
    implicit_fill = Sample("a.jpg", 4, 4, [r for r in _read_back(mask, lm).regions if r.label != "background"], o)
    again = repair(paint(implicit_fill, lm), lm, RepairRules(1, 0))
    assert (again.painted.class_mask == 1).all() and again.gaps == {(0, 1): 1}
