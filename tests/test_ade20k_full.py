"""The full ADE20K release (docs/formats.md, "ADE20K"): fixtures/public/ade20k-full (fixtures/make_public.py),
*_seg.png read as the dataset's utils_ade20k.loadAde20K decodes it, names from objects.txt, never the pickle."""

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
from convert.pixels.runs import to_mask

from conftest import FIXTURES, run_cli

ADE = FIXTURES / "public" / "ade20k-full"
RELEASE = ADE / "ADE20K_2021_17_01"
STREET = RELEASE / "images" / "ADE" / "training" / "urban" / "street"
TRAIN = "images/ADE/training/urban/street/ADE_train_00000001.jpg"


def load_ade20k(seg_png):
    """loadAde20K's own decoding (CSAILVision/ADE20K utils/utils_ade20k.py), written out here: the class mask
    (R / 10 as an integer) * 256 + G, the instance mask the inverse of np.unique over B."""
    seg = np.array(Image.open(seg_png))
    r, g, b = seg[:, :, 0], seg[:, :, 1], seg[:, :, 2]
    classes = (r / 10).astype(np.int32) * 256 + g.astype(np.int32)
    instances = np.reshape(np.unique(b, return_inverse=True)[1], b.shape)
    return classes, instances


def read(src):
    dataset = open_dataset(src)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    return dataset, labelmap, {s.name: s for s in dataset}


def copy(tmp_path):
    shutil.copytree(ADE, tmp_path / "a")
    return tmp_path / "a" / "ADE20K_2021_17_01"


def test_detected_as_the_release_its_parent_and_a_scene_folder():
    assert detect_format(ADE) == detect_format(RELEASE) == detect_format(STREET) == "ade20k-full"


@pytest.mark.parametrize("stem", ["training/urban/street/ADE_train_00000001",
                                  "validation/home/bedroom/ADE_val_00000001"])
def test_paints_each_image_as_load_ade20k_decodes_it(stem):
    dataset, labelmap, samples = read(ADE)
    expected_classes, expected_instances = load_ade20k(RELEASE / "images" / "ADE" / f"{stem}_seg.png")
    sample = samples[f"images/ADE/{stem}.jpg"]
    assert paint(sample, labelmap).class_mask.tolist() == expected_classes.tolist()   # void is 0, as "nothing"
    objects = [r for r in sample.regions if r.label is not None]
    assert objects
    for region in objects:      # each object is exactly the pixels of its (class, instance) pair
        value, instance = region.instance
        mask = to_mask(region.geometry.starts, region.geometry.ends, sample.height, sample.width)
        assert labelmap[region.label].index == value
        assert mask.tolist() == ((expected_classes == value) & (expected_instances == instance)).tolist()


def test_instances_are_the_distinct_b_values_in_order():
    _, _, samples = read(ADE)
    sample = samples[TRAIN]
    objects = {}
    for region in sample.regions:
        if region.label is not None:
            objects.setdefault(region.instance, []).append(region.label)
    # B values 7 9 12 30 31 64 120 255 are instances 0..7: two cars (7, 255 -> 0, 7), the person (120 -> 6)
    assert objects[(256, 0)] == ["car"] and objects[(256, 7)] == ["car"] and objects[(300, 6)] == ["person"]
    assert objects[(3, 1)] == ["sky"] and objects[(1, 3)] == ["wall"] and objects[(2, 2)] == ["floor"]
    assert objects[(4, 4)] == ["window"] and len(objects) == 8      # one wall: both pieces share B 30
    assert objects[(256, 5)] == ["car"]                       # the lone car pixel at B 64: its own instance
    assert not [f for f in sample.findings if f.severity.value in ("error", "warning")]


def test_the_label_map_is_objects_txt_line_by_line():
    dataset, labelmap, _ = read(ADE)
    assert len(labelmap.classes) == 300 and labelmap.void == 0 and labelmap.void_aliases == ("unlabeled",)
    assert [(c.name, c.index) for c in sorted(labelmap.classes, key=lambda c: c.index)][:5] == [
        ("wall", 1), ("floor", 2), ("sky", 3), ("window", 4), ("window, windowpane", 5)]
    assert labelmap["car"].index == 256 and labelmap["person"].index == 300 and labelmap["object 17"].index == 17


def test_the_part_masks_are_counted_as_not_read():
    dataset = open_dataset(ADE)
    (note,) = [f for f in dataset.findings if f.code == "skipped-file"]
    assert note.message.startswith("1 part mask (*_parts_N.png) not read")
    assert len(list(RELEASE.rglob("*_parts_*.png"))) == 1


