"""The voc and coco-rle writers: read back by pycocotools and by a plain VOC reader,
void kept, hidden objects reported, and lossless round trips through every layout."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from pycocotools import mask as cocomask
from pycocotools.coco import COCO

from convert import api
from convert.formats.readers import open_dataset
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import FOOD, corpus, run_cli

FOOD_LM = FOOD / "labelmap.yaml"


def convert(src, out, to, **kw):
    report = api.convert(src, out, to=to, **kw)
    assert report.exit_code() == 0, [str(f) for f in report.findings]
    return report


def png_masks(out):
    return {p.relative_to(out / "masks").as_posix()[:-4]: np.asarray(Image.open(p))
            for p in sorted((out / "masks").rglob("*.png"))}


def coco_painted_by_level(annotations_json):
    """What a pycocotools user reads from our coco-rle output: annToMask per
    annotation painted by the categories' level over the fill class, void from segconv_void."""
    coco = COCO(str(annotations_json))
    cats = {c["id"]: c for c in coco.dataset["categories"]}
    fill = next((c["id"] for c in cats.values() if c.get("fill")), 255)
    out = {}
    for img in coco.dataset["images"]:
        canvas = np.full((img["height"], img["width"]), fill, np.uint8)
        anns = sorted(coco.imgToAnns[img["id"]], key=lambda a: (cats[a["category_id"]]["level"], a["id"]))
        for ann in anns:
            canvas[coco.annToMask(ann) == 1] = ann["category_id"]
        if "segconv_void" in img:
            void = img["segconv_void"]
            canvas[cocomask.decode({"size": void["size"], "counts": void["counts"].encode()}) == 1] = 255
        out[img["file_name"].rsplit(".", 1)[0]] = canvas
    return out


def plain_voc_reader(root):
    """A reader written from the VOC devkit text alone: ImageSets lists, palette indices."""
    masks = {}
    for lst in sorted((root / "ImageSets" / "Segmentation").glob("*.txt")):
        for image_id in lst.read_text().split():
            im = Image.open(root / "SegmentationClass" / f"{image_id}.png")
            assert im.mode == "P"
            masks[image_id] = np.asarray(im)
            assert (root / "JPEGImages" / f"{image_id}.jpg").is_file()
            objects = np.asarray(Image.open(root / "SegmentationObject" / f"{image_id}.png"))
            assert objects.shape == masks[image_id].shape
    return masks


def test_coco_rle_decoded_by_pycocotools_equals_the_png_masks(tmp_path):
    convert(FOOD / "annotations.json", tmp_path / "png", "png", labels=FOOD_LM)
    convert(FOOD / "annotations.json", tmp_path / "rle", "coco-rle", labels=FOOD_LM)
    doc = json.loads((tmp_path / "rle/annotations.json").read_text())
    assert all(isinstance(a["segmentation"]["counts"], str) for a in doc["annotations"])
    assert all(a["segmentation"]["size"] == [i["height"], i["width"]]
               for a in doc["annotations"] for i in doc["images"] if i["id"] == a["image_id"])
    assert {c["id"]: c["level"] for c in doc["categories"]}[5] == 2  # rice keeps index 5 and level 2
    expected = png_masks(tmp_path / "png")
    got = coco_painted_by_level(tmp_path / "rle/annotations.json")
    assert sorted(got) == sorted(expected)
    for stem in expected:
        assert (got[stem] == expected[stem]).all(), stem


def test_coco_rle_instances_hold_visible_pixels_only_with_mask_area_and_bbox(tmp_path):
    convert(FOOD / "annotations.json", tmp_path / "rle", "coco-rle", labels=FOOD_LM)
    doc = json.loads((tmp_path / "rle/annotations.json").read_text())
    masks = [cocomask.decode({"size": a["segmentation"]["size"], "counts": a["segmentation"]["counts"].encode()})
             for a in doc["annotations"]]
    for ann, m in zip(doc["annotations"], masks):
        assert ann["area"] == int(m.sum()) > 0
        ys, xs = np.nonzero(m)
        assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
    by_image = {}
    for ann, m in zip(doc["annotations"], masks):
        by_image.setdefault(ann["image_id"], []).append(m)
    for ms in by_image.values():
        assert np.sum(ms, axis=0).max() == 1  # visible parts never overlap
    crowd = [a for a in doc["annotations"] if a["iscrowd"]]
    assert len(crowd) == 2  # the rice and sauce RLE regions of the fixture


