"""Cityscapes (docs/formats.md, "Cityscapes"): the tree read from its polygons as createLabelImage paints them
and from its id PNGs, the label table under labelIds and trainIds, and --to cityscapes read back.

fixtures/public/cityscapes is written by fixtures/make_public.py; its PNGs are what cityscapesScripts 2.3.0's
createLabelImage and createInstanceImage draw from its polygons (checked once with the package itself, see
docs/formats.md), so reading the polygons must give them pixel for pixel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.cityscapes import label_table as table
from convert.formats.readers import detect_format, open_dataset
from convert.painting.paint import paint

from conftest import FIXTURES

CITY = FIXTURES / "public" / "cityscapes"
GT1 = CITY / "gtFine" / "train" / "tinytown" / "tinytown_000000_000001_gtFine_"


def masks(src, **options):
    dataset = open_dataset(src, options=options)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    return {s.name: (s, paint(s, labelmap, instances=True)) for s in dataset}, labelmap


def test_detected_without_from_as_root_and_as_its_gt_folder():
    assert detect_format(CITY) == "cityscapes"
    assert detect_format(CITY / "gtFine") == "cityscapes"


def test_polygons_paint_the_pngs_createlabelimage_drew():
    by_polygons, _ = masks(CITY, source="polygons")
    by_pngs, _ = masks(CITY, source="masks")
    name = "tinytown/tinytown_000000_000001.png"
    labelids = np.asarray(Image.open(f"{GT1}labelIds.png"))
    assert (by_polygons[name][1].class_mask == labelids).all()
    assert (by_pngs[name][1].class_mask == labelids).all()
    assert name not in [n for n, (s, _) in by_pngs.items() if not s.usable]


def test_hand_checked_pixels_of_the_painting_rules():
    painted = masks(CITY, source="polygons")[0]["tinytown/tinytown_000000_000001.png"][1].class_mask
    assert painted[7, 0] == 0       # no polygon: the canvas, unlabeled
    assert painted[10, 16] == 26    # the second car, later in the file, over the first (and over road)
    assert painted[12, 13] == 26    # under the license plate polygon: never drawn, the car shows
    assert painted[6, 6] == 11      # under the deleted person: the building
    assert painted[1, 11] == 18     # polegroup is a label (18), not pole + group
    assert painted[12, 2] == 26     # cargroup paints car
    assert painted[9, 2] == 11 and painted[9, 11] == 7   # Pillow's fill includes the polygon's edge (x = 10)
    assert (painted[14:, :] == 1).all()   # ego vehicle crosses the border, clipped


def test_instances_match_instanceids():
    for source in ("polygons", "masks"):
        sample, painted = masks(CITY, source=source)[0]["tinytown/tinytown_000000_000001.png"]
        cars = [obj for obj in painted.instances if obj.label and obj.label.name == "car" and obj.pixels]
        crowd = [obj for obj in cars if any(r.crowd for r in obj.regions)]
        assert len(cars) == 3 and len(crowd) == 1, source   # two cars and the cargroup (a group: crowd)
    instance_ids = np.asarray(Image.open(f"{GT1}instanceIds.png"))
    assert instance_ids[10, 16] == 26001 and instance_ids[9, 12] == 26000 and instance_ids[12, 2] == 26


@pytest.mark.parametrize("source", ["polygons", "masks"])
def test_trainids_make_ignoreineval_labels_void(source):
    _, painted = masks(CITY, source=source, ids="train")[0]["tinytown/tinytown_000000_000001.png"]
    labelids = np.asarray(Image.open(f"{GT1}labelIds.png"))
    to_train = np.full(256, 255, np.uint8)
    for label in table.LABELS:
        if label.id >= 0:
            to_train[label.id] = label.train_id
    assert (painted.class_mask == to_train[labelids]).all()
    assert painted.class_mask[7, 0] == 255 and painted.class_mask[1, 11] == 255 and painted.class_mask[10, 16] == 13


def test_the_label_table_as_label_maps():
    lm = table.labelmap("label")
    assert [c.index for c in sorted(lm.classes, key=lambda c: c.index)] == list(range(34))
    assert lm.fill.name == "unlabeled" and lm["person"].isthing and not lm["sky"].isthing
    assert lm["road"].color == (128, 64, 128)
    colours = [c.color for c in lm.classes]
    assert len(set(colours)) == len(colours)   # shared colours moved to the next free blue value
    assert lm["polegroup"].color == (153, 153, 154) and lm["static"].color == (0, 0, 4)
    train = table.labelmap("train")
    assert sorted(c.index for c in train.classes) == list(range(19))
    assert set(train.void_aliases) == {lb.name for lb in table.LABELS if lb.train_id == 255}


def test_polygon_findings_are_notes_and_say_what_happened():
    checked = api.validate(CITY, format_options={"source": "polygons"})
    codes = {f.code: f for f in checked.findings}
    assert checked.exit_code() == 0
    assert "'license plate' polygon not painted" in codes["label-not-drawn"].message
    assert codes["deleted-object"].element == "objects[7] (person)"
    assert all(f.severity.value == "info" for f in checked.findings if f.code == "level-overlap")


def test_auto_reads_the_pngs_and_else_the_polygons():
    by_auto, _ = masks(CITY)
    val = by_auto["tinytown/tinytown_000000_000002.png"][0]
    assert val.subset == "val" and val.regions[0].geometry.rule == "pillow"
    train = by_auto["tinytown/tinytown_000000_000001.png"][0]
    assert train.subset == "train" and type(train.regions[0].geometry).__name__ == "Runs"
    assert train.image_path and train.image_path.endswith("tinytown_000000_000001_leftImg8bit.png")
    dataset = open_dataset(CITY, options={"source": "masks"})
    val = dataset[[s.name for s in dataset].index("tinytown/tinytown_000000_000002.png")]
    assert not val.usable and val.findings[0].code == "missing-mask"


def test_a_label_colors_table_gives_the_ids(tmp_path):
    import shutil

    shutil.copytree(CITY, tmp_path / "c")
    (tmp_path / "c" / "label_colors.txt").write_text("0 0 0 background\n1 2 3 zebra\n")
    dataset = open_dataset(tmp_path / "c", options={"source": "masks"})
    assert [c.name for c in dataset.source_labelmap.classes] == ["background", "zebra"]
    sample = dataset[0]   # the train image's PNG holds ids up to 26: not in a 2-line table
    unknown = [f for f in sample.findings if f.code == "unknown-mask-value"]
    assert unknown and "value 7 is no id of" in unknown[0].message and unknown[0].pixels == int(
        (np.asarray(Image.open(f"{GT1}labelIds.png")) == 7).sum())
    (tmp_path / "c" / "label_colors.txt").write_text("0 0 zebra\n")
    with pytest.raises(SegconvError, match="expected 'r g b name'"):
        open_dataset(tmp_path / "c")


def test_written_tree_is_the_dataset_s_own(tmp_path):
    """--to cityscapes from the fixture: labelIds, instanceIds and color are the fixture's PNGs value for value,
    and the polygons paint them back under createLabelImage's rule."""
    report = api.convert(CITY, tmp_path / "out", to="cityscapes")
    assert report.exit_code() == 0
    out = tmp_path / "out" / "gtFine" / "train" / "tinytown" / "tinytown_000000_000001_gtFine_"
    for kind in ("labelIds", "instanceIds", "color"):
        assert (np.asarray(Image.open(f"{out}{kind}.png")) == np.asarray(Image.open(f"{GT1}{kind}.png"))).all(), kind
    assert Image.open(f"{out}instanceIds.png").mode == "I;16"
    assert (tmp_path / "out" / "leftImg8bit" / "val" / "tinytown" / "tinytown_000000_000002_leftImg8bit.png").is_file()
    assert detect_format(tmp_path / "out") == "cityscapes"
    again, _ = masks(tmp_path / "out", source="polygons")
    assert (again["tinytown/tinytown_000000_000001.png"][1].class_mask ==
            np.asarray(Image.open(f"{GT1}labelIds.png"))).all()
    doc = json.loads(Path(f"{out}polygons.json").read_text())
    assert {o["label"] for o in doc["objects"]} >= {"car", "cargroup", "person", "road"}


