"""--to coco-panoptic keeps the source's category ids and supercategories (17 and 63 stay 17 and 63; they
came out as 18 and 64, other COCO classes, with every supercategory emptied); new ids only where a class has
index 0 (no COCO category has), from 1, and the summary says so.  A panoptic segment whose bbox is not 4
numbers (``[]``) is reported."""

import json

import numpy as np

from convert import api
from convert.formats.coco_panoptic.read import CocoPanopticDataset

from test_panoptic_layouts import panoptic_doc, write_scene  # isort: skip


def panoptic_source(tmp_path):
    src = tmp_path / "annotations" / "panoptic_val2017.json"
    return write_scene(src, src.with_suffix(""), tmp_path / "val2017")


def test_category_ids_and_supercategories_are_kept(tmp_path):
    report = api.convert(panoptic_source(tmp_path / "in"), tmp_path / "out", to="coco-panoptic")
    doc = json.loads((tmp_path / "out" / "annotations" / "panoptic_val2017.json").read_text())
    assert {(c["id"], c["name"], c["supercategory"]) for c in doc["categories"]} == \
        {(17, "Bird", "animal--bird"), (63, "Road", "construction--flat--road")}
    assert sorted(s["category_id"] for a in doc["annotations"] for s in a["segments_info"]) == [17, 63]
    assert report.summary.endswith("; category ids kept (the class indices)")
    rle = tmp_path / "rle"
    api.convert(panoptic_source(tmp_path / "in2"), rle, to="coco-rle")
    categories = json.loads((rle / "annotations.json").read_text())["categories"]
    assert {(c["id"], c["supercategory"]) for c in categories} == {(17, "animal--bird"),
                                                                   (63, "construction--flat--road")}


def test_a_coco_sources_category_ids_are_kept_and_a_class_it_has_none_for_gets_a_new_one(tmp_path):
    """Sending a COCO delivery on renumbered its categories (cat 5 became 2) and put the derived map's background
    first (id 1)."""
    src = tmp_path / "in.json"
    src.write_text(json.dumps({
        "images": [{"id": 1, "file_name": "a.jpg", "width": 8, "height": 6}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "segmentation": [[1, 1, 5, 1, 5, 4, 1, 4]]}],
        "categories": [{"id": 5, "name": "cat", "supercategory": "animal"}]}))
    for to, file in (("coco-panoptic", "panoptic_default.json"), ("coco", "instances_default.json")):
        report = api.convert(src, tmp_path / to, to=to)  # derived map: background 0, cat 1
        doc = json.loads((tmp_path / to / "annotations" / file).read_text())
        assert sorted((c["id"], c["name"], c["supercategory"]) for c in doc["categories"]) == \
            [(5, "cat", "animal"), (6, "background", "")]
        assert "category ids are the source's; class 'background' has no category there: id 6" in report.summary
        assert not [f for f in api.validate(tmp_path / to).findings if f.severity.value != "info"]


def test_new_ids_start_at_1_only_where_a_class_has_index_0_and_the_run_says_so(tmp_path):
    """A source without category ids (class masks): ids are the indices, plus one where a class has index 0."""
    (tmp_path / "lm.yaml").write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                                      "  - {name: cat, index: 1, level: 1}\n")
    mask = np.zeros((6, 8), dtype=np.uint8)
    mask[1:4, 1:5] = 1
    report = api.from_masks({"a.png": mask}, labels=tmp_path / "lm.yaml").export(tmp_path / "out", to="coco-panoptic")
    doc = json.loads((tmp_path / "out" / "annotations" / "panoptic_default.json").read_text())
    assert [(c["id"], c["name"]) for c in doc["categories"]] == [(1, "background"), (2, "cat")]
    assert ("category ids made from the class indices plus one, as class 'background' has index 0, which no COCO "
            "category may have") in report.summary


def test_a_bbox_that_is_not_4_numbers_is_reported(tmp_path):
    src = panoptic_source(tmp_path)
    doc = panoptic_doc()
    doc["annotations"][0]["segments_info"][0]["bbox"] = []
    doc["annotations"][0]["segments_info"][1]["bbox"] = [0, 2, 6]
    src.write_text(json.dumps(doc))
    (sample,) = list(CocoPanopticDataset(src))
    found = [(f.code, f.element, f.message) for f in sample.findings]
    assert found == [
        ("bbox-field-mismatch", "segment id=5", "bbox [] is not 4 numbers [x, y, width, height]; the PNG's box of "
                                                "the segment is [0, 0, 3, 2]"),
        ("bbox-field-mismatch", "segment id=300", "bbox [0, 2, 6] is not 4 numbers [x, y, width, height]; the "
                                                  "PNG's box of the segment is [0, 2, 6, 2]")]


def test_ids_the_source_cannot_lend_are_new_and_each_says_why(tmp_path):
    """Category id 0 is not kept (no COCO category may have it); two files giving a name different ids: said so
    (the summary said "has no category there"); two ids of one name: a warning, one id written."""
    def coco(path, categories, anns):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.jpg", "width": 8, "height": 6}],
                                    "annotations": [{"id": k, "image_id": 1, "category_id": c,
                                                     "segmentation": [[4 * k - 4, 1, 4 * k, 1, 4 * k, 4, 4 * k - 4, 4]]}
                                                    for k, c in enumerate(anns, 1)],
                                    "categories": [{"id": i, "name": n} for i, n in categories]}))
    coco(tmp_path / "zero.json", [(0, "a"), (4, "b")], [0, 4])
    report = api.convert(tmp_path / "zero.json", tmp_path / "z", to="coco")
    assert "class 'a' has category id 0, which no COCO category may have: id 6" in report.summary
    coco(tmp_path / "two" / "annotations" / "instances_train.json", [(2, "b")], [2])
    coco(tmp_path / "two" / "annotations" / "instances_val.json", [(7, "b")], [7])
    report = api.convert(tmp_path / "two", tmp_path / "t", to="coco")
    assert report.summary.endswith("; no category id of the source's could be kept; class 'background' has no "
                                   "category there: id 1; class 'b' has different ids in the source's files: id 2 "
                                   "(+ labelmap.json)")
    coco(tmp_path / "shared" / "annotations" / "instances_train.json", [(3, "cat")], [3])
    coco(tmp_path / "shared" / "annotations" / "instances_val.json", [(3, "dog")], [3])
    report = api.convert(tmp_path / "shared", tmp_path / "s", to="coco")  # one id, two names: the first keeps it
    assert "class 'cat'" not in report.summary and "class 'dog' shares category id 3 with another class" in \
        report.summary
    coco(tmp_path / "dup.json", [(3, "cat"), (7, "cat")], [3, 7])
    report = api.convert(tmp_path / "dup.json", tmp_path / "d", to="coco")
    (said,) = [f for f in report.findings if f.code == "bad-category"]
    assert said.severity.value == "warning" and said.element == "categories[1] (id=7)"
    doc = json.loads((tmp_path / "d" / "annotations" / "instances_default.json").read_text())
    assert sorted(a["category_id"] for a in doc["annotations"]) == [3, 3]
