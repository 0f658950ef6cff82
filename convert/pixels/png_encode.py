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


def encode_png_rgb_stretches(starts: np.ndarray, values: np.ndarray, colours: np.ndarray,
                             shape: tuple[int, int]) -> bytes:
    """:func:`encode_png_rgb` of the ``shape`` (``(h, w)``) image painted as stretches: its pixels in column-major
    order (down each column, then the next) are cut into stretches starting at ``starts`` (sorted, the first 0,
    each running to the next one or to the end) and stretch ``i`` shows ``colours[values[i]]``.  The same
    bytes, without making the image: the *Sub* filter is 0 wherever a pixel has the colour of the pixel left
    of it, and between two pixels where a stretch starts, in a column or in the column to its left, pixel
    and neighbour keep their colours; only the pieces whose colour differs from their neighbours' are written
    into rows of zeros (a label image has few: 0.5% of the pixels of the bench's 1024x768 panoptic images).

    >>> index = np.array([[0, 1, 1], [1, 0, 2]])  # column-major: 0 1 | 1 0 | 1 2
    >>> colours = np.array([[0, 0, 0], [7, 1, 0], [0, 0, 9]], dtype=np.uint8)
    >>> stretches = encode_png_rgb_stretches(np.array([0, 1, 3, 4, 5]), np.array([0, 1, 0, 1, 2]), colours, (2, 3))
    >>> stretches == encode_png_rgb(index, colours)
    True
    """
    height, width = shape
    total = height * width
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 0] = SUB
    starts = np.asarray(starts, dtype=np.int64)
    # every start, and every start one column on (sorted together, the two sorted halves merged by a stable
    # sort); at each, the stretch of the pixel (``here``) and of its left neighbour (``left``, -1 in column 0,
    # whose neighbour is 0); equal points give empty pieces, which write nothing
    both = np.concatenate((starts, starts[:np.searchsorted(starts, total - height)] + height))
    order = np.argsort(both, kind="stable")
    points = both[order]
    from_here = order < len(starts)
    here = np.cumsum(from_here) - 1
    left = np.cumsum(~from_here) - 1
    lengths = np.diff(points, append=total)
    flat = rows.reshape(-1)
    for channel in range(3):
        table = np.ascontiguousarray(colours[:, channel])
        if not table.any():  # 0 everywhere (G and B of panoptic ids below 256): the rows' zeros
            continue
        value = table.take(values)
        differs = value[here] - np.where(left < 0, 0, value[left])
        pieces = np.flatnonzero(differs)
        _put_pieces(flat, points[pieces], lengths[pieces], differs[pieces], height, width * 3 + 1, 1 + channel)
    return _png(struct.pack(">IIBBBBB", width, height, 8, RGB, 0, 0, 0), rows)


PIECE_PIXELS = 1 << 20  # pixels of pieces put at a time (bounds the index arrays of a noisy image)


def _put_pieces(flat: np.ndarray, firsts: np.ndarray, lengths: np.ndarray, byte: np.ndarray, height: int,
                stride: int, offset: int) -> None:
    """Set the row bytes of column-major pixels ``firsts[i]`` .. ``firsts[i] + lengths[i] - 1`` to ``byte[i]``:
    pixel (x, y) is byte ``y * stride + 3 x + offset`` of the rows.  ``PIECE_PIXELS`` pixels at a time, or
    the one piece that holds more."""
    done = np.cumsum(lengths)
    lo = 0
    while lo < len(firsts):
        hi = max(lo + 1, int(np.searchsorted(done, (done[lo - 1] if lo else 0) + PIECE_PIXELS, "right")))
        first, n = firsts[lo:hi], lengths[lo:hi]
        pixel = np.repeat(first - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
        x, y = np.divmod(pixel, height)
        flat[y * stride + 3 * x + offset] = np.repeat(byte[lo:hi], n)
        lo = hi


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