def test_coco_semantic_mode_writes_one_annotation_per_class(tmp_path):
    convert(FOOD / "annotations.json", tmp_path / "sem", "coco-rle", labels=FOOD_LM, coco_mode="semantic")
    doc = json.loads((tmp_path / "sem/annotations.json").read_text())
    pairs = [(a["image_id"], a["category_id"]) for a in doc["annotations"]]
    assert len(pairs) == len(set(pairs))
    convert(FOOD / "annotations.json", tmp_path / "png", "png", labels=FOOD_LM)
    got = coco_painted_by_level(tmp_path / "sem/annotations.json")
    for stem, expected in png_masks(tmp_path / "png").items():
        assert (got[stem] == expected).all()


def test_voc_tree_read_by_a_plain_reader_equals_the_png_masks(tmp_path):
    convert(FOOD / "annotations.json", tmp_path / "png", "png", labels=FOOD_LM)
    convert(FOOD / "annotations.json", tmp_path / "voc", "voc", labels=FOOD_LM)
    got = plain_voc_reader(tmp_path / "voc")
    expected = png_masks(tmp_path / "png")
    assert sorted(got) == sorted(expected)
    for stem in expected:
        assert (got[stem] == expected[stem]).all()
    assert (tmp_path / "voc/labelmap.txt").read_text().splitlines()[6] == "rice:128,0,128::"
    # images copied byte for byte
    assert (tmp_path / "voc/JPEGImages/table_01.jpg").read_bytes() == (FOOD / "images/table_01.jpg").read_bytes()


def test_voc_objects_are_numbered_in_painting_order(tmp_path):
    convert(FOOD / "annotations.json", tmp_path / "voc", "voc", labels=FOOD_LM)
    lm = LabelMap.load(FOOD_LM)
    objects = np.asarray(Image.open(tmp_path / "voc/SegmentationObject/table_01.png"))
    classes = np.asarray(Image.open(tmp_path / "voc/SegmentationClass/table_01.png"))
    ids = [i for i in np.unique(objects).tolist() if i not in (0, 255)]
    assert ids == list(range(1, len(ids) + 1))
    levels = [lm.resolve(next(n for n in [c.name for c in lm.classes]
                              if lm[n].index == int(np.bincount(classes[objects == i]).argmax()))).level for i in ids]
    assert levels == sorted(levels)  # plates (1) before food (2)
    assert ((objects == 0) == (classes == 0)).all()  # background is no object


def test_link_symlinks_images(tmp_path):
    convert(FOOD / "annotations.json", tmp_path / "voc", "voc", labels=FOOD_LM, link=True)
    link = tmp_path / "voc/JPEGImages/table_01.jpg"
    assert link.is_symlink() and link.resolve() == (FOOD / "images/table_01.jpg").resolve()


def test_void_survives_every_writer(tmp_path):
    root = corpus("openagi-datum-voc/tests/dummy_data/seg/voc")  # official VOC masks with 255 borders
    original = {p.stem: np.asarray(Image.open(p)) for p in (root / "SegmentationClass").glob("*.png")}
    convert(root, tmp_path / "png", "png")
    convert(root, tmp_path / "voc", "voc")
    convert(root, tmp_path / "rle", "coco-rle")
    for stem, mask in original.items():
        assert (np.asarray(Image.open(tmp_path / f"png/masks/{stem}.png")) == mask).all()
        assert (np.asarray(Image.open(tmp_path / f"voc/SegmentationClass/{stem}.png")) == mask).all()
        objects = np.asarray(Image.open(tmp_path / f"voc/SegmentationObject/{stem}.png"))
        assert ((objects == 255) == (mask == 255)).all()
    doc = json.loads((tmp_path / "rle/annotations.json").read_text())
    for ann in doc["annotations"]:
        img = next(i for i in doc["images"] if i["id"] == ann["image_id"])
        m = cocomask.decode({"size": ann["segmentation"]["size"], "counts": ann["segmentation"]["counts"].encode()})
        assert not (m.astype(bool) & (original[img["file_name"][:-4]] == 255)).any()
    assert coco_painted_by_level(tmp_path / "rle/annotations.json").keys() == original.keys()
    for stem, mask in coco_painted_by_level(tmp_path / "rle/annotations.json").items():
        assert (mask == original[stem]).all()


