"""Image size and EXIF orientation read from the file's header, without decoding a pixel.

Checking a delivery compares every declared image size with the real one, with
EXIF orientation applied (annotation tools draw on the image as displayed).
Pillow answers that too, but for a PNG whose EXIF may sit after the image
data it decodes the whole image to find out (30 ms for a 1024x768 photo).
This module reads only what it needs:

- **JPEG**: the markers up to the start of scan: the frame header (SOFn) for
  the size, the first ``Exif`` APP1 segment for the orientation, an XMP APP1
  segment when EXIF has none;
- **PNG**: every chunk header, skipping image data by its length (``IHDR``
  for the size; ``eXIf``, ImageMagick's "Raw profile type exif" text and XMP
  wherever they are, after ``IDAT`` included), checking each read chunk's CRC;
- **WebP**: ``VP8 ``, ``VP8L`` or ``VP8X`` for the size; ``EXIF`` and ``XMP ``;
- **TIFF**: the first directory's width, length and orientation;
- **BMP**: the DIB header (no orientation).

The answers are Pillow's (``Image.open(f).size`` and ``getexif()[0x0112]``,
falling back to the XMP ``tiff:Orientation`` as Pillow does); the tests
compare both on the corpus and on generated files.  Anything else, or a file
this parser does not understand, returns ``None``, and the caller asks Pillow.

    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (4, 3)).save(buf, "PNG")
    >>> read_header(buf.getvalue())
    (4, 3, 1)
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

from convert.files.remote.stand_ins import part_of, whole

_XMP_ORIENTATION = re.compile(rb'tiff:Orientation(="|>)([0-9])')
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class _Bad(Exception):
    """Not a file this parser understands; Pillow decides."""


class Missing(Exception):
    """The parser needs ``n`` bytes at ``pos`` that a partial stand-in does not hold
    (:mod:`convert.files.remote.stand_ins`)."""

    def __init__(self, pos: int, n: int):
        super().__init__(pos, n)
        self.pos, self.n = pos, n


def read_header(source: Path | str | bytes) -> tuple[int, int, int] | None:
    """``(width, height, orientation)`` from the header of an image file or its bytes (orientation 1
    when there is none), or ``None`` when the format is not one of the above or the header is not
    understood.  A partial stand-in of an object in a bucket is read where it holds the bytes the header
    needs; where it does not, the object is fetched whole first (never a guess from the bytes it lacks)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _parse(_Bytes(bytes(source)))
    part = part_of(source)
    if part is not None:
        try:
            return _read_file(source, part.ranges)
        except Missing:
            whole(source)
    return _read_file(source, None)


def parse_header(src) -> tuple[int, int, int] | None:
    """:func:`read_header` of any ``src`` with ``size`` and ``read(pos, n, ahead)``; :class:`Missing` is
    raised, not answered."""
    return _parse(src)


def _read_file(source, known) -> tuple[int, int, int] | None:
    try:
        fd = os.open(source, os.O_RDONLY)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        return _parse(_File(fd, size, known)) if size else None
    except OSError:
        return None
    finally:
        os.close(fd)


def covered(ranges, pos: int, n: int) -> bool:
    """Whether ``[pos, pos + n)`` lies inside one of the ``[start, end)`` ranges (sorted, merged).

        >>> covered([(0, 10), (20, 30)], 5, 5), covered([(0, 10), (20, 30)], 8, 4)
        (True, False)
    """
    return any(start <= pos and pos + n <= end for start, end in ranges)


class _Bytes:
    """The bytes of an image, for the parsers: ``read(pos, n)``, ``size``."""

    def __init__(self, data: bytes):
        self.data, self.size = data, len(data)

    def read(self, pos: int, n: int, ahead: bool = True) -> bytes:
        if pos < 0 or pos + n > self.size:
            raise _Bad("read past the end")
        return self.data[pos:pos + n]


class _File:
    """An image file read with ``pread``: a 64 KiB window where headers lie close together, just the bytes
    asked for where they do not (a chunk header after 64 KiB of image data), so the cost follows the number
    of chunks, never the file size.  (A memory map costs a page fault per chunk: 3x slower here.)"""

    WINDOW = 1 << 16

    def __init__(self, fd: int, size: int, known=None):
        self.fd, self.size = fd, size
        self.known = known  # a partial stand-in: the byte ranges it holds (None: the whole file)
        self.buf, self.start = b"", 0

    def read(self, pos: int, n: int, ahead: bool = True) -> bytes:
        if pos < 0 or pos + n > self.size:
            raise _Bad("read past the end")
        if self.known is not None and not covered(self.known, pos, n):
            raise Missing(pos, n)
        offset = pos - self.start
        if offset >= 0 and offset + n <= len(self.buf):
            return self.buf[offset:offset + n]
        self.buf = os.pread(self.fd, max(n, self.WINDOW if ahead else 0), pos)
        self.start = pos
        if len(self.buf) < n:
            raise _Bad("short read")
        return self.buf[:n]


