"""COCO instances as a folder, the way exports lay it out: ``annotations/instances_<subset>.json`` with
``images/<subset>/`` (Datumaro, CVAT) or ``<subset>/`` beside ``annotations/`` (the COCO download), and
segconv's own ``coco-rle`` output; all detected without --from.  A detection-only VOC tree whose image
without objects looks like MIT LabelMe XML (``<segmented>`` is not ``<segm>``) is VOC alone."""

import json

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.readers import detect_format, open_dataset

from conftest import FOOD, corpus


def coco_file(path, images, category="plate"):
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"images": [{"id": i, "file_name": name, "width": 8, "height": 6} for i, name in enumerate(images, 1)],
           "annotations": [{"id": i, "image_id": i, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 4, 1, 4]],
                            "area": 12, "bbox": [1, 1, 4, 3], "iscrowd": 0} for i in range(1, len(images) + 1)],
           "categories": [{"id": 1, "name": category}]}
    path.write_text(json.dumps(doc))


def photo(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 6)).save(path)


def test_datumaros_coco_export_with_two_subsets():
    root = corpus("datumaro-assets/coco_instances")
    assert detect_format(root) == "coco"  # it matched no known format
    ds = open_dataset(root)
    samples = list(ds)
    assert sorted((s.subset, s.name) for s in samples) == [("train", "train/a.jpg"), ("val", "val/b.jpg")]
    assert all(s.image_path and "/images/" in s.image_path for s in samples)


def test_datumaros_coco_stuff_export_is_read_as_a_folder_as_its_files_are():
    """It was refused: "matches no known format itself; below it: annotations/stuff_train.json ...". """
    root = corpus("datumaro-assets/coco_stuff")
    assert detect_format(root) == "coco"
    samples = list(open_dataset(root))
    assert sorted((s.subset, s.name) for s in samples) == [("train", "train/a.jpg"), ("val", "val/b.jpg")]
    labels = api.load(root).labelmap
    for sample in samples:
        subset, name = sample.name.split("/")
        [alone] = list(open_dataset(root / "annotations" / f"stuff_{subset}.json"))
        assert alone.name == name and alone.image_path == sample.image_path
        assert (api.load(root).mask(sample) == api.load(alone.origin.file, labels=labels).mask(alone)).all()


def test_stuff_files_beside_instances_files_are_named_not_read(tmp_path):
    coco_file(tmp_path / "annotations" / "instances_val.json", ["a.jpg"])
    coco_file(tmp_path / "annotations" / "stuff_val.json", ["a.jpg"], category="grass")
    ds = open_dataset(tmp_path)
    assert [r.label for s in ds for r in s.regions] == ["plate"]
    (note,) = [f for f in ds.findings if f.code == "skipped-file"]
    assert note.severity.value == "info" and note.message.startswith(
        "annotations/stuff_val.json: COCO-Stuff, not read beside the instances files")


def test_the_coco_download_layout_and_the_same_name_in_two_subsets(tmp_path):
    coco_file(tmp_path / "annotations" / "instances_train2017.json", ["0001.jpg"])
    coco_file(tmp_path / "annotations" / "instances_val2017.json", ["0001.jpg"])
    (tmp_path / "annotations" / "captions_val2017.json").write_text(json.dumps({"images": [], "annotations": []}))
    photo(tmp_path / "train2017" / "0001.jpg")
    photo(tmp_path / "val2017" / "0001.jpg")
    assert detect_format(tmp_path) == "coco"
    report = api.convert(tmp_path, tmp_path.parent / "out")
    assert report.written == 2 and report.exit_code() == 0 and not report.findings  # photos found, no clash
    assert sorted(p.relative_to(tmp_path.parent / "out" / "masks").as_posix()
                  for p in (tmp_path.parent / "out" / "masks").rglob("*.png")) == ["train2017/0001.png",
                                                                                   "val2017/0001.png"]


