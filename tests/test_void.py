"""Void survives every writer, or what it becomes is said and true: one tiny image with a void region
(16 pixels), a plate (16) and background (the fill class, 32), written by every layout, with void 255 and
with void 300 (which 8 bits cannot hold), and read back by the layout's own rules."""

import io
import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as cocomask

from convert import api
from convert.formats.dataset import resolve_labelmap
from convert.formats.readers import open_dataset
from convert.formats.writers import WRITERS
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

VOID_REGION = (slice(4, 8), slice(4, 8))  # rows, columns
PLATE = (slice(0, 4), slice(0, 4))


def delivery(tmp_path, void: int, fill: bool = True):
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 8, "height": 8}],
           "categories": [{"id": 1, "name": "plate"}, {"id": 2, "name": "ignore"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]},
                           {"id": 2, "image_id": 1, "category_id": 2, "segmentation": [[4, 4, 8, 4, 8, 8, 4, 8]]}]}
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.json").write_text(json.dumps(doc))
    Image.new("RGB", (8, 8), (200, 100, 50)).save(src / "a.jpg")
    background = "  - {name: background, index: 0, level: 0, fill: true}\n" if fill else ""
    (src / "lm.yaml").write_text(f"void: {void}\nvoid_aliases: [ignore]\nclasses:\n{background}"
                                 "  - {name: plate, index: 1, level: 1}\n")
    return src / "a.json", src / "lm.yaml"


def expected(void: int) -> np.ndarray:
    mask = np.zeros((8, 8), dtype=np.int64)
    mask[PLATE] = 1
    mask[VOID_REGION] = void
    return mask


def png(path) -> np.ndarray:
    return np.asarray(Image.open(path)).astype(np.int64)


def read_back(to: str, out, lm: LabelMap) -> np.ndarray:
    """The class mask a consumer of the layout gets, void as the value the layout says it writes."""
    if to in ("png", "voc", "mmseg"):
        return png(out / {"png": "masks", "voc": "SegmentationClass", "mmseg": "ann_dir/train"}[to] / "a.png")
    if to == "cityscapes":
        return png(out / "gtFine/train/a_gtFine_labelIds.png")
    if to == "coco-panoptic":
        rgb = png(out / "annotations/panoptic_default/a.png")
        ids = rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]
        doc = json.loads((out / "annotations/panoptic_default.json").read_text())
        index = {c["id"]: c["index"] for c in doc["categories"]}  # the class index segconv's categories carry
        category = {s["id"]: index[s["category_id"]] for s in doc["annotations"][0]["segments_info"]}
        return np.vectorize(lambda i: category.get(i, lm.void))(ids)  # id 0: void
    if to == "hf":
        import pyarrow.parquet as pq

        [shard] = (out / "data").glob("train-*.parquet")
        label = pq.read_table(shard).column("label")[0].as_py()
        return png(io.BytesIO(label["bytes"]))
    if to == "coco-rle":
        doc = json.loads((out / "annotations.json").read_text())
        mask = np.zeros((8, 8), dtype=np.int64)  # the fill class: pixels in no annotation
        for ann in doc["annotations"]:
            mask[cocomask.decode({**ann["segmentation"], "counts": ann["segmentation"]["counts"].encode()}) == 1] = \
                ann["category_id"]
        void = doc["images"][0].get("segconv_void")
        if void:
            mask[cocomask.decode({**void, "counts": void["counts"].encode()}) == 1] = lm.void
        return mask
    src = {"yolo": out / "data.yaml", "label-studio": out / "tasks.json", "cvat": out / "annotations.xml",
           "labelme": out, "coco": out / "annotations", "kaggle-rle": out / "masks.csv"}[to]
    [sample] = list(open_dataset(src, images=out.parent / "src" if to == "label-studio" else None))
    return paint(sample, lm).class_mask.astype(np.int64)


def test_every_writer_is_here():
    assert set(WRITTEN_AS) == set(WRITERS)


# what void reads back as, per layout, with void 255 and 300; and the note a run says (None: no note)
WRITTEN_AS = {
    "png": (255, 300, None), "voc": (255, 300, None), "coco-rle": (255, 300, None),
    "coco-panoptic": (255, 300, None),  # panoptic id 0
    "mmseg": (255, 255, "--to mmseg: void is written as 255 in the 8-bit label images (mmsegmentation's "
                        "ignore_index)"),
    "hf": (255, 255, "--to hf: void is written as 255 in the 8-bit label images (the label map's void, 300, does "
                     "not fit in 8 bits)"),
    "cityscapes": (255, 255, "--to cityscapes: void is written as 255 in the 8-bit label images (the label map's "
                             "void, 300, does not fit in 8 bits)"),
    "yolo": (0, 0, None),  # no void: read back as the fill class, and reported
    # void as shapes or brushes of the void alias (cvat, label-studio), __ignore__ (labelme), the image's
    # segconv_void RLE (coco)
    "cvat": (255, 300, None), "labelme": (255, 300, None), "coco": (255, 300, None), "label-studio": (255, 300, None),
    "kaggle-rle": (0, 0, None),
}


