"""Deliveries without their photos (an annotations-only export): what the writers say and write, and what
segconv reads back from its own output."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from convert import api


def annotations_only(tmp_path, name="a.jpg"):
    """A COCO file of one 8x6 image with one polygon; the photo is not delivered."""
    src = tmp_path / "src" / "a.json"
    src.parent.mkdir()
    src.write_text(json.dumps({
        "images": [{"id": 1, "file_name": name, "width": 8, "height": 6}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 6, 1, 6, 5, 1, 5]]}],
        "categories": [{"id": 1, "name": "plate"}]}))
    return src


def test_yolo_without_photos_is_an_error_when_written_and_when_read_back(tmp_path):
    """segconv wrote labels/train/a.txt with no images/train/, said 'wrote a YOLO-seg dataset of 1 image',
    and read its own output back as an empty split: a warning, 0 images, Accepted."""
    out = tmp_path / "yolo"
    written = api.convert(annotations_only(tmp_path), out, to="yolo")
    (error,) = [f for f in written.findings if f.code == "missing-image" and f.severity.value == "error"]
    assert error.image == "a.jpg" and "images/train/ lacks it" in error.message
    assert "labels/train/a.txt cannot be used" in error.message
    assert written.exit_code() == 1 and "none has its photo" in written.summary
    assert (out / "labels/train/a.txt").is_file() and not (out / "images").exists()
    back = api.validate(out)
    assert back.exit_code() == 1
    (label,) = [f for f in back.findings if f.code == "missing-image"]
    assert label.severity.value == "error" and label.file == str(out / "labels/train/a.txt")
    assert "no image for this label file: 'images/train' is not a folder here" in label.message
    assert "no-usable-image" in {f.code for f in back.findings}


def test_hf_rows_without_a_photo_have_a_null_image_that_datasets_loads(tmp_path):
    """The row held image {bytes: None, path: 'a.jpg'}, and `datasets` raised FileNotFoundError on it."""
    datasets = pytest.importorskip("datasets")
    src = annotations_only(tmp_path)
    doc = json.loads(src.read_text())
    doc["images"].append({"id": 2, "file_name": "b.jpg", "width": 8, "height": 6})
    src.write_text(json.dumps(doc))
    Image.new("RGB", (8, 6), (9, 9, 9)).save(src.parent / "b.jpg")  # one photo delivered, one not
    out = tmp_path / "hf"
    written = api.convert(src, out, to="hf")
    (missing,) = [f for f in written.findings if f.code == "missing-image" and "row" in f.message]
    assert missing.image == "a.jpg" and missing.message.endswith("; its row's image is null")
    rows = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))["train"]
    by_name = {row["file_name"]: row for row in rows}
    assert by_name["a.jpg"]["image"] is None and by_name["a.jpg"]["label"].size == (8, 6)
    assert by_name["b.jpg"]["image"].size == (8, 6)
    back = api.validate(out)
    assert back.images == 2 and not [f for f in back.findings if f.severity.value == "error"]
    assert [f.image for f in back.findings if f.code == "missing-image"] == ["a.jpg"]


def test_hf_rows_whose_image_is_null_take_the_photo_from_images(tmp_path):
    """hf read-back said "pass --images DIR" for a null image, and took no photo from --images."""
    pytest.importorskip("pyarrow")
    out = tmp_path / "hf"
    api.convert(annotations_only(tmp_path), out, to="hf")
    (note,) = [f for f in api.validate(out).findings if f.code == "missing-image"]
    assert note.severity.value == "info" and note.message == (
        "no image file was found in the rows (1 image looked for); image sizes are not checked (pass --images DIR)")
    photos = tmp_path / "photos"
    photos.mkdir()
    back = api.validate(out, images=photos)
    (still,) = [f for f in back.findings if f.code == "missing-image"]
    assert still.severity.value == "info"
    assert still.message.startswith(f"no image file was found in the rows nor in --images {photos} ")
    Image.new("RGB", (8, 6)).save(photos / "a.jpg")
    assert not [f for f in api.validate(out, images=photos).findings if f.code == "missing-image"]
    Image.new("RGB", (9, 6)).save(photos / "a.jpg")
    (mismatch,) = [f for f in api.validate(out, images=photos).findings if f.severity.value != "info"]
    assert mismatch.code == "image-size-mismatch" and "a.jpg is 9x6" in mismatch.message
    placed = api.convert(out, tmp_path / "voc", to="voc", images=photos)
    assert not [f for f in placed.findings if f.code == "missing-image"]
    assert (tmp_path / "voc" / "JPEGImages" / "a.jpg").read_bytes() == (photos / "a.jpg").read_bytes()


def missing_said(report):
    return sorted((f.severity.value, f.image) for f in report.findings if f.code == "missing-image")


@pytest.mark.parametrize("to", ["voc", "coco", "mmseg", "labelme", "hf", "coco-panoptic", "png"])
def test_a_missing_photo_is_said_once_alike_by_convert_validate_and_the_output(tmp_path, to):
    """convert said an info for the set and a warning per image (so convert --strict refused where validate
    --strict accepted), and labelme's own output read back said a warning where its source said an info."""
    src = annotations_only(tmp_path)
    validated = api.validate(src)
    written = api.convert(src, tmp_path / to, to=to)
    assert missing_said(validated) == missing_said(written) == [("info", None)]
    assert [f for f in written.findings if f.code == "missing-image"][0].message.startswith(
        "no image file was found beside the annotations (1 image looked for)")
    assert api.validate(src, strict=True).exit_code() == api.convert(src, tmp_path / "s", to=to, strict=True,
                                                                     dry_run=True).exit_code()
    if to in ("labelme", "hf"):  # the outputs segconv reads back keep the source's severity
        assert missing_said(api.validate(tmp_path / to)) == [("info", None)]


@pytest.mark.parametrize("to", ["voc", "labelme", "hf"])
def test_with_some_photos_each_missing_one_is_one_warning_with_the_writers_words(tmp_path, to):
    src = annotations_only(tmp_path)
    doc = json.loads(src.read_text())
    doc["images"].append({"id": 2, "file_name": "b.jpg", "width": 8, "height": 6})
    src.write_text(json.dumps(doc))
    Image.new("RGB", (8, 6)).save(src.parent / "b.jpg")
    validated, written = api.validate(src), api.convert(src, tmp_path / to, to=to)
    assert missing_said(validated) == missing_said(written) == [("warning", "a.jpg")]
    (said,) = [f.message for f in written.findings if f.code == "missing-image"]
    assert said.startswith("image file not found (pass --images DIR); its size is not checked; ")
    assert missing_said(api.validate(tmp_path / to)) == [("warning", "a.jpg")]  # the output read back alike