def test_writer_counts_what_its_polygons_cannot_say(tmp_path):
    """Void inside an aeroplane (a VOC mask's 255): the PNGs hold it, the polygon file cannot (no label means
    void there), and the convert says how many pixels, which is what the polygons read back differ by."""
    (tmp_path / "voc" / "SegmentationClass").mkdir(parents=True)
    mask = np.ones((6, 6), np.uint8)
    mask[2:4, 2:4] = 255
    Image.fromarray(mask, "L").save(tmp_path / "voc" / "SegmentationClass" / "a.png")
    report = api.convert(tmp_path / "voc", tmp_path / "out", to="cityscapes")
    differ = [f for f in report.findings if f.code == "written-pixels-differ"]
    assert len(differ) == 1 and differ[0].pixels == 4 and "a_gtFine_polygons.json paints 4 pixels" in differ[0].message
    assert "(void inside a piece has no label to be drawn with;" in differ[0].message
    pngs, _ = masks(tmp_path / "out")
    polygons, _ = masks(tmp_path / "out", source="polygons")
    assert (pngs["a.png"][1].class_mask == mask).all()
    assert int((pngs["a.png"][1].class_mask != polygons["a.png"][1].class_mask).sum()) == 4


def test_two_rings_of_one_class_each_paint_in_their_own_place(tmp_path):
    """Background (the fill class) as a band inside a plate and again as one pixel inside the plate's inner
    part: two rings of one piece value.  They were sorted by the value, so the band painted over the inner
    plate (24 pixels said to be void, with no void anywhere); each ring now paints in its own place."""
    ids = np.ones((11, 11), np.uint8)
    ids[2:9, 2:9] = 0
    ids[3:8, 3:8] = 1
    ids[5, 5] = 0
    ds = api.from_masks({"a.png": ids}, labels=FIXTURES / "food" / "labelmap.yaml")
    report = ds.export(tmp_path / "out", to="cityscapes")
    assert not [f for f in report.findings if f.code == "written-pixels-differ"]
    assert "the polygons paint the masks back exactly" in report.summary
    back = api.load(tmp_path / "out", format_options={"source": "polygons"})  # its labelmap.json, file order
    names = {c.index: c.name for c in back.labelmap.classes}
    assert names[0] == "background" and names[1] == "plate"
    np.testing.assert_array_equal(back.mask(back[0]), ids)


