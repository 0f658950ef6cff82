"""Readers: one module per input format, and detection of a source's format.

Each reader module defines ``NAME``, ``DESCRIPTION``, ``detect(path) -> str |
None`` (why the path looks like this format) and a dataset class.

    >>> sorted(READERS)
    ['coco', 'cvat', 'labelme', 'labelme-xml', 'masks', 'voc']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..dataset import Dataset
from ..errors import SegconvError
from ..images import allow_pixels
from . import coco, cvat, labelme, labelme_xml, masks, voc


@dataclass(frozen=True)
class Reader:
    name: str
    description: str
    detect: Callable[[Path], str | None]
    open: Callable[..., Dataset]
    looks_for: str


READERS: dict[str, Reader] = {
    coco.NAME: Reader(coco.NAME, coco.DESCRIPTION, coco.detect, coco.CocoDataset,
                      "a .json file holding an object with 'images' and 'annotations'"),
    labelme.NAME: Reader(labelme.NAME, labelme.DESCRIPTION, labelme.detect, labelme.LabelmeDataset,
                         "a .json file with 'shapes', or a folder of them"),
    cvat.NAME: Reader(cvat.NAME, cvat.DESCRIPTION, cvat.detect, cvat.CvatDataset,
                      "an .xml file whose root is <annotations>, or a folder holding one"),
    labelme_xml.NAME: Reader(labelme_xml.NAME, labelme_xml.DESCRIPTION, labelme_xml.detect,
                             labelme_xml.LabelmeXmlDataset,
                             "an .xml file whose root is <annotation> with <imagesize>/<polygon>/<segm>, "
                             "or a folder (Annotations/) of them"),
    masks.NAME: Reader(masks.NAME, masks.DESCRIPTION, masks.detect, masks.MasksDataset,
                       "a folder with masks/ and labelmap.json (segconv's png layout)"),
    voc.NAME: Reader(voc.NAME, voc.DESCRIPTION, voc.detect, voc.VocDataset,
                     "a folder with SegmentationClass/ (Pascal VOC, Datumaro, CVAT mask export)"),
}


def detect_format(src: str | Path) -> str:
    """The one format ``src`` matches; a clear error when it matches none or several."""
    path = Path(src)
    if not path.exists():
        raise SegconvError("no such file or folder", file=str(path))
    if path.is_file() and path.stat().st_size == 0:
        raise SegconvError("file is empty", file=str(path))
    matches = {name: r.detect(path) for name, r in READERS.items()}
    found = {k: v for k, v in matches.items() if v}
    if len(found) == 1:
        return next(iter(found))
    if not found:
        looked = "; ".join(f"{name}: {r.looks_for}" for name, r in READERS.items())
        extra = ""
        if coco.looks_like_results(path):
            extra = " It looks like a COCO results list (a bare array of detections), which is not a dataset."
        raise SegconvError(f"matches no known format (looked for {looked}).{extra} Use --from to force one.",
                           file=str(path))
    which = "; ".join(f"{k} ({v})" for k, v in found.items())
    raise SegconvError(f"matches several formats: {which}. Use --from to choose.", file=str(path))


def open_dataset(src: str | Path, fmt: str | None = None, **options) -> Dataset:
    """Open ``src`` with the reader ``fmt`` (detected when ``None``)."""
    if fmt is None:
        fmt = detect_format(src)
    reader = READERS.get(fmt)
    if reader is None:
        raise SegconvError(f"unknown input format {fmt!r}; known: {', '.join(sorted(READERS))}")
    if not Path(src).exists():
        raise SegconvError("no such file or folder", file=str(src))
    if "max_pixels" in options:
        allow_pixels(options["max_pixels"])
    return reader.open(src, **options)
