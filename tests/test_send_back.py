"""The three send-back writers (issue 30) on the scenes the issue names — holes, parts, a crowd RLE, an object
crossing the border, 1-pixel-wide features, a 16-bit class index: 0 pixels differ under the consumer's rule,
and segconv's reader gives back the ``png`` masks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from convert import api

LABELS = """classes:
  - {name: background, index: 0, level: 0, fill: true}
  - {name: plate, index: 1, level: 1}
  - {name: rice, index: 300, level: 2}
  - {name: sauce, index: 7, level: 3}
"""
RING = [2, 2, 18, 2, 18, 14, 2, 14]  # a plate; rice inside it leaves it a hole
SOURCE = {
    "images": [{"id": 1, "file_name": "a.jpg", "width": 20, "height": 16}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [RING], "iscrowd": 0},
        {"id": 2, "image_id": 1, "category_id": 300, "segmentation": [[6, 5, 10, 5, 10, 9, 6, 9]], "iscrowd": 0},
        # a 1-pixel-wide stroke of sauce, a diagonal staircase, and a sauce crossing the right border
        {"id": 3, "image_id": 1, "category_id": 7, "segmentation": [[12, 3, 13, 3, 13, 12, 12, 12]], "iscrowd": 0},
        {"id": 4, "image_id": 1, "category_id": 7, "iscrowd": 0,
         "segmentation": [[3, 10, 4, 10, 4, 11, 5, 11, 5, 12, 6, 12, 6, 13, 3, 13]]},
        {"id": 5, "image_id": 1, "category_id": 7, "segmentation": [[16.5, 0, 25, 0, 25, 4.2, 16.5, 4.2]],
         "iscrowd": 0},
        # a crowd of rice in RLE (column-major, 16 rows): pixels (0,0), (0,1) and (1,15)
        {"id": 6, "image_id": 1, "category_id": 300, "iscrowd": 1,
         "segmentation": {"size": [16, 20], "counts": [0, 2, 29, 1, 288]}},
    ],
    "categories": [{"id": 1, "name": "plate"}, {"id": 300, "name": "rice"}, {"id": 7, "name": "sauce"}],
}


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    root = tmp_path_factory.mktemp("sendback")
    (root / "lm.yaml").write_text(LABELS)
    (root / "src.json").write_text(json.dumps(SOURCE))
    api.convert(root / "src.json", root / "png", labels=root / "lm.yaml", to="png")
    return root


@pytest.mark.parametrize("to, options", [("cvat", {"shapes": "auto"}), ("cvat", {"shapes": "polygon"}),
                                         ("labelme", {"shapes": "auto"}), ("labelme", {"shapes": "polygon"}),
                                         ("coco", {"holes": "rle"}), ("coco", {"holes": "bridge"})])
def test_nothing_is_lost_and_the_reader_gives_back_the_png_masks(scene, to, options):
    mask = np.asarray(Image.open(scene / "png" / "masks" / "a.png"))
    assert mask.dtype == np.uint16 and set(np.unique(mask).tolist()) == {0, 1, 7, 300}
    assert mask[5:9, 6:10].tolist() == [[300] * 4] * 4 and mask[0, 0] == 300 and mask[15, 1] == 300
    assert (mask[3:12, 12] == 7).all()
    assert (mask[0:4, 17:] == 7).all() and (mask[4, 17:] != 7).all() and (mask[:, 16] != 7).all()  # the crossing
    name = f"{to}-{next(iter(options.values()))}"
    report = api.convert(scene / "src.json", scene / name, labels=scene / "lm.yaml", to=to, format_options=options)
    assert report.summary.count("(0 pixels differ)") == (2 if to == "labelme" else 1), report.summary
    assert not [f for f in report.findings if f.code == "written-pixels-differ"]
    back = api.convert(scene / name, scene / f"{name}-back", to="png")
    assert back.format == to
    assert (np.asarray(Image.open(scene / f"{name}-back" / "masks" / "a.png")) == mask).all()


def drawn_background(tmp_path, file_name: str):
    """A label map with every_pixel_drawn and ``a.json``: a 10x6 image whose background is drawn as a box over
    columns 0-5 and a plate over columns 6-8; column 9 is drawn by nobody.  Returns the label map's path."""
    (tmp_path / "lm.yaml").write_text("every_pixel_drawn: true\nclasses:\n"
                                      "  - {name: background, index: 0, level: 0, fill: true}\n"
                                      "  - {name: plate, index: 1, level: 1}\n")
    (tmp_path / "a.json").write_text(json.dumps({
        "images": [{"id": 1, "file_name": file_name, "width": 10, "height": 6}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 6, 0, 6, 6, 0, 6]]},
                        {"id": 2, "image_id": 1, "category_id": 2, "segmentation": [[6, 0, 9, 0, 9, 6, 6, 6]]}],
        "categories": [{"id": 1, "name": "background"}, {"id": 2, "name": "plate"}]}))
    return tmp_path / "lm.yaml"


