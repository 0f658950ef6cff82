"""YOLO segmentation in and out: Ultralytics' layout and acceptance rules as findings, a set written by an
independent writer read to the pixels pycocotools paints, and the writer's loss measured and stated."""

import json
import shutil

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pycocotools import mask as cocomask

from convert import api
from convert.formats.readers import detect_format
from convert.formats.yolo.read import YoloDataset, label_path
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import FOOD, run_cli

LABELS = LabelMap.from_dict({"classes": [
    {"name": "background", "index": 0, "level": 0, "fill": True},
    {"name": "plate", "index": 1, "level": 1},
    {"name": "bowl", "index": 2, "level": 1},
    {"name": "rice", "index": 3, "level": 2}]})


def independent_yolo(root, images, names, yaml_name="data.yaml", names_as="list", split_folders=True):
    """A YOLO-seg set written without segconv: ``images`` is {name: (width, height, rows)}, rows as
    (class, [(x, y) in pixels]); coordinates normalised here and written with 6 decimals."""
    splits = {}
    for name, (w, h, rows, split) in images.items():
        image_dir = root / "images" / split if split_folders else root / "images"
        image_dir.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (w, h), (120, 110, 100)).save(image_dir / name)
        lines = []
        for cls, pts in rows:
            coords = " ".join(f"{x / w:.6f} {y / h:.6f}" for x, y in pts)
            lines.append(f"{cls} {coords}")
        label = label_path(image_dir / name)
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text("\n".join(lines) + "\n")
        splits[split] = f"images/{split}" if split_folders else "images"
    doc = dict(splits)
    doc["names"] = list(names) if names_as == "list" else dict(enumerate(names))
    (root / yaml_name).write_text(yaml.safe_dump(doc))
    return root / yaml_name


def pycocotools_by_level(images, names, labelmap):
    """The reference: every row de-normalised from its 6-decimal text, annToMask'ed by pycocotools, painted by
    level, then row order, over the fill class."""
    out = {}
    for name, (w, h, rows, split) in images.items():
        canvas = np.zeros((h, w), np.uint8)
        ordered = sorted(enumerate(rows), key=lambda r: (labelmap[names[r[1][0]]].level, r[0]))
        for _, (cls, pts) in ordered:
            ring = [v for x, y in pts for v in (float(f"{x / w:.6f}") * w, float(f"{y / h:.6f}") * h)]
            m = cocomask.decode(cocomask.merge(cocomask.frPyObjects([ring], h, w)))
            canvas[m == 1] = labelmap[names[cls]].index
        out[f"{split}/{name}"] = canvas
    return out


SCENE = {
    "a.jpg": (60, 40, [(0, [(2.3, 3.1), (40.7, 2.2), (44.1, 30.5), (5.5, 33.9)]),       # plate
                       (2, [(20.5, 10.2), (35.2, 11.9), (30.1, 25.6)]),                   # rice, listed later
                       (1, [(30.2, 5.5), (58.9, 8.8), (55.5, 38.3), (28.8, 35.1)])],      # bowl over the plate
              "train"),
    "b.png": (33, 21, [(1, [(0, 0), (33, 0), (33, 21), (0, 21)]),
                       (2, [(10.25, 5.75), (20.5, 5.75), (15.3, 18.2)])], "val"),
}
NAMES = ["plate", "bowl", "rice"]


@pytest.mark.parametrize("names_as", ["list", "dict"])
def test_independent_set_reads_with_fill_pycocotools_to_what_pycocotools_paints_by_level(tmp_path, names_as):
    data = independent_yolo(tmp_path, SCENE, NAMES, names_as=names_as)
    assert detect_format(tmp_path) == "yolo" and detect_format(data) == "yolo"
    ds = YoloDataset(data, options={"fill": "pycocotools"})
    expected = pycocotools_by_level(SCENE, NAMES, LABELS)
    assert sorted(s.name for s in ds) == sorted(expected)
    for sample in ds:
        assert sample.subset == sample.name.split("/")[0]
        assert not sample.findings
        np.testing.assert_array_equal(paint(sample, LABELS).class_mask, expected[sample.name])


