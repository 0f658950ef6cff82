"""A mask placed in an image by its top-left corner, as CVAT's ``<mask>`` and LabelMe's ``mask`` shape give it
(``docs/formats.md``, "CVAT XML", and "LabelMe JSON"): the pixels that fall outside the image are cropped
by painting, and a ``mask-outside-image`` warning counts them, worded the same for every reader.

    >>> found = []
    >>> report = lambda code, message, pixels=None: found.append((code, message, pixels))
    >>> placed_mask(np.ones((2, 3), bool), -1, 0, 4, 1, report).left, found
    (-1, [('mask-outside-image', '4 mask pixels outside the 4x1 image; cropped', 4)])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convert.model.sample import Bitmap
from convert.wording import plural


def placed_mask(mask: np.ndarray, left: int, top: int, width: int, height: int, report: Callable) -> Bitmap:
    """The mask as a :class:`~convert.model.sample.Bitmap` at (left, top); ``report(code, message, pixels=)``
    hears of the pixels outside the ``width`` x ``height`` image."""
    bitmap = Bitmap(mask, left=left, top=top)
    lost = bitmap.pixels_outside(width, height)
    if lost:
        report("mask-outside-image", f"{plural(lost, 'mask pixel')} outside the {width}x{height} image; cropped",
               pixels=lost)
    return bitmap
