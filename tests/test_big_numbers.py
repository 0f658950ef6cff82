"""JSON numbers have no limit: an integer written out with 400 digits is valid JSON, Python reads it as an
int, and it does not fit a float.  Each JSON reader says so in a finding naming the element, and never
stops with an internal error (it did: OverflowError in COCO, LabelMe and Label Studio; TypeError from
numpy on a COCO area of 10**20)."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli

BIG = "1" + "0" * 400  # written into the JSON text as is: json.dumps would write the same digits


def coco(segmentation: str, extra: str = "") -> str:
    return ('{"images":[{"id":1,"file_name":"a.jpg","width":10,"height":10}],"annotations":[{"id":7,'
            f'"image_id":1,"category_id":1,"segmentation":{segmentation}{extra}}}],'
            '"categories":[{"id":1,"name":"plate"}]}')


def labelme(points) -> str:
    return json.dumps({"version": "5.0.1", "flags": {}, "imagePath": "a.jpg", "imageData": None, "imageHeight": 10,
                       "imageWidth": 10, "shapes": [{"label": "plate", "points": points, "group_id": None,
                                                     "shape_type": "polygon", "flags": {}}]}).replace('"BIG"', BIG)


def label_studio(kind: str, value: dict) -> str:
    result = {"type": kind, "from_name": "l", "to_name": "image", "original_width": 10, "original_height": 10,
              "value": value}
    task = {"id": 1, "data": {"image": "a.jpg"}, "annotations": [{"id": 1, "result": [result]}]}
    return json.dumps([task]).replace('"BIG"', BIG)


CASES = {  # name: (the file's text, the finding, words of its message)
    "coco ring": (coco(f"[[1,1,5,1,5,{BIG}]]"), "error[non-finite-coordinate]",
                  "annotation id=7: ring 0 holds NaN, infinity or a number too large for a float"),
    "labelme point": (labelme([[1, 1], [5, 1], [5, "BIG"]]), "error[non-finite-coordinate]",
                      "shapes[0] (plate): a point holds NaN, infinity or a number too large for a float"),
    "label studio polygon": (
        label_studio("polygonlabels", {"points": [[1, 1], [5, 1], [5, "BIG"]], "polygonlabels": ["plate"]}),
        "error[non-finite-coordinate]", "a polygon result holds a number too large for a float"),
    "label studio rectangle": (
        label_studio("rectanglelabels", {"x": 1, "y": 1, "width": "BIG", "height": 5, "rectanglelabels": ["plate"]}),
        "error[non-finite-coordinate]", "a rectangle result holds a number too large for a float"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_number_too_large_for_a_float_is_a_finding(case, tmp_path):
    text, code, words = CASES[case]
    src = tmp_path / "a.json"
    src.write_text(text)
    proc = run_cli("validate", str(src))
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert code in proc.stderr and words in proc.stderr, proc.stderr


def test_a_huge_declared_area_and_bbox_are_compared_not_fatal(tmp_path):
    """An area of 10**20 (an int numpy refuses) is a number: compared with the pixels, and far off."""
    src = tmp_path / "a.json"
    src.write_text(coco("[[1,1,5,1,5,5]]", ',"area":100000000000000000000,"bbox":[1,1,4,100000000000000000000]'))
    proc = run_cli("validate", str(src))
    assert "internal error" not in proc.stderr, proc.stderr
    assert "warning[area-field-mismatch]" in proc.stderr and "'area' is 1e+20" in proc.stderr, proc.stderr
    assert "warning[bbox-field-mismatch]" in proc.stderr, proc.stderr


def test_an_area_beyond_a_float_is_not_compared(tmp_path):
    """An area no float can hold is no declared area: nothing to compare, and no internal error."""
    src = tmp_path / "a.json"
    src.write_text(coco("[[1,1,5,1,5,5]]", f',"area":{BIG}'))
    proc = run_cli("validate", str(src))
    assert "internal error" not in proc.stderr, proc.stderr
    assert "area-field-mismatch" not in proc.stderr, proc.stderr
