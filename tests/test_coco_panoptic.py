"""COCO panoptic in and out: panopticapi's two sample images read and round-tripped (segments, void, area,
bbox), PNG and segments_info checked both ways, and a written set checked the way panopticapi checks it."""

import json
import shutil

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as cocomask

from convert import api
from convert.formats.coco_panoptic.read import CocoPanopticDataset, rgb_to_id
from convert.formats.coco_panoptic.write import id_to_rgb
from convert.formats.readers import detect_format
from convert.model.labelmap import LabelMap, voc_color
from convert.painting.paint import paint

from conftest import FOOD, coco_doc, corpus, run_cli, write_json

SAMPLE = "panopticapi-sample/panoptic_examples.json"


def segments_of(json_path):
    """{image file_name: sorted [(category, area, bbox, iscrowd)]} and the void pixels of each PNG, read with
    numpy from the files alone (as panopticapi's evaluation reads them)."""
    doc = json.loads(json_path.read_text())
    png_dir = json_path.with_suffix("")
    if not png_dir.is_dir():
        png_dir = json_path.parent / "panoptic_examples"
    images = {i["id"]: i["file_name"] for i in doc["images"]}
    names = {c["id"]: c["name"] for c in doc["categories"]}
    out = {}
    for ann in doc["annotations"]:
        ids = rgb_to_id(np.asarray(Image.open(png_dir / ann["file_name"]).convert("RGB")))
        listed = {s["id"] for s in ann["segments_info"]}
        present = set(np.unique(ids).tolist()) - {0}
        assert listed == present  # panopticapi's bijection
        segs = sorted((names[s["category_id"]], s["area"], list(s["bbox"]), s["iscrowd"])
                      for s in ann["segments_info"])
        out[images[ann["image_id"]].rsplit(".", 1)[0]] = (segs, int((ids == 0).sum()))
    return out


def test_the_samples_are_read_with_every_segment_and_their_void():
    ds = CocoPanopticDataset(corpus(SAMPLE))
    assert detect_format(corpus(SAMPLE)) == "coco-panoptic" and len(ds) == 2
    lm = ds.source_labelmap
    assert len(lm) == 133 and lm["person"].index == 1 and lm["person"].isthing and not lm["rug-merged"].isthing
    for sample in ds:
        assert [f.code for f in sample.findings] == []  # area and bbox equal the PNG's, exactly
        painted = paint(sample, lm)
        void = {"000000142238.jpg": 2712, "000000439180.jpg": 7189}[sample.name]
        assert int((painted.class_mask == lm.void).sum()) == void


def test_reading_equals_panopticapis_detection_conversion():
    """panoptic_coco_detection_format.json is panopticapi's panoptic2detection output of the same images: each
    segment as a compressed RLE.  Painted with pycocotools, it gives the class mask segconv reads."""
    lm = CocoPanopticDataset(corpus(SAMPLE)).source_labelmap
    det = json.loads(corpus("panopticapi-sample/panoptic_coco_detection_format.json").read_text())
    ours = {s.name: paint(s, lm).class_mask for s in CocoPanopticDataset(corpus(SAMPLE))}
    for img in det["images"]:
        canvas = np.full((img["height"], img["width"]), lm.void, np.uint8)
        for ann in det["annotations"]:
            if ann["image_id"] == img["id"]:
                canvas[cocomask.decode(ann["segmentation"]) == 1] = ann["category_id"]
        np.testing.assert_array_equal(ours[img["file_name"]], canvas)


def test_round_trip_keeps_segments_void_area_and_bbox(tmp_path):
    out = tmp_path / "pan"
    report = api.convert(corpus(SAMPLE), out, to="coco-panoptic")
    assert report.exit_code() == 0, [str(f) for f in report.findings]
    written = segments_of(out / "annotations" / "panoptic_examples.json")  # the source's subset: "examples"
    original = segments_of(corpus(SAMPLE))
    assert written == original
    again = api.convert(out, tmp_path / "again", to="coco-panoptic")  # read back, written again
    assert segments_of(tmp_path / "again" / "annotations" / "panoptic_examples.json") == original
    assert again.exit_code() == 0


def test_to_png_is_panopticapis_semantic_conversion(tmp_path):
    """panoptic2semantic_segmentation.py writes value = category id, 0 = void; segconv writes the same values,
    void as the label map's void (255)."""
    out = tmp_path / "png"
    assert api.convert(corpus(SAMPLE), out).exit_code() == 0
    png_dir = corpus(SAMPLE).with_suffix("")
    doc = json.loads(corpus(SAMPLE).read_text())
    for ann in doc["annotations"]:
        ids = rgb_to_id(np.asarray(Image.open(png_dir / ann["file_name"]).convert("RGB")))
        semantic = np.zeros(ids.shape, np.uint8)
        for seg in ann["segments_info"]:
            semantic[ids == seg["id"]] = seg["category_id"]
        mask = np.asarray(Image.open(out / "masks" / ann["file_name"]))
        np.testing.assert_array_equal(np.where(mask == 255, 0, mask), semantic)


