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
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

EXIF_ORIENTATION = 0x0112
_TRANSPOSED = {5, 6, 7, 8}  # orientations that swap width and height


class ImageProblem(Exception):
    """The file is not a decodable image; the message says why."""


def oriented_size(source: Path | bytes) -> tuple[int, int]:
    """(width, height) of an image file or its bytes, EXIF orientation applied.
    Reads the header only: :mod:`convert.imageheader` for JPEG, PNG, WebP, TIFF
    and BMP, Pillow's header reading for other formats and for files that
    parser does not understand (Pillow then says why)."""
    from .imageheader import read_header

    header = read_header(source)
    if header is not None:
        width, height, orientation = header
        limit = Image.MAX_IMAGE_PIXELS
        if limit and width * height > 2 * limit:  # what Pillow refuses to open, refused alike (--max-pixels)
            raise ImageProblem(f"refused as a decompression bomb ({width}x{height} = {width * height} pixels); "
                               "raise --max-pixels if it is real")
        return (height, width) if orientation in _TRANSPOSED else (width, height)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
            with Image.open(handle) as im:
                width, height = im.size
                try:
                    orientation = im.getexif().get(EXIF_ORIENTATION, 1)
                except Exception:  # a broken EXIF block does not make the image unusable
                    orientation = 1
    except FileNotFoundError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageProblem(f"refused as a decompression bomb ({exc}); raise --max-pixels if it is real") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem(f"not a decodable image ({exc})") from None
    if orientation in _TRANSPOSED:
        width, height = height, width
    return width, height


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
    tried too, for deliveries whose image folder is flat."""
    base = name.rsplit("/", 1)[-1]
    for folder in candidates:
        if folder is None:
            continue
        folder = Path(folder)
        for candidate in (folder / name, folder / base):
            if candidate.is_file():
                return candidate
    return None


def allow_pixels(max_pixels: int) -> None:
    """Make Pillow's decompression-bomb guard follow ``--max-pixels``: Pillow
    refuses images above twice ``Image.MAX_IMAGE_PIXELS``; segconv checks
    declared sizes against ``max_pixels`` itself, before decoding."""
    Image.MAX_IMAGE_PIXELS = max(max_pixels // 2, 1)
