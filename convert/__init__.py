"""segconv: convert and validate semantic-segmentation annotations.

Every source is read into one indexed-layer model (:mod:`convert.model`):
classes have a *level*, higher levels paint over lower ones, and every pixel
problem is reported as a :class:`~convert.findings.Finding` naming the file,
the image and the annotation.

    >>> import convert
    >>> ds = convert.open_dataset("fixtures/food/annotations.json")        # doctest: +SKIP
    >>> lm = convert.LabelMap.load("fixtures/food/labelmap.yaml")          # doctest: +SKIP
    >>> painted = convert.paint(next(iter(ds)), lm)                        # doctest: +SKIP
    >>> painted.class_mask.shape                                           # doctest: +SKIP
    (480, 640)
"""

__version__ = "0.1.0"

from .api import RunReport, convert, inspect, validate, validate_samples  # noqa: E402
from .errors import SegconvError, UsageError
from .findings import Finding, Severity
from .importers import detect_format, open_dataset
from .labelmap import LabelClass, LabelMap, voc_color
from .model import Bitmap, Box, Origin, Polygon, Region, Rle, Sample
from .paint import Painted, paint
from .rasterize import rasterize

__all__ = [
    "Bitmap", "Box", "Finding", "LabelClass", "LabelMap", "Origin", "Painted", "Polygon", "Region",
    "Rle", "RunReport", "Sample", "SegconvError", "Severity", "UsageError", "convert", "detect_format",
    "inspect", "open_dataset", "paint", "rasterize", "validate", "validate_samples", "voc_color",
]
