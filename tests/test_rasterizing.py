"""The ``coco`` pixel rule, pinned on tiny hand-checked masks and against pycocotools."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as cocomask

from convert.model.sample import Bitmap, Box, Polygon, Rle
from convert.painting.rasterize import rasterize


def square(a, b):
    return Polygon((np.array([[a, a], [b, a], [b, b], [a, b]], dtype=float),))


@pytest.mark.parametrize("a, b, pixels", [
    (0.5, 2.5, [1, 2]),      # centres exactly on left/top edges are out, on right/bottom edges are in
    (0.4, 2.6, [0, 1, 2]),
    (0.6, 2.4, [1]),
    (0.0, 2.0, [0, 1]),      # the 2x2 square fills 2x2 pixels (labelme would fill 3x3)
])
def test_centre_rule_on_tiny_squares(a, b, pixels):
    mask = rasterize(square(a, b), 4, 4)
    expected = np.zeros((4, 4), bool)
    expected[np.ix_(pixels, pixels)] = True
    assert (mask == expected).all()


def test_parts_outside_the_image_are_clipped():
    mask = rasterize(square(-5.0, 2.0), 4, 4)
    assert mask[:2, :2].all() and mask.sum() == 4


def test_degenerate_rings_are_empty():
    line = Polygon((np.array([[0, 0], [2, 2], [4, 4]], dtype=float),))
    assert not rasterize(line, 5, 5).any()


def test_two_rings_are_unioned_not_subtracted():
    outer = np.array([[0, 0], [6, 0], [6, 6], [0, 6]], dtype=float)
    inner = np.array([[2, 2], [4, 2], [4, 4], [2, 4]], dtype=float)
    assert rasterize(Polygon((outer, inner)), 6, 6).all()


def test_box_equals_its_polygon_and_rotation_turns_clockwise():
    assert (rasterize(Box(1, 1, 3, 2), 4, 4) == rasterize(
        Polygon((np.array([[1, 1], [3, 1], [3, 2], [1, 2]], float),)), 4, 4)).all()
    tall = rasterize(Box(0, 2, 6, 4, rotation=90), 6, 6)
    assert (tall == rasterize(Box(2, 0, 4, 6), 6, 6)).all()


def test_bitmap_sticking_out_is_cropped():
    bm = Bitmap(np.ones((3, 3), bool), left=-1, top=2)
    mask = rasterize(bm, 4, 4)
    assert mask.sum() == 4 and mask[2:, :2].all()


def test_rle_is_decoded_and_must_match_the_image():
    rle = Rle((5, 4), "62304")
    assert rasterize(rle, 5, 4).sum() == 4
    with pytest.raises(ValueError):
        rasterize(rle, 4, 5)


coordinate = st.one_of(
    st.floats(-8, 48, allow_nan=False, allow_infinity=False),
    st.integers(-8, 48).map(float),
    st.integers(-80, 480).map(lambda v: v / 10),      # decimals like 12.1: pycocotools' rounding edge
    st.integers(-16, 96).map(lambda v: v / 2),        # half pixels: centres exactly on edges
)
ring = st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=12)


@settings(max_examples=300, deadline=None)
@given(rings=st.lists(ring, min_size=1, max_size=3), h=st.integers(1, 40), w=st.integers(1, 40))
def test_random_polygons_equal_annToMask(rings, h, w):
    """Bit-identical to pycocotools' COCO.annToMask on random (multi-ring, border-crossing,
    sub-pixel, self-intersecting) polygons."""
    from pycocotools.coco import COCO

    seg = [[v for xy in r for v in xy] for r in rings]
    coco = COCO()
    coco.dataset = {"images": [{"id": 1, "width": w, "height": h}], "annotations": [], "categories": []}
    coco.createIndex()
    expected = coco.annToMask({"image_id": 1, "segmentation": seg})
    ours = rasterize(Polygon(tuple(np.array(r, float) for r in rings)), h, w)
    assert ours.shape == (h, w)
    assert (ours == expected.astype(bool)).all()


def test_crowd_rle_both_kinds_decode_like_pycocotools():
    rng = np.random.default_rng(1)
    mask = (rng.random((17, 23)) > 0.6).astype(np.uint8)
    enc = cocomask.encode(np.asfortranarray(mask))
    assert (rasterize(Rle((17, 23), enc["counts"].decode()), 17, 23) == mask.astype(bool)).all()
