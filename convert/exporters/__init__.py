"""Writers: one module per output layout (PRODUCT.md §4).

A writer is built with the output folder, the label map and its options
(``coco_mode``, ``link``), receives each painted sample through
``write(sample, painted)`` (which returns its findings) and ends with
``finish()``, which writes the files that describe the whole set.

    >>> sorted(WRITERS)
    ['coco-rle', 'png', 'voc']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import coco_rle, png, voc


@dataclass(frozen=True)
class Writer:
    name: str
    description: str
    create: Callable


WRITERS: dict[str, Writer] = {
    png.NAME: Writer(png.NAME, png.DESCRIPTION, png.PngWriter),
    voc.NAME: Writer(voc.NAME, voc.DESCRIPTION, voc.VocWriter),
    coco_rle.NAME: Writer(coco_rle.NAME, coco_rle.DESCRIPTION, coco_rle.CocoRleWriter),
}