def test_ultralytics_own_yaml_name_and_cvat_txt_lists(tmp_path):
    independent_yolo(tmp_path, SCENE, NAMES, yaml_name="coco8-seg.yaml")
    assert detect_format(tmp_path) == "yolo"
    # CVAT's "Ultralytics YOLO Segmentation" export: path ./, train.txt listing images/<subset>/x.jpg
    (tmp_path / "train.txt").write_text("images/train/a.jpg\n")
    (tmp_path / "data.yaml").write_text("path: ./\ntrain: train.txt\nnames:\n  0: plate\n  1: bowl\n  2: rice\n")
    ds = YoloDataset(tmp_path / "data.yaml")
    assert [s.name for s in ds] == ["train/a.jpg"] and ds.label_names == NAMES


def test_a_folder_of_images_and_labels_without_a_yaml(tmp_path):
    independent_yolo(tmp_path, SCENE, NAMES)
    (tmp_path / "data.yaml").unlink()
    ds = YoloDataset(tmp_path)
    assert ds.label_names == ["0", "1", "2"] and len(ds) == 2


def write_rows(tmp_path, text, names=("plate", "bowl")):
    (tmp_path / "images" / "train").mkdir(parents=True)
    Image.new("RGB", (20, 10)).save(tmp_path / "images" / "train" / "x.jpg")
    (tmp_path / "labels" / "train").mkdir(parents=True)
    (tmp_path / "labels" / "train" / "x.txt").write_bytes(text if isinstance(text, bytes) else text.encode())
    (tmp_path / "data.yaml").write_text(yaml.safe_dump({"train": "images/train", "names": list(names)}))
    [sample] = list(YoloDataset(tmp_path / "data.yaml"))
    return sample


@pytest.mark.parametrize("text, codes, reason", [
    ("0 0.1 0.1 1.2 0.1 0.5 0.9\n", ["ultralytics-rejects"], "value 1.2 is outside [0, 1]"),
    ("0 0.1 0.1 0.5 0.1 0.5 0.9 0.3\n", ["odd-coordinate-count", "ultralytics-rejects"],
     "odd number of coordinates"),
    ("0 0.1 0.1 0.5 0.1 0.5 0.9\n1 0.5 0.5 0.2 0.2\n", ["ultralytics-rejects", "ultralytics-rejects"],
     "box among polygons"),
    ("7 0.1 0.1 0.5 0.1 0.5 0.9\n", ["ultralytics-rejects"], "class 7 is not in names (0..1)"),
    ("0 0.1 0.1 0.5 0.1 0.5 0.9\n0 0.1 0.1 0.5 0.1 0.5 0.9\n", ["duplicate-row"], None),
    ("0 nan 0.1 0.5 0.1 0.5 0.9\n", ["non-finite-coordinate", "ultralytics-rejects"], "NaN"),
    ("0 0.1 0.1 0.5 0.1\n", ["box-row"], None),
])
def test_what_ultralytics_rejects_is_a_finding(tmp_path, text, codes, reason):
    sample = write_rows(tmp_path, text)
    assert sorted(f.code for f in sample.findings) == sorted(codes)
    if reason:
        [f] = [f for f in sample.findings if f.code == "ultralytics-rejects" and "drops this image" in f.message]
        assert reason in f.message and f.image == "train/x.jpg"