def test_indices_above_254_are_refused_before_writing(tmp_path):
    labels = tmp_path / "labels.yaml"
    labels.write_text("classes:\n  - {name: plate, index: 300, level: 1}\n")
    with pytest.raises(Exception, match="8-bit label images"):
        api.convert(CITY, tmp_path / "out", labels=labels, to="cityscapes")
    assert not (tmp_path / "out").exists()


def one_image(tmp_path, objects, width=8, height=6, name="x_000000_000000"):
    """A Cityscapes tree of one polygon file (train split, city x)."""
    gt = tmp_path / "cs" / "gtFine" / "train" / "x"
    gt.mkdir(parents=True)
    (gt / f"{name}_gtFine_polygons.json").write_text(json.dumps(
        {"imgWidth": width, "imgHeight": height, "objects": objects}))
    return tmp_path / "cs", gt


def test_instance_numbers_count_hidden_objects_as_createinstanceimage_does(tmp_path):
    """createInstanceImage counts every polygon of a label with instances, also one a later polygon hides: the
    first car is covered by the building, so the visible car is 26001 (hand-checked with cityscapesScripts 2.3.0)."""
    src, _ = one_image(tmp_path, [
        {"label": "car", "polygon": [[1, 1], [2, 1], [2, 2], [1, 2]]},
        {"label": "building", "polygon": [[0, 0], [3, 0], [3, 3], [0, 3]]},
        {"label": "car", "polygon": [[5, 2], [6, 2], [6, 4], [5, 4]]}])
    assert api.convert(src, tmp_path / "out", to="cityscapes").exit_code() == 0
    ids = np.asarray(Image.open(next((tmp_path / "out").rglob("*_instanceIds.png"))))
    assert ids[3, 5] == 26001 and ids[1, 1] == 11 and set(np.unique(ids).tolist()) == {0, 11, 26001}


