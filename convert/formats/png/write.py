"""The ``png`` layout: one indexed mask per image.

``OUT/masks/<image name without extension>.png`` (sub-folders of the image
name are kept), pixel value = class index, void = ``labelmap.void``.  While
every index fits in 8 bits the PNG is a palette image (mode ``P``) whose
palette is the label map's colours, so it opens in any viewer in colour and
training code still reads the indices; otherwise it is 16-bit grayscale.
``OUT/labelmap.json`` (the label map used) and ``OUT/labelmap.txt``
(Datumaro / CVAT syntax) are written last, when every mask is written.
"""

from __future__ import annotations

import json

import numpy as np

from convert.formats.layout_writer import LayoutWriter, Written
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.pixels.png_encode import encode_png
from convert.wording import plural

NAME = "png"


def encode_mask(mask: np.ndarray, labelmap: LabelMap) -> bytes:
    """PNG bytes of a class mask: palette PNG for ``uint8``, 16-bit grayscale for ``uint16``.

    >>> import io
    >>> from PIL import Image
    >>> from convert.model.labelmap import LabelMap
    >>> lm = LabelMap.derive(["plate"])
    >>> png = encode_mask(np.array([[0, 1], [1, 255]], dtype=np.uint8), lm)
    >>> im = Image.open(io.BytesIO(png)); im.mode, np.asarray(im).tolist()
    ('P', [[0, 1], [1, 255]])
    """
    return encode_png(mask, labelmap.palette() if mask.dtype == np.uint8 else None)


class PngWriter(LayoutWriter):
    """Writes the ``png`` layout into ``out`` (which the caller has prepared)."""

    name = NAME

    def write(self, sample: Sample, painted: Painted) -> Written:
        """Write the sample's mask (in a worker)."""
        written = Written()
        self.put(written, f"masks/{sample.stem}.png", lambda: encode_mask(painted.class_mask, self.labelmap))
        return written

    def finish(self) -> list[str]:
        return [self.write_file("labelmap.json", json.dumps(self.labelmap.to_dict(), indent=2) + "\n"),
                self.write_file("labelmap.txt", self.labelmap.to_labelmap_txt())]

    def summary(self, images: int) -> str:
        return f"wrote {plural(images, 'mask')} to {self.out / 'masks'} (+ labelmap.json, labelmap.txt)"
