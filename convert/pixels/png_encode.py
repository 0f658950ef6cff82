"""PNG files of label images, encoded for what they are: long runs of few values.

Every mask segconv writes goes through :func:`encode_png`: palette masks (``png``, ``voc``), 8- and 16-bit
grayscale masks (``mmseg``, ``hf``, 16-bit classes) and RGB id images (``coco-panoptic``).  Pillow chooses
PNG row filters itself, adaptively for grayscale and RGB images, and has no option to choose them; on label
images that choice costs 3 to 10 times the compression (``bench/RESULTS.md``).  Here the filter is fixed:
none for one channel (runs of one value stay runs), *Sub* for RGB (a run of one colour becomes zeros), and
the rows are deflated with zlib's run-length strategy, through zlib-ng when it is installed (a dependency of
segconv; the standard library's zlib otherwise: the same pixels, other bytes).  Any PNG reader decodes
the result; the tests decode every kind with Pillow.

    >>> import io
    >>> from PIL import Image
    >>> mask = np.array([[0, 1, 1], [2, 2, 255]], dtype=np.uint8)
    >>> im = Image.open(io.BytesIO(encode_png(mask, palette=[0, 0, 0] * 256)))
    >>> im.mode, np.asarray(im).tolist()
    ('P', [[0, 1, 1], [2, 2, 255]])
    >>> rgb = np.zeros((2, 3, 3), dtype=np.uint8); rgb[0, 1:] = (7, 1, 0)
    >>> np.asarray(Image.open(io.BytesIO(encode_png(rgb)))).tolist()[0]
    [[0, 0, 0], [7, 1, 0], [7, 1, 0]]
"""

from __future__ import annotations

import struct
import types
import zlib

import numpy as np

_deflate: types.ModuleType
try:  # zlib-ng: the same deflate format, about 4 to 7 times faster on label images
    from zlib_ng import zlib_ng as _deflate
except ImportError:  # pragma: no cover - zlib-ng is a dependency; without it, the same pixels, slower
    _deflate = zlib

TRANSPOSE_BLOCK = 128  # columns copied into the rows at a time (encode_png_rgb_columns)
SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAY, RGB, PALETTE = 0, 2, 3  # PNG colour types
NONE, SUB = 0, 1  # PNG filter types


def encode_png(array: np.ndarray, palette: list[int] | None = None) -> bytes:
    """PNG bytes of a label image: ``(h, w)`` uint8 (with ``palette``, a flat ``[r, g, b, ...]`` list: a
    palette PNG; without: 8-bit grayscale), ``(h, w)`` uint16 (16-bit grayscale) or ``(h, w, 3)`` uint8
    (RGB)."""
    if array.ndim == 3 and array.shape[2] == 3 and array.dtype == np.uint8:
        height, width = array.shape[:2]
        header = struct.pack(">IIBBBBB", width, height, 8, RGB, 0, 0, 0)
        flat = np.ascontiguousarray(array).reshape(height, width * 3)
        rows = np.empty((height, width * 3 + 1), dtype=np.uint8)
        rows[:, 0] = SUB
        rows[:, 1:4] = flat[:, :3]
        np.subtract(flat[:, 3:], flat[:, :-3], out=rows[:, 4:])  # each byte minus the same channel left of it
    elif array.ndim == 2 and array.dtype in (np.uint8, np.uint16):
        height, width = array.shape
        depth = 8 if array.dtype == np.uint8 else 16
        kind = PALETTE if palette is not None and depth == 8 else GRAY
        header = struct.pack(">IIBBBBB", width, height, depth, kind, 0, 0, 0)
        values = array if depth == 8 else array.astype(">u2").view(np.uint8).reshape(height, width * 2)
        rows = np.empty((height, values.shape[1] + 1), dtype=np.uint8)
        rows[:, 0] = NONE
        rows[:, 1:] = values
    else:
        raise ValueError(f"cannot encode a {array.dtype} array of shape {array.shape} as a label PNG")
    return _png(header, rows, palette)


