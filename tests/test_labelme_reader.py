"""LabelMe JSON: every shape type, the labelme pixel rule against labelme2voc's own
masks, and the traps of docs/formats.md ("LabelMe JSON")."""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from convert.formats.labelme.read import LabelmeDataset
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import corpus, run_cli


def labelme2voc_under_this_pillow(file, labels: list[str]):
    """(class image, object image) as labelme2voc makes them, drawn here with the installed Pillow, without
    segconv: shapes in file order, each drawn by ``ImageDraw`` with its outline (``polygon(outline=1,
    fill=1)``), class value = the label's line in labels.txt minus 1 (``__ignore__`` is -1, written 255);
    an object per (label, group_id), a shape without group_id an object of its own, numbered from 1 in
    order of first appearance; ignored pixels are no object (0)."""
    from PIL import ImageDraw

    doc = json.loads(file.read_text())
    height, width = doc["imageHeight"], doc["imageWidth"]
    cls = np.zeros((height, width), np.int32)
    ins = np.zeros((height, width), np.int32)
    objects: list = []
    for k, shape in enumerate(doc["shapes"]):
        assert shape.get("shape_type", "polygon") == "polygon"  # the examples: polygons only
        canvas = Image.new("L", (width, height), 0)
        ImageDraw.Draw(canvas).polygon([tuple(p) for p in shape["points"]], outline=1, fill=1)
        drawn = np.asarray(canvas).astype(bool)
        key = (shape["label"], shape.get("group_id") if shape.get("group_id") is not None else ("alone", k))
        if key not in objects:
            objects.append(key)
        cls[drawn] = labels.index(shape["label"]) - 1
        ins[drawn] = objects.index(key) + 1
    ins[cls == -1] = 0
    return cls.astype(np.uint8), ins.astype(np.uint8)


@pytest.mark.parametrize("kind", ["semantic_segmentation", "instance_segmentation"])
def test_labelme_rule_reproduces_labelme2voc(kind):
    """segconv's labelme rule paints exactly what labelme2voc's rule paints under the installed Pillow (0
    pixels differ); where labelme's own PNGs, made with an older Pillow, differ from that, they differ from
    segconv at the same pixels, on polygon edges: the difference is Pillow's, shown here, not segconv's."""
    root = corpus(f"labelme-examples/{kind}")
    lm = LabelMap.load(root / "labels.txt")
    labels = [line.strip() for line in (root / "labels.txt").read_text().splitlines() if line.strip()]
    samples = list(LabelmeDataset(root / "data_annotated"))
    assert len(samples) == 3
    old_pillow = 0
    for sample in samples:
        painted = paint(sample, lm, rule="labelme", instances=True)
        assert painted.findings == [] and sample.findings == []
        cls, ins = labelme2voc_under_this_pillow(root / "data_annotated" / f"{sample.stem}.json", labels)
        assert int((painted.class_mask != cls).sum()) == 0, sample.stem
        voc = root / "data_dataset_voc"
        expected = np.asarray(Image.open(voc / "SegmentationClass" / f"{sample.stem}.png"))
        assert ((expected != painted.class_mask) == (expected != cls)).all()
        old_pillow += int((expected != cls).sum())
        edges = _edges(cls)
        assert edges[expected != cls].all(), sample.stem  # where the two Pillows disagree: polygon edges
        objects = voc / "SegmentationObject" / f"{sample.stem}.png"
        if objects.exists():
            assert int((painted.instance_mask != ins).sum()) == 0, sample.stem
            expected = np.asarray(Image.open(objects))
            assert ((expected != painted.instance_mask) == (expected != ins)).all()
    assert old_pillow <= 10  # a few edge pixels (1 under Pillow 12 and 13: row 290, column 104 of 2011_000006)


def _edges(mask):
    """Pixels with a 4-neighbour of another value."""
    edge = np.zeros(mask.shape, bool)
    edge[1:] |= mask[1:] != mask[:-1]
    edge[:-1] |= mask[:-1] != mask[1:]
    edge[:, 1:] |= mask[:, 1:] != mask[:, :-1]
    edge[:, :-1] |= mask[:, :-1] != mask[:, 1:]
    return edge