def test_a_class_beyond_objects_txt_is_named_with_its_pixels_and_read_as_void(tmp_path):
    root = copy(tmp_path)
    seg = root / "images" / "ADE" / "training" / "urban" / "street" / "ADE_train_00000001_seg.png"
    pixels = np.array(Image.open(seg))
    pixels[0, :3] = [53, 7, 9]       # class 53 // 10 * 256 + 7 = 1287; objects.txt has 300
    Image.fromarray(pixels, "RGB").save(seg)
    report = api.validate(tmp_path / "a")
    (found,) = [f for f in report.findings if f.code == "unknown-mask-value"]
    assert found.pixels == 3 and found.file.endswith("ADE_train_00000001_seg.png") and found.image == TRAIN
    assert found.message == ("class 1287 (R // 10 = 5, G = 7) is no line of objects.txt (300 lines); 3 pixels "
                             "read as void")
    _, labelmap, samples = read(tmp_path / "a")
    assert paint(samples[TRAIN], labelmap).class_mask[0].tolist() == [0, 0, 0, 3, 3, 3, 3, 3]


def test_one_b_value_over_two_classes_is_a_warning_and_two_objects(tmp_path):
    root = copy(tmp_path)
    seg = root / "images" / "ADE" / "validation" / "home" / "bedroom" / "ADE_val_00000001_seg.png"
    pixels = np.array(Image.open(seg))
    pixels[0, 2:, 2] = pixels[0, 0, 2]                 # the 'window, windowpane' pixels take the wall's B
    Image.fromarray(pixels, "RGB").save(seg)
    report = api.validate(tmp_path / "a")
    (found,) = [f for f in report.findings if f.code == "instance-class-mismatch"]
    assert found.message == ("B value 9 (one instance) covers pixels of classes 1 (wall), 5 (window, windowpane); "
                             "each class is read as its own object")
    _, _, samples = read(tmp_path / "a")
    keys = {r.instance for r in samples["images/ADE/validation/home/bedroom/ADE_val_00000001.jpg"].regions
            if r.label is not None}
    assert (1, 1) in keys and (5, 1) in keys


def test_a_grayscale_seg_png_is_an_error_for_that_image(tmp_path):
    root = copy(tmp_path)
    seg = root / "images" / "ADE" / "validation" / "home" / "bedroom" / "ADE_val_00000001_seg.png"
    Image.fromarray(np.zeros((3, 4), np.uint8), "L").save(seg)
    report = api.validate(tmp_path / "a")
    (found,) = [f for f in report.findings if f.code == "bad-mask-file"]
    assert "a *_seg.png is RGB" in found.message and found.file.endswith("ADE_val_00000001_seg.png")
    assert report.exit_code() != 0


def test_only_the_pickle_is_an_error_that_asks_for_objects_txt(tmp_path):
    root = copy(tmp_path)
    (root / "objects.txt").unlink()
    (root / "index_ade20k.pkl").write_bytes(b"not opened")
    with pytest.raises(SegconvError) as err:
        open_dataset(tmp_path / "a")
    message = str(err.value)
    assert "index_ade20k.pkl, a Python pickle, which segconv does not unpickle" in message
    assert "objects.txt" in message and (root / "index_ade20k.pkl").read_bytes() == b"not opened"
    (root / "index_ade20k.pkl").unlink()
    with pytest.raises(SegconvError, match="no objects.txt"):
        open_dataset(tmp_path / "a")


def test_objects_txt_in_latin_1_and_a_line_without_a_name(tmp_path):
    root = copy(tmp_path)
    lines = (root / "objects.txt").read_text().splitlines()
    lines[3] = "caf\xe9 table\tx"
    (root / "objects.txt").write_bytes("\n".join(lines).encode("latin-1"))
    _, labelmap, _ = read(tmp_path / "a")
    assert labelmap["caf\xe9 table"].index == 3
    lines[4] = "\tno name"
    (root / "objects.txt").write_text("\n".join(lines))
    with pytest.raises(SegconvError, match="line 5 has no name in column 1"):
        open_dataset(tmp_path / "a")


def test_to_png_keeps_the_class_values(tmp_path):
    assert api.convert(ADE, tmp_path / "out", to="png").exit_code() == 0
    (written,) = (tmp_path / "out").rglob("ADE_train_00000001.png")
    expected, _ = load_ade20k(STREET / "ADE_train_00000001_seg.png")
    assert np.asarray(Image.open(written)).tolist() == expected.tolist()


def test_the_command_line_names_the_pickle_and_exits_non_zero_without_writing(tmp_path):
    root = copy(tmp_path)
    (root / "objects.txt").rename(root / "objects.kept")
    (root / "index_ade20k.pkl").write_bytes(b"not opened")
    proc = run_cli("convert", tmp_path / "a", "-o", tmp_path / "out", "--to", "png")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "does not unpickle" in proc.stderr and "objects.txt" in proc.stderr
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- the 2021 per-image JSON
SECOND = "images/ADE/training/urban/street/ADE_train_00000002.jpg"


