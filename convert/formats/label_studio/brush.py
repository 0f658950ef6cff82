"""Label Studio's brush RLE ("rle-pack" of thi-ng/umbrella): decoding and encoding with numpy.

The RLE is a byte array read as one big-endian bit stream (bit 7 of byte 0 first):

- a header: 32 bits ``num`` (how many values: ``width * height * 4``, one per RGBA channel), 5 bits
  ``word_size - 1``, then 4 x 4 bits ``rle_sizes[i] - 1``;
- chunks until ``num`` values: 1 bit ``x``, 2 bits ``k``, ``rle_sizes[k]`` bits ``n``; with ``x = 1`` one
  ``word_size``-bit value repeated ``n + 1`` times, with ``x = 0`` ``n + 1`` literal values.

The values reshaped ``(height, width, 4)`` are an RGBA image; the mask is its alpha channel.  Label Studio's
own Python decoder builds a string of every bit (7.6 s for one noisy 1024x768 mask); here the bits are read
through 64-bit windows and only the chunk headers take a Python step each.

    >>> mask = np.zeros((5, 7), dtype=np.uint8); mask[1:3, 2:5] = 255
    >>> rle = encode(mask)                           # what label-studio-sdk's mask2rle writes
    >>> len(rle), rle[:4]
    (18, [0, 0, 0, 140])
    >>> bool((decode(rle, 7, 5)[..., 3] == mask).all())
    True
"""

from __future__ import annotations

import numpy as np

HEADER_BITS = 32 + 5 + 16
SDK_SIZES = (3, 4, 8, 16)  # label-studio-sdk's encoder: runs up to 8, 16, 256, 65536 values


class BrushError(ValueError):
    """The RLE cannot be decoded into the image it claims to be; the message says why."""


def decode(rle, width: int, height: int, max_values: int | None = None) -> np.ndarray:
    """The ``(height, width, 4)`` uint8 RGBA image of a brush RLE (a list of byte values or bytes).  Raises
    :class:`BrushError` when the header's value count is not ``width * height * 4`` (nothing is allocated for
    a forged count), when the stream ends early or runs past the count, or when words are wider than 8 bits."""
    data = _bytes(rle)
    if len(data) * 8 < HEADER_BITS:
        raise BrushError(f"{len(data)} bytes: shorter than the header")
    expected = width * height * 4
    num = int.from_bytes(data[:4], "big")
    if num != expected:
        raise BrushError(f"the header counts {num:,} values, but a {width}x{height} RGBA image has {expected:,}")
    if max_values is not None and num > max_values:
        raise BrushError(f"{num:,} values exceed the limit")
    head = int.from_bytes(data[4:7], "big")  # 24 bits: 5 of word size, 4 x 4 of run sizes, 3 spare
    word = (head >> 19) + 1
    sizes = [((head >> (15 - 4 * i)) & 15) + 1 for i in range(4)]
    if word > 8:
        raise BrushError(f"{word}-bit values: Label Studio brushes hold bytes")
    windows = _windows(data)
    total_bits = len(data) * 8
    kinds, counts, positions = _chunk_headers(windows, total_bits, num, word, sizes)
    values = _values(windows, kinds, counts, positions, word, num)
    return values.reshape(height, width, 4)


def _bytes(rle) -> bytes:
    if isinstance(rle, (bytes, bytearray)):
        return bytes(rle)
    try:
        array = np.asarray(rle)
    except (TypeError, ValueError):
        raise BrushError("'rle' must be a list of byte values") from None
    if array.ndim != 1 or array.dtype.kind not in "iu" or (len(array) and (array.min() < 0 or array.max() > 255)):
        raise BrushError("'rle' must be a list of integers 0..255")
    return array.astype(np.uint8).tobytes()


def _windows(data: bytes) -> memoryview:
    """For every byte offset, the 64 bits that start there (big-endian), as a memoryview of uint64: a bit
    field at any position is one lookup, a shift and a mask."""
    padded = np.frombuffer(data + b"\0" * 8, dtype=np.uint8)
    window = np.zeros(len(data), dtype=np.uint64)
    for i in range(8):
        window |= padded[i:i + len(data)].astype(np.uint64) << np.uint64(56 - 8 * i)
    return memoryview(window.tobytes()).cast("Q")


def _chunk_headers(windows, total_bits: int, num: int, word: int, sizes: list[int]):
    """Walk the chunk headers (the only step that cannot be vectorised: a chunk's length depends on its
    header): ``(kinds, counts, positions)`` with ``positions`` the bit where each chunk's values start."""
    kinds, counts, positions = [], [], []
    pos, filled = HEADER_BITS, 0
    mask64 = (1 << 64) - 1
    while filled < num:
        if pos + 3 > total_bits:
            raise BrushError(f"the bit stream ends after {filled:,} of {num:,} values (truncated)")
        bits = (windows[pos >> 3] << (pos & 7)) & mask64  # 57 or more valid bits from pos
        x, k = bits >> 63, (bits >> 61) & 3
        size = sizes[k]
        n = ((bits >> (61 - size)) & ((1 << size) - 1)) + 1
        start = pos + 3 + size
        if filled + n > num:
            raise BrushError(f"a chunk runs past the {num:,} values the header counts")
        kinds.append(x)
        counts.append(n)
        positions.append(start)
        filled += n
        pos = start + (word if x else word * n)
    if pos > total_bits:
        raise BrushError("the bit stream ends inside its last chunk (truncated)")
    return (np.array(kinds, dtype=np.int64), np.array(counts, dtype=np.int64),
            np.array(positions, dtype=np.int64))