def test_tutorial_export_json_label_png():
    """export_json.py orders classes alphabetically (label_names.txt); SOURCES.md measured
    8 pixels on one horizontal edge (row 711, columns 523-530) drawn differently."""
    root = corpus("labelme-examples/tutorial")
    lm = LabelMap.from_txt((root / "apc2016_obj3/label_names.txt").read_text())
    [sample] = list(LabelmeDataset(root / "apc2016_obj3.json"))
    assert (sample.width, sample.height) == (1210, 907)  # from imageData: imagePath names the JSON itself
    painted = paint(sample, lm, rule="labelme")
    expected = np.asarray(Image.open(root / "apc2016_obj3/label.png"))
    diff = np.argwhere(expected != painted.class_mask).tolist()
    assert diff == [[711, c] for c in range(523, 531)]


def test_primitives_every_shape_type():
    [sample] = list(LabelmeDataset(corpus("labelme-examples/primitives/primitives.json")))
    kinds = [r.attributes["shape"] for r in sample.regions]
    assert kinds == ["rectangle", "circle", "rectangle", "polygon", "line", "point", "linestrip", "mask"]
    lm = LabelMap.derive(["rectangle", "circle", "polygon", "line", "point", "line_strip", "octagon"])
    coco = paint(sample, lm, rule="coco")
    assert sorted(f.code for f in coco.findings) == ["no-area-shape"] * 3
    assert (coco.class_mask == lm["octagon"].index).sum() == 7275  # the mask PNG's pixels
    labelme = paint(sample, lm, rule="labelme")
    assert labelme.findings == []
    for name in ("line", "point", "line_strip"):
        assert (labelme.class_mask == lm[name].index).sum() > 0


def png_b64(size, color="white"):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def labelme_file(path, shapes, **top):
    doc = {"version": "5.5.0", "flags": {}, "shapes": shapes, "imagePath": "a.jpg", "imageData": png_b64((8, 6)),
           "imageHeight": 6, "imageWidth": 8}
    doc.update(top)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def shape(label, points, kind="polygon", **extra):
    return {"label": label, "points": points, "group_id": None, "shape_type": kind, "flags": {}, **extra}


def test_rectangle_corners_in_any_order(tmp_path):
    f = labelme_file(tmp_path / "a.json", [shape("box", [[5, 4], [1, 1]], "rectangle")])
    [sample] = list(LabelmeDataset(f))
    lm = LabelMap.derive(["box"])
    assert paint(sample, lm, rule="labelme").class_mask.sum() == 5 * 4   # inclusive corners
    assert paint(sample, lm, rule="coco").class_mask.sum() == 4 * 3      # pixel centres


@pytest.mark.parametrize("bad, code", [
    (shape("x", [[1, 1], [3, 3]]), "too-few-points"),
    (shape("x", [[1, 1], [3, 3], [4, 1]], "rectangle"), "bad-value"),
    (shape("x", [[1, 1]], "circle"), "too-few-points"),
    (shape("x", [[1, 1], [2, 2]], "hexagon"), "bad-value"),
    (shape("x", [[1, "a"], [2, 2], [3, 1]]), "bad-value"),
    (shape("x", [[1, 1], [2, 2]], "points"), "no-area-shape"),
    ({"points": [[1, 1], [2, 2], [3, 1]]}, "bad-value"),
])
def test_bad_shapes_are_findings_naming_the_shape(tmp_path, bad, code):
    f = labelme_file(tmp_path / "a.json", [shape("ok", [[0, 0], [4, 0], [4, 4]]), bad])
    [sample] = list(LabelmeDataset(f))
    assert [x.code for x in sample.findings] == [code]
    assert sample.findings[0].element.startswith("shapes[1]") and sample.findings[0].file == str(f)
    assert len(sample.regions) == 1


def test_missing_shape_type_is_a_polygon_and_string_group_id_is_reported(tmp_path):
    s = shape("x", [[0, 0], [4, 0], [4, 4]], group_id="3")
    del s["shape_type"]
    [sample] = list(LabelmeDataset(labelme_file(tmp_path / "a.json", [s])))
    assert sample.regions[0].attributes["shape"] == "polygon"
    assert [x.code for x in sample.findings] == ["bad-value"] and "group_id" in sample.findings[0].message


def test_windows_image_path_exif_orientation_and_size_mismatch(tmp_path):
    (tmp_path / "images").mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90: a 8x6 JPEG is displayed 6 wide, 8 high
    Image.new("RGB", (8, 6)).save(tmp_path / "images" / "a.jpg", exif=exif.tobytes())
    (tmp_path / "ann").mkdir()
    f = labelme_file(tmp_path / "ann" / "a.json", [shape("x", [[0, 0], [4, 0], [4, 4]])],
                     imagePath="..\\images\\a.jpg", imageData=None, imageWidth=8, imageHeight=6)
    [sample] = list(LabelmeDataset(f))
    assert (sample.width, sample.height) == (6, 8)
    assert [x.code for x in sample.findings] == ["image-size-mismatch"]


