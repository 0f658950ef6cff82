"""Image size and EXIF orientation from headers equal Pillow's answers after a full decode: on every image of
the corpus and on generated files of each format, with and without orientation, EXIF after the image data
included; files the parser does not understand go to Pillow, which says why."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from convert.files.image_header import read_header
from convert.files.images import ImageProblem, oriented_size

from conftest import CORPUS

TRANSPOSED = {5, 6, 7, 8}


def pillow_answer(source):
    """What Pillow says after decoding everything: size and orientation (EXIF, else XMP, as Pillow reads)."""
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as im:
        im.load()
        return im.width, im.height, im.getexif().get(0x0112, 1)


def pillow_oriented(source):
    """The displayed size after a full decode (Pillow applies a TIFF's orientation itself when loading)."""
    width, height, orientation = pillow_answer(source)
    return (height, width) if orientation in TRANSPOSED else (width, height)


def exif_bytes(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def photo(width=37, height=23, mode="RGB"):
    rng = np.random.default_rng(width * 100 + height)
    return Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).convert(mode)


def saved(image, fmt, **kw):
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_chunk_before_iend(png, chunk):
    assert png.endswith(png_chunk(b"IEND", b""))
    return png[:-12] + chunk + png[-12:]


def corpus_images():
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp", ".webp",
                                                                         ".tif", ".tiff"))


@pytest.mark.parametrize("path", corpus_images(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_images_answer_as_pillow(path):
    assert read_header(path) == pillow_answer(path)
    assert oriented_size(path) == pillow_oriented(path)


def test_the_corpus_has_images_of_several_formats():
    if not CORPUS.is_dir():
        pytest.skip("corpus not available")
    assert {p.suffix.lower() for p in corpus_images()} >= {".jpg", ".png"}


@pytest.mark.parametrize("orientation", [None, 1, 2, 3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_generated_files_with_every_orientation(fmt, orientation):
    kw = {} if orientation is None else {"exif": exif_bytes(orientation)}
    if fmt == "WEBP":
        kw["lossless"] = orientation in (2, 4)  # VP8L as well as VP8
    data = saved(photo(), fmt, **kw)
    if fmt != "TIFF":  # Pillow turns a TIFF upright when it loads it, and drops the tag
        assert read_header(data) == pillow_answer(data)
    width, height = (23, 37) if orientation in TRANSPOSED else (37, 23)
    assert oriented_size(data) == pillow_oriented(data) == (width, height)


def test_png_exif_after_the_image_data_is_found():
    """Pillow decodes the whole image to find it; the header walk skips IDAT by its length."""
    data = with_chunk_before_iend(saved(photo(640, 480), "PNG"), png_chunk(b"eXIf", exif_bytes(6)[6:]))
    assert pillow_answer(data) == (640, 480, 6)
    assert read_header(data) == (640, 480, 6) and oriented_size(data) == (480, 640)


def test_png_raw_profile_and_xmp_orientation_as_pillow_reads_them():
    exif = exif_bytes(8)
    text = "\nexif\n" + f"{len(exif):8d}\n" + exif.hex() + "\n"
    raw = png_chunk(b"zTXt", b"Raw profile type exif\x00\x00" + zlib.compress(text.encode()))
    data = with_chunk_before_iend(saved(photo(), "PNG"), raw)
    assert read_header(data) == pillow_answer(data) == (37, 23, 8)
    xmp = b'<x:xmpmeta><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    data = with_chunk_before_iend(saved(photo(), "PNG"), png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00"
                                                                      + xmp))
    assert read_header(data) == pillow_answer(data) == (37, 23, 6)


def test_jpeg_xmp_orientation_when_exif_has_none():
    xmp = b'<x:xmpmeta><rdf:Description tiff:Orientation="5"/></x:xmpmeta>'
    data = saved(photo(), "JPEG", xmp=xmp)
    assert read_header(data) == pillow_answer(data) == (37, 23, 5)


@pytest.mark.parametrize("mode", ["RGB", "P", "L", "1"])
def test_bmp(mode):
    data = saved(photo(mode=mode), "BMP")
    assert read_header(data) == pillow_answer(data) == (37, 23, 1)


def test_other_formats_and_broken_files_go_to_pillow(tmp_path):
    gif = saved(photo(), "GIF")
    assert read_header(gif) is None and oriented_size(gif) == (37, 23)
    broken = saved(photo(), "PNG")
    broken = broken[:20] + bytes([broken[20] ^ 1]) + broken[21:]  # IHDR's CRC no longer matches
    assert read_header(broken) is None
    with pytest.raises(ImageProblem):
        oriented_size(broken)
    for data in (b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"garbage" * 10):
        (tmp_path / "x.img").write_bytes(data)
        assert read_header(tmp_path / "x.img") is None
        with pytest.raises(ImageProblem):
            oriented_size(tmp_path / "x.img")


def test_a_huge_declared_png_is_refused_like_pillow_refuses_it():
    header = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
    data = header + png_chunk(b"IDAT", zlib.compress(b"\x00")) + png_chunk(b"IEND", b"")
    assert read_header(data) == (100000, 100000, 1)  # read, never allocated
    with pytest.raises(ImageProblem, match=r"decompression bomb \(100000x100000 = 10,000,000,000 pixels, above "
                                           r"--max-pixels 268,435,456\)"):
        oriented_size(data)
