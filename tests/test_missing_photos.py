"""Deliveries without their photos (an annotations-only export): what the writers say and write, and what
segconv reads back from its own output."""

from __future__ import annotations

import json

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
