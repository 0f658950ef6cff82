"""SA-1B (docs/formats.md, "SA-1B"): fixtures/public/sa1b (fixtures/make_public.py: three overlapping masks
as SAM writes them), the stated painting order and its alternatives, and the checks of area, bbox and
point_coords against the decoded masks."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.readers import detect_format, open_dataset
from convert.painting.paint import paint

from conftest import FIXTURES, run_cli

SA1B = FIXTURES / "public" / "sa1b"
# ids: 100 the whole (80 px, iou .91, stability .95), 101 a part of it (12 px, .88, .97),
# 102 crossing both (15 px, .97, .92)


def on_top(src, **options) -> dict[tuple[int, int], int]:
    """The annotation id visible at (row, column) of three hand-picked pixels."""
    dataset = open_dataset(src, options=options or None)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    painted = paint(dataset[0], labelmap, instances=True)
    ids = painted.instance_mask
    ann = {obj.id: obj.regions[0].source_id for obj in painted.instances}
    return {where: ann[int(ids[where])] for where in ((4, 4), (5, 6), (7, 7))}


def test_detected_as_folder_and_file():
    assert detect_format(SA1B) == "sa1b" and detect_format(SA1B / "sa_1.json") == "sa1b"


def test_larger_masks_beneath_smaller_by_default():
    assert on_top(SA1B) == {(4, 4): 101, (5, 6): 101, (7, 7): 102}


@pytest.mark.parametrize("order,expected", [
    ("iou", {(4, 4): 100, (5, 6): 102, (7, 7): 102}),
    ("stability", {(4, 4): 101, (5, 6): 101, (7, 7): 100}),
    ("file", {(4, 4): 101, (5, 6): 102, (7, 7): 102}),
])
def test_another_order_can_be_chosen(order, expected):
    assert on_top(SA1B, order=order) == expected


def test_one_class_object_on_background_and_a_clean_fixture():
    dataset = open_dataset(SA1B)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    mask = paint(dataset[0], labelmap).class_mask
    assert int((mask == 1).sum()) == 80 + 3 and mask[0, 0] == 0   # the whole and 3 pixels of row 9
    assert not api.validate(SA1B).findings
    dataset = open_dataset(SA1B, options={"label": "thing"})
    assert [c.name for c in dataset.source_labelmap.classes] == ["background", "thing"]


def edited(tmp_path, change):
    shutil.copytree(SA1B, tmp_path / "s")
    path = tmp_path / "s" / "sa_1.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return {f.code: f for f in api.validate(tmp_path / "s").findings}


def test_area_is_checked_against_the_rle(tmp_path):
    found = edited(tmp_path, lambda d: d["annotations"][1].update(area=13))
    assert found["area-field-mismatch"].message.startswith("'area' is 13 but the mask has 12 pixels")
    assert found["area-field-mismatch"].element == "annotations[1] (id 101)"


def test_bbox_sam_and_pycocotools_conventions_both_pass_another_does_not(tmp_path):
    def coco_box(d):
        d["annotations"][0]["bbox"] = [1, 1, 10, 8]   # pycocotools' toBbox: max - min + 1
    assert "bbox-field-mismatch" not in edited(tmp_path, coco_box)
    shutil.rmtree(tmp_path / "s")
    found = edited(tmp_path, lambda d: d["annotations"][0].update(bbox=[0, 0, 12, 10]))
    assert "but the mask's box is [1, 1, 9, 7] as SAM writes it" in found["bbox-field-mismatch"].message


def test_a_point_off_its_mask_is_a_note(tmp_path):
    found = edited(tmp_path, lambda d: d["annotations"][1].update(point_coords=[[0.5, 0.5], [4.5, 4.5]]))
    note = found["point-outside-mask"]
    assert note.severity.value == "info" and "point_coords [[0.5, 0.5]] not on the mask" in note.message


def test_broken_masks_are_errors_naming_the_annotation(tmp_path):
    found = edited(tmp_path, lambda d: d["annotations"][2]["segmentation"].update(size=[12, 10]))
    assert found["rle-size-mismatch"].element == "annotations[2] (id 102)"
    shutil.rmtree(tmp_path / "s")
    found = edited(tmp_path, lambda d: d["annotations"][2]["segmentation"].update(counts="zz"))
    assert "rle-invalid" in found
    shutil.rmtree(tmp_path / "s")
    found = edited(tmp_path, lambda d: d["image"].update(width="12"))
    assert "must be positive integers" in found["bad-image"].message


def test_the_command_line_names_a_cut_file(tmp_path):
    shutil.copytree(SA1B, tmp_path / "s")
    path = tmp_path / "s" / "sa_1.json"
    path.write_text(path.read_text()[:200])
    proc = run_cli("convert", tmp_path / "s", "--from", "sa1b", "-o", tmp_path / "out")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "error[unreadable-file]" in proc.stderr and "sa_1.json" in proc.stderr


def test_bad_options_are_refused():
    with pytest.raises(SegconvError):
        open_dataset(SA1B, options={"label": "background"})
    with pytest.raises(Exception, match="must be one of"):
        open_dataset(SA1B, options={"order": "size"})


def test_instances_survive_conversion(tmp_path):
    assert api.convert(SA1B, tmp_path / "out", to="coco-panoptic").exit_code() == 0
    doc = json.loads(next((tmp_path / "out").rglob("panoptic_*.json")).read_text())
    (objects,) = [c["id"] for c in doc["categories"] if c["name"] == "object"]
    areas = sorted(s["area"] for a in doc["annotations"] for s in a["segments_info"] if s["category_id"] == objects)
    # the part 12; the crossing 15 but its pixel under the part; the whole 80 but the part and 11 of the crossing
    assert areas == [12, 14, 57] and np.sum(areas) == 83


ONE_CLASS = ("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
             "  - {name: segment, index: 3, level: 1}\n")


def test_labels_of_one_class_name_the_masks_class(tmp_path):
    (tmp_path / "one.yaml").write_text(ONE_CLASS)
    report = api.validate(SA1B, labels=tmp_path / "one.yaml")
    assert not [f for f in report.findings if f.code == "unknown-label"]
    proc = run_cli("convert", SA1B, "--labels", tmp_path / "one.yaml", "-o", tmp_path / "out", "--to", "png")
    assert proc.returncode == 0, proc.stderr
    mask = np.asarray(Image.open(tmp_path / "out" / "masks" / "sa_1.png"))
    assert int((mask == 3).sum()) == 80 + 3 and set(np.unique(mask)) == {0, 3}


def test_labels_of_several_classes_need_the_option(tmp_path):
    (tmp_path / "two.yaml").write_text(ONE_CLASS + "  - {name: part, index: 4, level: 2}\n")
    proc = run_cli("validate", SA1B, "--labels", tmp_path / "two.yaml")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "has 2 besides its fill class (segment, part) and no 'object'; name the class with -O label=" \
        in proc.stderr
    report = api.validate(SA1B, labels=tmp_path / "two.yaml", format_options={"label": "part"})
    assert not [f for f in report.findings if f.code == "unknown-label"]


def test_the_option_wins_over_labels(tmp_path):
    (tmp_path / "one.yaml").write_text(ONE_CLASS)
    report = api.validate(SA1B, labels=tmp_path / "one.yaml", format_options={"label": "thing"})
    assert [f for f in report.findings if f.code == "unknown-label" and "thing" in f.message]
