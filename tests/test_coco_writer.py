"""``--to coco`` (issue 30): COCO instances with polygons of every object's visible pixels, checked by hand on
a 6x4 scene and painted by pycocotools' own ``annToMask``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from pycocotools.coco import COCO

from convert import api
from convert.formats.readers import detect_format
from convert.model.labelmap import LabelMap

from conftest import FOOD

# image 7: a plate under a 2x2 rice (the plate's visible pixels have a hole); image 9: a plate of two
# rings, and a crowd of rice given as RLE (its two pixels (2,0) and (3,2))
PLATE = [0, 0, 6, 0, 6, 4, 0, 4]
SOURCE = {
    "images": [{"id": 7, "file_name": "a.jpg", "width": 6, "height": 4},
               {"id": 9, "file_name": "b.jpg", "width": 6, "height": 4}],
    "annotations": [
        {"id": 31, "image_id": 7, "category_id": 3, "segmentation": [PLATE], "iscrowd": 0, "area": 24},
        {"id": 32, "image_id": 7, "category_id": 8, "segmentation": [[2, 1, 4, 1, 4, 3, 2, 3]], "iscrowd": 0},
        {"id": 40, "image_id": 9, "category_id": 3, "iscrowd": 0,
         "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2], [4, 2, 6, 2, 6, 4, 4, 4]]},
        # column-major over 4 rows: (2,0) is pixel 8, (3,2) is pixel 14
        {"id": 41, "image_id": 9, "category_id": 8, "iscrowd": 1,
         "segmentation": {"size": [4, 6], "counts": [8, 1, 5, 1, 9]}},
    ],
    "categories": [{"id": 3, "name": "plate", "supercategory": "dish"}, {"id": 8, "name": "rice",
                                                                          "supercategory": "food"}],
}
LABELS = """classes:
  - {name: plate, index: 3, level: 1}
  - {name: rice, index: 8, level: 2}
"""
PLATE_A = np.array([[1, 1, 1, 1, 1, 1],
                    [1, 1, 0, 0, 1, 1],
                    [1, 1, 0, 0, 1, 1],
                    [1, 1, 1, 1, 1, 1]], dtype=bool)


@pytest.fixture
def scene(tmp_path):
    (tmp_path / "src.json").write_text(json.dumps(SOURCE))
    (tmp_path / "lm.yaml").write_text(LABELS)
    return tmp_path


def convert(scene, holes: str = "rle"):
    out = scene / f"out-{holes}"
    report = api.convert(scene / "src.json", out, labels=scene / "lm.yaml", to="coco", format_options={"holes": holes})
    return report, json.loads((out / "annotations" / "instances_default.json").read_text()), out


def ann_to_mask(doc: dict, ann: dict) -> np.ndarray:
    coco = COCO()
    coco.dataset = doc
    coco.createIndex()
    return coco.annToMask(ann).astype(bool)


def test_polygons_where_they_are_exact_rle_for_the_hole_and_the_crowd(scene):
    report, doc, out = convert(scene)
    plate, rice, plate_b, crowd = doc["annotations"]
    assert [a["id"] for a in doc["annotations"]] == [31, 32, 40, 41]  # the source's ids
    assert [(i["id"], i["file_name"]) for i in doc["images"]] == [(7, "a.jpg"), (9, "b.jpg")]
    assert [(c["id"], c["name"], c["supercategory"]) for c in doc["categories"]] == [(3, "plate", "dish"),
                                                                                     (8, "rice", "food")]
    assert isinstance(plate["segmentation"], dict) and (ann_to_mask(doc, plate) == PLATE_A).all()
    assert (plate["area"], plate["bbox"], plate["iscrowd"]) == (20, [0, 0, 6, 4], 0)  # visible pixels
    assert (rice["segmentation"], rice["area"], rice["bbox"]) == ([[2, 1, 4, 1, 4, 3, 2, 3]], 4, [2, 1, 2, 2])
    assert plate_b["segmentation"] == [[0, 0, 2, 0, 2, 2, 0, 2], [4, 2, 6, 2, 6, 4, 4, 4]]
    assert (plate_b["area"], plate_b["bbox"]) == (8, [0, 0, 6, 4])
    assert isinstance(crowd["segmentation"], dict) and crowd["iscrowd"] == 1
    assert (crowd["area"], crowd["bbox"]) == (2, [2, 0, 2, 3])
    assert np.argwhere(ann_to_mask(doc, crowd)).tolist() == [[0, 2], [2, 3]]
    assert "2 annotations as polygons and 2 annotations as RLE" in report.summary
    assert "(0 pixels differ)" in report.summary and detect_format(out) == "coco"


def test_holes_bridge_writes_one_ring_that_annToMask_paints_exactly(scene):
    report, doc, _ = convert(scene, "bridge")
    plate = doc["annotations"][0]
    [ring] = plate["segmentation"]
    assert (ann_to_mask(doc, plate) == PLATE_A).all() and len(ring) > 8
    assert doc["annotations"][3]["iscrowd"] == 1 and isinstance(doc["annotations"][3]["segmentation"], dict)
    assert "3 annotations as polygons and 1 annotation as RLE (holes=bridge)" in report.summary


def test_the_loss_is_measured_on_the_written_values(scene, monkeypatch):
    """Rings one pixel lower than traced (the RLE ones stay): read back by annToMask, a.jpg's 2x2 rice leaves
    its top row to the plate hole's background (2 px) and covers 2 px of the plate below."""
    from convert.formats.visible_outlines import Outline

    real = Outline.rings
    monkeypatch.setattr(Outline, "rings", lambda self, **kw: [r + np.array([0, 1]) for r in real(self, **kw)])
    report, doc, _ = convert(scene)
    found = {f.image: f.pixels for f in report.findings if f.code == "written-pixels-differ"}
    assert found["a.jpg"] == 4
    # b.jpg, before and after (P plate, R the crowd's RLE, which stays; the right square's row 4 is outside):
    #   P P R . . .      . . R . . .
    #   P P . . . .      P P . . . .
    #   . . . R P P      P P . R . .
    #   . . . . P P      . . . . P P     2 + 2 + 2 = 6 pixels
    assert found["b.jpg"] == 6
    assert "on 10 pixels" in report.summary


@pytest.mark.parametrize("holes", ["rle", "bridge"])
def test_the_bundled_example_reads_back_equal_to_the_png_masks(tmp_path, holes):
    report = api.convert(FOOD / "annotations.json", tmp_path / "coco", labels=FOOD / "labelmap.yaml", to="coco",
                         format_options={"holes": holes})
    assert "(0 pixels differ)" in report.summary
    assert {"rle": "13 annotations as polygons and 9 annotations as RLE",  # docs/formats.md
            "bridge": "20 annotations as polygons and 2 annotations as RLE"}[holes] in report.summary
    api.convert(FOOD / "annotations.json", tmp_path / "png", labels=FOOD / "labelmap.yaml", to="png")
    back = api.convert(tmp_path / "coco", tmp_path / "back", to="png")
    given = LabelMap.load(FOOD / "labelmap.yaml")
    assert back.format == "coco" and [(c.name, c.index, c.level) for c in back.labelmap.classes] == \
        [(c.name, c.index, c.level) for c in given.classes]
    masks = sorted(p.relative_to(tmp_path / "png") for p in (tmp_path / "png" / "masks").rglob("*.png"))
    assert len(masks) == 4
    for mask in masks:
        assert (np.asarray(Image.open(tmp_path / "png" / mask)) == np.asarray(Image.open(tmp_path / "back" / mask))
                ).all(), mask