@pytest.mark.parametrize("void", [255, 300])
@pytest.mark.parametrize("to", sorted(WRITTEN_AS))
def test_void_survives_or_what_it_becomes_is_said(tmp_path, to, void):
    if to == "hf":
        pytest.importorskip("pyarrow")
    src, labels = delivery(tmp_path, void)
    lm = LabelMap.load(labels)
    report = api.convert(src, tmp_path / "out", labels=labels, to=to)
    as_255, as_300, note = WRITTEN_AS[to]
    becomes = as_255 if void == 255 else as_300
    got = read_back(to, tmp_path / "out", lm)
    want = expected(void)
    want[VOID_REGION] = becomes if becomes != void else lm.void
    assert (got == want).all(), (to, got.tolist())
    notes = [n for n in report.notes if "void is written as" in n]
    assert notes == ([note] if note and void == 300 else []), report.notes
    lost = [f for f in report.findings if f.code == "written-pixels-differ"]
    if becomes == 0:  # YOLO, Label Studio and Kaggle CSVs have no void: the 16 pixels are counted, never silent
        assert [f.pixels for f in lost] == [16] and "16 void pixels" in lost[0].message
    else:
        assert lost == []


def test_the_8_bit_layouts_say_the_void_value_they_write(tmp_path):
    pytest.importorskip("pyarrow")
    src, labels = delivery(tmp_path, 300)
    api.convert(src, tmp_path / "hf", labels=labels, to="hf")
    card = (tmp_path / "hf" / "README.md").read_text()
    assert "255 = void (ignore it in the loss; the label map's void, 300, does not fit in 8 bits)" in card
    api.convert(src, tmp_path / "mmseg", labels=labels, to="mmseg")
    config = (tmp_path / "mmseg" / "mmseg_dataset.py").read_text()
    assert "ignore_index = 255" in config and "# Void is written as 255 (the label map's void is 300)." in config


# the writers that carry the void a source drew, and where the output's own label map comes from
CARRIES_VOID = {"coco": "annotations", "coco-rle": "annotations.json", "cvat": "annotations.xml", "labelme": "",
                "label-studio": "tasks.json"}


@pytest.mark.parametrize("to", sorted(CARRIES_VOID))
def test_without_a_fill_class_the_void_a_source_drew_is_written_and_uncovered_pixels_stay_uncovered(tmp_path, to):
    """Hand-checked 8x8 image, no fill class: plate 16 pixels (rows and columns 0-3), an ``ignore`` region 16
    (rows and columns 4-7), 32 pixels no region covers.  The output read back with its own label map (no
    --labels) has the same 16 drawn void pixels and the same 32 uncovered ones, so ``validate OUT`` finds the
    source's one ``unlabelled-pixels`` (32), and nothing new; before, the 16 void pixels were left uncovered
    too, and read back as 48 unlabelled pixels."""
    src, labels = delivery(tmp_path, 255, fill=False)
    source = api.validate(src, labels=labels)
    assert [(f.code, f.pixels) for f in source.findings if f.severity.value == "warning"] == [
        ("unlabelled-pixels", 32)]
    report = api.convert(src, tmp_path / "out", labels=labels, to=to)
    assert not [f for f in report.findings if f.code == "written-pixels-differ"]
    dataset = open_dataset(tmp_path / "out" / CARRIES_VOID[to],
                           images=tmp_path / "src" if to == "label-studio" else None)
    own, _ = resolve_labelmap(dataset, None)  # the label map the output carries
    [sample] = list(dataset)
    painted = paint(sample, own)
    drawn = np.zeros((8, 8), dtype=bool)
    drawn[VOID_REGION] = True
    assert (painted.drawn_void(own.void) == drawn).all(), (to, painted.drawn_void(own.void).astype(int).tolist())
    assert (painted.class_mask[PLATE] == own.resolve("plate").index).all()
    assert [(f.code, f.pixels) for f in painted.findings] == [("unlabelled-pixels", 32)]
    checked = api.validate(tmp_path / "out")
    assert [(f.code, f.pixels) for f in checked.findings if f.severity.value == "warning"] == [
        ("unlabelled-pixels", 32)], [str(f) for f in checked.findings]


@pytest.mark.parametrize("to", sorted(CARRIES_VOID))
def test_with_a_fill_class_only_drawn_void_is_written(tmp_path, to):
    """The same image with a fill class: the 16 void pixels are written, the fill class's 32 are not."""
    src, labels = delivery(tmp_path, 255)
    api.convert(src, tmp_path / "out", labels=labels, to=to)
    dataset = open_dataset(tmp_path / "out" / CARRIES_VOID[to],
                           images=tmp_path / "src" if to == "label-studio" else None)
    own, _ = resolve_labelmap(dataset, None)
    [sample] = list(dataset)
    assert (paint(sample, own).class_mask == expected(255)).all()
    assert not [f for f in api.validate(tmp_path / "out").findings if f.severity.value == "warning"]


