"""``--to cvat`` (issue 30): CVAT for images 1.1 XML of every object's visible pixels, checked by hand on a
6x4 scene and read back by pycocotools itself (the rule CVAT's mask export paints polygons with)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from convert import api
from convert.formats.readers import detect_format
from convert.model.labelmap import LabelMap

LABELS = """classes:
  - {name: background, index: 0, level: 0, fill: true}
  - {name: plate, index: 1, level: 1}
  - {name: rice, index: 5, level: 2}
"""
# a.jpg: a plate under a 2x2 rice (the plate's visible pixels have a hole); b.jpg: a plate of two boxes in one
# group (4), and a rice mask of two pixels that touch nothing (two parts, no group)
SOURCE = """<annotations><version>1.1</version><meta><task><labels><label><name>plate</name></label>
<label><name>rice</name></label></labels></task></meta>
<image id="0" name="a.jpg" width="6" height="4">
  <box label="plate" source="manual" occluded="1" xtl="0" ytl="0" xbr="6" ybr="4">
    <attribute name="colour">white</attribute></box>
  <box label="rice" source="auto" occluded="0" xtl="2" ytl="1" xbr="4" ybr="3"/>
  <tag label="day" source="manual"/>
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
    return tmp_path


def convert(scene, shapes: str = "auto", **kwargs):
    out = scene / f"out-{shapes}"
    report = api.convert(scene / "src.xml", out, labels=scene / "lm.yaml", to="cvat", format_options={"shapes": shapes},
                         **kwargs)
    return report, ET.parse(out / "annotations.xml").getroot(), out


def shapes_of(root, name):
    return list(root.find(f"image[@name='{name}']"))


def cvat_runs(element) -> np.ndarray:
    """A <mask> decoded as the research notes say CVAT does: runs from 0, row-major inside the box."""
    counts = [int(v) for v in element.get("rle").split(",")]
    width, height = int(element.get("width")), int(element.get("height"))
    flat = np.repeat(np.arange(len(counts)) % 2 == 1, counts)
    assert flat.size == width * height
    return flat.reshape(height, width)


def pycocotools_polygon(element, height: int, width: int) -> np.ndarray:
    xy = [float(v) for pair in element.get("points").split(";") for v in pair.split(",")]
    return coco_mask.decode(coco_mask.frPyObjects([xy], height, width)[0]).astype(bool)


def test_an_object_with_a_hole_is_a_mask_of_cvat_runs_and_the_rest_polygons(scene):
    report, root, out = convert(scene)
    plate, rice, tag = shapes_of(root, "a.jpg")
    assert plate.tag == "mask" and plate.get("rle") == "0, 8, 2, 4, 2, 8"  # counted by hand from PLATE_A
    assert [plate.get(k) for k in ("left", "top", "width", "height")] == ["0", "0", "6", "4"]
    assert (cvat_runs(plate) == PLATE_A).all()
    assert rice.tag == "polygon" and rice.get("points") == "2.00,1.00;4.00,1.00;4.00,3.00;2.00,3.00"
    assert pycocotools_polygon(rice, 4, 6).sum() == 4 and pycocotools_polygon(rice, 4, 6)[1:3, 2:4].all()
    # z_order is the level; source, occluded and the attribute kept; the image's tag kept
    assert (plate.get("z_order"), rice.get("z_order")) == ("1", "2")
    assert (plate.get("source"), plate.get("occluded"), rice.get("source"), rice.get("occluded")) == \
        ("manual", "1", "auto", "0")
    assert [(a.get("name"), a.text) for a in plate.findall("attribute")] == [("colour", "white")]
    assert tag.tag == "tag" and tag.get("label") == "day"
    assert list(plate.attrib) == ["label", "source", "occluded", "rle", "left", "top", "width", "height", "z_order"]
    assert "0 pixels differ" in report.summary and "1 mask" in report.summary
    assert not [f for f in report.findings if f.code == "written-pixels-differ"]
    assert detect_format(out) == "cvat"


def test_parts_of_one_object_share_the_sources_group_or_a_new_one(scene):
    _, root, _ = convert(scene)
    shapes = shapes_of(root, "b.jpg")
    assert [(s.tag, s.get("label"), s.get("group_id"), s.get("source")) for s in shapes] == [
        ("polygon", "plate", "4", "file"), ("polygon", "plate", "4", "file"),  # the source's group 4
        ("polygon", "rice", "5", "file"), ("polygon", "rice", "5", "file")]  # a new group, above 4
    assert [s.get("points") for s in shapes[2:]] == ["2.00,0.00;3.00,0.00;3.00,1.00;2.00,1.00",
                                                     "3.00,2.00;4.00,2.00;4.00,3.00;3.00,3.00"]


