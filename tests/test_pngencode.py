"""convert.pixels.png_encode: every kind of label PNG decodes, in Pillow, to exactly the array it was made from."""

import io

import numpy as np
import pytest
from PIL import Image

from convert.pixels.png_encode import encode_png, encode_png_rgb, encode_png_rgb_columns

SHAPES = [(1, 1), (1, 7), (5, 1), (3, 4), (37, 53)]


def decode(png: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(png))
    im.load()  # checks every CRC and the zlib stream
    return im


@pytest.mark.parametrize("shape", SHAPES)
def test_grayscale_palette_and_16_bit(shape):
    rng = np.random.default_rng(sum(shape))
    mask = rng.integers(0, 4, shape).astype(np.uint8) * 60
    im = decode(encode_png(mask))
    assert im.mode == "L" and np.array_equal(np.asarray(im), mask)
    palette = [v for i in range(256) for v in (i, 255 - i, 7)]
    im = decode(encode_png(mask, palette))
    assert im.mode == "P" and np.array_equal(np.asarray(im), mask) and im.getpalette() == palette
    wide = rng.integers(0, 65535, shape).astype(np.uint16)
    im = decode(encode_png(wide))
    assert np.array_equal(np.asarray(im).astype(np.uint16), wide)


@pytest.mark.parametrize("shape", SHAPES)
def test_rgb_with_the_sub_filter_and_from_an_index_table(shape):
    rng = np.random.default_rng(7 + sum(shape))
    rgb = rng.integers(0, 256, (*shape, 3)).astype(np.uint8)
    rgb[:, : shape[1] // 2] = (250, 3, 129)  # runs, and values that wrap around in the filter
    assert np.array_equal(np.asarray(decode(encode_png(rgb))), rgb)
    index = rng.integers(0, 300, shape)
    colours = rng.integers(0, 256, (300, 3)).astype(np.uint8)
    colours[:, 2] = 0  # a channel that is zero everywhere is skipped: still zeros in the image
    png = encode_png_rgb(index, colours)
    assert np.array_equal(np.asarray(decode(png)), colours[index])
    # panopticapi reads ids as np.array(Image.open(png), dtype=np.uint32): the RGB channels, not a palette
    assert np.array(Image.open(io.BytesIO(png)), dtype=np.uint32).shape == (*shape, 3)


def test_other_arrays_are_refused():
    with pytest.raises(ValueError, match="cannot encode"):
        encode_png(np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="cannot encode"):
        encode_png(np.zeros((2, 2, 4), dtype=np.uint8))


@pytest.mark.parametrize("table_kind", ["identity", "shuffled", "wide"])
def test_rgb_of_uint8_numbers_equals_the_table_lookup(table_kind):
    """Panoptic PNGs are drawn from uint8 segment numbers; the red channel's lookup is skipped when the table
    maps every number to itself, and must not be when it does not."""
    rng = np.random.default_rng(3)
    numbers = rng.integers(0, 12, size=(37, 53), dtype=np.uint8)
    if table_kind == "identity":
        colours = np.stack([np.arange(12), np.zeros(12), np.zeros(12)], axis=1).astype(np.uint8)
    elif table_kind == "shuffled":
        colours = rng.integers(0, 256, size=(12, 3), dtype=np.uint8)
    else:  # more than 256 entries: never the identity, whatever the first ones are
        colours = np.stack([np.arange(300) % 256, np.arange(300) // 256, np.zeros(300)], axis=1).astype(np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(encode_png_rgb(numbers, colours))))
    assert decoded.shape == (37, 53, 3)
    assert (decoded == colours[numbers]).all()


@pytest.mark.parametrize("shape", [*SHAPES, (3, 300), (300, 3)])
@pytest.mark.parametrize("kind", ["uint8 identity", "uint8 shuffled", "uint32 wide"])
def test_rgb_from_columns_is_the_same_bytes_as_from_rows(shape, kind):
    """coco-panoptic encodes its segment numbers as painting stores them, column by column: the PNG must be
    byte for byte the one of the row-major image (wider than a block of columns too)."""
    rng = np.random.default_rng(11 + sum(shape))
    n = 300 if kind == "uint32 wide" else 12
    numbers = rng.integers(0, n, size=shape).astype(np.uint32 if kind == "uint32 wide" else np.uint8)
    numbers[:, : shape[1] // 3] = n - 1  # runs across columns
    if kind == "uint8 identity":
        colours = np.stack([np.arange(n), np.zeros(n), np.zeros(n)], axis=1).astype(np.uint8)
    elif kind == "uint8 shuffled":
        colours = rng.integers(0, 256, size=(n, 3), dtype=np.uint8)
    else:
        colours = np.stack([np.arange(n) % 256, np.arange(n) // 256, np.zeros(n)], axis=1).astype(np.uint8)
    assert encode_png_rgb_columns(np.ascontiguousarray(numbers.T), colours) == encode_png_rgb(numbers, colours)
