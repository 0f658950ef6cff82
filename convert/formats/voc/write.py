"""The ``voc`` layout: a Pascal VOC segmentation tree.

::

    OUT/JPEGImages/<id>.<ext>          the images, copied (or symlinked with --link)
    OUT/SegmentationClass/<id>.png     palette PNG: class index, void 255
    OUT/SegmentationObject/<id>.png    palette PNG: objects 1..K in painting order, 0 background, 255 void
                                       (--rule labelme: as labelme2voc writes it, see labelme_objects)
    OUT/ImageSets/Segmentation/<subset>.txt   one id per line; train.txt without subsets or --split
    OUT/labelmap.txt                   Datumaro / CVAT syntax, line = index

``<id>`` is the image name without its extension (sub-folders kept), which is
what torchvision's ``VOCSegmentation`` and Datumaro's ``voc_segmentation``
read.  Images keep their bytes and extension (never re-encoded); torchvision
expects ``.jpg``, so other extensions are reported.  More than 254 objects in
one image, or class indices above 254, make that PNG 16-bit grayscale.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from convert.findings import Finding
from convert.formats.layout_writer import LayoutWriter, Written
from convert.formats.objects import visible_objects
from convert.formats.png.write import encode_mask
from convert.model.labelmap import LabelMap, voc_color
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.pixels.png_encode import encode_png
from convert.wording import plural

NAME = "voc"
INSTANCE_PALETTE = [v for i in range(256) for v in voc_color(i)]


def encode_instances(ids: np.ndarray, void: np.ndarray) -> bytes:
    """SegmentationObject PNG: palette when ids fit in 1..254, else 16-bit grayscale."""
    if (int(ids.max()) if ids.size else 0) <= 254:
        out = ids.astype(np.uint8)
        out[void] = 255
        return encode_png(out, INSTANCE_PALETTE)
    out = ids.astype(np.uint16)
    out[void] = 65535
    return encode_png(out)


class VocRecord(NamedTuple):
    """What one image adds to the tree's lists: its id in its subset's ImageSets list."""

    subset: str
    stem: str


class VocWriter(LayoutWriter):
    name = NAME
    needs_instances = True
    has_splits = True

    def __init__(self, out: Path, labelmap: LabelMap, *, rule: str = "coco", **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.subsets: dict[str, list[str]] = {}
        self.labelme = rule == "labelme"  # SegmentationObject as labelme2voc writes it

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        stem = sample.stem
        self.put(written, f"SegmentationClass/{stem}.png", lambda: encode_mask(painted.class_mask, self.labelmap))

        def objects() -> bytes:
            if self.labelme:
                return encode_instances(labelme_objects(painted), np.zeros(painted.class_mask.shape, bool))
            _, ids = visible_objects(painted, self.labelmap)
            return encode_instances(ids, painted.class_mask == self.labelmap.void)

        self.put(written, f"SegmentationObject/{stem}.png", objects)
        placed = self.place_image(written, sample, "JPEGImages", stem)
        if placed is not None and Path(placed).suffix not in (".jpg", ".jpeg"):
            written.findings.append(Finding("image-not-jpeg", f"image is {Path(placed).suffix}, kept as it is; "
                                            "torchvision's VOCSegmentation expects .jpg", image=sample.name,
                                            file=str(Path(str(sample.image_path)))))
        written.record = VocRecord(sample.subset or self.default_subset, stem)
        return written

    def collect(self, record: VocRecord) -> None:
        """In the main process, in sample order: the ImageSets lists."""
        self.subsets.setdefault(record.subset, []).append(record.stem)

    def finish(self) -> list[str]:
        files = [self.write_file(f"ImageSets/Segmentation/{subset}.txt", "".join(f"{s}\n" for s in stems))
                 for subset, stems in self.subsets.items()]
        return files + [self.write_file("labelmap.txt", self.labelmap.to_labelmap_txt())]

    def summary(self, images: int) -> str:
        lists = ", ".join(f"{name}.txt ({len(stems)})" for name, stems in self.subsets.items())
        return f"wrote a VOC tree of {plural(images, 'image')} to {self.out} (ImageSets/Segmentation: {lists})"


def labelme_objects(painted: Painted) -> np.ndarray:
    """labelme2voc's SegmentationObject: every object (a label and ``group_id``, or a shape without one)
    numbered from 1 in the order it first appears in the file, hidden ones and ``__ignore__`` shapes counted
    (labelme's ``shapes_to_label``), and 0 on void pixels (its ``ins[cls == -1] = 0``) and where no shape is."""
    first = sorted(painted.instances, key=lambda obj: min(region.order for region in obj.regions))
    lut = np.zeros(len(painted.instances) + 1, dtype=np.min_scalar_type(len(first)))
    for number, obj in enumerate(first, start=1):
        lut[obj.id] = number
    st = painted.stretches
    assert st.objects is not None, "painted without instances=True"
    return st.image(lut[st.objects], 0, painted.class_mask.shape)