def test_broken_polygon_files_are_errors_naming_file_and_object(tmp_path):
    src, gt = one_image(tmp_path, [
        {"label": "road", "polygon": [[0, 0], [float("nan"), 1], [3, 3]]},
        {"label": "sky", "polygon": "x"},
        {"label": "zebra", "polygon": [[0, 0], [3, 0], [3, 3]]},
        {"label": "car", "polygon": [[1, 1]]},
        {"polygon": [[1, 1], [2, 2]]}])
    checked = api.validate(src)
    by_code = {f.code: f for f in checked.findings}
    assert checked.exit_code() == 1
    assert by_code["non-finite-coordinate"].element == "objects[0] (road)"
    assert by_code["bad-value"].element in ("objects[1] (sky)", "objects[4]")
    assert "'zebra' is not in the label map" in by_code["unknown-label"].message
    assert by_code["too-few-points"].element == "objects[3] (car)"
    assert all(f.file.endswith("x_000000_000000_gtFine_polygons.json") for f in checked.findings
               if f.code not in ("class-unused", "missing-image"))
    polygon = gt / "x_000000_000000_gtFine_polygons.json"
    polygon.write_text('{"imgWidth": 3, "imgHeight": ')
    checked = api.validate(src)
    errors = [f.code for f in checked.findings if f.severity.value == "error"]
    assert errors[0] == "unreadable-file" and set(errors) <= {"unreadable-file", "no-usable-image"}
    polygon.write_text('{"imgWidth": "8", "imgHeight": 6, "objects": []}')
    assert "imgWidth '8' / imgHeight 6 must be positive integers" in str(api.validate(src).findings)
    polygon.write_text('{"imgWidth": 100000, "imgHeight": 100000, "objects": []}')
    too_large = [f for f in api.validate(src).findings if f.code == "image-too-large"]
    assert too_large and "100000x100000 exceeds --max-pixels" in too_large[0].message


def test_broken_id_pngs_are_errors_naming_the_file(tmp_path):
    src, gt = one_image(tmp_path, [{"label": "road", "polygon": [[0, 0], [7, 0], [7, 5], [0, 5]]}])
    labelids = gt / "x_000000_000000_gtFine_labelIds.png"
    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(labelids)
    bad = [f for f in api.validate(src).findings if f.code == "bad-mask-file"]
    assert bad and bad[0].file == str(labelids) and "mode 'RGB'" in bad[0].message
    labelids.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    bad = [f for f in api.validate(src).findings if f.code == "bad-mask-file"]
    assert bad and "cannot decode" in bad[0].message
    values = np.full((6, 8), 7, np.uint16)
    values[0, :3] = 300                           # no id of the table: 3 pixels, void
    Image.fromarray(values).save(labelids)
    unknown = [f for f in api.validate(src).findings if f.code == "unknown-mask-value"]
    assert len(unknown) == 1 and unknown[0].pixels == 3 and "value 300 is no id of" in unknown[0].message


def test_instance_and_class_images_that_disagree_are_a_warning_with_the_count(tmp_path):
    src, gt = one_image(tmp_path, [])
    labelids = np.full((6, 8), 26, np.uint8)
    instance = np.full((6, 8), 26000, np.uint16)
    instance[:2, :5] = 24000                      # 10 pixels say person where labelIds says car
    Image.fromarray(labelids).save(gt / "x_000000_000000_gtFine_labelIds.png")
    Image.fromarray(instance).save(gt / "x_000000_000000_gtFine_instanceIds.png")
    dataset = open_dataset(src)
    mismatch = [f for f in dataset[0].findings if f.code == "instance-class-mismatch"]
    assert len(mismatch) == 1 and mismatch[0].pixels == 10 and "the labelIds decide" in mismatch[0].message
    lm, _ = api.resolve_labelmap(dataset, None)
    assert (paint(dataset[0], lm).class_mask == 26).all()


def test_the_input_tree_is_not_modified(tmp_path):
    from conftest import tree_digest

    before = tree_digest(CITY)
    api.convert(CITY, tmp_path / "out", to="png")
    api.convert(CITY, tmp_path / "out2", to="cityscapes")
    assert tree_digest(CITY) == before


def test_the_command_line_names_the_broken_file_and_exits_non_zero(tmp_path):
    from conftest import run_cli

    src, gt = one_image(tmp_path, [])
    polygons = gt / "x_000000_000000_gtFine_polygons.json"
    polygons.write_text('{"imgWidth": 8, "imgHeight": 6, "objects": [{"label": 3}]}')
    proc = run_cli("convert", src, "-o", tmp_path / "out")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error[bad-value]" in proc.stderr and "x_000000_000000_gtFine_polygons.json" in proc.stderr
    assert "objects[0]: object is not an object with a 'label' string; not painted" in proc.stderr
