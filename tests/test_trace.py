"""Pixels back into polygons (convert/pixels/trace.py): rings that paint exactly the pixels they were traced from,
outer rings clockwise on screen and holes counter-clockwise, a vertex only where a ring turns."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as cocomask

from convert.pixels.trace import bridged, signed_area, trace, trace_parts


def painted_by_pycocotools(ring: np.ndarray, height: int, width: int) -> np.ndarray:
    """The pixels pycocotools paints for one ring (even-odd fill, its own rasteriser)."""
    rle = cocomask.frPyObjects([ring.astype(np.float64).ravel().tolist()], height, width)
    return cocomask.decode(cocomask.merge(rle)).astype(bool)


@settings(max_examples=150, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.integers(0, 3)))
def test_each_object_rings_paint_back_exactly_its_pixels(ids):
    height, width = ids.shape
    for key, (outer, holes) in trace_parts(ids).items():
        painted = np.zeros((height, width), dtype=bool)
        for ring in outer:  # the parts of an object are disjoint: each with the holes it surrounds
            inside = painted_by_pycocotools(bridged([ring] + holes), height, width)
            painted |= inside & painted_by_pycocotools(ring, height, width)
        np.testing.assert_array_equal(painted, ids == key)
    assert set(trace(ids)) == set(np.unique(ids[ids > 0]).tolist())


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