def test_the_json_polygons_paint_the_seg_png_scene_read_as_1_based(tmp_path):
    """ADE_train_00000001.json draws the scene of its _seg.png with 1-based coordinates (the block of 1-based
    columns a..b from x = a - 1 to x = b): read as (x - 0.5, y - 0.5) under the centre rule, every pixel
    agrees with loadAde20K's decoding of the _seg.png."""
    dataset = open_dataset(ADE, "ade20k-full", options={"source": "polygons"})
    labelmap, _ = api.resolve_labelmap(dataset, None)
    samples = {s.name: s for s in dataset}
    expected, _ = load_ade20k(STREET / "ADE_train_00000001_seg.png")
    sample = samples[TRAIN]
    assert sample.origin.file.endswith("ADE_train_00000001.json")
    assert paint(sample, labelmap).class_mask.tolist() == expected.tolist()
    (parts,) = [f for f in sample.findings if f.code == "label-not-drawn"]
    assert parts.message.startswith("1 part (part_level > 0) not painted")
    assert len({r.instance for r in sample.regions}) == 8          # one instance per object, the part left out
    (missing,) = samples["images/ADE/validation/home/bedroom/ADE_val_00000001.jpg"].findings
    assert missing.code == "missing-mask" and "no ADE_val_00000001.json" in missing.message


def test_auto_reads_the_json_where_an_image_has_no_seg_png():
    _, labelmap, samples = read(ADE)
    assert samples[TRAIN].origin.file.endswith("_seg.png")
    second = samples[SECOND]
    assert second.origin.file.endswith("ADE_train_00000002.json") and (second.width, second.height) == (6, 4)
    # the person (1-based (1,1), (5,1), (1,4)) is the COCO polygon (0.5,0.5), (4.5,0.5), (0.5,3.5) under the
    # centre rule: rows 1-2 of the 0-based grid, from column 1
    assert paint(second, labelmap).class_mask.tolist() == [[1, 1, 1, 1, 1, 1],
                                                           [1, 300, 300, 1, 1, 1],
                                                           [1, 300, 1, 1, 1, 1],
                                                           [1, 1, 1, 1, 1, 1]]


def test_the_shift_is_half_a_pixel_exactly(tmp_path):
    """The JSON's (x, y) is segconv's (x - 0.5, y - 0.5): the same polygon as a COCO file with those
    coordinates paints the same pixels, a slanted edge included."""
    from convert.model.labelmap import LabelMap

    doc = json.loads((STREET / "ADE_train_00000002.json").read_text())
    person = doc["annotation"]["object"][1]["polygon"]
    xy = [v - 0.5 for pair in zip(person["x"], person["y"]) for v in pair]
    coco = {"images": [{"id": 1, "file_name": "a.jpg", "width": 6, "height": 4}],
            "categories": [{"id": 1, "name": "person"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [xy], "area": 1,
                             "bbox": [0, 0, 1, 1], "iscrowd": 0}]}
    (tmp_path / "c.json").write_text(json.dumps(coco))
    labels = LabelMap.from_dict({"classes": [{"name": "background", "index": 0, "level": 0, "fill": True},
                                             {"name": "person", "index": 1, "level": 1}]})
    coco_mask = paint(next(iter(open_dataset(tmp_path / "c.json"))), labels).class_mask
    _, labelmap, samples = read(ADE)
    ade_mask = paint(samples[SECOND], labelmap).class_mask
    assert ((ade_mask == 300) == (coco_mask == 1)).all() and (coco_mask == 1).sum() == 3


@pytest.mark.parametrize("change,code,words", [
    (lambda a: a.update(imsize=[0, 8, 3]), "bad-value", "imsize [0, 8, 3] must be [height, width, channels]"),
    (lambda a: a["object"][1]["polygon"].update(x=[1, 2]), "bad-value", "as long as each other"),
    (lambda a: a["object"][1]["polygon"].update(x=[1, 5], y=[1, 1]), "too-few-points", "polygon has 2 points"),
    (lambda a: a["object"][1]["polygon"].update(x=[1, float("nan"), 1]), "non-finite-coordinate", "NaN"),
])
def test_a_broken_json_object_is_named_and_not_painted(tmp_path, change, code, words):
    root = copy(tmp_path)
    path = root / "images" / "ADE" / "training" / "urban" / "street" / "ADE_train_00000002.json"
    doc = json.loads(path.read_text())
    change(doc["annotation"])
    path.write_text(json.dumps(doc, allow_nan=True))
    report = api.validate(tmp_path / "a")
    found = [f for f in report.findings if f.code == code]
    assert found and words in found[0].message and found[0].file.endswith("ADE_train_00000002.json")


def test_a_name_ndx_beyond_objects_txt_falls_back_to_the_name(tmp_path):
    root = copy(tmp_path)
    path = root / "images" / "ADE" / "training" / "urban" / "street" / "ADE_train_00000002.json"
    doc = json.loads(path.read_text())
    doc["annotation"]["object"][1].update(name_ndx=4000, name="ghost, spectre")
    path.write_text(json.dumps(doc))
    report = api.validate(tmp_path / "a")
    (found,) = [f for f in report.findings if f.code == "unknown-label"]
    assert "ghost" in found.message
