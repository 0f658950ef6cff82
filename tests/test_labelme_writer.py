"""``--to labelme`` (issue 30): labelme 5.x JSON of every object's visible pixels, checked by hand on a 6x4
scene, painted by labelme's own ``shape_to_mask`` (restated here from labelme's source) and by pycocotools."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pycocotools import mask as coco_mask

from convert import api
from convert.formats.readers import detect_format
from convert.model.labelmap import LabelMap

from conftest import FOOD

LABELS = """classes:
  - {name: background, index: 0, level: 0, fill: true}
  - {name: plate, index: 1, level: 1}
  - {name: rice, index: 5, level: 2}
"""
# a.jpg: a plate under a 2x2 rice (the plate's visible pixels have a hole); b.jpg: a plate of two shapes in
# group 4, and a rice of two pixels that touch nothing (two parts, no group)
SOURCE = """<annotations><version>1.1</version><meta><task><labels><label><name>plate</name></label>
<label><name>rice</name></label></labels></task></meta>
<image id="0" name="a.jpg" width="6" height="4">
  <box label="plate" occluded="0" xtl="0" ytl="0" xbr="6" ybr="4"/>
  <box label="rice" occluded="0" xtl="2" ytl="1" xbr="4" ybr="3"/>
</image>
<image id="1" name="b.jpg" width="6" height="4">
  <box label="plate" occluded="0" xtl="0" ytl="0" xbr="2" ybr="2" group_id="4"/>
  <box label="plate" occluded="0" xtl="4" ytl="2" xbr="6" ybr="4" group_id="4"/>
  <mask label="rice" occluded="0" rle="0, 1, 6, 1, 1" left="2" top="0" width="3" height="3"/>
</image>
</annotations>
"""
PLATE_A = np.array([[1, 1, 1, 1, 1, 1],
                    [1, 1, 0, 0, 1, 1],
                    [1, 1, 0, 0, 1, 1],
                    [1, 1, 1, 1, 1, 1]], dtype=bool)


@pytest.fixture
def scene(tmp_path):
    (tmp_path / "lm.yaml").write_text(LABELS)
    (tmp_path / "src.xml").write_text(SOURCE)
    (tmp_path / "photos").mkdir()
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (6, 4), (200, 100, 50)).save(tmp_path / "photos" / name)
    return tmp_path


def convert(scene, shapes: str = "auto", **kwargs):
    out = scene / f"out-{shapes}"
    report = api.convert(scene / "src.xml", out, labels=scene / "lm.yaml", to="labelme", images=scene / "photos",
                         format_options={"shapes": shapes}, **kwargs)
    return report, out


def shape_to_mask(shape: dict, height: int, width: int) -> np.ndarray:
    """labelme 5.x ``shape_to_mask`` for polygons, and ``shapes_to_label``'s placing of mask shapes."""
    mask = np.zeros((height, width), dtype=bool)
    if shape["shape_type"] == "mask":
        (x1, y1), (x2, y2) = np.asarray(shape["points"]).astype(int)
        mask[y1:y2 + 1, x1:x2 + 1] = np.asarray(Image.open(io.BytesIO(base64.b64decode(shape["mask"])))) > 0
        return mask
    image = Image.fromarray(np.zeros((height, width), dtype=np.uint8))
    ImageDraw.Draw(image).polygon(xy=[tuple(p) for p in shape["points"]], outline=1, fill=1)
    return np.asarray(image).astype(bool)


def pycocotools(shape: dict, height: int, width: int) -> np.ndarray:
    xy = [float(v) for point in shape["points"] for v in point]
    return coco_mask.decode(coco_mask.frPyObjects([xy], height, width)[0]).astype(bool)


def test_a_file_as_labelme_writes_it_with_the_hole_as_a_mask_shape(scene):
    report, out = convert(scene)
    doc = json.loads((out / "a.json").read_text())
    assert list(doc) == ["version", "flags", "shapes", "imagePath", "imageData", "imageHeight", "imageWidth"]
    assert (doc["version"], doc["flags"], doc["imagePath"], doc["imageData"], doc["imageHeight"],
            doc["imageWidth"]) == ("5.8.3", {}, "a.jpg", None, 4, 6)
    plate, rice = doc["shapes"]
    assert list(plate) == ["label", "points", "group_id", "description", "shape_type", "flags", "mask"]
    assert (plate["label"], plate["shape_type"], plate["points"]) == ("plate", "mask", [[0, 0], [5, 3]])
    png = Image.open(io.BytesIO(base64.b64decode(plate["mask"])))
    assert png.mode == "L" and png.size == (6, 4) and set(np.unique(np.asarray(png)).tolist()) == {0, 1}
    assert (shape_to_mask(plate, 4, 6) == PLATE_A).all()
    # the rice's 2x2 square: right and bottom edges 0.01 px in, which Pillow truncates and pycocotools snaps
    assert (rice["shape_type"], rice["points"], rice["mask"]) == (
        "polygon", [[2, 1], [3.99, 1], [3.99, 2.99], [2, 2.99]], None)
    expected = np.zeros((4, 6), dtype=bool)
    expected[1:3, 2:4] = True
    assert (shape_to_mask(rice, 4, 6) == expected).all() and (pycocotools(rice, 4, 6) == expected).all()
    assert "as labelme paints them (shape_to_mask in file order, Pillow" in report.summary
    assert report.summary.count("(0 pixels differ)") == 2 and "1 mask" in report.summary
    assert detect_format(out) == "labelme"