def test_hostile_label_files_end_as_findings(tmp_path):
    sample = write_rows(tmp_path / "a", b"0 0.1 \xff\xfe 0.5\n")
    assert [f.code for f in sample.findings] == ["unreadable-file"] and not sample.usable
    huge = "0 " + " ".join(["0.5 0.5"] * 200_000) + "\n"  # 200,000 points on one spot
    sample = write_rows(tmp_path / "b", huge)
    report = api.validate(tmp_path / "b" / "data.yaml")
    assert report.images == 1 and sample.regions
    sample = write_rows(tmp_path / "c", "0 1e308 0.1 0.5 0.1 0.5 0.9\n")
    assert "ultralytics-rejects" in [f.code for f in sample.findings]
    report = api.validate(tmp_path / "c" / "data.yaml")  # painted as written, far outside: no huge allocation
    assert {"ultralytics-rejects", "coordinates-too-large"} <= {f.code for f in report.findings}


def test_missing_label_file_is_an_image_without_objects_and_missing_image_an_error(tmp_path):
    independent_yolo(tmp_path, SCENE, NAMES)
    (tmp_path / "labels" / "val" / "b.txt").unlink()
    (tmp_path / "images" / "train" / "a.jpg").unlink()
    (tmp_path / "train.txt").write_text("images/train/a.jpg\n")
    (tmp_path / "data.yaml").write_text(yaml.safe_dump({"train": "train.txt", "val": "images/val",
                                                         "names": NAMES}))
    samples = {s.name: s for s in YoloDataset(tmp_path / "data.yaml")}
    [f] = samples["val/b.png"].findings
    assert (f.code, f.severity.value) == ("no-label-file", "info") and samples["val/b.png"].usable
    [f] = samples["train/a.jpg"].findings
    assert (f.code, f.severity.value) == ("missing-image", "error") and not samples["train/a.jpg"].usable


def test_a_label_file_without_its_image_is_said_not_dropped(tmp_path):
    """Ultralytics finds labels from the images: a label file whose image is missing is read by nobody.
    Images listed in a .txt (CVAT's train.txt) are not a folder to search, so nothing is said for them."""
    independent_yolo(tmp_path, SCENE, NAMES)
    stray = tmp_path / "labels" / "val" / "gone.txt"
    stray.write_text("0 0.1 0.1 0.5 0.1 0.5 0.5\n")
    ds = YoloDataset(tmp_path / "data.yaml")
    [f] = [f for f in ds.findings if f.code == "label-without-image"]
    assert (f.file, f.severity.value) == (str(stray), "warning")
    assert not [f for s in ds for f in s.findings if f.code == "label-without-image"]  # on no image
    (tmp_path / "data.yaml").write_text(yaml.safe_dump({"train": "images/train", "names": NAMES}))
    assert not [f for f in YoloDataset(tmp_path / "data.yaml").findings if f.code == "label-without-image"]


# --------------------------------------------------------------------------- the writer
def food_yolo(tmp_path, *extra):
    out = tmp_path / "yolo"
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out,
                   "--to", "yolo", *extra)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_the_written_set_reads_back_to_the_png_masks(tmp_path):
    out, proc = food_yolo(tmp_path, "--split", "train=0.5,val=0.5", "-O", "multipart=split")
    assert "read back as Ultralytics trains on them (cv2.fillPoly of truncated vertices, smaller objects on top), " \
        "the rows give exactly the layered masks (0 pixels differ)" in proc.stderr
    doc = yaml.safe_load((out / "data.yaml").read_text())
    lm = LabelMap.load(FOOD / "labelmap.yaml")
    assert doc["names"] == {k: c.name for k, c in enumerate(c for c in lm.classes if not c.fill)}
    assert set(doc) == {"train", "val", "names"} and "path" not in doc
    png = tmp_path / "png"
    assert run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", png).returncode == 0
    back = tmp_path / "back"
    assert run_cli("convert", out, "-o", back).returncode == 0  # detected, labelmap.json picked up
    for mask in (png / "masks").rglob("*.png"):
        name = mask.relative_to(png / "masks").as_posix()
        matches = list((back / "masks").rglob(name.rsplit("/", 1)[-1]))
        assert len(matches) == 1
        np.testing.assert_array_equal(np.asarray(Image.open(mask)), np.asarray(Image.open(matches[0])))