def test_hidden_objects_are_reported_not_written(tmp_path):
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}],
           "categories": [{"id": 1, "name": "plate"}, {"id": 2, "name": "rice"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 2, "segmentation": [[1, 1, 2, 1, 2, 2, 1, 2]]},
                           {"id": 2, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]}]}
    src = tmp_path / "in.json"
    src.write_text(json.dumps(doc))
    lm = tmp_path / "lm.yaml"
    lm.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                  "  - {name: rice, index: 2, level: 1}\n  - {name: plate, index: 1, level: 2}\n")
    report = api.convert(src, tmp_path / "o", to="coco-rle", labels=lm)
    [f] = [f for f in report.findings if f.code == "region-hidden"]
    assert f.element == "annotation id=1" and f.pixels == 1
    assert f.message == ("'rice' is covered entirely (1 pixel, none visible) by annotation id=2 (plate), "
                         "because its level is higher (2 over 1)")
    out = json.loads((tmp_path / "o/annotations.json").read_text())
    assert [a["category_id"] for a in out["annotations"]] == [1]


ROUND_TRIP_SOURCES = {
    "coco": lambda: FOOD / "annotations.json",
    "cvat": lambda: FOOD / "cvat",
    "labelme": lambda: FOOD / "labelme",
    "voc": lambda: corpus("openagi-datum-voc/tests/dummy_data/seg/voc"),
    "labelme-xml": lambda: corpus("datumaro-assets/labelme_dataset"),
    "cvat-project": lambda: corpus("datumaro-openvino-assets/cvat_dataset/for_images/export_project"),
    "labelme2voc": lambda: corpus("labelme-examples/instance_segmentation/data_dataset_voc"),
}
WRITER_READS_AS = {"png": "masks", "voc": "voc", "coco-rle": "coco"}


def painted_set(src, labels=None):
    ds = open_dataset(src)
    lm = LabelMap.load(labels) if labels else (ds.source_labelmap or LabelMap.derive(ds.label_names))
    out = {}
    for sample in ds:
        if sample.usable:
            p = paint(sample, lm, instances=True)
            from convert.formats.objects import visible_objects
            objects, ids = visible_objects(p, lm)
            out[sample.stem] = (p.class_mask, ids, [o.label.name for o in objects])
    return out, lm


@pytest.mark.parametrize("source", sorted(ROUND_TRIP_SOURCES))
@pytest.mark.parametrize("to", sorted(WRITER_READS_AS))
def test_round_trip_loses_nothing(source, to, tmp_path):
    src = ROUND_TRIP_SOURCES[source]()
    labels = FOOD_LM if str(src).startswith(str(FOOD)) else None
    before, lm = painted_set(src, labels)
    lm_file = tmp_path / "lm.json"
    lm_file.write_text(json.dumps(lm.to_dict()))
    out = tmp_path / "out"
    api.convert(src, out, to=to, labels=lm_file)
    target = out / "annotations.json" if to == "coco-rle" else out
    after, _ = painted_set(target, lm_file)
    assert open_dataset(target).format == WRITER_READS_AS[to]
    assert sorted(after) == sorted(before)
    for stem, (mask, ids, names) in before.items():
        assert (after[stem][0] == mask).all(), stem
        if to != "png":  # png holds classes only
            assert (after[stem][1] == ids).all() and after[stem][2] == names, stem