def encode_png_rgb(index: np.ndarray, colours: np.ndarray) -> bytes:
    """PNG bytes of the RGB image ``colours[index]``: ``index`` an ``(h, w)`` integer image, ``colours`` an
    ``(n, 3)`` uint8 table, without building the ``(h, w, 3)`` image.  The *Sub*-filtered rows are written
    channel by channel; a channel that is 0 everywhere in the table (G and B of panoptic ids below 256)
    costs nothing.

    >>> import io
    >>> from PIL import Image
    >>> png = encode_png_rgb(np.array([[0, 1, 1]]), np.array([[0, 0, 0], [7, 1, 0]], dtype=np.uint8))
    >>> np.asarray(Image.open(io.BytesIO(png))).tolist()
    [[[0, 0, 0], [7, 1, 0], [7, 1, 0]]]
    """
    height, width = index.shape
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 0] = SUB
    for channel, values in _channels(colours, index):
        rows[:, 1 + channel] = values[:, 0]
        np.subtract(values[:, 1:], values[:, :-1], out=rows[:, 4 + channel::3])
    return _png(struct.pack(">IIBBBBB", width, height, 8, RGB, 0, 0, 0), rows)


def _channels(colours: np.ndarray, index: np.ndarray):
    """``(channel, colours[index][..., channel])`` for each channel of the table that is not 0 everywhere (a
    channel left out stays 0 in the rows); the index itself where the table maps every value to itself."""
    for channel in range(3):
        table = np.ascontiguousarray(colours[:, channel])
        if table.any():
            yield channel, index if _identity(table, index) else table.take(index)


def encode_png_rgb_columns(columns: np.ndarray, colours: np.ndarray) -> bytes:
    """:func:`encode_png_rgb` of ``columns.T``: the same bytes, from the index image stored column by column
    (``(w, h)``, as painting's stretches give it), without making it row-major first.  The differences of the
    *Sub* filter are taken between whole columns (contiguous), then copied into the rows in blocks of
    columns (the block stays in cache): 0.3 to 0.4 ms less per 1024x768 panoptic image than making the
    row-major image first (measured, ``bench/RESULTS.md``).

    >>> index = np.array([[0, 1, 1], [1, 0, 2]])
    >>> colours = np.array([[0, 0, 0], [7, 1, 0], [0, 0, 9]], dtype=np.uint8)
    >>> encode_png_rgb_columns(np.ascontiguousarray(index.T), colours) == encode_png_rgb(index, colours)
    True
    """
    width, height = columns.shape
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 0] = SUB
    for channel, values in _channels(colours, columns):
        sub = np.empty((width, height), dtype=np.uint8)
        sub[:1] = values[:1]
        np.subtract(values[1:], values[:-1], out=sub[1:])
        target = rows[:, 1 + channel::3]
        for c in range(0, width, TRANSPOSE_BLOCK):
            target[:, c:c + TRANSPOSE_BLOCK] = sub[c:c + TRANSPOSE_BLOCK].T
    return _png(struct.pack(">IIBBBBB", width, height, 8, RGB, 0, 0, 0), rows)


def _identity(table: np.ndarray, index: np.ndarray) -> bool:
    """Whether ``table.take(index)`` is ``index`` itself: a uint8 image through a table that maps every value
    to itself (the red channel of panoptic segments 1..255), so the lookup can be skipped."""
    return index.dtype == np.uint8 and len(table) <= 256 and bool((table == np.arange(len(table))).all())


def _png(header: bytes, rows: np.ndarray, palette: list[int] | None = None) -> bytes:
    compressor = _deflate.compressobj(1, _deflate.DEFLATED, 15, 9, _deflate.Z_RLE)
    data = compressor.compress(np.ascontiguousarray(rows).data.cast("B")) + compressor.flush()
    chunks = [_chunk(b"IHDR", header)]
    if palette is not None and header[9] == PALETTE:
        chunks.append(_chunk(b"PLTE", bytes(palette[: 3 * 256])))
    chunks += [_chunk(b"IDAT", data), _chunk(b"IEND", b"")]
    return SIGNATURE + b"".join(chunks)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