def test_holes_two_parts_crowd_and_border_lose_nothing(tmp_path):
    """A ring-shaped plate (a hole nothing covers), a two-part bowl, a crowd RLE and a polygon crossing the
    border: bridged rows paint them all back exactly."""
    w, h = 80, 60
    crowd = np.zeros((h, w), np.uint8)
    crowd[40:55, 50:78] = 1
    crowd[45:50, 60:70] = 0
    rle = cocomask.encode(np.asfortranarray(crowd))
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": w, "height": h}],
           "categories": [{"id": 1, "name": "plate"}, {"id": 2, "name": "bowl"}, {"id": 3, "name": "rice"}],
           "annotations": [
               {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[5, 5, 35, 5, 35, 35, 5, 35]]},
               {"id": 2, "image_id": 1, "category_id": 1, "iscrowd": 1,
                "segmentation": {"size": [h, w], "counts": rle["counts"].decode()}},
               {"id": 3, "image_id": 1, "category_id": 2,
                "segmentation": [[40, 2, 50, 2, 50, 12, 40, 12], [55, 2, 65, 2, 65, 12, 55, 12]]},
               {"id": 4, "image_id": 1, "category_id": 3, "segmentation": [[-10, 40, 20, 40, 20, 70, -10, 70]]}]}
    src = tmp_path / "in.json"
    src.write_text(json.dumps(doc))
    Image.new("RGB", (w, h)).save(tmp_path / "a.jpg")  # its photo: without it the label files are of no use
    lm = tmp_path / "lm.yaml"
    lm.write_text(yaml.safe_dump(LABELS.to_dict()))
    # a hole in the plate: the plate is a ring around a 10 x 10 hole nobody covers
    doc["annotations"][0]["segmentation"] = [[5, 5, 35, 5, 35, 35, 5, 35]]
    ring = np.zeros((h, w), np.uint8)
    ring[5:35, 5:35] = 1
    ring[15:25, 15:25] = 0
    doc["annotations"][0]["segmentation"] = {"size": [h, w],
                                             "counts": cocomask.encode(np.asfortranarray(ring))["counts"].decode()}
    src.write_text(json.dumps(doc))
    report = api.convert(src, tmp_path / "y", to="yolo", labels=lm, format_options={"rows": "pycocotools"})
    assert report.exit_code() == 0
    assert "0 pixels differ" in report.summary
    rows = (tmp_path / "y" / "labels" / "train" / "a.txt").read_text().splitlines()
    assert len(rows) == 4  # one per object, parts and holes bridged
    report = api.convert(src, tmp_path / "s", to="yolo", labels=lm, format_options={"multipart": "split",
                                                                          "rows": "pycocotools"})
    assert len((tmp_path / "s" / "labels" / "train" / "a.txt").read_text().splitlines()) == 5
    assert "0 pixels differ" in report.summary
    for rows in ("pycocotools", "ultralytics"):  # through pixel centres too: split parts, holes cut, exact
        report = api.convert(src, tmp_path / f"u{rows}", to="yolo", labels=lm,
                             format_options={"multipart": "split", "rows": rows})
        assert f"read back {'as Ultralytics' if rows == 'ultralytics' else 'by pycocotools'}" in report.summary
        assert report.summary.split("; ")[1].endswith("give exactly the layered masks (0 pixels differ)")
    report = api.convert(src, tmp_path / "f", to="yolo", labels=lm, format_options={"holes": "fill",
                                                                           "rows": "pycocotools"})
    # the plate's 100-pixel hole and the crowd's 50-pixel hole are filled: both are written as plate now
    [f] = [f for f in report.findings if f.code == "written-pixels-differ"]
    assert f.pixels == 150 and "150 pixels" in report.summary


