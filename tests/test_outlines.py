"""Rings for the writers of editable shapes (convert/pixels/outlines.py): one ring per part, holes bridged,
nudged for Pillow — each painted back exactly under pycocotools' rule and under labelme's (Pillow polygon with
outline and fill), on random pixel sets with holes, pinches and parts inside holes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pycocotools import mask as coco_mask

from convert.pixels.outlines import joined, nudged, parts
from convert.pixels.trace import trace_parts


def pycocotools(ring: np.ndarray, height: int, width: int) -> np.ndarray:
    return coco_mask.decode(coco_mask.frPyObjects([ring.ravel().tolist()], height, width)[0]).astype(bool)


def labelme(ring: np.ndarray, height: int, width: int) -> np.ndarray:
    """labelme's shape_to_mask for a polygon, as the research notes quote it."""
    mask = Image.fromarray(np.zeros((height, width), dtype=np.uint8))
    ImageDraw.Draw(mask).polygon(xy=[tuple(p) for p in ring.tolist()], outline=1, fill=1)
    return np.asarray(mask).astype(bool)


def test_a_part_inside_a_hole_keeps_its_own_holes_apart():
    ids = np.array([[1, 1, 1, 1, 1, 1, 1],
                    [1, 0, 0, 0, 0, 0, 1],
                    [1, 0, 1, 1, 1, 0, 1],
                    [1, 0, 1, 0, 1, 0, 1],
                    [1, 0, 1, 1, 1, 0, 1],
                    [1, 0, 0, 0, 0, 0, 1],
                    [1, 1, 1, 1, 1, 1, 1]])
    found = parts(*trace_parts(ids)[1])
    assert [(ring[:, 0].min(), ring[:, 0].max(), len(holes)) for ring, holes in found] == [(0, 7, 1), (2, 5, 1)]
    inner_hole = found[1][1][0]
    assert (inner_hole.min(axis=0).tolist(), inner_hole.max(axis=0).tolist()) == ([3, 3], [4, 4])


def test_nudging_moves_only_the_edges_with_the_object_before_them():
    ring = np.array([[1, 1], [3, 1], [3, 2], [1, 2]])  # pixels (1,1) and (2,1)
    assert nudged(ring).tolist() == [[1, 1], [2.99, 1], [2.99, 1.99], [1, 1.99]]
    hole = np.array([[1, 2], [2, 2], [2, 1], [1, 1]])  # a one-pixel hole at (1,1): the object around it
    assert nudged(hole).tolist() == [[0.99, 2], [2, 2], [2, 0.99], [0.99, 0.99]]


@pytest.mark.parametrize("seed", range(3))
def test_bridged_and_nudged_rings_paint_each_part_exactly_under_both_rules(seed):
    rng = np.random.default_rng(seed)
    checked = holed = 0
    for _ in range(150):
        height, width = (int(v) for v in rng.integers(2, 13, 2))
        ids = (rng.random((height, width)) < rng.uniform(0.3, 0.9)).astype(np.uint8)
        if not ids.any():
            continue
        painted = np.zeros((height, width), dtype=int)
        for outer, holes in parts(*trace_parts(ids)[1]):
            truth = pycocotools(joined(outer, holes) if holes else outer, height, width)
            painted += truth
            ring = joined(nudged(outer), [nudged(h) for h in holes]) if holes else nudged(outer)
            assert (pycocotools(ring, height, width) == truth).all()
            assert (labelme(ring, height, width) == truth).all()
            checked += 1
            holed += bool(holes)
        assert (painted == ids).all()  # the parts, each painted alone, are the pixels, none twice
    assert checked > 300 and holed > 20