def test_missing_image_falls_back_to_declared_size(tmp_path):
    f = labelme_file(tmp_path / "a.json", [], imagePath="C:\\data\\nowhere.jpg", imageData=None)
    [sample] = list(LabelmeDataset(f))
    assert (sample.width, sample.height) == (8, 6)
    assert [x.code for x in sample.findings] == ["missing-image"]


def test_a_broken_file_in_a_folder_does_not_stop_the_others(tmp_path):
    labelme_file(tmp_path / "a.json", [shape("x", [[0, 0], [4, 0], [4, 4]])])
    (tmp_path / "b.json").write_text('{"shapes": [')
    out = tmp_path.parent / (tmp_path.name + "_out")
    proc = run_cli("convert", tmp_path, "-o", out, "--from", "labelme")
    assert proc.returncode == 1 and "unreadable-file" in proc.stderr and "b.json" in proc.stderr
    assert (out / "masks/a.png").exists() and not (out / "masks/b.png").exists()


def test_mask_shape_outside_the_image_is_cropped_and_counted(tmp_path):
    buf = io.BytesIO()
    Image.new("L", (4, 4), 1).save(buf, "PNG")
    s = shape("blob", [[6, 4], [9, 7]], "mask", mask=base64.b64encode(buf.getvalue()).decode())
    [sample] = list(LabelmeDataset(labelme_file(tmp_path / "a.json", [s])))
    [finding] = sample.findings
    assert finding.code == "mask-outside-image" and finding.pixels == 12
    assert finding.message == "12 mask pixels outside the 8x6 image; cropped"  # 2x2 inside; as CVAT says
    assert paint(sample, LabelMap.derive(["blob"])).class_mask.sum() == 4


def test_labels_txt_inside_the_folder_is_the_default_label_map(tmp_path):
    labelme_file(tmp_path / "a.json", [shape("cat", [[0, 0], [4, 0], [4, 4]]),
                                       shape("__ignore__", [[0, 0], [2, 0], [2, 2]])])
    (tmp_path / "labels.txt").write_text("__ignore__\n_background_\ndog\ncat\n")
    ds = LabelmeDataset(tmp_path)
    assert ds.source_labelmap is not None and ds.source_labelmap["cat"].index == 2
    out = tmp_path.parent / (tmp_path.name + "_o")
    proc = run_cli("convert", tmp_path, "-o", out, "--rule", "labelme")
    assert proc.returncode == 0, proc.stderr
    m = np.asarray(Image.open(out / "masks/a.png"))
    assert m[1, 1] == 255 and m[3, 3] == 2 and m[5, 7] == 0


def test_mask_png_size_that_disagrees_with_its_corners_is_reported(tmp_path):
    buf = io.BytesIO()
    Image.new("L", (3, 2), 1).save(buf, "PNG")
    s = shape("blob", [[1, 1], [2, 2]], "mask", mask=base64.b64encode(buf.getvalue()).decode())
    [sample] = list(LabelmeDataset(labelme_file(tmp_path / "a.json", [s])))
    assert [f.code for f in sample.findings] == ["mask-size-mismatch"]
    assert paint(sample, LabelMap.derive(["blob"])).class_mask.sum() == 6