def _values(windows, kinds, counts, positions, word: int, num: int) -> np.ndarray:
    """Every value, read in one vectorised pass: a run chunk's one word, a literal chunk's ``n`` words."""
    words_per_chunk = np.where(kinds == 1, 1, counts)
    first = np.cumsum(words_per_chunk) - words_per_chunk
    chunk_of_word = np.repeat(np.arange(len(kinds)), words_per_chunk)
    bit = positions[chunk_of_word] + word * (np.arange(int(words_per_chunk.sum())) - first[chunk_of_word])
    table = np.frombuffer(windows, dtype=np.uint64)
    shifted = table[bit >> 3] << (bit & 7).astype(np.uint64)
    words = (shifted >> np.uint64(64 - word)).astype(np.uint8)
    repeat = np.where(kinds[chunk_of_word] == 1, counts[chunk_of_word], 1)
    values = np.repeat(words, repeat)
    if len(values) != num:  # cannot happen after the header walk; kept as a guard
        raise BrushError(f"decoded {len(values):,} values, the header counts {num:,}")
    return values


def encode(mask: np.ndarray, sizes: tuple[int, int, int, int] = SDK_SIZES) -> list[int]:
    """The brush RLE of a ``(height, width)`` uint8 mask (or a ``(height, width, 4)`` RGBA image), as
    label-studio-sdk's encoder writes it: every value of a 2-D mask repeated for the 4 channels, runs of one
    value as literal chunks of one, longer runs as run chunks (split past ``2 ** sizes[3]``), padded with zero
    bits to a whole byte (a whole zero byte when already whole, as the SDK does).  Returns byte values."""
    values = np.asarray(mask, dtype=np.uint8)
    if values.ndim == 2:
        values = np.repeat(values.ravel(), 4)
    values = values.ravel()
    if not len(values):
        return encode_runs(np.zeros(0, np.int64), np.zeros(0, np.int64), sizes)
    cut = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts = np.r_[0, cut]
    return encode_runs(np.diff(np.r_[starts, len(values)]), values[starts], sizes)


def encode_runs(lengths: np.ndarray, run_values: np.ndarray,
                sizes: tuple[int, int, int, int] = SDK_SIZES) -> list[int]:
    """The brush RLE of a value stream given as runs (``lengths`` of ``run_values``, neighbours differing),
    without the stream itself: a writer encodes an object from its pixel runs, never from a full mask."""
    return encode_many([(lengths, run_values)], sizes)[0]


def encode_many(streams: list[tuple[np.ndarray, np.ndarray]],
                sizes: tuple[int, int, int, int] = SDK_SIZES) -> list[list[int]]:
    """:func:`encode_runs` of several streams (every object of an image) in one vectorised pass: the
    streams' bits are laid out one after the other, each from a byte boundary, and cut apart at the end."""
    count = np.array([len(lengths) for lengths, _ in streams], dtype=np.int64)
    owner = np.repeat(np.arange(len(streams)), count)
    lengths = np.concatenate([np.asarray(s[0], dtype=np.int64) for s in streams] + [np.zeros(0, np.int64)])
    run_values = np.concatenate([np.asarray(s[1], dtype=np.int64) for s in streams] + [np.zeros(0, np.int64)])
    num = [int(np.asarray(s[0], dtype=np.int64).sum()) for s in streams]
    longest = 1 << sizes[3]
    pieces = (lengths + longest - 1) // longest  # runs longer than the largest size are split
    if (pieces > 1).any():
        first = np.repeat(np.cumsum(pieces) - pieces, pieces)
        run_values, owner = np.repeat(run_values, pieces), np.repeat(owner, pieces)
        lengths = np.minimum(np.repeat(lengths, pieces) - longest * (np.arange(pieces.sum()) - first), longest)
    k = np.searchsorted(np.array([1 << s for s in sizes]), lengths)  # the smallest size class that holds it
    single = lengths == 1
    k[single] = 0
    x = (~single).astype(np.int64)  # a run of one is a literal chunk of one value
    size = np.array(sizes, dtype=np.int64)[k]
    # every chunk as one integer of at most 1 + 2 + 16 + 8 = 27 bits: x, k, n - 1, the value
    packed = ((x << 2 | k) << size | (lengths - 1)) << 8 | run_values
    chunk_bits = 3 + size + 8
    stream_bits = np.bincount(owner, weights=chunk_bits, minlength=len(streams)).astype(np.int64)
    total_bytes = (HEADER_BITS + stream_bits) // 8 + 1  # the SDK pads to a byte boundary, a whole zero byte
    first_byte = np.cumsum(total_bytes) - total_bytes  # when already aligned; each stream starts on a byte
    before = np.cumsum(chunk_bits) - chunk_bits  # bits of all chunks before, then of this stream's before
    offset = 8 * first_byte[owner] + HEADER_BITS + before - (np.cumsum(stream_bits) - stream_bits)[owner]
    # each chunk lands in the 5 bytes from its first bit's byte on: shifted into a 40-bit window, its bytes
    # are added to the output's (the chunks' bits never overlap, so adding is OR-ing)
    window = packed << (40 - chunk_bits - (offset & 7))
    byte = (offset >> 3)[:, None] + np.arange(5)
    parts = (window[:, None] >> np.arange(32, -1, -8)) & 255
    out = np.bincount(byte.ravel(), weights=parts.ravel(), minlength=int(total_bytes.sum()) + 5)
    fields = sum((s - 1) << (12 - 4 * i) for i, s in enumerate(sizes))
    for where, values in zip(first_byte.tolist(), num):  # 53 header bits, then 3 of the chunks'
        header = values << 21 | 7 << 16 | fields
        out[where:where + 7] += np.frombuffer((header << 3).to_bytes(7, "big"), dtype=np.uint8)
    flat = out.astype(np.uint8).tolist()
    return [flat[a:a + n] for a, n in zip(first_byte.tolist(), total_bytes.tolist())]
