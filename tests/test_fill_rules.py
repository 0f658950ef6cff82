"""``self-intersection`` says what the pixels show: rows that touch at a repeated vertex (how Ultralytics joins
parts), bridges run there and back and bow-ties paint the same under even-odd and nonzero fills, and the
message says no hole is made; only loops overlapping the same way are wound twice, and then the message gives
their area, which an even-odd fill (pycocotools, checked here) leaves empty."""

import json

import numpy as np
from pycocotools import mask as cocomask

from convert import api
from convert.checks.fill_rules import doubly_wound_area, wound_areas


def self_intersections(tmp_path, ring):
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 12, "height": 12}],
           "categories": [{"id": 1, "name": "plate"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [ring]}]}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    return [f.message for f in api.validate(tmp_path / "a.json").findings if f.code == "self-intersection"]


def test_parts_touching_at_a_repeated_vertex_make_no_hole(tmp_path):
    two_squares = [1, 1, 5, 1, 5, 5, 1, 5, 1, 1, 7, 7, 11, 7, 11, 11, 7, 11, 7, 7]  # joined at (1, 1)... (7, 7)
    (message,) = self_intersections(tmp_path, two_squares)
    assert message.endswith("it only touches itself or runs back along a bridge: no face is wound twice or against "
                            "its turn, so it paints as a simple outline would: no hole is made")
    assert "hole" not in message.split(";")[0]
    assert severities(tmp_path, two_squares) == ["info"]  # nothing to redraw: a note
    pixels = cocomask.decode(cocomask.frPyObjects([two_squares], 12, 12))[..., 0]
    assert pixels.sum() == 32  # both squares painted whole: true, no hole


def severities(tmp_path, ring):
    (tmp_path / "a.json").write_text(json.dumps({
        "images": [{"id": 1, "file_name": "a.jpg", "width": 12, "height": 12}], "categories": [{"id": 1, "name": "p"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [ring]}]}))
    return [f.severity.value for f in api.validate(tmp_path / "a.json").findings if f.code == "self-intersection"]


def test_a_bow_tie_is_a_warning_with_the_area_turning_the_other_way(tmp_path):
    bow_tie = [0, 0, 8, 8, 8, 0, 0, 8]
    (message,) = self_intersections(tmp_path, bow_tie)
    assert "its outline crosses itself and 16.0 px² turn the other way (a bow-tie)" in message
    assert severities(tmp_path, bow_tie) == ["warning"]
    assert wound_areas(np.array(bow_tie, float).reshape(-1, 2)) == (0.0, 16.0)  # two lobes of 16 px², one reversed


def test_a_twist_under_half_a_pixel_is_a_note_that_says_how_small(tmp_path):
    twisted = [1, 1, 9, 1, 9, 9, 0.8, 9, 1, 9.3]  # a slip of the hand: the last edge crosses the bottom at (1, 9)
    doubled, opposite = wound_areas(np.array(twisted, float).reshape(-1, 2))
    assert doubled == 0 and 0 < opposite < 0.5
    (message,) = self_intersections(tmp_path, twisted)
    assert f"it crosses itself, but only {opposite:.2f} px² turning the other way (under 0.5 px²" in message
    assert severities(tmp_path, twisted) == ["info"]


def test_a_bridged_hole_and_a_bow_tie_make_no_face_wound_twice():
    outer = [[0, 0], [6, 0], [6, 6], [0, 6]]
    hole_reversed = [[2, 2], [2, 4], [4, 4], [4, 2]]
    bridged = np.array(outer + [[0, 0]] + hole_reversed + [[2, 2], [0, 0]], dtype=float)
    assert doubly_wound_area(bridged) == 0.0 and wound_areas(bridged) == (0.0, 0.0)  # nothing turns the other way


def test_a_loop_turning_the_same_way_is_reported_with_its_area_and_is_empty_in_the_mask(tmp_path):
    twice = [0, 0, 10, 0, 10, 10, 0, 10, 0, 0, 2, 2, 6, 2, 6, 6, 2, 6, 2, 2]
    (message,) = self_intersections(tmp_path, twice)
    assert "16.0 px² lie inside two of its loops turning the same way" in message
    pixels = cocomask.decode(cocomask.frPyObjects([twice], 12, 12))[..., 0]
    assert pixels[2:6, 2:6].sum() == 0 and pixels.sum() == 100 - 16  # even-odd: that face is empty