def test_cli_to_voc_and_coco_rle(tmp_path):
    for to in ("voc", "coco-rle"):
        proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD_LM, "-o", tmp_path / to, "--to", to)
        assert proc.returncode == 0, proc.stderr
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "x", "--to", "coco-rle",
                   "--coco-mode", "panoptic")
    assert proc.returncode == 2 and "coco-mode" in proc.stderr


@settings(max_examples=300, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.integers(0, 1)))
def test_rle_from_runs_is_the_string_pycocotools_encodes(mask):
    """coco-rle encodes objects from the painter's runs; the strings must be pycocotools' own,
    also when the mask starts on the first pixel or ends on the last one."""
    from convert.formats.coco.write import encode, encode_runs
    from convert.pixels import runs

    if not mask.any():
        return
    starts, ends = runs.from_window(0, 0, mask.T.astype(bool), mask.shape[0])
    assert encode_runs(starts, ends, *mask.shape)["counts"].decode() == encode(mask.astype(bool))["counts"]


def test_coco_rle_keeps_the_sources_image_and_annotation_ids(tmp_path):
    """So that the output still joins with the user's other COCO files (captions, keypoints, predictions).
    An object made of several source annotations, and images or objects without an integer id, get new ids
    above the largest kept one."""
    src = json.loads((FOOD / "annotations.json").read_text())
    for image, new_id in zip(src["images"], (255917, 12, 400000, 7)):
        old = image["id"]
        image["id"] = new_id
        for ann in src["annotations"]:
            if ann["image_id"] == old:
                ann["image_id"] = new_id
    (tmp_path / "in.json").write_text(json.dumps(src))
    convert(tmp_path / "in.json", tmp_path / "o", "coco-rle", labels=FOOD_LM)
    out = json.loads((tmp_path / "o" / "annotations.json").read_text())
    assert [i["id"] for i in out["images"]] == [255917, 12, 400000, 7]
    source_ids = {a["id"]: a for a in src["annotations"]}
    written = {a["id"]: a for a in out["annotations"]}
    assert set(written) <= set(source_ids)  # every written object comes from one source annotation
    for ann_id, ann in written.items():
        assert ann["image_id"] == source_ids[ann_id]["image_id"]
    # semantic mode: one annotation per class per image, new ids 1..N; images keep theirs
    convert(tmp_path / "in.json", tmp_path / "s", "coco-rle", labels=FOOD_LM, coco_mode="semantic")
    out = json.loads((tmp_path / "s" / "annotations.json").read_text())
    assert [i["id"] for i in out["images"]] == [255917, 12, 400000, 7]
    assert [a["id"] for a in out["annotations"]] == list(range(1, len(out["annotations"]) + 1))


def test_coco_rle_gives_new_ids_above_the_kept_ones(tmp_path):
    """A VOC source has string ids: new image ids 1..N; a duplicate source id is not used twice."""
    convert(corpus("openagi-datum-voc/tests/dummy_data/seg/voc"), tmp_path / "o", "coco-rle")
    out = json.loads((tmp_path / "o" / "annotations.json").read_text())
    assert [i["id"] for i in out["images"]] == [1, 2]
    doc = {"images": [{"id": 5, "file_name": "a.jpg", "width": 4, "height": 4},
                      {"id": "x", "file_name": "b.jpg", "width": 4, "height": 4}],
           "annotations": [{"id": 9, "image_id": 5, "category_id": 1, "segmentation": [[0, 0, 2, 0, 2, 2]]},
                           {"id": 9, "image_id": "x", "category_id": 1, "segmentation": [[0, 0, 2, 0, 2, 2]]}],
           "categories": [{"id": 1, "name": "p"}]}
    (tmp_path / "d.json").write_text(json.dumps(doc))
    api.convert(tmp_path / "d.json", tmp_path / "d", to="coco-rle")
    out = json.loads((tmp_path / "d" / "annotations.json").read_text())
    assert [i["id"] for i in out["images"]] == [5, 6]
    assert [(a["id"], a["image_id"]) for a in out["annotations"]] == [(9, 5), (10, 6)]
