"""Label images as datasets ship them: a PNG whose pixel value (or colour) is a class, decoded once into
runs, with the checks every reader of such files makes.

``read_label_image`` refuses a file above ``--max-pixels`` before decoding it and names what is wrong with
a file it cannot use (:class:`Unusable`, with the finding code): palette and grayscale PNGs (8 or 16 bit,
32-bit ``I``) give their values; where colours are asked for, RGB, RGBA and palette images give their
colours ``(h, w, 3)`` (a palette's index is then display order, not a class) and grayscale its values.

    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.fromarray(np.array([[0, 7], [7, 7]], np.uint8)).save(buf, "PNG")
    >>> read_label_image(buf.getvalue(), 100).tolist()
    [[0, 7], [7, 7]]
    >>> read_label_image(buf.getvalue(), 3)
    Traceback (most recent call last):
    convert.formats.label_image.Unusable: image-too-large: 2x2 exceeds --max-pixels 3; refused before decoding
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from convert.files.images import ImageProblem, open_image

INDEX_MODES = ("P", "L", "I;16", "I;16B", "I;16L", "I")


class Unusable(Exception):
    """A label image that cannot be used: ``code`` is the finding's, ``message`` says why."""

    def __init__(self, code: str, message: str, file: Path | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.file = file


def read_label_image(source: Path | bytes, max_pixels: int, *, colours: bool = False) -> np.ndarray:
    """The pixel values of a label image (``(h, w)`` integers), or with ``colours`` the colours of an RGB,
    RGBA or palette one ``(h, w, 3)`` uint8 (a grayscale image still gives ``(h, w)``)."""
    try:
        with open_image(source) as im:
            if im.width * im.height > max_pixels:
                raise Unusable("image-too-large", f"{im.width}x{im.height} exceeds --max-pixels {max_pixels:,}; "
                                                  "refused before decoding")
            if colours and im.mode in ("RGB", "RGBA", "P"):
                return np.asarray(im.convert("RGB"))
            if im.mode in INDEX_MODES:
                return np.asarray(im)
            wanted = "palette, grayscale or RGB" if colours else "palette or grayscale"
            raise Unusable("bad-mask-file", f"mode {im.mode!r} is not {wanted}")
    except Image.DecompressionBombError as exc:
        raise Unusable("image-too-large", f"refused before decoding: {exc}") from None
    except (UnidentifiedImageError, ImageProblem, OSError, ValueError, SyntaxError) as exc:  # SyntaxError: broken PNG
        raise Unusable("bad-mask-file", f"cannot decode the image ({exc})") from None


def rgb_key(rgb: np.ndarray) -> np.ndarray:
    """``r << 16 | g << 8 | b`` of every pixel of an ``(h, w, 3)`` image, as int32.

    >>> rgb_key(np.array([[[1, 2, 3]]], np.uint8)).tolist()
    [[66051]]
    """
    key = rgb[..., 0].astype(np.int32) << 16
    key |= rgb[..., 1].astype(np.int32) << 8
    key |= rgb[..., 2]
    return key
