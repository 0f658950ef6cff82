"""The ``voc`` layout: a Pascal VOC segmentation tree.

::

    OUT/JPEGImages/<id>.<ext>          the images, copied (or symlinked with --link)
    OUT/SegmentationClass/<id>.png     palette PNG: class index, void 255
    OUT/SegmentationObject/<id>.png    palette PNG: objects 1..K in painting order, 0 background, 255 void
    OUT/ImageSets/Segmentation/<subset>.txt   one id per line; default.txt without subsets
    OUT/labelmap.txt                   Datumaro / CVAT syntax, line = index

``<id>`` is the image name without its extension (sub-folders kept), which is
what torchvision's ``VOCSegmentation`` and Datumaro's ``voc_segmentation``
read.  Images keep their bytes and extension (never re-encoded); torchvision
expects ``.jpg``, so other extensions are reported.  More than 254 objects in
one image, or class indices above 254, make that PNG 16-bit grayscale.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from ..atomic import open_atomic, write_bytes, write_text
from ..findings import Finding
from ..labelmap import LabelMap, voc_color
from ..model import Sample
from ..paint import Painted
from ..paths import safe_join
from .objects import visible_objects
from .png import encode_mask, png_bytes

NAME = "voc"
DESCRIPTION = "Pascal VOC tree: JPEGImages, SegmentationClass, SegmentationObject, ImageSets, labelmap.txt"
INSTANCE_PALETTE = [v for i in range(256) for v in voc_color(i)]


def encode_instances(ids: np.ndarray, void: np.ndarray) -> bytes:
    """SegmentationObject PNG: palette when ids fit in 1..254, else 16-bit grayscale."""
    if (int(ids.max()) if ids.size else 0) <= 254:
        out = ids.astype(np.uint8)
        out[void] = 255
        return png_bytes(out, INSTANCE_PALETTE)
    out = ids.astype(np.uint16)
    out[void] = 65535
    return png_bytes(out)


class VocWriter:
    name = NAME
    needs_instances = True

    def __init__(self, out: Path, labelmap: LabelMap, *, link: bool = False, skip_existing: bool = False, **_):
        self.out = Path(out)
        self.labelmap = labelmap
        self.link = link
        self.skip_existing = skip_existing  # --resume: files already written are whole (atomic writes)
        self.subsets: dict[str, list[str]] = {}

    def write(self, sample: Sample, painted: Painted):
        findings: list[Finding] = []
        stem = sample.stem
        class_png = safe_join(self.out / "SegmentationClass", f"{stem}.png")
        if not (self.skip_existing and class_png.is_file()):
            write_bytes(class_png, encode_mask(painted.class_mask, self.labelmap))
        object_png = safe_join(self.out / "SegmentationObject", f"{stem}.png")
        if not (self.skip_existing and object_png.is_file()):
            objects, ids = visible_objects(painted, self.labelmap)
            write_bytes(object_png, encode_instances(ids, painted.class_mask == self.labelmap.void))
        if sample.image_path and Path(sample.image_path).is_file():
            src = Path(sample.image_path)
            ext = src.suffix.lower() or ".jpg"
            target = safe_join(self.out / "JPEGImages", f"{stem}{ext}")
            if not (self.skip_existing and (target.is_file() or target.is_symlink())):
                self._place_image(src, target)
            if ext not in (".jpg", ".jpeg"):
                findings.append(Finding("image-not-jpeg", f"image is {ext}, kept as it is; torchvision's "
                                        "VOCSegmentation expects .jpg", image=sample.name, file=str(src)))
        else:
            findings.append(Finding("missing-image", "image file not found (pass --images DIR); "
                                    "JPEGImages/ lacks it", image=sample.name, file=sample.origin.file))
        return findings, (sample.subset or "default", stem)

    def collect(self, record) -> None:
        """In the main process, in sample order: the ImageSets lists."""
        subset, stem = record
        self.subsets.setdefault(subset, []).append(stem)

    def _place_image(self, src: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.link:
            tmp = target.with_name(f".{target.name}.link")
            if tmp.exists() or tmp.is_symlink():
                tmp.unlink()
            os.symlink(os.path.realpath(src), tmp)
            os.replace(tmp, target)
            return
        with open(src, "rb") as fin, open_atomic(target, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)

    def finish(self) -> None:
        for subset, stems in self.subsets.items():
            write_text(safe_join(self.out / "ImageSets" / "Segmentation", f"{subset}.txt"),
                       "".join(f"{s}\n" for s in stems))
        write_text(self.out / "labelmap.txt", self.labelmap.to_labelmap_txt())