@pytest.mark.parametrize("to, options", [("coco", None), ("cvat", None), ("labelme", None), ("coco-rle", None),
                                         ("coco-rle", {"coco_mode": "semantic"}), ("label-studio", None)])
def test_under_every_pixel_drawn_the_drawn_background_is_sent_back(tmp_path, to, options):
    """A 10x6 image whose background is drawn as a box over columns 0-5 and a plate over columns 6-8: column 9
    is drawn by nobody (6 pixels, unlabelled-pixels).  The writers left the drawn background out, so the output
    read back 42 pixels as never drawn (the trial's delivery: 160 became 935)."""
    labels = drawn_background(tmp_path, "a.jpg")

    def never_drawn(report):
        return [(f.code, f.pixels) for f in report.findings if f.severity.value != "info"]

    assert never_drawn(api.validate(tmp_path / "a.json", labels=labels)) == [("unlabelled-pixels", 6)]
    api.convert(tmp_path / "a.json", tmp_path / "out", labels=labels, to=to, **(options or {}))
    out = tmp_path / "out" / {"cvat": "annotations.xml", "coco-rle": "annotations.json",
                              "label-studio": "tasks.json"}.get(to, "")
    assert never_drawn(api.validate(out, labels=labels)) == [("unlabelled-pixels", 6)]
    assert never_drawn(api.validate(out)) == [("unlabelled-pixels", 6)]  # with the output's own label map


@pytest.mark.parametrize("to", ["yolo", "kaggle-rle"])
def test_under_every_pixel_drawn_layouts_without_background_rows_say_what_reads_back_as_never_drawn(tmp_path, to):
    """The same 10x6 image: YOLO and a Kaggle CSV have no row for the fill class, so the 36 pixels of the drawn
    background box read back as never drawn, beside the source's own 6; the summary says the 36 (it said
    nothing, and validate OUT found 42)."""
    labels = drawn_background(tmp_path, "a.png")
    Image.new("RGB", (10, 6)).save(tmp_path / "a.png")
    report = api.convert(tmp_path / "a.json", tmp_path / "out", labels=labels, to=to)
    assert "; 36 pixels drawn as the fill class 'background' or as void (every_pixel_drawn)" in report.summary
    back = [(f.code, f.pixels) for f in api.validate(tmp_path / "out").findings if f.severity.value != "info"]
    assert back == [("unlabelled-pixels", 42)]


def test_a_labelmap_json_the_categories_no_longer_match_is_named_not_used(tmp_path):
    """Someone renamed a category in segconv's coco output: its labelmap.json (every_pixel_drawn) no longer
    matches, and was dropped without a word."""
    (tmp_path / "lm.yaml").write_text("every_pixel_drawn: true\nclasses:\n"
                                      "  - {name: background, index: 0, level: 0, fill: true}\n"
                                      "  - {name: plate, index: 1, level: 1}\n")
    src = tmp_path / "a.json"
    src.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 2}],
                               "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                                                "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}],
                               "categories": [{"id": 1, "name": "plate"}]}))
    api.convert(src, tmp_path / "out", labels=tmp_path / "lm.yaml", to="coco")
    part = tmp_path / "out" / "annotations" / "instances_default.json"
    assert [f.code for f in api.validate(tmp_path / "out").findings if f.severity.value == "warning"] == [
        "unlabelled-pixels"]  # every_pixel_drawn, from labelmap.json
    part.write_text(part.read_text().replace('"name": "plate"', '"name": "dish"'))
    (note,) = [f for f in api.validate(tmp_path / "out").findings if f.code == "skipped-file"]
    assert note.file == str(tmp_path / "out" / "labelmap.json") and note.message.startswith(
        "labelmap.json names other classes than instances_default.json's categories (class ")


def test_only_segconvs_own_labelmap_json_is_taken_for_a_coco_file(tmp_path):
    """coco-rle's annotations.json takes the labelmap.json beside it only; one in the folder above is another
    set's (the coco layout's sits above annotations/, and is looked for there only)."""
    mask = np.zeros((2, 4), dtype=np.uint8)
    mask[:, 2:] = 1
    labels = tmp_path / "lm.yaml"
    labels.write_text(LABELS)
    api.from_masks({"a.png": mask}, labels=labels).export(tmp_path / "nest" / "o", to="coco-rle")
    (tmp_path / "nest" / "o" / "labelmap.json").unlink()
    (tmp_path / "nest" / "labelmap.json").write_text(json.dumps({"classes": [
        {"name": "cat", "index": 1, "level": 1}]}))  # another set's, above
    assert not [f for f in api.validate(tmp_path / "nest" / "o").findings if f.code == "skipped-file"]