def _parse(src) -> tuple[int, int, int] | None:
    try:
        head = src.read(0, min(16, src.size))
        if head.startswith(b"\xff\xd8\xff"):
            return _jpeg(src)
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png(src)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp(src)
        if head[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff(src)
        if head[:2] == b"BM":
            return _bmp(src)
    except (_Bad, struct.error, IndexError, ValueError, zlib.error):
        return None
    return None


# --------------------------------------------------------------------------- EXIF (a TIFF structure)
def exif_orientation(exif: bytes) -> int | None:
    """The Orientation tag (0x0112) of the first directory of EXIF data (``Exif\\0\\0`` prefixes allowed),
    or ``None`` when there is none.

    >>> ifd0 = b"\\x01\\x00" + b"\\x12\\x01\\x03\\x00\\x01\\x00\\x00\\x00\\x06\\x00\\x00\\x00"  # Orientation 6
    >>> exif_orientation(b"II*\\x00\\x08\\x00\\x00\\x00" + ifd0)
    6
    """
    while exif.startswith(b"Exif\x00\x00"):
        exif = exif[6:]
    if len(exif) < 8:
        return None
    if exif[:4] == b"II*\x00":
        endian = "<"
    elif exif[:4] == b"MM\x00*":
        endian = ">"
    else:
        raise _Bad("not TIFF data")
    (offset,) = struct.unpack_from(endian + "I", exif, 4)
    (count,) = struct.unpack_from(endian + "H", exif, offset)
    for i in range(count):
        tag, kind, n = struct.unpack_from(endian + "HHI", exif, offset + 2 + 12 * i)
        if tag == 0x0112:
            if kind == 3:  # SHORT
                return struct.unpack_from(endian + "H", exif, offset + 2 + 12 * i + 8)[0]
            if kind == 4:  # LONG
                return struct.unpack_from(endian + "I", exif, offset + 2 + 12 * i + 8)[0]
            if kind == 1:  # BYTE
                return exif[offset + 2 + 12 * i + 8]
            return None
    return None


def _orientation(exif: bytes | None, xmp: bytes | None) -> int:
    """EXIF orientation, else XMP ``tiff:Orientation``, else 1 (Pillow's order).  A broken EXIF block
    counts as none, as it does for segconv with Pillow."""
    value = None
    if exif is not None:
        try:
            value = exif_orientation(exif)
        except (_Bad, struct.error, IndexError):
            value = None
    if value is None and xmp:
        match = _XMP_ORIENTATION.search(xmp)
        if match:
            value = int(match[2])
    return 1 if value is None else value


# --------------------------------------------------------------------------- formats
def _jpeg(src) -> tuple[int, int, int]:
    pos, size = 2, None
    exif = xmp = None
    while pos < src.size:
        marker_bytes = src.read(pos, 2)
        if marker_bytes[0] != 0xFF:
            raise _Bad("no marker")
        while marker_bytes[1] == 0xFF:  # fill bytes
            pos += 1
            marker_bytes = src.read(pos, 2)
        marker = marker_bytes[1]
        pos += 2
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            continue
        if marker == 0xD9:
            break
        (length,) = struct.unpack(">H", src.read(pos, 2))
        if length < 2:
            raise _Bad("segment length")
        if marker in _SOF and size is None:
            height, width = struct.unpack_from(">HH", src.read(pos + 2, 5), 1)
            size = (width, height)
        elif marker == 0xE1:
            body = src.read(pos + 2, length - 2)
            if body[:6] == b"Exif\x00\x00" and exif is None:
                exif = body
            elif body[:29] == b"http://ns.adobe.com/xap/1.0/\x00":
                xmp = body[29:]
        elif marker == 0xDA:  # start of scan: the header is over
            break
        pos += length
    if size is None or 0 in size:
        raise _Bad("no frame header")
    return size[0], size[1], _orientation(exif, xmp)


_IDAT, _FDAT, _IEND = (int.from_bytes(k, "big") for k in (b"IDAT", b"fdAT", b"IEND"))
_PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt"}


def _png(src) -> tuple[int, int, int]:
    pos = 8
    size = None
    exif = xmp = raw_profile = None
    length = 0
    big_chunks = isinstance(src, _File) and src.known is None
    while pos + 8 <= src.size:
        length, kind_id = struct.unpack(">II", src.read(pos, 8))
        if kind_id in (_IDAT, _FDAT):  # image data: skipped by its length
            pos += 12 + length
            if big_chunks and length >= src.WINDOW // 2:
                pos, length, kind_id = _skip_image_data(src, pos)
                if kind_id is None:
                    continue
            else:
                continue
        if kind_id == _IEND:
            break
        kind = kind_id.to_bytes(4, "big")
        if kind == b"IHDR" or kind == b"eXIf" or kind in _PNG_TEXT:
            body_crc = src.read(pos + 8, length + 4)
            body = body_crc[:length]
            if zlib.crc32(kind + body) != struct.unpack(">I", body_crc[length:])[0]:
                raise _Bad("chunk CRC")  # Pillow refuses the file; let it say so
            if kind == b"IHDR":
                size = struct.unpack_from(">II", body, 0)
            elif kind == b"eXIf":
                exif = body if exif is None else exif
            else:
                key, text = _png_text(kind, body)
                if key == b"Raw profile type exif" and raw_profile is None:
                    raw_profile = text
                elif key == b"XML:com.adobe.xmp" and xmp is None:
                    xmp = text
        elif size is None:
            raise _Bad("IHDR is not first")
        pos += 12 + length
    if size is None or 0 in size:
        raise _Bad("no IHDR")
    if exif is None and raw_profile is not None:
        try:
            exif = bytes.fromhex("".join(raw_profile.decode("latin-1").split("\n")[3:]))
        except ValueError:
            exif = None
    return size[0], size[1], _orientation(exif, xmp)


def _skip_image_data(src: _File, pos: int):
    """Long runs of large IDAT chunks: one 8-byte ``pread`` per chunk, nothing else.  Returns the position
    of the first other chunk (``kind_id`` None: let the general loop read it)."""
    pread, fd, unpack = os.pread, src.fd, struct.unpack
    while pos + 8 <= src.size:
        head = pread(fd, 8, pos)
        if len(head) < 8:
            raise _Bad("short read")
        length, kind_id = unpack(">II", head)
        if kind_id not in (_IDAT, _FDAT):
            break
        pos += 12 + length
    return pos, 0, None


def _png_text(kind: bytes, body: bytes) -> tuple[bytes, bytes]:
    key, _, rest = body.partition(b"\x00")
    if kind == b"tEXt":
        return key, rest
    if kind == b"zTXt":
        return key, zlib.decompress(rest[1:])
    compressed = rest[0]  # iTXt: compression flag and method, language, translated key, then the text
    text = rest[2:].split(b"\x00", 2)[2]
    return key, zlib.decompress(text) if compressed else text


def _webp(src) -> tuple[int, int, int]:
    pos = 12
    size = None
    exif = xmp = None
    while pos + 8 <= src.size:
        head = src.read(pos, 8)
        kind, (length,) = head[:4], struct.unpack("<I", head[4:])
        if kind == b"VP8X" and size is None:
            body = src.read(pos + 8, 10)
            size = (int.from_bytes(body[4:7], "little") + 1, int.from_bytes(body[7:10], "little") + 1)
        elif kind == b"VP8 " and size is None:
            body = src.read(pos + 8, 10)
            if body[3:6] != b"\x9d\x01\x2a":
                raise _Bad("VP8 start code")
            w, h = struct.unpack_from("<HH", body, 6)
            size = (w & 0x3FFF, h & 0x3FFF)
        elif kind == b"VP8L" and size is None:
            body = src.read(pos + 8, 5)
            if body[0] != 0x2F:
                raise _Bad("VP8L signature")
            bits = int.from_bytes(body[1:5], "little")
            size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        elif kind == b"EXIF" and exif is None:
            exif = src.read(pos + 8, length)
        elif kind == b"XMP " and xmp is None:
            xmp = src.read(pos + 8, length)
        pos += 8 + length + (length & 1)
    if size is None:
        raise _Bad("no image chunk")
    return size[0], size[1], _orientation(exif, xmp)


def _tiff(src) -> tuple[int, int, int]:
    endian = "<" if src.read(0, 2) == b"II" else ">"
    (offset,) = struct.unpack(endian + "I", src.read(4, 4))
    (count,) = struct.unpack(endian + "H", src.read(offset, 2))
    entries = src.read(offset + 2, 12 * count)
    found: dict[int, int] = {}
    for i in range(count):
        tag, kind, n = struct.unpack_from(endian + "HHI", entries, 12 * i)
        if tag in (256, 257, 274) and n == 1:
            fmt = {3: "H", 4: "I"}.get(kind)
            if fmt is None:
                raise _Bad("unusual type")
            found[tag] = struct.unpack_from(endian + fmt, entries, 12 * i + 8)[0]
    if 256 not in found or 257 not in found:
        raise _Bad("no size")
    return found[256], found[257], found.get(274, 1)


def _bmp(src) -> tuple[int, int, int]:
    data = src.read(0, 26)
    (header,) = struct.unpack_from("<I", data, 14)
    if header == 12:  # OS/2 BITMAPCOREHEADER
        w, h = struct.unpack_from("<HH", data, 18)
    elif header >= 40:
        w, h = struct.unpack_from("<ii", data, 18)
    else:
        raise _Bad("DIB header")
    if w <= 0 or h == 0:
        raise _Bad("size")
    return w, abs(h), 1
