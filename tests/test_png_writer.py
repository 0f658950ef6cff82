"""The png layout: palette or 16-bit masks, label map files, atomic writes, safe paths."""

import json

import numpy as np
import pytest
from PIL import Image

from convert.errors import SegconvError
from convert.formats.png.write import PngWriter, encode_mask
from convert.model.labelmap import LabelMap
from convert.model.sample import Origin, Sample
from convert.painting.painted import Painted


def test_palette_png_keeps_indices_and_colours(tmp_path):
    lm = LabelMap.from_dict({"classes": [{"name": "bg", "index": 0, "level": 0, "fill": True},
                                         {"name": "rice", "index": 4, "level": 2, "color": [9, 8, 7]}]})
    path = tmp_path / "m.png"
    path.write_bytes(encode_mask(np.array([[0, 4], [255, 4]], np.uint8), lm))
    im = Image.open(path)
    assert im.mode == "P"
    assert np.asarray(im).tolist() == [[0, 4], [255, 4]]
    assert im.getpalette()[12:15] == [9, 8, 7]
    assert im.convert("RGB").getpixel((0, 1)) == (224, 224, 192)  # void in VOC colours


def test_sixteen_bit_when_an_index_exceeds_254(tmp_path):
    lm = LabelMap.derive([f"c{i}" for i in range(300)])
    mask = np.array([[0, 301], [255, 7]], np.uint16)
    path = tmp_path / "m.png"
    path.write_bytes(encode_mask(mask, lm))
    im = Image.open(path)
    assert im.mode.startswith("I") and np.asarray(im).tolist() == [[0, 301], [255, 7]]


def sample(name):
    return Sample(name, 2, 1, [], Origin("x"))


def test_writer_keeps_subfolders_and_writes_labelmaps_last(tmp_path):
    lm = LabelMap.derive(["plate"])
    writer = PngWriter(tmp_path, lm)
    writer.write(sample("sub/dir/a.jpg"), Painted(np.zeros((1, 2), np.uint8)))
    assert (tmp_path / "masks/sub/dir/a.png").is_file()
    assert not (tmp_path / "labelmap.json").exists()
    writer.finish()
    assert json.loads((tmp_path / "labelmap.json").read_text())["classes"][1]["name"] == "plate"
    assert (tmp_path / "labelmap.txt").read_text().splitlines()[1:] == ["background:0,0,0::", "plate:128,0,0::",
                                                                        "ignored:224,224,192::"]
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize("name", ["../escape.jpg", "/abs.jpg", "C:/x.jpg"])
def test_writer_never_writes_outside_out(tmp_path, name):
    out = tmp_path / "out"
    writer = PngWriter(out, LabelMap.derive(["plate"]))
    with pytest.raises(SegconvError):
        writer.write(sample(name), Painted(np.zeros((1, 2), np.uint8)))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_writer_refuses_a_symlink_leading_out(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "masks").mkdir(parents=True)
    elsewhere.mkdir()
    (out / "masks" / "link").symlink_to(elsewhere)
    writer = PngWriter(out, LabelMap.derive(["plate"]))
    with pytest.raises(SegconvError, match="outside"):
        writer.write(sample("link/a.jpg"), Painted(np.zeros((1, 2), np.uint8)))
    assert list(elsewhere.iterdir()) == []


def test_run_length_deflate_is_lossless_and_no_larger_than_pillows_default(tmp_path):
    """Masks are written by convert.pixels.png_encode (no row filter, zlib's run-length strategy: faster); they
    must decode to the same pixels in any reader and not cost disk: checked on the food fixture's masks."""
    import io

    from convert import api

    from conftest import FOOD

    api.convert(FOOD / "annotations.json", tmp_path / "o", labels=FOOD / "labelmap.yaml")
    ours = default = 0
    for path in sorted((tmp_path / "o" / "masks").rglob("*.png")):
        im = Image.open(path)
        buffer = io.BytesIO()
        im.save(buffer, format="PNG")  # Pillow's defaults
        assert np.array_equal(np.asarray(Image.open(buffer)), np.asarray(im))
        ours += path.stat().st_size
        default += len(buffer.getvalue())
    assert ours <= default
