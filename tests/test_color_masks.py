"""Colour-coded mask folders and index masks with a names file (docs/formats.md, "Colour-coded masks"):
CamVid as Kaggle ships it and SegNet's CamVid, from fixtures/public (fixtures/make_public.py), hand-checked;
the class tables' syntaxes and their hostile forms; an unknown colour is an error naming colour, file and
pixel count."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.color_masks import class_tables as tables
from convert.formats.readers import detect_format, open_dataset
from convert.painting.paint import paint

from conftest import FIXTURES, run_cli

CAMVID = FIXTURES / "public" / "camvid"
SEGNET = FIXTURES / "public" / "segnet-camvid"
# class_dict.csv rows: Bicyclist 0, Building 1, Car 2, Pedestrian 3, Road 4, Sky 5, Tree 6, Void 7 (void)


def class_masks(src, **options):
    dataset = open_dataset(src, options=options or None)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    return {s.name: (s, paint(s, labelmap).class_mask) for s in dataset}, labelmap


def test_detected_without_from():
    assert detect_format(CAMVID) == "color-masks"
    assert detect_format(CAMVID / "class_dict.csv") == "color-masks"
    assert detect_format(SEGNET) == "color-masks"


def test_camvid_colours_become_the_rows_as_indices_void_kept_void():
    masks, labelmap = class_masks(CAMVID)
    assert [(c.name, c.index) for c in sorted(labelmap.classes, key=lambda c: c.index)] == [
        ("Bicyclist", 0), ("Building", 1), ("Car", 2), ("Pedestrian", 3), ("Road", 4), ("Sky", 5), ("Tree", 6)]
    assert labelmap.void == 255 and labelmap.void_aliases == ("Void",)
    assert labelmap["Bicyclist"].color == (0, 128, 192)   # '0,128, 192': the field stripped
    train, mask = masks["0001TP_006690.png"]
    assert train.subset == "train" and train.image_path.endswith("train/0001TP_006690.png")
    assert mask[0].tolist() == [5] * 10                     # sky
    assert mask[1].tolist() == [5, 1, 1, 1, 5, 5, 5, 6, 6, 5]
    assert mask[4].tolist() == [4, 4, 2, 2, 2, 4, 4, 3, 4, 4]
    assert mask[5, 9] == 255                               # Void
    val, mask = masks["Seq05VD_f00000.png"]
    assert val.subset == "val" and mask[3].tolist() == [4, 255, 255, 4, 4, 0, 4, 4]
    assert not [f for f in api.validate(CAMVID).findings if f.severity.value in ("error", "warning")]


def test_segnet_index_masks_with_a_names_file():
    masks, labelmap = class_masks(SEGNET)
    assert len(labelmap.classes) == 11 and labelmap.void_aliases == ("Unlabelled",)
    assert labelmap["Bicyclist"].index == 10
    sample, mask = masks["0001TP_006690.png"]
    expected = np.array([[0, 0, 0, 0, 5, 5], [1, 1, 2, 0, 5, 5], [1, 1, 2, 255, 255, 0], [3] * 6,
                         [3, 8, 8, 3, 9, 4]])
    assert (mask == expected).all() and sample.subset == "train"


def test_an_unknown_colour_is_an_error_naming_colour_file_and_pixels(tmp_path):
    shutil.copytree(CAMVID, tmp_path / "c")
    mask_file = tmp_path / "c" / "train_labels" / "0001TP_006690_L.png"
    rgb = np.asarray(Image.open(mask_file)).copy()
    rgb[3, :3] = (127, 64, 128)                            # anti-aliased road: 3 pixels
    Image.fromarray(rgb).save(mask_file)
    proc = run_cli("convert", tmp_path / "c", "-o", tmp_path / "out")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert ("error[unknown-color]" in proc.stderr and "colour (127, 64, 128) is in no row of class_dict.csv; "
            "3 pixels read as void" in proc.stderr and str(mask_file) in proc.stderr), proc.stderr
    (written,) = (tmp_path / "out" / "masks").rglob("0001TP_006690.png")
    mask = np.asarray(Image.open(written))
    checked = api.validate(tmp_path / "c")
    (unknown,) = [f for f in checked.findings if f.code == "unknown-color"]
    assert unknown.pixels == 3 and unknown.file == str(mask_file)
    masks, _ = class_masks(tmp_path / "c")
    assert masks["0001TP_006690.png"][1][3, :3].tolist() == [255, 255, 255]   # void, no new class
    assert (mask[3, :3] == 255).all() and (mask[3, 3:] == 4).all()


def test_a_value_beyond_the_names_is_an_error_with_its_count(tmp_path):
    shutil.copytree(SEGNET, tmp_path / "s")
    mask_file = tmp_path / "s" / "trainannot" / "0001TP_006690.png"
    values = np.asarray(Image.open(mask_file)).copy()
    values[0, :2] = 40
    Image.fromarray(values).save(mask_file)
    (found,) = [f for f in api.validate(tmp_path / "s").findings if f.code == "unknown-mask-value"]
    assert found.pixels == 2 and "value 40 is no row of classes.txt (12 rows); 2 pixels read as void" in found.message
    Image.fromarray(np.zeros((5, 6, 3), np.uint8)).save(mask_file)
    (bad,) = [f for f in api.validate(tmp_path / "s").findings if f.code == "bad-mask-file"]
    assert "classes.txt gives names, no colours" in bad.message


@pytest.mark.parametrize("name,text,message", [
    ("class_dict.csv", "name,r,g,b\nSky,1,2,3\nRoad,1,2,3\n",
     "colour (1, 2, 3) is given to 'Sky' (line 2) and 'Road'"),
    ("class_dict.csv", "klass,r,g,b\nSky,1,2,3\n", "expected the header 'name,r,g,b'"),
    ("class_dict.csv", "name,r,g,b\nSky,1,2,300\n", "expected three colour values 0..255"),
    ("class_dict.csv", "name,r,g,b\nSky,1,2,3\nSky,4,5,6\n", "class 'Sky' is named twice (line 2 too)"),
    ("label_colors.txt", "0 0 zebra\n", "expected 'r g b name'"),
    ("labelmap.txt", "# label:color_rgb:parts:actions\nsky::\n", "expected 'name:r,g,b:parts:actions'"),
    ("classes.txt", "\n# nothing\n", "the class table has no rows"),
])
def test_broken_tables_are_errors_naming_file_and_line(tmp_path, name, text, message):
    shutil.copytree(SEGNET, tmp_path / "s")
    (tmp_path / "s" / "classes.txt").unlink()
    (tmp_path / "s" / name).write_text(text)
    with pytest.raises(SegconvError) as err:
        open_dataset(tmp_path / "s", "color-masks")
    assert message in str(err.value) and name in str(err.value)


def test_the_three_colour_table_syntaxes_give_one_label_map():
    csv = tables.parse("name,r,g,b\nsky,1,2,3\nvoid,0,0,0\n", "class_dict.csv").labelmap()
    txt = tables.parse("1 2 3 sky\n0 0 0 void\n", "label_colors.txt").labelmap()
    datumaro = tables.parse("# label:color_rgb:parts:actions\nsky:1,2,3::\nvoid:0,0,0::\n",
                            "labelmap.txt").labelmap()
    assert csv.to_dict()["classes"] == txt.to_dict()["classes"] == datumaro.to_dict()["classes"]
    assert csv.void_aliases == txt.void_aliases == datumaro.void_aliases == ("void",)


def test_void_option_chooses_the_void_row(tmp_path):
    _, labelmap = class_masks(CAMVID, void="none")
    assert labelmap["Void"].index == 7 and not labelmap.void_aliases
    _, labelmap = class_masks(CAMVID, void="Sky")
    assert labelmap.void_aliases == ("Sky",) and labelmap["Void"].index == 7
    with pytest.raises(SegconvError, match="-O void=Skies: no row of the class table is named so"):
        open_dataset(CAMVID, options={"void": "Skies"})


def test_converts_to_every_layout_and_the_input_is_untouched(tmp_path):
    from conftest import tree_digest

    before = tree_digest(CAMVID)
    report = api.convert(CAMVID, tmp_path / "voc", to="voc")
    assert report.exit_code() == 0
    written = np.asarray(Image.open(tmp_path / "voc" / "SegmentationClass" / "0001TP_006690.png"))
    assert (written == class_masks(CAMVID)[0]["0001TP_006690.png"][1]).all()
    assert tree_digest(CAMVID) == before


def test_camvid_original_layout_and_a_masks_folder_with_splits(tmp_path):
    """CamVid's own: label_colors.txt ('r g b<TAB>name'), LabeledApproved_full/<stem>_L.png beside
    701_StillsRaw_full/<stem>.png; and a Kaggle-style images/ + masks/<split>/<stem>_mask.png."""
    root = tmp_path / "camvid"
    (root / "LabeledApproved_full").mkdir(parents=True)
    (root / "701_StillsRaw_full").mkdir()
    (root / "label_colors.txt").write_text("64 128 64\tAnimal\n128 0 0\tBuilding\n0 0 0\tVoid\n")
    mask = np.zeros((2, 3, 3), np.uint8)
    mask[0, :2] = (128, 0, 0)
    mask[1, 2] = (64, 128, 64)
    Image.fromarray(mask).save(root / "LabeledApproved_full" / "0016E5_08109_L.png")
    Image.new("RGB", (3, 2)).save(root / "701_StillsRaw_full" / "0016E5_08109.png")
    assert detect_format(root) == "color-masks"
    masks, _ = class_masks(root)
    sample, values = masks["0016E5_08109.png"]
    assert values.tolist() == [[1, 1, 255], [255, 255, 0]] and sample.image_path.endswith("0016E5_08109.png")
    assert sample.subset is None
    kaggle = tmp_path / "kaggle"
    (kaggle / "masks" / "val").mkdir(parents=True)
    (kaggle / "images" / "val").mkdir(parents=True)
    (kaggle / "class_dict.csv").write_text("name,r,g,b\nbackground,0,0,0\nlesion,255,255,255\n")
    grey = Image.fromarray(np.array([[0, 255], [255, 255]], np.uint8))
    grey.convert("RGB").save(kaggle / "masks" / "val" / "p1_mask.png")
    Image.new("RGB", (2, 2)).save(kaggle / "images" / "val" / "p1.jpg")
    masks, labelmap = class_masks(kaggle)
    sample, values = masks["p1.jpg"]
    assert sample.subset == "val" and values.tolist() == [[0, 1], [1, 1]] and labelmap["lesion"].index == 1