@pytest.mark.parametrize("to", ["label-studio", "kaggle-rle"])
def test_without_a_fill_class_brushes_and_runs_lose_no_void(tmp_path, to):
    """Pixels no brush or run covers read back as void when the map has no fill class: no finding, and it is
    so."""
    src, labels = delivery(tmp_path, 255, fill=False)
    lm = LabelMap.load(labels)
    report = api.convert(src, tmp_path / "out", labels=labels, to=to)
    assert not [f for f in report.findings if f.code == "written-pixels-differ"]
    got = read_back(to, tmp_path / "out", lm)
    assert (got[VOID_REGION] == 255).all() and (got[PLATE] == 1).all()
    if to == "kaggle-rle":  # the 16 void pixels read back as uncovered, as the 32 no region covers: said
        assert report.summary.endswith("; 16 void pixels a region drew have no run-length form and are in no row: "
                                       "they read back as pixels no region covers (unlabelled-pixels)")


def test_classes_above_254_are_refused_by_both_8_bit_layouts_before_anything_is_written(tmp_path):
    src, _ = delivery(tmp_path, 255)
    big = tmp_path / "big.yaml"
    big.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                   "  - {name: plate, index: 300, level: 1}\n")
    for to in ("mmseg", "hf"):
        if to == "hf":
            pytest.importorskip("pyarrow")
        with pytest.raises(api.UsageError, match=r"--to .* 8-bit label images .* 'plate' \(300\)"):
            api.convert(src, tmp_path / to, labels=big, to=to)
        assert not (tmp_path / to).exists()


def test_without_a_fill_class_yolo_says_the_void_it_leaves_in_no_row(tmp_path):
    """YOLO has no void: the 16 pixels of the ``ignore`` region are in no row and read back as uncovered, like
    the 32 no region covers; the summary counts them, so the new ``unlabelled-pixels`` is not a surprise."""
    src, labels = delivery(tmp_path, 255, fill=False)
    report = api.convert(src, tmp_path / "out", labels=labels, to="yolo")
    assert ("; 16 void pixels a region drew are in no row (YOLO has no void): they read back as pixels no region "
            "covers (unlabelled-pixels)") in report.summary
    (tmp_path / "fill").mkdir()
    src_fill, labels_fill = delivery(tmp_path / "fill", 255)
    assert "a region drew" not in api.convert(src_fill, tmp_path / "fill" / "out", labels=labels_fill,
                                              to="yolo").summary


@pytest.mark.parametrize("to", sorted(CARRIES_VOID))
def test_the_output_validates_clean_under_the_labels_it_was_written_with(tmp_path, to):
    """``convert --labels L`` then ``validate OUT --labels L`` (and ``diff``): the void shapes a writer adds
    under a label of its own (``__ignore__``, which only the output's labelmap.json names as void) are void,
    not unknown labels; they were 2 ``unknown-label`` errors on panopticapi-sample, and 376 new findings in
    ``diff SRC OUT``."""
    (tmp_path / "lm.yaml").write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                                      "  - {name: plate, index: 1, level: 1}\n")  # no void alias
    labels = tmp_path / "lm.yaml"
    mask = np.zeros((8, 8), dtype=np.uint8)
    mask[PLATE], mask[VOID_REGION] = 1, 255
    api.from_masks({"a.png": mask}, labels=labels).export(tmp_path / "out", to=to)
    out = tmp_path / "out" / CARRIES_VOID[to]
    checked = api.validate(out, labels=labels)
    assert not [f for f in checked.findings if f.severity.value != "info"], [str(f) for f in checked.findings]
    loaded = api.load(out, labels=labels)
    [sample] = list(loaded)
    assert (loaded.mask(sample) == mask).all()
    compared = api.diff(api.from_masks({"a.png": mask}, labels=labels), out, labels=labels)
    new = {f["code"] for x in compared.images for f in x.get("findings_new", [])}
    assert not compared.changed and new <= {"missing-image"}, new  # labelme names a photo from_masks has not


def test_relabel_with_a_whole_map_keeps_the_sources_own_void_labels(tmp_path):
    """Dataset.relabel(labelmap) is the library's --labels: segconv's __ignore__ shapes stay void there too."""
    (tmp_path / "lm.yaml").write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                                      "  - {name: plate, index: 1, level: 1}\n")
    mask = np.zeros((8, 8), dtype=np.uint8)
    mask[PLATE], mask[VOID_REGION] = 1, 255
    api.from_masks({"a.png": mask}, labels=tmp_path / "lm.yaml").export(tmp_path / "out", to="cvat")
    relabelled = api.load(tmp_path / "out").relabel(tmp_path / "lm.yaml")
    assert not [f for f in relabelled.validate().findings if f.code == "unknown-label"]
    assert (relabelled.mask(next(iter(relabelled))) == mask).all()
