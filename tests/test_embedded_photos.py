"""A photo the source holds inside its annotation file (labelme's ``imageData``) is written out by every
writer that places photos, byte for byte, and nothing calls it missing."""

import base64
import io
import json

import pyarrow.parquet as pq
import pytest
from PIL import Image

from convert.formats.labelme.read import LabelmeDataset
from convert.reports.html_pictures import photo_thumbnail

from conftest import corpus, run_cli


def jpeg_bytes(size=(12, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def embedded(tmp_path):
    """A labelme file whose photo is only in imageData: its imagePath names a file that is not there."""
    photo = jpeg_bytes()
    doc = {"version": "5.5.0", "flags": {}, "imagePath": "gone/a.jpg", "imageData": base64.b64encode(photo).decode(),
           "imageHeight": 8, "imageWidth": 12,
           "shapes": [{"label": "plate", "points": [[1, 1], [9, 1], [9, 6]], "shape_type": "polygon",
                       "group_id": None, "flags": {}}]}
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.json").write_text(json.dumps(doc))
    return src, photo


def test_the_reader_keeps_the_embedded_photo(embedded):
    src, photo = embedded
    sample = LabelmeDataset(src)[0]
    assert sample.image_data == photo and sample.image_path is None
    assert photo_thumbnail(sample, sample.width, sample.height)[1]  # the report's picture shows it


@pytest.mark.parametrize("to, placed", [
    ("labelme", "a.jpg"), ("voc", "JPEGImages/a.jpg"), ("yolo", "images/train/a.jpg"),
    ("coco", "images/default/a.jpg"), ("mmseg", "img_dir/train/a.jpg"), ("cvat", "images/default/a.jpg"),
])
def test_writers_place_the_embedded_photo(embedded, tmp_path, to, placed):
    src, photo = embedded
    out = tmp_path / "out"
    result = run_cli("convert", src, "-o", out, "--to", to)
    assert result.returncode == 0, result.stderr
    assert "missing-image" not in result.stdout + result.stderr
    assert (out / placed).read_bytes() == photo
    if to == "labelme":
        assert json.loads((out / "a.json").read_text())["imagePath"] == "a.jpg"
    again = run_cli("validate", out)
    assert again.returncode == 0 and "missing-image" not in again.stdout + again.stderr, again.stdout


def test_hf_rows_hold_the_embedded_photo(embedded, tmp_path):
    src, photo = embedded
    out = tmp_path / "out"
    assert run_cli("convert", src, "-o", out, "--to", "hf").returncode == 0
    row = pq.read_table(next((out / "data").glob("*.parquet"))).to_pylist()[0]
    assert row["image"] == {"bytes": photo, "path": "a.jpg"}


def test_labelme_tutorial_file_keeps_its_photo(tmp_path):
    """labelme's own tutorial file names itself as imagePath: its photo exists only as imageData."""
    src = corpus("labelme-examples/tutorial/apc2016_obj3.json")
    photo = base64.b64decode(json.loads(src.read_text())["imageData"])
    out = tmp_path / "out"
    result = run_cli("convert", src, "-o", out, "--to", "labelme")
    assert result.returncode == 0 and "missing-image" not in result.stdout + result.stderr
    assert (out / "apc2016_obj3.jpg").read_bytes() == photo
