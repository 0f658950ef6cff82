"""Pixels back into polygons (convert/pixels/trace.py): rings that paint exactly the pixels they were traced from,
outer rings clockwise on screen and holes counter-clockwise, a vertex only where a ring turns."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as cocomask

from convert.pixels.outlines import parts
from convert.pixels.trace import bridged, signed_area, trace, trace_parts


def painted_by_pycocotools(ring: np.ndarray, height: int, width: int) -> np.ndarray:
    """The pixels pycocotools paints for one ring (even-odd fill, its own rasteriser)."""
    rle = cocomask.frPyObjects([ring.astype(np.float64).ravel().tolist()], height, width)
    return cocomask.decode(cocomask.merge(rle)).astype(bool)


@settings(max_examples=150, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.integers(0, 3)))
def test_each_object_rings_paint_back_exactly_its_pixels(ids):
    assert_rings_paint_back(ids)


def assert_rings_paint_back(ids: np.ndarray) -> None:
    """Every object's rings, all bridged into one ring, paint its pixels under even-odd; and each part with
    the holes :func:`~convert.pixels.outlines.parts` gives it paints that part (parts are disjoint)."""
    height, width = ids.shape
    for key, (outer, holes) in trace_parts(ids).items():
        together = painted_by_pycocotools(bridged(outer + holes), height, width)
        np.testing.assert_array_equal(together, ids == key)
        painted = np.zeros((height, width), dtype=bool)
        for ring, own_holes in parts(outer, holes):
            part = painted_by_pycocotools(bridged([ring] + own_holes), height, width)
            assert not (part & painted).any()
            painted |= part
        np.testing.assert_array_equal(painted, ids == key)
    assert set(trace(ids)) == set(np.unique(ids[ids > 0]).tolist())


def test_a_part_inside_a_hole_of_its_own_object():
    """Found by hypothesis in CI: a one-pixel part of object 1 inside a diamond of background that is one
    hole of the big part (its pixels touch at corners).  The hole belongs to the big part, not to the small
    one: bridging the small part with every hole of the object left its pixel out."""
    ids = np.ones((12, 10), dtype=np.uint8)
    ids[8, 5] = ids[9, 4] = ids[9, 6] = ids[10, 5] = 0
    outer, holes = trace_parts(ids)[1]
    assert len(outer) == 2 and len(holes) == 1
    assert [len(own) for _, own in parts(outer, holes)] == [1, 0]
    assert_rings_paint_back(ids)
    nested = np.ones((11, 11), dtype=np.uint8)  # a ring of 1 in a hole of 1, with a hole of its own
    nested[2:9, 2:9] = 0
    nested[3:8, 3:8] = 1
    nested[5, 5] = 0
    assert [len(own) for _, own in parts(*trace_parts(nested)[1])] == [1, 1]
    assert_rings_paint_back(nested)


@settings(max_examples=100, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 10), st.integers(1, 10)), elements=st.integers(0, 2)))
def test_orientation_turns_and_areas(ids):
    for key, (outer, holes) in trace_parts(ids).items():
        assert all(signed_area(r) > 0 for r in outer) and all(signed_area(r) < 0 for r in holes)
        # the areas add up to the object's pixel count
        assert sum(signed_area(r) for r in outer + holes) == (ids == key).sum()
        for ring in outer + holes:
            step = np.diff(np.vstack([ring, ring[:1]]), axis=0)
            assert ((step[:, 0] == 0) != (step[:, 1] == 0)).all()  # axis-parallel edges along pixel sides
            turn = step[:, 0] * np.roll(step[:, 1], -1) - step[:, 1] * np.roll(step[:, 0], -1)
            assert (turn != 0).all()  # every vertex is a turn: no vertex in the middle of a straight edge


def test_pixels_touching_at_a_corner_are_separate_rings():
    ids = np.array([[1, 0],
                    [0, 1]])
    outer, holes = trace_parts(ids)[1]
    assert not holes
    assert sorted(r.tolist() for r in outer) == [[[0, 0], [1, 0], [1, 1], [0, 1]],
                                                 [[1, 1], [2, 1], [2, 2], [1, 2]]]


def test_a_ring_with_a_hole_and_the_hole_touching_it_at_a_corner():
    ids = np.array([[1, 1, 1, 1],
                    [1, 0, 0, 1],
                    [1, 0, 1, 1],
                    [1, 1, 1, 1]])
    outer, holes = trace_parts(ids)[1]
    assert [r.tolist() for r in outer] == [[[0, 0], [4, 0], [4, 4], [0, 4]]]
    assert [signed_area(r) for r in holes] == [-3.0]
    assert trace(ids)[1][0].tolist() == outer[0].tolist()  # outer rings first


@pytest.mark.parametrize("ids", [np.zeros((0, 0), np.uint8), np.zeros((3, 4), np.uint8)])
def test_nothing_to_trace(ids):
    assert trace(ids) == {} and trace_parts(ids) == {}
