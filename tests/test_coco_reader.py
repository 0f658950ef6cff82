"""COCO instances: every trap of docs/formats.md ("COCO instances") is a finding on its annotation."""

import json

import numpy as np
import pytest

from convert.errors import SegconvError
from convert.formats.coco.instances import CocoDataset
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import coco_doc, corpus, write_json

IMG = {"id": 1, "file_name": "a.jpg", "width": 4, "height": 5}
CATS = [{"id": 3, "name": "plate"}, {"id": 9, "name": "rice"}]
SQUARE = [0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 0.0, 4.0]


def load(tmp_path, anns, images=(IMG,), cats=CATS):
    return CocoDataset(write_json(tmp_path / "in.json", coco_doc(list(images), anns, cats)))


def one(tmp_path, seg, **extra):
    ds = load(tmp_path, [{"id": 7, "image_id": 1, "category_id": 3, "segmentation": seg, **extra}])
    [sample] = list(ds)
    return sample


def codes(sample):
    return [f.code for f in sample.findings]


@pytest.mark.parametrize("seg, code", [
    ([], "empty-segmentation"),
    ([[]], "empty-segmentation"),
    (None, "empty-segmentation"),
    ([[1.0, 1.0, 3.0, 3.0]], "box-as-polygon"),
    ([[1.0, 1.0, 3.0, 3.0, 2.0]], "too-few-points"),
    ([[1.0, float("nan"), 3.0, 1.0, 3.0, 3.0]], "non-finite-coordinate"),
    ([["1", "1", "3", "1", "3", "3"]], "bad-value"),
    (SQUARE, "bad-value"),                                   # flat list instead of a list of rings
    ({"size": [4, 5], "counts": [20]}, "rle-size-mismatch"),
    ({"size": [5, 4], "counts": [6, 2, 3]}, "rle-count-sum"),
    ({"size": [5, 4], "counts": "623"}, "rle-count-sum"),
    ({"size": [5, 4], "counts": "62 04"}, "rle-invalid"),
    ({"size": [5, 4], "counts": [6, -2, 16]}, "rle-invalid"),
    ({"size": [5, 4], "counts": 12}, "bad-value"),
    ({"size": "5x4", "counts": "62304"}, "bad-value"),
    ("polygon", "bad-value"),
])
def test_unpaintable_segmentations_are_reported_and_not_painted(tmp_path, seg, code):
    sample = one(tmp_path, seg)
    assert codes(sample) == [code]
    [f] = sample.findings
    assert f.element == "annotation id=7" and f.file.endswith("in.json") and f.image == "a.jpg"
    assert sample.regions == []


def test_transposed_rle_size_is_named(tmp_path):
    sample = one(tmp_path, {"size": [4, 5], "counts": [20]})
    assert "looks like [width, height]" in sample.findings[0].message


def test_odd_ring_is_painted_as_pycocotools_does_and_reported(tmp_path):
    sample = one(tmp_path, [SQUARE + [9.0]])
    assert codes(sample) == ["odd-coordinate-count"]
    assert paint(sample, LabelMap.derive(["plate"])).class_mask[:4].all()


def test_bad_rings_do_not_hide_good_rings(tmp_path):
    sample = one(tmp_path, [[1.0, 1.0, 3.0, 3.0], SQUARE])
    assert codes(sample) == ["box-as-polygon"]
    assert paint(sample, LabelMap.derive(["plate"])).class_mask.sum() == 16


def test_bytes_literal_counts_are_repaired_with_a_warning(tmp_path):
    sample = one(tmp_path, {"size": [5, 4], "counts": "b'62304'"})
    assert codes(sample) == ["rle-bytes-literal"]
    assert paint(sample, LabelMap.derive(["plate"])).class_mask.sum() == 4


def test_dangling_and_duplicate_ids(tmp_path):
    anns = [
        {"id": 1, "image_id": 1, "category_id": 99, "segmentation": [SQUARE]},
        {"id": 1, "image_id": 1, "category_id": 3, "segmentation": [SQUARE]},
        {"id": 2, "image_id": 404, "category_id": 3, "segmentation": [SQUARE]},
    ]
    ds = load(tmp_path, anns)
    assert [f.code for f in ds.findings] == ["duplicate-id", "dangling-image-id"]
    assert ds.findings[1].element == "annotation id=2"
    [sample] = list(ds)
    assert codes(sample) == ["unknown-category-id"] and len(sample.regions) == 1


@pytest.mark.parametrize("image, code", [
    ({"id": 2, "file_name": "b.jpg", "width": 0, "height": 5}, "bad-image"),
    ({"id": 2, "file_name": "b.jpg", "width": "4", "height": 5}, "bad-image"),
    ({"id": 2, "width": 4, "height": 5}, "bad-image"),
    ({"id": 2, "file_name": "../../etc/b.jpg", "width": 4, "height": 5}, "unsafe-path"),
    ({"id": 2, "file_name": "/abs/b.jpg", "width": 4, "height": 5}, "unsafe-path"),
    ({"id": 2, "file_name": "C:\\data\\b.jpg", "width": 4, "height": 5}, "unsafe-path"),
    ({"id": 2, "file_name": "\\\\server\\share\\b.jpg", "width": 4, "height": 5}, "unsafe-path"),
    ({"id": 2, "file_name": "b.jpg", "width": 100000, "height": 100000}, "image-too-large"),
    ({"id": 1, "file_name": "b.jpg", "width": 4, "height": 5}, "duplicate-image"),
    ({"id": 2, "file_name": "a.png", "width": 4, "height": 5}, "duplicate-image"),
])
def test_bad_image_entries_are_findings_and_skipped(tmp_path, image, code):
    ds = load(tmp_path, [], images=(IMG, image))
    assert [f.code for f in ds.findings] == [code]
    assert len(ds) == 1


