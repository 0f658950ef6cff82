"""Writers: one module per output layout (PRODUCT.md §4).

A writer is built with the output folder and the label map, receives each
painted sample through ``write(sample, painted)`` and finishes with
``finish()``, which writes the files that describe the whole set.

    >>> sorted(WRITERS)
    ['png']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import png


@dataclass(frozen=True)
class Writer:
    name: str
    description: str
    create: Callable
    needs_instances: bool = False


WRITERS: dict[str, Writer] = {
    png.NAME: Writer(png.NAME, png.DESCRIPTION, png.PngWriter),
}
