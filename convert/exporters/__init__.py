"""Writers: one module per output layout (PRODUCT.md §4).

A writer (:class:`~convert.exporters.base.LayoutWriter`) is built with the
output folder, the label map and its options (``coco_mode``, ``link``, ``-O``
options), receives each painted sample through ``write(sample, painted)``
(which returns a :class:`~convert.exporters.base.Written`) and ends with
``finish()``, which writes the files that describe the whole set.

    >>> sorted(WRITERS)
    ['coco-rle', 'png', 'voc']
"""

from __future__ import annotations

from ..registry import Entry

WRITERS: dict[str, Entry] = {w.name: w for w in [
    Entry("png", "convert.exporters.png:PngWriter",
          "indexed PNG masks (palette, or 16-bit above index 254) + labelmap.json/.txt"),
    Entry("voc", "convert.exporters.voc:VocWriter",
          "Pascal VOC tree: JPEGImages, SegmentationClass, SegmentationObject, ImageSets, labelmap.txt"),
    Entry("coco-rle", "convert.exporters.coco_rle:CocoRleWriter",
          "COCO instances JSON with compressed RLE of each object's visible pixels (or one per class)"),
]}
