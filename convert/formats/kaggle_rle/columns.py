"""Which columns of a Kaggle run-length CSV hold what, and the pixel order its header implies.

The header is all a Kaggle CSV says about itself.  An image column (``img``, ``ImageId``, ``id``, ``image``,
``image_id``; Severstal's first ``ImageId_ClassId`` holds both, ``"<image>_<class>"``), a run-length column
(``rle_mask``, ``EncodedPixels``, ``encoding``, ``annotation``, ``pixels``, ``encoded_pixels``, ``rle``), a
class column where there is one (``ClassId``, ``class_id``, ``cell_type``) and, in segconv's own files,
``width`` and ``height``.  Names are matched without case and surrounding spaces (SIIM's header is
``ImageId, EncodedPixels``).

The order the runs count in is not written anywhere; the known competitions' headers give the default
(``docs/formats.md``, "Kaggle run-length CSV"):

    >>> h = Header.parse(["img", "rle_mask"])
    >>> h.image, h.rle, h.order, h.known
    (0, 1, 'row', "Carvana's header")
    >>> siim = Header.parse(["ImageId", " EncodedPixels"])
    >>> siim.order, siim.relative, siim.known
    ('column', True, "SIIM's header")

SIIM-ACR's ``train-rle.csv`` spells its header ``ImageId, EncodedPixels``, a space after the comma (kernels read
the column ``' EncodedPixels'``), and its starts are relative (:mod:`.rle_strings`); that spelling is what tells it
from Airbus' ``ImageId,EncodedPixels``.
    >>> Header.parse(["name", "mask"]) is None
    True
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

IMAGE = ("img", "imageid", "id", "image", "image_id")
COMBINED = "imageid_classid"  # Severstal's first train.csv: "0002cc93b.jpg_1"
RLE = ("rle_mask", "encodedpixels", "encoding", "annotation", "pixels", "encoded_pixels", "rle")
CLASS = ("classid", "class_id", "cell_type")
# (image column, run-length column) -> (order, whose header it is)
KNOWN = {
    ("img", "rle_mask"): ("row", "Carvana's header"),
    ("id", "annotation"): ("row", "Sartorius' header"),
    ("imageid", "encodedpixels"): ("column", "the header of Airbus, Severstal and SIIM"),
    (COMBINED, "encodedpixels"): ("column", "Severstal's first header"),
    ("id", "rle_mask"): ("column", "TGS Salt's header"),
    ("img", "pixels"): ("column", "HuBMAP's submission header"),
    ("id", "encoding"): ("column", "HuBMAP's header"),
}
STANDARD = ("column", "Kaggle's standard evaluation text: top to bottom, then left to right")
HEAD_BYTES = 64 << 10  # a header longer than this is no Kaggle CSV's
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif")


@dataclass(frozen=True)
class Header:
    """The roles of a CSV's columns (positions), and the order its header implies."""

    names: tuple[str, ...]
    image: int
    rle: int
    klass: int | None = None
    combined: bool = False  # the image column holds "<image>_<class>"
    width: int | None = None
    height: int | None = None
    spaced: bool = False  # the run-length column's name starts with a space, as SIIM's does

    @classmethod
    def parse(cls, cells) -> Header | None:
        names = tuple(str(c).strip() for c in cells)
        keys = [n.lower() for n in names]

        def first(choices) -> int | None:
            return next((keys.index(c) for c in choices if c in keys), None)

        combined = COMBINED in keys
        image = keys.index(COMBINED) if combined else first(IMAGE)
        rle = first(RLE)
        if image is None or rle is None:
            return None
        return cls(names, image, rle, None if combined else first(CLASS), combined,
                   first(("width",)), first(("height",)), str(cells[rle]).startswith(" "))

    @property
    def relative(self) -> bool:
        """SIIM's header, whose starts count from the previous run's end."""
        return self.spaced and self.key == ("imageid", "encodedpixels")

    @property
    def key(self) -> tuple[str, str]:
        return self.names[self.image].lower(), self.names[self.rle].lower()

    @property
    def order(self) -> str:
        return KNOWN.get(self.key, STANDARD)[0]

    @property
    def known(self) -> str:
        return "SIIM's header" if self.relative else KNOWN.get(self.key, STANDARD)[1]

    @property
    def text(self) -> str:
        """The image and run-length columns as the header spells them: ``'ImageId, EncodedPixels'``."""
        return f"{self.names[self.image]},{' ' if self.spaced else ''}{self.names[self.rle]}"

    def describe(self) -> str:
        """The columns as a message names them: ``'img' (image), 'rle_mask' (runs)``."""
        roles = {self.image: "image and class" if self.combined else "image", self.rle: "runs"}
        for index, role in ((self.klass, "class"), (self.width, "width"), (self.height, "height")):
            if index is not None:
                roles[index] = role
        return ", ".join(f"{self.names[i]!r} ({role})" for i, role in sorted(roles.items()))


def split_image_name(name: str) -> tuple[str, str, str]:
    """An image column's name as ``(folder, stem, image extension)``; the extension is empty for an id
    without one (TGS' ``3e06571ef3``, SIIM's dotted ``1.2.276.0.7230010.3.1.4.1``), whose photo is
    ``<id>.<any image extension>``.

    >>> split_image_name("train/a.JPG"), split_image_name("1.2.276.0.1"), split_image_name("3e06571ef3")
    (('train', 'a', '.JPG'), ('', '1.2.276.0.1', ''), ('', '3e06571ef3', ''))
    """
    parent, _, last = name.rpartition("/")
    dot = last.rfind(".")
    suffix = last[dot:] if dot > 0 and last[dot:].lower() in IMAGE_SUFFIXES else ""
    return parent, last[:len(last) - len(suffix)], suffix


def read_header(path: Path) -> Header | None:
    """The header of a ``.csv`` file, if it names an image column and a run-length column."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.readline(HEAD_BYTES)
        text = head.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        cells = next(csv.reader([text.rstrip("\r\n")]), [])
    except csv.Error:
        return None
    return Header.parse(cells)


def csvs_in(folder: Path) -> list[Path]:
    """The run-length CSVs directly in ``folder``, a sample submission (``sample_submission*.csv``, the
    test set's empty template) left out when there are others."""
    try:
        found = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and read_header(p) is not None)
    except OSError:
        return []
    chosen = [p for p in found if not p.name.lower().startswith("sample_submission")]
    return chosen or found