def hostile(tmp_path, edit):
    root = tmp_path / "pan"
    shutil.copytree(corpus("panopticapi-sample"), root)
    doc = json.loads((root / "panoptic_examples.json").read_text())
    edit(doc, root)
    (root / "panoptic_examples.json").write_text(json.dumps(doc))
    return {s.name: s for s in CocoPanopticDataset(root / "panoptic_examples.json")}


def test_png_and_segments_are_checked_both_ways(tmp_path):
    def edit(doc, root):
        segs = doc["annotations"][0]["segments_info"]
        gone = segs.pop(0)  # in the PNG, no longer listed
        segs.append({"id": 99, "category_id": 1, "area": 5, "bbox": [0, 0, 1, 1], "iscrowd": 0})  # listed, no pixel
        segs[0]["category_id"] = 999  # unknown
        segs[1]["area"] += 1  # off by one pixel
        segs[2]["bbox"] = []  # empty: reported, not compared
        doc["images"][0]["id"] = str(doc["images"][0]["id"])  # string ids
        doc["annotations"][0]["image_id"] = str(doc["annotations"][0]["image_id"])
        edit.gone = gone

    samples = hostile(tmp_path, edit)
    found = {(f.code, f.pixels) for f in samples["000000142238.jpg"].findings}
    gone = edit.gone
    assert ("panoptic-segment-unlisted", gone["area"]) in found
    assert ("panoptic-segment-missing", 0) in found
    assert any(code == "unknown-category-id" for code, _ in found)
    report = api.validate(tmp_path / "pan" / "panoptic_examples.json")
    codes = {f.code for f in report.findings if f.image == "000000142238.jpg"}
    boxes = [f.message for f in report.findings if f.code == "bbox-field-mismatch"]
    assert "area-field-mismatch" in codes and len(boxes) == 1 and boxes[0].startswith("bbox [] is not 4 numbers")


def test_a_repeated_stuff_category_is_a_warning(tmp_path):
    def edit(doc, root):
        stuff = {c["id"] for c in doc["categories"] if not c["isthing"]}
        segs = doc["annotations"][0]["segments_info"]
        first = next(s for s in segs if s["category_id"] in stuff)
        other = next(s for s in segs if s["category_id"] in stuff and s is not first)
        other["category_id"] = first["category_id"]

    samples = hostile(tmp_path, edit)
    assert "panoptic-stuff-repeated" in {f.code for f in samples["000000142238.jpg"].findings}


def test_writer_areas_and_boxes_are_those_of_its_pngs(tmp_path):
    """The food scene has overlapping plates and food at three levels: every pixel gets one owner; things per
    object, the fill class one stuff segment; area and bbox measured again from the PNGs here."""
    out = tmp_path / "pan"
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out,
                   "--to", "coco-panoptic")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "annotations" / "panoptic_default.json").read_text())
    cats = {c["id"]: c for c in doc["categories"]}
    lm = LabelMap.load(FOOD / "labelmap.yaml")
    source_ids = {c["name"]: c["id"] for c in json.loads((FOOD / "annotations.json").read_text())["categories"]}
    new_id = max(source_ids.values()) + 1  # the fill class, which the source has no category for
    assert all(c["id"] == source_ids.get(c["name"], new_id) and c["index"] == lm[c["name"]].index
               for c in cats.values())
    assert cats[new_id]["name"] == lm.fill.name and cats[new_id]["isthing"] == 0
    assert cats[source_ids["plate"]]["isthing"] == 1
    assert all(c["level"] == lm[c["name"]].level for c in cats.values())
    png_masks = tmp_path / "png"
    assert run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", png_masks)\
        .returncode == 0
    for ann in doc["annotations"]:
        ids = rgb_to_id(np.asarray(Image.open(out / "annotations" / "panoptic_default" / ann["file_name"])))
        for seg in ann["segments_info"]:
            where = ids == seg["id"]
            rows, cols = np.flatnonzero(where.any(1)), np.flatnonzero(where.any(0))
            assert seg["area"] == where.sum()
            assert seg["bbox"] == [cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1]
        stuff = [s for s in ann["segments_info"] if cats[s["category_id"]]["isthing"] == 0]
        assert len({s["category_id"] for s in stuff}) == len(stuff)  # one segment per stuff class
        semantic = np.zeros(ids.shape, np.uint8)
        for seg in ann["segments_info"]:
            semantic[ids == seg["id"]] = cats[seg["category_id"]]["index"]
        mask = np.asarray(Image.open(png_masks / "masks" / ann["file_name"]))
        np.testing.assert_array_equal(semantic, mask)  # the fixture has no void
    back = api.convert(out, tmp_path / "back")  # read back: the same classes (aliases are not carried)
    expected = [{k: v for k, v in c.to_dict().items() if k != "aliases"} | {"isthing": not c.fill}
                for c in sorted(lm.classes, key=lambda c: c.index)]
    assert back.labelmap.to_dict()["classes"] == expected
    crowd = [s for a in doc["annotations"] for s in a["segments_info"] if s["iscrowd"]]
    assert crowd  # the fixture's crowd RLEs stay crowd