def test_meta_lists_every_label_with_its_colour_type_and_attributes(scene):
    _, root, _ = convert(scene)
    assert root.find("version").text == "1.1"
    project = root.find("meta/project")  # a project even for one subset: what Datumaro and CVAT's project import read
    [task] = project.findall("tasks/task")
    assert task.find("size").text == "2" and task.find("mode").text == "annotation"
    assert (task.find("subset").text, project.find("subsets").text) == ("default", "default")
    labels = {e.find("name").text: e for e in project.findall("labels/label")}
    assert list(labels) == ["background", "plate", "rice", "day"]
    lm = LabelMap.load(scene / "lm.yaml")
    assert labels["plate"].find("color").text == "#{:02x}{:02x}{:02x}".format(*lm["plate"].color)
    assert [labels[n].find("type").text for n in labels] == ["any", "any", "any", "tag"]
    [attribute] = labels["plate"].findall("attributes/attribute")
    assert (attribute.find("name").text, attribute.find("input_type").text) == ("colour", "text")
    assert [(i.get("id"), i.get("subset"), i.get("task_id")) for i in root.iter("image")] == [
        ("0", "default", "1"), ("1", "default", "1")]


def test_shapes_polygon_bridges_the_hole_and_pycocotools_paints_it_exactly(scene):
    report, root, _ = convert(scene, "polygon")
    plate = shapes_of(root, "a.jpg")[0]
    assert plate.tag == "polygon"
    assert (pycocotools_polygon(plate, 4, 6) == PLATE_A).all()
    assert root.find("image[@name='a.jpg']/mask") is None and "0 pixels differ" in report.summary


def test_shapes_mask_writes_every_object_as_one_mask(scene):
    report, root, _ = convert(scene, "mask")
    assert [(s.tag, s.get("label"), s.get("group_id")) for s in shapes_of(root, "b.jpg")] == [
        ("mask", "plate", "4"), ("mask", "rice", None)]  # one shape an object: no new group needed
    plate = shapes_of(root, "b.jpg")[0]
    assert (cvat_runs(plate) == np.array([[1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0],
                                          [0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1]], dtype=bool)).all()
    assert "0 polygons and 4 masks" in report.summary


def test_a_ring_touching_itself_at_a_corner_is_a_mask(tmp_path):
    (tmp_path / "lm.yaml").write_text(LABELS)
    # a 3x3 plate whose centre pixel shows the background, open to the outside at one corner
    (tmp_path / "src.xml").write_text(
        '<annotations><meta><task><labels><label><name>plate</name></label></labels></task></meta>'
        '<image id="0" name="c.jpg" width="3" height="3">'
        '<mask label="plate" occluded="0" rle="0, 4, 1, 3, 1" left="0" top="0" width="3" height="3"/>'
        '</image></annotations>')
    report = api.convert(tmp_path / "src.xml", tmp_path / "o", labels=tmp_path / "lm.yaml", to="cvat")
    [shape] = ET.parse(tmp_path / "o" / "annotations.xml").getroot().find("image")
    assert shape.tag == "mask" and shape.get("rle") == "0, 4, 1, 3, 1"
    assert "0 pixels differ" in report.summary


def test_void_in_several_parts_is_one_mask_and_in_one_part_a_polygon(tmp_path):
    """Void a source drew in two specks is one <mask> of their box (it was a polygon per speck: 487 polygons on
    panopticapi-sample), read back exactly; void in one part stays a polygon."""
    (tmp_path / "lm.yaml").write_text(LABELS)
    mask = np.zeros((4, 6), dtype=np.uint8)
    mask[0, 0], mask[2:4, 3:5], mask[0, 5] = 255, 255, 1  # void at (0, 0) and a 2x2 void square; a plate pixel
    api.from_masks({"a.png": mask}, labels=tmp_path / "lm.yaml").export(tmp_path / "o", to="cvat")
    shapes = list(ET.parse(tmp_path / "o" / "annotations.xml").getroot().find("image"))
    [void] = [s for s in shapes if s.get("label") == "__ignore__"]
    assert void.tag == "mask" and (void.get("left"), void.get("top"), void.get("width"), void.get("height")) == (
        "0", "0", "5", "4")
    assert (cvat_runs(void) == (mask[:, :5] == 255)).all()
    [plate] = [s for s in shapes if s.get("label") == "plate"]
    assert plate.tag == "polygon"
    loaded = api.load(tmp_path / "o", labels=tmp_path / "lm.yaml")
    assert (loaded.mask(next(iter(loaded))) == mask).all()
    mask[0, 0] = 0  # one speck left: a polygon
    api.from_masks({"a.png": mask}, labels=tmp_path / "lm.yaml").export(tmp_path / "p", to="cvat")
    shapes = list(ET.parse(tmp_path / "p" / "annotations.xml").getroot().find("image"))
    assert [s.tag for s in shapes if s.get("label") == "__ignore__"] == ["polygon"]


