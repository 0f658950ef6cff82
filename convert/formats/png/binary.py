"""Binary masks: one object per image file, as Carvana ships its training masks (``train_masks/<id>_mask.gif``,
a car on black).  Black is the background and every other grey level the object, whatever the file's mode:
a palette image is read through its palette (a two-colour GIF is black and white whichever index is which),
a grey or colour image by its grey level.

    >>> import io
    >>> from PIL import Image
    >>> im = Image.new("P", (3, 2)); im.putpalette([255, 255, 255, 0, 0, 0]); im.putpixel((1, 0), 1)
    >>> buf = io.BytesIO(); im.save(buf, "GIF")
    >>> read_binary(buf.getvalue()).astype(int).tolist()   # index 0 is white here: the object
    [[1, 0, 1], [1, 1, 1]]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.files.images import open_image
from convert.limits import DEFAULT_MAX_PIXELS

SUFFIX = "_mask"  # Carvana: 00087a6bd4dc_01.jpg and train_masks/00087a6bd4dc_01_mask.gif


class TooLarge(ValueError):
    """The mask is larger than ``--max-pixels``; nothing was decoded."""


def read_binary(source: Path | bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """The ``(height, width)`` boolean mask of a binary mask image: True where the pixel is not black.
    Raises :class:`TooLarge` before decoding an image above ``max_pixels``, and Pillow's errors for a file
    that is no image."""
    with open_image(source) as im:
        if im.width * im.height > max_pixels:
            raise TooLarge(f"{im.width}x{im.height} exceeds --max-pixels {max_pixels:,}; refused before decoding")
        if im.mode in ("1", "L", "I", "I;16", "I;16B", "F"):
            values = np.asarray(im)
        else:  # palette and colour images: by the grey level of what is shown
            values = np.asarray(im.convert("L"))
    return values != 0


def mask_stem(path: Path) -> str | None:
    """The image stem a binary mask file belongs to: ``a_mask.gif`` -> ``a``; ``None`` for other files.

    >>> mask_stem(Path("train_masks/00087a6bd4dc_01_mask.gif")), mask_stem(Path("a.gif"))
    ('00087a6bd4dc_01', None)
    """
    stem = path.stem
    return stem[:-len(SUFFIX)] if stem.endswith(SUFFIX) and len(stem) > len(SUFFIX) else None