def test_id_encoding_round_trips():
    ids = np.array([[0, 1, 255, 256, 65535, 65536, 16777215]])
    assert rgb_to_id(id_to_rgb(ids)).tolist() == ids.tolist()


@pytest.mark.parametrize("layout", ["png", "coco-rle"])
def test_other_layouts_from_panoptic(tmp_path, layout):
    assert api.convert(corpus(SAMPLE), tmp_path / layout, to=layout).exit_code() == 0


def edited_food(tmp_path, edit):
    """The bundled example's panoptic file, changed by ``edit(doc)``, opened: ``(dataset, doc)``."""
    root = tmp_path / "panoptic"
    shutil.copytree(FOOD / "panoptic", root)
    doc = json.loads((root / "panoptic_food.json").read_text())
    edit(doc)
    (root / "panoptic_food.json").write_text(json.dumps(doc))
    return CocoPanopticDataset(root / "panoptic_food.json"), doc


@pytest.mark.parametrize("color", [[1, "", 3], [[1, 2], 3, 4], [None, 2, 3], "abc", [1.5, 2, 3]])
def test_a_category_colour_that_is_not_three_integers_gives_the_palettes_colours(tmp_path, color):
    """Found by the fuzz test (seed 37319456321985535): such a colour stopped the reader with an internal
    error (int('') / an unhashable list / int(None)); the categories now take the VOC palette's colours."""
    def edit(doc):
        doc["categories"][0]["color"] = color

    ds, _ = edited_food(tmp_path, edit)
    lm = ds.source_labelmap
    assert lm is not None and all(c.color == voc_color(c.index) for c in lm.classes)


@pytest.mark.parametrize("image_id", [[1], {"id": 1}, None])
def test_an_image_id_that_is_no_id_is_a_dangling_annotation(tmp_path, image_id):
    """Found by the fuzz test (seed 758161217233379501): a list as image_id stopped the reader with an internal
    error (unhashable list); the annotation is now reported as matching no image, the others read."""
    def edit(doc):
        doc["annotations"][0]["image_id"] = image_id

    ds, doc = edited_food(tmp_path, edit)
    assert len(ds) == len(doc["annotations"]) - 1
    [finding] = [f for f in ds.findings if f.code == "dangling-image-id"]
    assert finding.element == "annotations[0]" and f"image_id {image_id!r} matches no image" in finding.message


def test_more_than_255_segments_in_one_image(tmp_path):
    """300 objects in one image: segment ids past 255 use the green channel; every segment's area and bbox are
    those of its pixels in the PNG, and every object keeps its own segment."""
    cells = [((i % 20) * 3, (i // 20) * 3) for i in range(300)]  # a 20 x 15 grid of 3x3 cells
    anns = [{"id": i + 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 4.0, "bbox": [x, y, 2, 2],
             "segmentation": [[x, y, x + 2, y, x + 2, y + 2, x, y + 2]]} for i, (x, y) in enumerate(cells)]
    src = write_json(tmp_path / "in.json", coco_doc([{"id": 1, "file_name": "a.jpg", "width": 60, "height": 45}],
                                                    anns, [{"id": 1, "name": "dot"}]))
    labels = tmp_path / "labelmap.yaml"
    labels.write_text("void: 255\nclasses:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                      "  - {name: dot, index: 1, level: 1}\n")
    out = tmp_path / "pan"
    api.convert(src, out, labels=labels, to="coco-panoptic")
    doc = json.loads((out / "annotations" / "panoptic_default.json").read_text())
    (ann,) = doc["annotations"]
    rgb = np.asarray(Image.open(out / "annotations" / "panoptic_default" / ann["file_name"]))
    assert rgb[..., 1].any()  # ids of 256 and over
    ids = rgb_to_id(rgb)
    assert {s["id"] for s in ann["segments_info"]} == set(np.unique(ids).tolist()) == set(range(1, 302))
    for seg in ann["segments_info"]:
        where = ids == seg["id"]
        rows, cols = np.flatnonzero(where.any(1)), np.flatnonzero(where.any(0))
        assert seg["area"] == where.sum()
        assert seg["bbox"] == [cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1]
    for (x, y), seg in zip(cells, ann["segments_info"]):  # things numbered in painting order, the fill last
        assert set(np.unique(ids[y:y + 3, x:x + 3]).tolist()) == {seg["id"], 302 - 1}
