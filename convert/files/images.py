"""Looking at image files without decoding their pixels.

Annotation tools draw on the image *as displayed*, that is with its EXIF
orientation applied (labelme does, and so do browsers), so the size that
matters is the oriented one: a 640x480 JPEG whose EXIF tag says "rotate 90"
is 480 wide.

    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (4, 3)).save(buf, "PNG")
    >>> oriented_size(buf.getvalue())
    (4, 3)
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path
from typing import IO, cast

from PIL import Image, ImageFile, UnidentifiedImageError

from convert.files.remote.stand_ins import whole
from convert.limits import DEFAULT_MAX_PIXELS

EXIF_ORIENTATION = 0x0112
_TRANSPOSED = {5, 6, 7, 8}  # orientations that swap width and height


class ImageProblem(Exception):
    """The file is not a decodable image; the message says why."""


def open_image(source: Path | str | bytes) -> ImageFile.ImageFile:
    """Pillow's lazy image of a file or of its bytes (nothing decoded yet), like ``Image.open``, but without
    Pillow's decompression-bomb guard: that guard reads the process-wide ``Image.MAX_IMAGE_PIXELS``, which
    belongs to the program segconv runs in and is neither changed nor consulted here.  Callers check the
    size against ``--max-pixels`` before decoding (``im.width * im.height``).  Use it as a context manager.
    A partial stand-in of a photo in a bucket (:mod:`convert.files.remote.stand_ins`) is fetched whole first.

        >>> buf = io.BytesIO(); Image.new("L", (5, 2)).save(buf, "PNG")
        >>> with open_image(buf.getvalue()) as im:
        ...     im.size, im.format
        ((5, 2), 'PNG')
    """
    if isinstance(source, (bytes, bytearray)):
        prefix = bytes(source[:16])
    else:
        whole(source)  # a photo in a bucket fetched for its header only: fetched whole now
        with open(source, "rb") as fh:
            prefix = fh.read(16)
    for register in (Image.preinit, Image.init):  # the common plugins first, then every one, as Image.open
        register()
        for fmt in list(Image.ID):
            factory, accept = Image.OPEN[fmt]
            # a path is opened (and closed) by Pillow itself
            fp = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
            try:
                verdict = accept(prefix) if accept else True
                if not verdict or isinstance(verdict, str):  # a string: "looks like it, but cannot be read"
                    continue
                return factory(cast("IO[bytes]", fp), "")
            except (SyntaxError, IndexError, TypeError, struct.error):
                continue
    raise UnidentifiedImageError(f"cannot identify image file {source if isinstance(source, (str, Path)) else ''!s}"
                                 .rstrip())


def oriented_size(source: Path | bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """(width, height) of an image file or its bytes, EXIF orientation applied.
    Reads the header only: :mod:`convert.files.image_header` for JPEG, PNG, WebP, TIFF
    and BMP, Pillow's header reading for other formats and for files that
    parser does not understand (Pillow then says why).  An image above
    ``max_pixels`` (``--max-pixels``) is refused as a decompression bomb."""
    from convert.files.image_header import read_header

    header = read_header(source)
    if header is not None:
        width, height, orientation = header
    else:
        try:
            with open_image(source) as im:
                width, height = im.size
                try:
                    orientation = im.getexif().get(EXIF_ORIENTATION, 1)
                except Exception:  # a broken EXIF block does not make the image unusable
                    orientation = 1
        except FileNotFoundError:
            raise
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise ImageProblem(f"not a decodable image ({exc})") from None
    if width * height > max_pixels:
        raise ImageProblem(f"refused as a decompression bomb ({width}x{height} = {width * height:,} pixels, above "
                           f"--max-pixels {max_pixels:,}); raise --max-pixels if it is real")
    return (height, width) if orientation in _TRANSPOSED else (width, height)


_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "BMP": ".bmp", "GIF": ".gif", "TIFF": ".tif", "WEBP": ".webp"}


def photo_suffix(data: bytes) -> str:
    """The file extension of an image held as bytes (a photo embedded in an annotation file), from its
    format: ``.jpg`` for JPEG, ``.png``, ``.bmp``, ``.gif``, ``.tif``, ``.webp``, else the format's name.

    >>> buf = io.BytesIO(); Image.new("RGB", (2, 2)).save(buf, "JPEG"); photo_suffix(buf.getvalue())
    '.jpg'
    """
    with open_image(data) as im:
        fmt = im.format or "JPEG"
    return _SUFFIXES.get(fmt, f".{fmt.lower()}")


def find_image(folder: Path, stem: str, extensions=(".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")):
    """``folder/stem.<ext>`` for the first extension that exists (either case), or ``None``."""
    for ext in extensions:
        for candidate in (folder / f"{stem}{ext}", folder / f"{stem}{ext.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def locate(name: str, candidates) -> Path | None:
    """The first existing file among ``folder / name`` for the candidate folders.

    ``name`` is an already-normalised relative name; its last component alone is
    tried too, for deliveries whose image folder is flat.  Looked up with ``os.path`` (a path object is
    made only for the file found): a delivery without its photos asks here once per image and folder.

    >>> locate("breakfast/table_03.jpg", ["/no/such/folder", None]) is None
    True
    """
    base = name.rsplit("/", 1)[-1]
    names = (name,) if base == name else (name, base)
    for folder in candidates:
        if folder is None:
            continue
        folder = os.fspath(folder)
        for relative in names:
            candidate = os.path.join(folder, relative)
            if os.path.isfile(candidate):
                return Path(candidate)
    return None