@pytest.mark.parametrize("image, code", [
    ({"id": 2, "file_name": "b.jpg", "width": 100000, "height": 100000}, "image-too-large"),
    ({"id": 2, "file_name": "../../escape.jpg", "width": 4, "height": 5}, "unsafe-path"),
    ({"id": 2, "file_name": "b.jpg", "width": 0, "height": 5}, "bad-image"),
    ({"id": 2, "file_name": "a.png", "width": 4, "height": 5}, "duplicate-image"),
])
def test_annotations_of_a_refused_image_are_counted_on_it_not_dangling(tmp_path, image, code):
    """They were one dangling-image-id error each, saying their image_id matched no image, while it did."""
    anns = [{"id": 5, "image_id": 2, "category_id": 3, "segmentation": [SQUARE]},
            {"id": 6, "image_id": 2, "category_id": 3, "segmentation": [SQUARE]},
            {"id": 7, "image_id": 404, "category_id": 3, "segmentation": [SQUARE]}]
    ds = load(tmp_path, anns, images=(IMG, image))
    assert [f.code for f in ds.findings] == [code, "dangling-image-id"]
    assert ds.findings[0].message.endswith("; its 2 annotations are not painted")
    assert ds.findings[1].element == "annotation id=7"
    assert ds.findings[1].message == "image_id 404 matches no image; not painted"


def test_gappy_category_ids_keep_their_names_and_windows_names_are_normalised(tmp_path):
    img = {"id": 5, "file_name": "sub\\dir\\x.jpg", "width": 4, "height": 5}
    ds = load(tmp_path, [{"id": 1, "image_id": 5, "category_id": 9, "segmentation": [SQUARE]}], images=(img,))
    assert ds.label_names == ["plate", "rice"]
    [sample] = list(ds)
    assert sample.name == "sub/dir/x.jpg" and sample.stem == "sub/dir/x"
    assert sample.regions[0].label == "rice"


def test_bad_categories_are_reported(tmp_path):
    ds = load(tmp_path, [], cats=[{"id": "3", "name": "x"}, {"id": 4, "name": "y"}, {"id": 4, "name": "z"}])
    assert [f.code for f in ds.findings] == ["bad-category", "bad-category"]
    assert ds.label_names == ["y"]


def test_nan_written_by_python_json_is_a_finding_not_a_parse_error(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(coco_doc([IMG], [
        {"id": 1, "image_id": 1, "category_id": 3, "segmentation": [[0, float("nan"), 4, 0, 4, 4]]}], CATS)))
    assert "NaN" in path.read_text()
    [sample] = list(CocoDataset(path))
    assert codes(sample) == ["non-finite-coordinate"]


@pytest.mark.parametrize("content, message", [
    (b"", "file is empty"),
    (b'{"images": [\n {"id": 1,,}', "invalid JSON"),
    (b'\xff\xfe{"images": []}', "not valid UTF-8"),
    (b"[1, 2]", "top level must be a JSON object"),
    (b'[{"image_id": 1, "category_id": 1, "segmentation": {}, "score": 0.5}]', "results list"),
    (b'{"annotations": []}', "no 'images' list"),
    (b'{"images": {}, "annotations": []}', "'images' must be a list"),
    (b'{"images": [], "annotations": [{"image_id": 1, "segments_info": []}]}', "panoptic"),
])
def test_unusable_files_raise_errors_naming_the_file(tmp_path, content, message):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(SegconvError) as err:
        CocoDataset(path)
    assert message in str(err.value) and err.value.file == str(path)


def test_truncated_json_names_the_line(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{\n"images": [\n{"id": 1, "file_name": "a.jpg",\n')
    with pytest.raises(SegconvError) as err:
        CocoDataset(path)
    assert err.value.line is not None


def test_corpus_datumaro_instances_box_only_annotation_is_reported():
    ds = CocoDataset(corpus("datumaro-assets/coco_instances/annotations/instances_train.json"))
    [sample] = list(ds)
    assert codes(sample) == ["empty-segmentation"]
    assert sample.findings[0].element == "annotation id=1" and sample.regions == []


def test_corpus_datumaro_instances_with_uncompressed_crowd_rle():
    ds = CocoDataset(corpus("datumaro-assets/coco_instances/annotations/instances_val.json"))
    samples = list(ds)
    assert samples and all(s.findings == [] for s in samples)
    assert any(r.crowd for s in samples for r in s.regions)


def test_corpus_pycococreator_masks_match_the_source_pngs():
    from PIL import Image

    ds = CocoDataset(corpus("pycococreator-example/example_data/annotations/coco_example.json"))
    [sample] = list(ds)
    crowd = [r for r in sample.regions if r.crowd]
    assert len(crowd) == 1
    lm = LabelMap.derive(ds.label_names)
    from convert.painting.rasterize import rasterize

    mask = rasterize(crowd[0].geometry, sample.height, sample.width)
    png = np.asarray(Image.open(corpus("pycococreator-example/example_data/annotations/100_crowd_1.png"))
                     .convert("L")) > 127
    assert mask.sum() == 34073 and (mask == png).all()
    assert paint(sample, lm).class_mask.any()