def test_parts_share_a_group_and_every_polygon_paints_exactly_under_both_rules(scene):
    _, out = convert(scene)
    doc = json.loads((out / "b.json").read_text())
    assert [(s["label"], s["shape_type"], s["group_id"]) for s in doc["shapes"]] == [
        ("plate", "polygon", 4), ("plate", "polygon", 4), ("rice", "polygon", 5), ("rice", "polygon", 5)]
    assert [s["points"] for s in doc["shapes"][2:]] == [[[2, 0], [2.99, 0], [2.99, 0.99], [2, 0.99]],
                                                        [[3, 2], [3.99, 2], [3.99, 2.99], [3, 2.99]]]
    for shape in doc["shapes"]:
        assert (shape_to_mask(shape, 4, 6) == pycocotools(shape, 4, 6)).all()
        assert shape_to_mask(shape, 4, 6).sum() in (4, 1)


def test_shapes_polygon_bridges_the_hole_exactly_under_both_rules(scene):
    report, out = convert(scene, "polygon")
    plate = json.loads((out / "a.json").read_text())["shapes"][0]
    assert plate["shape_type"] == "polygon"
    assert (shape_to_mask(plate, 4, 6) == PLATE_A).all() and (pycocotools(plate, 4, 6) == PLATE_A).all()
    assert "6 polygons and 0 masks" in report.summary  # a.jpg 2, b.jpg 4


def test_shapes_mask_and_the_labels_and_photos_beside(scene):
    report, out = convert(scene, "mask", link=True)
    shapes = json.loads((out / "b.json").read_text())["shapes"]
    assert [(s["label"], s["shape_type"], s["group_id"], s["points"]) for s in shapes] == [
        ("plate", "mask", 4, [[0, 0], [5, 3]]), ("rice", "mask", None, [[2, 0], [3, 2]])]
    assert (out / "labels.txt").read_text().split() == ["__ignore__", "_background_", "plate", "rice"]
    assert (out / "a.jpg").is_symlink() and (out / "a.jpg").resolve() == (scene / "photos" / "a.jpg").resolve()
    _, copied = convert(scene, "auto")
    assert not (copied / "a.jpg").is_symlink() and (copied / "a.jpg").read_bytes() == \
        (scene / "photos" / "a.jpg").read_bytes()


@pytest.mark.parametrize("rule", ["coco", "labelme"])
def test_the_bundled_example_reads_back_equal_to_the_png_masks_under_either_rule(tmp_path, rule):
    report = api.convert(FOOD / "annotations.json", tmp_path / "lm", labels=FOOD / "labelmap.yaml", to="labelme")
    assert report.summary.count("(0 pixels differ)") == 2 and "16 polygons and 7 masks" in report.summary
    api.convert(FOOD / "annotations.json", tmp_path / "png", labels=FOOD / "labelmap.yaml", to="png")
    back = api.convert(tmp_path / "lm", tmp_path / "back", to="png", rule=rule)
    given = LabelMap.load(FOOD / "labelmap.yaml")
    assert back.format == "labelme" and [(c.name, c.index, c.level) for c in back.labelmap.classes] == \
        [(c.name, c.index, c.level) for c in given.classes]
    assert not [f for f in back.findings if f.severity.value in ("error", "warning")]
    masks = sorted(p.relative_to(tmp_path / "png") for p in (tmp_path / "png" / "masks").rglob("*.png"))
    assert len(masks) == 4
    for mask in masks:
        assert (np.asarray(Image.open(tmp_path / "png" / mask)) == np.asarray(Image.open(tmp_path / "back" / mask))
                ).all(), mask


def test_labelme_to_labelme_keeps_the_groups_and_reads_its_own_label_map(scene):
    _, out = convert(scene)
    again = api.convert(out, scene / "again", to="labelme")
    assert again.format == "labelme" and again.images == 2  # labelmap.json is the label map, not a labelme file
    assert again.labelmap.source.endswith("labelmap.json")
    shapes = json.loads((scene / "again" / "b.json").read_text())["shapes"]
    assert [(s["label"], s["group_id"]) for s in shapes] == [("plate", 4), ("plate", 4), ("rice", 5), ("rice", 5)]
    assert again.summary.count("(0 pixels differ)") == 2


def test_a_missing_photo_is_said_and_imagePath_still_names_it(scene):
    report = api.convert(scene / "src.xml", scene / "nophotos", labels=scene / "lm.yaml", to="labelme")
    (note,) = [f for f in report.findings if f.code == "missing-image"]  # none found: one note for the set
    assert note.severity.value == "info" and note.message.startswith("no image file was found beside the "
                                                                     "annotations (2 images looked for)")
    assert note.message.endswith("; the output has no image either (for each image: the output folder lacks it)")
    assert json.loads((scene / "nophotos" / "a.json").read_text())["imagePath"] == "a.jpg"