def test_cvats_export_with_one_subset_keeps_plain_names(tmp_path):
    coco_file(tmp_path / "annotations" / "instances_default.json", ["a.jpg"])
    photo(tmp_path / "images" / "a.jpg")
    assert detect_format(tmp_path) == "coco"
    (sample,) = list(open_dataset(tmp_path))
    assert sample.name == "a.jpg" and sample.image_path == str(tmp_path / "images" / "a.jpg")


def test_segconvs_coco_rle_output_is_read_back_without_from(tmp_path):
    api.convert(FOOD / "annotations.json", tmp_path / "rle", to="coco-rle", labels=FOOD / "labelmap.yaml")
    assert detect_format(tmp_path / "rle") == "coco"  # it matched no known format
    api.convert(FOOD / "annotations.json", tmp_path / "png", labels=FOOD / "labelmap.yaml")
    api.convert(tmp_path / "rle", tmp_path / "back", labels=FOOD / "labelmap.yaml")
    for mask in (tmp_path / "png" / "masks").rglob("*.png"):
        again = tmp_path / "back" / "masks" / mask.relative_to(tmp_path / "png" / "masks")
        np.testing.assert_array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(mask)))


def test_a_folder_without_instances_is_no_coco(tmp_path):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "captions_val2017.json").write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(SegconvError, match="matches no known format"):
        detect_format(tmp_path)


def test_a_detection_only_voc_tree_is_voc_alone():
    root = corpus("datumaro-assets/voc_dataset/voc_dataset2")  # its @.xml has no object, only <segmented>
    with pytest.raises(SegconvError) as err:
        open_dataset(root)
    assert "matches several formats" not in str(err.value)
    assert "no SegmentationClass/ folder: it holds detection boxes only" in str(err.value)


@pytest.mark.parametrize("layout, reader", [("png", "masks"), ("voc", "voc"), ("coco-rle", "coco"),
                                            ("coco-panoptic", "coco-panoptic"), ("yolo", "yolo"),
                                            ("label-studio", "label-studio")])
def test_every_layout_segconv_reads_back_is_detected(tmp_path, layout, reader):
    """README: what segconv writes as these layouts, it reads back without --from."""
    api.convert(FOOD / "annotations.json", tmp_path / layout, to=layout, labels=FOOD / "labelmap.yaml")
    assert detect_format(tmp_path / layout) == reader


def test_another_tools_annotations_json_alone_in_a_folder_is_read_as_coco(tmp_path):
    """New-user trial: a folder holding only a COCO annotations.json (not segconv's) was told "matches no
    known format itself; below it: annotations.json", a file in the folder, not below it."""
    coco_file(tmp_path / "annotations.json", ["a.jpg", "b.jpg"])
    assert detect_format(tmp_path) == "coco"
    assert [s.name for s in open_dataset(tmp_path)] == ["a.jpg", "b.jpg"]


def test_from_coco_reads_a_folders_annotations_json_whoever_wrote_it(tmp_path):
    """`--from coco` on fixtures/food said "no COCO instances file here: looked for … annotations.json" with
    that file there; beside LabelMe files the folder is still LabelMe's without --from."""
    coco_file(tmp_path / "annotations.json", ["a.jpg"])
    (tmp_path / "a.json").write_text(json.dumps({"shapes": [], "imagePath": "a.jpg", "imageHeight": 6,
                                                 "imageWidth": 8}))
    assert detect_format(tmp_path) == "labelme"
    assert [s.name for s in open_dataset(tmp_path, "coco")] == ["a.jpg"]
    assert [s.name for s in open_dataset(FOOD, "coco")] == [s.name for s in open_dataset(FOOD / "annotations.json")]


def test_from_coco_on_a_folder_whose_annotations_json_is_no_coco_names_that_file(tmp_path):
    (tmp_path / "annotations.json").write_text(json.dumps({"shapes": []}))
    with pytest.raises(SegconvError) as err:
        open_dataset(tmp_path, "coco")
    assert "annotations.json" in (err.value.file or "") and "looked for" not in str(err.value)
