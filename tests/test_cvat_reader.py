"""CVAT XML 1.1: every shape, z_order, masks, groups, subsets, video tracks, traps with lines."""

import re

import pytest

from convert.errors import SegconvError
from convert.formats.cvat.read import CvatDataset
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint
from convert.painting.rasterize import rasterize

from conftest import corpus, run_cli

META = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><labels>
    <label><name>plate</name><color>#ff0000</color></label>
    <label><name>rice</name><color>#00ff00</color></label>
  </labels></task></meta>
"""


def cvat(tmp_path, body, meta=META):
    path = tmp_path / "annotations.xml"
    path.write_text(meta + body + "\n</annotations>\n")
    return path


def test_docs_example_mask_and_shapes():
    ds = CvatDataset(corpus("cvat-docs-example/for_images"))
    [sample] = list(ds)
    kinds = sorted(r.attributes["shape"] for r in sample.regions)
    assert kinds == ["box", "mask", "polygon"]
    mask = next(r for r in sample.regions if r.attributes["shape"] == "mask").geometry
    assert (mask.left, mask.top, mask.mask.shape) == (707, 888, (15, 13))
    runs = [3, 5, 7, 7, 5, 9, 3, 11, 2, 11, 2, 12, 1, 12, 1, 26, 1, 12, 1, 12, 2, 11, 3, 9, 5, 7, 7, 5, 3]
    assert mask.mask.sum() == sum(runs[1::2])  # the odd runs are the object, row-major
    skipped = sorted(f.element.split(" ")[0] for f in sample.findings)
    assert skipped == ["<points>", "<polyline>", "<polyline>", "<skeleton>"]  # a <tag> is not a shape
    assert all(f.code == "no-area-shape" and f.line for f in sample.findings)
    assert sample.attributes == {"tags": ["good_frame"]}  # an image attribute
    assert sample.image_id == 0


def test_derived_map_has_no_skeleton_points_or_lines_as_classes():
    ds = CvatDataset(corpus("cvat-docs-example/for_images"))
    # declared: car, traffic_line, wheel, plate, s1 (skeleton) and its points '1', '2', '3' (type points, parent s1)
    assert ds.label_names == ["car", "traffic_line", "wheel", "plate"]


def test_z_order_is_named_in_overlap_and_hidden_findings():
    """The docs example's box comes first in the document and wins by z_order 4 against the polygon's 1;
    the mask (z_order 0) lies inside the polygon (z_order 1) and is hidden by it."""
    from convert import api

    report = api.validate(corpus("cvat-docs-example/for_images"))
    [overlap] = [f for f in report.findings if f.code == "level-overlap"]
    assert overlap.element == "<box> #1 (plate)" and overlap.pixels == 9802
    assert "because its z_order is higher (4 over 1)" in overlap.message
    assert "later" not in overlap.message
    [hidden] = [f for f in report.findings if f.code == "region-hidden"]
    assert hidden.element == "<mask> #1 (car)"
    assert "<polygon> #1 (car), because its z_order is higher (1 over 0)" in hidden.message
    assert "later regions" not in hidden.message


def test_z_order_paints_inside_a_level_and_levels_win(tmp_path):
    body = """<image id="0" name="a.jpg" width="6" height="2">
    <box label="rice" xtl="0" ytl="0" xbr="4" ybr="2" z_order="5"/>
    <box label="plate" xtl="2" ytl="0" xbr="6" ybr="2" z_order="1"/>
    <polygon label="plate" points="0,0;2,0;2,2;0,2" z_order="9"/>
  </image>"""
    [sample] = list(CvatDataset(cvat(tmp_path, body)))
    flat = LabelMap.derive(["plate", "rice"])  # same level: z_order decides
    assert paint(sample, flat).class_mask[0].tolist() == [1, 1, 2, 2, 1, 1]
    levelled = LabelMap.from_dict({"classes": [{"name": "background", "index": 0, "level": 0, "fill": True},
                                               {"name": "plate", "index": 1, "level": 1},
                                               {"name": "rice", "index": 2, "level": 2}]})
    assert paint(sample, levelled).class_mask[0].tolist() == [2, 2, 2, 2, 1, 1]


def test_rotated_box_and_ellipse_and_group_instances(tmp_path):
    body = """<image id="0" name="a.jpg" width="10" height="10">
    <box label="plate" xtl="2" ytl="4" xbr="8" ybr="6" rotation="90" group_id="3"/>
    <ellipse label="plate" cx="5" cy="5" rx="2" ry="1" group_id="3"/>
    <ellipse label="rice" cx="1" cy="1" rx="0.9" ry="0.9"/>
  </image>"""
    [sample] = list(CvatDataset(cvat(tmp_path, body)))
    box = sample.regions[0].geometry
    assert (rasterize(box, 10, 10)[2:8, 4:6]).all() and rasterize(box, 10, 10).sum() == 12
    out = paint(sample, LabelMap.derive(["plate", "rice"]), instances=True)
    assert [i.label.name for i in out.instances] == ["plate", "rice"]  # the group is one instance
    assert out.class_mask[0, 0] == 2


def test_mask_crossing_the_border_is_cropped_and_counted(tmp_path):
    body = """<image id="0" name="a.jpg" width="4" height="4">
    <mask label="plate" rle="0, 9" left="2" top="2" width="3" height="3"/>
  </image>"""
    [sample] = list(CvatDataset(cvat(tmp_path, body)))
    [f] = sample.findings
    assert f.code == "mask-outside-image" and f.pixels == 5 and f.line == 9
    assert paint(sample, LabelMap.derive(["plate"])).class_mask.sum() == 4


@pytest.mark.parametrize("shape, code", [
    ('<polygon label="plate" points="1,1;3,3"/>', "too-few-points"),
    ('<polygon label="plate" points="1,1;3,1;3,3;"/>', "empty-point"),
    ('<polygon label="plate" points="1,1;3,x;3,3"/>', "bad-value"),
    ('<polygon label="plate" points="1,1;3,nan;3,3"/>', "non-finite-coordinate"),
    ('<mask label="plate" rle="1, 2" left="0" top="0" width="2" height="2"/>', "rle-count-sum"),
    ('<mask label="plate" rle="" left="0" top="0" width="2" height="2"/>', "bad-value"),
    ('<box label="plate" xtl="a" ytl="0" xbr="1" ybr="1"/>', "bad-value"),
    ('<polygon label="truck" points="1,1;3,1;3,3"/>', "undeclared-label"),
    ('<polygon label="" points="1,1;3,1;3,3"/>', "bad-value"),
    ('<cuboid label="plate"/>', "no-area-shape"),
])
def test_traps_are_findings_with_the_xml_line(tmp_path, shape, code):
    body = f"""<image id="0" name="a.jpg" width="4" height="4">
    {shape}
  </image>"""
    [sample] = list(CvatDataset(cvat(tmp_path, body)))
    assert [f.code for f in sample.findings] == [code]
    assert sample.findings[0].line == 9 and sample.findings[0].file.endswith("annotations.xml")


def test_project_export_keys_images_by_subset():
    ds = CvatDataset(corpus("datumaro-openvino-assets/cvat_dataset/for_images/export_project"))
    names = [s.name for s in ds]
    assert names == ["Test/img0.jpg", "Test/img1.jpg", "Train/img0.jpg", "Train/img1.jpg",
                     "Validation/img0.jpg", "Validation/img1.jpg"]
    assert {s.subset for s in ds} == {"Test", "Train", "Validation"}


def test_video_tracks_explode_into_frames_and_drop_outside():
    ds = CvatDataset(corpus("datumaro-assets/cvat_dataset/for_video"))
    frames = {s.name.split(".")[0]: s for s in ds}
    assert "frame_000010" in frames and frames["frame_000010"].name == "frame_000010.png"
    # the task's frames: size 4 from start_frame 10, step=3 (frames 0-3 were invented, frame 19 was missing)
    assert sorted(frames) == ["frame_000010", "frame_000013", "frame_000016", "frame_000019"]
    assert all(f.code == "no-area-shape" for s in frames.values() for f in s.findings)
    docs = CvatDataset(corpus("cvat-docs-example/for_video"))
    assert len(docs) == 4620  # every frame of the task, as CVAT exports them


def test_datumaro_cvat_file_with_an_unlabelled_shape():
    ds = CvatDataset(corpus("datumaro-assets/cvat_dataset/for_images/train.xml"))
    codes = sorted(f.code for s in ds for f in s.findings)
    assert codes.count("bad-value") == 1 and codes.count("no-area-shape") == 4


@pytest.mark.parametrize("content, message", [
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><annotations>&x;</annotations>', "DOCTYPE"),
    (b"<annotations><image", "the file ends early: the XML stops at the end of the file (line 1, column 20) "
                             "inside <annotations>; it was cut short"),
    (b"<annotations><image></annotations>", "invalid XML: mismatched tag"),
])
def test_hostile_or_broken_xml_is_refused_with_the_file_named(tmp_path, content, message):
    path = tmp_path / "annotations.xml"
    path.write_bytes(content)
    with pytest.raises(SegconvError, match=re.escape(message)):
        CvatDataset(path)
    proc = run_cli("convert", path, "-o", tmp_path / "o", "--from", "cvat")
    assert proc.returncode == 2 and "annotations.xml" in proc.stderr and "Traceback" not in proc.stderr


def test_shapes_without_area_are_named_in_plain_words_and_skeletons_outside_are_not_reported():
    """CVAT's own example: frame 1's skeleton has every point outside="1" (the object left the view): not in
    the image, so not reported; frames 0, 6 and 13 hold visible skeletons, each reported once."""
    ds = CvatDataset(corpus("cvat-docs-example/for_video"))
    reported = {s.name: [f.message for f in s.findings] for s in ds if s.findings}
    assert reported == {name: ["a <skeleton> is keypoints joined by lines, without area; not painted"]
                        for name in ("frame_000000", "frame_000006", "frame_000013")}
    images = CvatDataset(corpus("cvat-docs-example/for_images"))
    words = sorted({f.message for s in images for f in s.findings if f.code == "no-area-shape"})
    assert words == ["a <points> is a set of points, without area; not painted",
                     "a <polyline> is a line, without area; not painted",
                     "a <skeleton> is keypoints joined by lines, without area; not painted"]


def test_a_skeleton_of_an_image_with_every_point_outside_is_not_reported(tmp_path):
    path = tmp_path / "annotations.xml"
    points = "".join(f'<points label="{k}" outside="{o}" points="{k},{k}"/>' for k, o in ((1, 1), (2, 1)))
    partly = "".join(f'<points label="{k}" outside="{o}" points="{k},{k}"/>' for k, o in ((1, 1), (2, 0)))
    path.write_text(META + f'<image id="0" name="a.jpg" width="8" height="6"><skeleton label="s">{points}'
                           f'</skeleton><skeleton label="s">{partly}</skeleton></image></annotations>')
    (sample,) = CvatDataset(path)
    assert [(f.code, f.element) for f in sample.findings] == [("no-area-shape", "<skeleton> #2 (s)")]