@pytest.mark.parametrize("rows", ["pycocotools", "ultralytics"])
def test_split_parts_a_part_in_a_hole_keeps_its_own_hole(tmp_path, rows):
    """A plate ring with a hole holding a smaller plate ring with a hole of its own: with multipart=split each
    row carries the holes of its own part only (the inner hole once went to both rows: 1 pixel lost)."""
    ids = np.ones((11, 11), np.uint8)
    ids[2:9, 2:9] = 0
    ids[3:8, 3:8] = 1
    ids[5, 5] = 0
    ds = api.from_masks({"a.png": ids}, labels=FOOD / "labelmap.yaml")
    report = ds.export(tmp_path / "y", to="yolo", format_options={"multipart": "split", "rows": rows})
    assert not [f for f in report.findings if f.code == "written-pixels-differ"]
    assert "(0 pixels differ)" in report.summary
    assert len((tmp_path / "y" / "labels" / "train" / "a.txt").read_text().splitlines()) == 2


def test_unknown_policy_names_the_options(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--to", "yolo", "-O", "hole=fill")
    assert proc.returncode == 2 and "did you mean 'holes'?" in proc.stderr and "multipart" in proc.stderr
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--to", "yolo", "-O", "holes=drop")
    assert proc.returncode == 2 and "must be one of bridge, fill" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_images_are_copied_into_their_split(tmp_path):
    out, _ = food_yolo(tmp_path, "--split", "train=0.5,val=0.5")
    for txt in (out / "labels").rglob("*.txt"):
        split_and_stem = txt.relative_to(out / "labels").with_suffix("")
        assert list((out / "images").glob(f"{split_and_stem}.*")), txt
    shutil.rmtree(out)


BOXES = st.lists(st.tuples(st.sampled_from(["plate", "bowl", "rice", "not-in-the-map"]),
                           st.integers(0, 11), st.integers(0, 8), st.integers(1, 12), st.integers(1, 9)),
                 max_size=6)


@settings(max_examples=80, deadline=None)
@given(BOXES, BOXES)
def test_pixels_differing_between_two_paintings_counted_from_their_stretches(first, second):
    """The writer compares the rows painted back with the layered mask through the painter's stretches; the
    counts must be those of comparing the two images, void included (a label the map lacks is void)."""
    from convert.formats.yolo.write import _differing
    from convert.model.sample import Box, Origin, Region, Sample

    labels = LabelMap.from_dict({"classes": [
        {"name": "background", "index": 0, "level": 0, "fill": True}, {"name": "plate", "index": 1, "level": 1},
        {"name": "bowl", "index": 2, "level": 1}, {"name": "rice", "index": 3, "level": 2}]})

    def painted(boxes):
        regions = [Region(name, Box(x, y, x + w, y + h), (k,), Origin("test"))
                   for k, (name, x, y, w, h) in enumerate(boxes)]
        return paint(Sample("a", 13, 10, regions, Origin("test")), labels)

    a, b = painted(first), painted(second)
    changed = a.class_mask != b.class_mask
    assert _differing(a.stretches, b.stretches, labels.void) == (
        int(changed.sum()), int((changed & (a.class_mask == labels.void)).sum()))


# --------------------------------------------------------------------------- as segconv's own output reads (#27.2)
def square(x0, y0, x1, y1):
    """A row through the centres of the pixels x0..x1, y0..y1 (as segconv writes rows)."""
    return [(x0 + 0.5, y0 + 0.5), (x1 + 0.5, y0 + 0.5), (x1 + 0.5, y1 + 0.5), (x0 + 0.5, y1 + 0.5)]


def test_rows_are_composed_as_ultralytics_composes_them_smaller_on_top(tmp_path):
    """A bowl (5x5 = 25 px) written first, a plate (2x2 = 4 px) inside it written after: row order would put
    the plate on top too; with the bowl after the plate it would not, but Ultralytics puts the smaller on top,
    and so does segconv. The overlap is decided by that rule: a note that says so."""
    images = {"a.jpg": (8, 8, [(0, square(3, 3, 4, 4)), (1, square(1, 1, 5, 5))], "train")}  # plate, then bowl
    src = independent_yolo(tmp_path, images, ["plate", "bowl"])
    [sample] = list(YoloDataset(src))
    painted = paint(sample, LabelMap.derive(["plate", "bowl"]), trace=True)
    assert (painted.class_mask[3:5, 3:5] == 1).all() and (painted.class_mask == 2).sum() == 25 - 4
    report = api.validate(src)
    [overlap] = [f for f in report.findings if f.code == "level-overlap"]
    assert overlap.severity.value == "info" and overlap.pixels == 4
    assert "'plate' is painted on top because it is smaller (4 pixels against 25) and smaller objects are on top" \
        in overlap.message
    by_centre = YoloDataset(src, options={"fill": "pycocotools"})[0]  # the centre rule keeps the rows' order
    assert (paint(by_centre, LabelMap.derive(["plate", "bowl"])).class_mask[3:5, 3:5] == 2).all()


def test_val_naming_trains_folder_is_one_note_not_a_warning_per_image(tmp_path):
    images = {f"{k}.jpg": (8, 8, [(0, square(1, 1, 3, 3))], "train") for k in "abc"}
    src = independent_yolo(tmp_path, images, ["plate"])
    doc = yaml.safe_load(src.read_text())
    doc["val"] = doc["train"]
    src.write_text(yaml.safe_dump(doc))
    report = api.validate(src)
    [note] = [f for f in report.findings if f.code == "subset-overlap"]
    assert note.severity.value == "info" and note.element == "val"
    assert note.message == ("names the same images as train ('images/train'), as a dataset without a separate val "
                            "split does; they are read once, as train")
    assert report.images == 3
    doc["val"] = "extra.txt"  # another list holding one training image: a real overlap, a warning
    (tmp_path / "extra.txt").write_text("images/train/a.jpg\n")
    src.write_text(yaml.safe_dump(doc))
    overlaps = [f for f in api.validate(src).findings if f.code == "subset-overlap"]
    assert [(f.severity.value, f.image) for f in overlaps] == [("warning", "train/a.jpg")]


def test_a_row_one_pixel_wide_paints_and_is_not_zero_area(tmp_path):
    """A one-pixel object written as segconv writes it: the row runs there and back through the pixel's centre
    (no area), and cv2.fillPoly paints it, so Ultralytics trains on it: no zero-area finding."""
    images = {"a.jpg": (6, 6, [(0, [(2.5, 2.5), (2.5, 2.5), (2.5, 2.5)])], "train")}
    src = independent_yolo(tmp_path, images, ["plate"])
    report = api.validate(src)
    assert not [f for f in report.findings if f.code == "zero-area"]
    [sample] = list(YoloDataset(src))
    assert paint(sample, LabelMap.derive(["plate"])).class_mask.tolist()[2][2] == 1
    by_centre = api.validate(src, format_options={"fill": "pycocotools"})  # by the centre rule it paints nothing
    assert [f.code for f in by_centre.findings if f.code == "zero-area"] == ["zero-area"]


def test_segconvs_labelmap_beside_rows_is_read_at_one_level_without_within(tmp_path):
    lm = tmp_path / "lm.yaml"
    lm.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                  "  - {name: plate, index: 1, level: 1}\n  - {name: rice, index: 4, level: 2, within: [plate]}\n")
    out = tmp_path / "yolo"
    api.convert(FOOD / "annotations.json", out, to="yolo", labels=lm)
    read = YoloDataset(out).source_labelmap
    assert [(c.name, c.index, c.level, c.within) for c in read.classes] == [
        ("background", 0, 0, ()), ("plate", 1, 1, ()), ("rice", 4, 1, ())]
    kept = YoloDataset(out, options={"fill": "pycocotools"}).source_labelmap
    assert [(c.name, c.level, c.within) for c in kept.classes] == [("background", 0, ()), ("plate", 1, ()),
                                                                    ("rice", 2, ())]
