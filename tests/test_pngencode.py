"""convert.pixels.png_encode: every kind of label PNG decodes, in Pillow, to exactly the array it was made from."""

import io

import numpy as np
import pytest
from PIL import Image

from convert.pixels import png_encode
from convert.pixels.png_encode import encode_png, encode_png_rgb, encode_png_rgb_stretches

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


def stretches_of(numbers: np.ndarray, rng, cut: bool) -> tuple[np.ndarray, np.ndarray]:
    """The column-major stretches of an image (a stretch per run of one value; with ``cut``, runs also cut at
    random points, as painting cuts them where regions change below the top one)."""
    flat = numbers.T.reshape(-1)
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    if cut:
        starts = np.union1d(starts, rng.choice(flat.size, size=flat.size // 3 + 1))
    return starts, flat[starts]


@pytest.mark.parametrize("shape", [*SHAPES, (3, 300), (300, 3), (64, 80)])
@pytest.mark.parametrize("kind", ["uint8 identity", "uint8 shuffled", "uint32 wide", "vertical stripes"])
@pytest.mark.parametrize("cut", [False, True])
def test_rgb_from_stretches_is_the_same_bytes_as_from_rows(shape, kind, cut):
    """coco-panoptic encodes its segment numbers from the stretches painting gives: the PNG must be byte for
    byte the one of the row-major image."""
    rng = np.random.default_rng(11 + sum(shape))
    n = 300 if kind == "uint32 wide" else 12
    numbers = rng.integers(0, n, size=shape)
    numbers[:, : shape[1] // 3] = n - 1  # runs across columns
    numbers[shape[0] // 2:, shape[1] // 2:] = 5  # a block whose runs go on into the next column
    if kind == "vertical stripes":  # every pixel differs from its left neighbour
        numbers = np.broadcast_to(np.arange(shape[1]) % 2 + 1, shape).copy()
    if kind == "uint8 identity":
        colours = np.stack([np.arange(n), np.zeros(n), np.zeros(n)], axis=1).astype(np.uint8)
    elif kind == "uint8 shuffled":
        colours = rng.integers(0, 256, size=(n, 3), dtype=np.uint8)
    else:
        colours = np.stack([np.arange(n) % 256, np.arange(n) // 256, np.zeros(n)], axis=1).astype(np.uint8)
    starts, values = stretches_of(numbers, rng, cut)
    assert encode_png_rgb_stretches(starts, values, colours, shape) == encode_png_rgb(numbers, colours)


def test_rgb_from_stretches_in_batches(monkeypatch):
    """The pieces of a noisy image are put a batch at a time: the same bytes with batches of one piece."""
    rng = np.random.default_rng(5)
    numbers = rng.integers(0, 3, size=(40, 70))
    colours = rng.integers(0, 256, size=(3, 3), dtype=np.uint8)
    starts, values = stretches_of(numbers, rng, cut=True)
    whole = encode_png_rgb_stretches(starts, values, colours, numbers.shape)
    monkeypatch.setattr(png_encode, "PIECE_PIXELS", 1)
    assert encode_png_rgb_stretches(starts, values, colours, numbers.shape) == whole == encode_png_rgb(numbers,
                                                                                                     colours)