def test_ignore_is_void_and_background_the_fill_without_a_labels_txt(tmp_path):
    """labelme's conventions hold in a derived label map too, as labelme2voc's: no unknown-label error,
    __ignore__ pixels are void (255), _background_ is the fill class at index 0."""
    folder = tmp_path / "data"
    labelme_file(folder / "a.json", [shape("cat", [[0, 0], [4, 0], [4, 4], [0, 4]]),
                                     shape("__ignore__", [[0, 0], [2, 0], [2, 2], [0, 2]])])
    out = tmp_path / "o"
    proc = run_cli("convert", folder, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "unknown-label" not in proc.stderr
    m = np.asarray(Image.open(out / "masks/a.png"))
    assert m[1, 1] == 255 and m[3, 3] == 1 and m[5, 7] == 0


def test_labels_txt_one_folder_up_as_in_labelmes_examples(tmp_path):
    """examples/semantic_segmentation/labels.txt sits beside data_annotated/, not in it."""
    data = tmp_path / "data_annotated"
    labelme_file(data / "a.json", [shape("cat", [[0, 0], [4, 0], [4, 4]])])
    (tmp_path / "labels.txt").write_text("__ignore__\n_background_\ndog\ncat\n")
    ds = LabelmeDataset(data)
    assert ds.source_labelmap.source == str(tmp_path / "labels.txt")
    assert ds.source_labelmap["cat"].index == 2
    assert LabelmeDataset(data / "a.json").source_labelmap["cat"].index == 2


def test_corpus_labelme_examples_find_their_labels_txt():
    ds = LabelmeDataset(corpus("labelme-examples/semantic_segmentation/data_annotated"))
    assert ds.source_labelmap is not None and ds.source_labelmap.void_aliases == ("__ignore__",)


@pytest.mark.parametrize("kind", ["semantic_segmentation", "instance_segmentation"])
def test_convert_to_voc_under_the_labelme_rule_writes_labelme2vocs_pngs(kind, tmp_path):
    """README's claim, through the command line: `--to voc --rule labelme` writes the SegmentationClass and
    SegmentationObject PNGs labelme2voc wrote, value for value and palette for palette (objects numbered as
    labelme numbers them, `__ignore__` 0 in SegmentationObject): exactly what labelme's rule draws under the
    installed Pillow, and where that differs from the PNGs (an older Pillow's edge pixel), the same pixels."""
    root = corpus(f"labelme-examples/{kind}")
    labels = [line.strip() for line in (root / "labels.txt").read_text().splitlines() if line.strip()]
    out = tmp_path / "voc"
    proc = run_cli("convert", root / "data_annotated", "--labels", root / "labels.txt", "-o", out, "--to", "voc",
                   "--rule", "labelme")
    assert proc.returncode == 0, proc.stderr
    compared = 0
    for folder in ("SegmentationClass", "SegmentationObject"):
        for theirs in sorted((root / "data_dataset_voc" / folder).glob("*.png")):
            ours = Image.open(out / folder / theirs.name)
            expected = Image.open(theirs)
            assert ours.mode == expected.mode == "P"
            assert ours.getpalette()[:3 * 256] == expected.getpalette()[:3 * 256]
            drawn = labelme2voc_under_this_pillow(root / "data_annotated" / f"{theirs.stem}.json", labels)
            drawn_here = drawn[0 if folder == "SegmentationClass" else 1]
            assert int((np.asarray(ours) != drawn_here).sum()) == 0, (folder, theirs.name)
            assert ((np.asarray(expected) != np.asarray(ours)) == (np.asarray(expected) != drawn_here)).all()
            compared += 1
    assert compared == (3 if kind == "semantic_segmentation" else 6)


def test_labelme_object_numbers_count_hidden_and_ignored_shapes_in_file_order(tmp_path):
    """labelme numbers (label, group_id) in the order shapes appear, an __ignore__ shape and a shape hidden
    under a later one included; its pixels are 0 in SegmentationObject. Worked by hand on a 8x6 image:
    shape 1 __ignore__ (object 1), shape 2 plate (2) fully under shape 3 bowl (3), shape 4 plate again with
    group 7 (4), shape 5 rice in group 7 (5: another label, another object)."""
    from convert.formats.voc.write import labelme_objects

    path = tmp_path / "a.json"
    labelme_file(path, [shape("__ignore__", [[0, 0], [1, 1]], "rectangle"),
                        shape("plate", [[3, 0], [4, 1]], "rectangle"),
                        shape("bowl", [[2, 0], [5, 2]], "rectangle"),
                        shape("plate", [[6, 3], [7, 5]], "rectangle", group_id=7),
                        shape("rice", [[0, 4], [1, 5]], "rectangle", group_id=7)])
    lm = LabelMap.from_txt("__ignore__\n_background_\nplate\nbowl\nrice\n")
    [sample] = list(LabelmeDataset(path))
    ids = labelme_objects(paint(sample, lm, rule="labelme", instances=True))
    expected = np.zeros((6, 8), int)
    expected[0:3, 2:6] = 3  # the bowl covers the plate (labelme's boundary-inclusive rectangles)
    expected[3:6, 6:8] = 4
    expected[4:6, 0:2] = 5
    np.testing.assert_array_equal(ids, expected)  # the __ignore__ square (object 1) is 0