def test_subsets_make_a_project_of_one_task_each(scene):
    src = SOURCE.replace('name="a.jpg"', 'name="a.jpg" subset="train"').replace('name="b.jpg"',
                                                                              'name="b.jpg" subset="val"')
    (scene / "src.xml").write_text(src.replace("<task>", "<project><tasks><task>")
                                   .replace("</task>", "</task></tasks><subsets>train\nval</subsets></project>"))
    _, root, _ = convert(scene)
    project = root.find("meta/project")
    assert project.find("subsets").text.split("\n") == ["train", "val"]
    assert [t.find("subset").text for t in project.findall("tasks/task")] == ["train", "val"]
    assert [(i.get("name"), i.get("subset"), i.get("task_id")) for i in root.iter("image")] == [
        ("a.jpg", "train", "1"), ("b.jpg", "val", "2")]
    assert {e.find("name").text for e in project.findall("labels/label")} >= {"plate", "rice"}


def test_the_loss_is_measured_on_the_written_text(scene, monkeypatch):
    """A polygon written one pixel to the right: the read-back sees it, and says how many pixels."""
    from convert.formats.cvat import write

    real = write.points_text
    monkeypatch.setattr(write, "points_text", lambda ring: real(ring + np.array([1, 0])))
    report, root, _ = convert(scene)
    # a.jpg's rice at columns 3-4 instead of 2-3: column 2 shows the background (2 px), column 4 rice over
    # the plate (2 px).  b.jpg, before and after (P plate, R rice; the right plate's column 6 is outside):
    #   P P R . . .      . P P R . .
    #   P P . . . .      . P P . . .
    #   . . . R P P      . . . . R P
    #   . . . . P P      . . . . . P     3 + 2 + 2 + 1 = 8 pixels
    [a, b] = sorted((f for f in report.findings if f.code == "written-pixels-differ"), key=lambda f: f.image)
    assert (a.image, a.pixels, b.image, b.pixels) == ("a.jpg", 4, "b.jpg", 8)
    assert a.message.startswith("the written shapes, read back as CVAT paints them") and "on 4 pixels" in a.message
    # the share is of the objects' visible pixels: 24 in a.jpg, 10 in b.jpg
    assert "on 12 pixels (35.294 % of the objects' 34 pixels) in 2 images" in report.summary


@pytest.mark.parametrize("shapes", ["auto", "polygon", "mask"])
def test_the_bundled_example_reads_back_equal_to_the_png_masks(tmp_path, shapes):
    """README: 0 pixels differ on the bundled example, with every shapes choice; --from cvat (detected) reads
    the output back, with its label map and its images, equal to --to png directly."""
    from PIL import Image

    from conftest import FOOD

    report = api.convert(FOOD / "annotations.json", tmp_path / "cvat", labels=FOOD / "labelmap.yaml", to="cvat",
                         format_options={"shapes": shapes})
    assert "(0 pixels differ)" in report.summary
    if shapes == "auto":  # docs/formats.md
        assert "16 polygons and 7 masks" in report.summary
    api.convert(FOOD / "annotations.json", tmp_path / "png", labels=FOOD / "labelmap.yaml", to="png")
    back = api.convert(tmp_path / "cvat", tmp_path / "back", to="png")
    given = LabelMap.load(FOOD / "labelmap.yaml")
    assert back.format == "cvat" and back.labelmap.source.endswith("labelmap.json")
    assert [(c.name, c.index, c.level) for c in back.labelmap.classes] == [(c.name, c.index, c.level)
                                                                           for c in given.classes]
    assert not [f for f in back.findings if f.code == "missing-image"]  # found under images/default/
    masks = sorted(p.relative_to(tmp_path / "png") for p in (tmp_path / "png" / "masks").rglob("*.png"))
    assert len(masks) == 4
    for mask in masks:
        assert (np.asarray(Image.open(tmp_path / "png" / mask)) == np.asarray(Image.open(tmp_path / "back" / mask))
                ).all(), mask
