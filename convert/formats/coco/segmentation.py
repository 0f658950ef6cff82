"""A COCO ``segmentation`` value → geometry, with every trap a finding (``docs/formats.md``, COCO).

The decoder follows the JSON type of ``segmentation``, as pycocotools' ``annToRLE`` does: a list is polygons
(one or more rings ``[x1, y1, x2, y2, ...]``, unioned), a dict whose ``counts`` is a list is uncompressed RLE,
a dict whose ``counts`` is a string is compressed RLE.  ``report(code, message)`` receives each finding.

>>> found = []
>>> parse_segmentation([[0, 0, 4, 0, 4, 3]], 5, 5, lambda code, message: found.append(code))
Polygon(rings=(array([[0., 0.],
       [4., 0.],
       [4., 3.]]),))
>>> parse_segmentation([[0, 0, 4, 4]], 5, 5, lambda code, message: found.append(code)), found
(None, ['box-as-polygon'])
"""

from __future__ import annotations

import numpy as np
from pycocotools import mask as cocomask

from convert.files.json_source import all_numbers, is_int
from convert.model.sample import Polygon, Rle
from convert.pixels.rle import RleError, check_counts, string_to_counts


def parse_segmentation(seg, height: int, width: int, report):
    """Geometry for one annotation's ``segmentation``, or ``None`` (reported)."""
    if seg is None or (isinstance(seg, list) and (not seg or all(isinstance(r, list) and not r for r in seg))):
        report("empty-segmentation", "no segmentation (box-only annotation); not painted")
        return None
    if isinstance(seg, list):
        return polygon_of(seg, report)
    if isinstance(seg, dict):
        return rle_of(seg, height, width, report)
    report("bad-value", f"segmentation must be a list of rings or an RLE object, not {type(seg).__name__}")
    return None


def polygon_of(seg: list, report) -> Polygon | None:
    if not any(isinstance(v, list) for v in seg) and all_numbers(seg):
        report("bad-value", "segmentation is a flat list of numbers; COCO needs a list of rings [[x1, y1, ...]]; "
                            "not painted")
        return None
    rings = []
    for i, ring in enumerate(seg):
        if not isinstance(ring, list) or not all_numbers(ring):
            report("bad-value", f"ring {i} must be a list of numbers; ring not painted")
            continue
        n = len(ring)
        if n == 4:
            report("box-as-polygon", f"ring {i} has exactly 4 numbers, which pycocotools reads as a box; "
                                     "ring not painted")
            continue
        try:
            arr = np.asarray(ring, dtype=np.float64)
        except OverflowError:  # an integer too large for a float (JSON numbers have no limit)
            arr = np.array([np.inf])
        if not np.isfinite(arr).all():
            report("non-finite-coordinate", f"ring {i} holds NaN, infinity or a number too large for a float; "
                                            "ring not painted")
            continue
        if n < 6:
            report("too-few-points", f"ring {i} has {n} numbers: fewer than 3 vertices; ring not painted")
            continue
        if n % 2:
            report("odd-coordinate-count", f"ring {i} has {n} numbers (odd); the last one is ignored, "
                                           "as pycocotools does")
            arr = arr[:-1]
        rings.append(arr.reshape(-1, 2))
    return Polygon(tuple(rings)) if rings else None


def rle_of(seg: dict, height: int, width: int, report) -> Rle | None:
    if not isinstance(seg, dict):
        report("bad-value", f"RLE must be an object, not {type(seg).__name__}; not painted")
        return None
    size, counts = seg.get("size"), seg.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(is_int(v) and v >= 0 for v in size)):
        report("bad-value", f"RLE 'size' must be [height, width], got {size!r}; not painted")
        return None
    if list(size) != [height, width]:
        hint = " — it looks like [width, height], a transposed mask" if list(size) == [width, height] else ""
        report("rle-size-mismatch", f"RLE size {size} differs from the image's [height, width] = "
                                    f"[{height}, {width}]{hint}; not painted")
        return None
    if isinstance(counts, list):
        if not all(is_int(v) for v in counts):
            report("bad-value", "uncompressed RLE counts must be integers; not painted")
            return None
        arr = np.asarray(counts, dtype=np.int64)
        try:
            check_counts(arr, height, width)
        except RleError as exc:
            report("rle-count-sum" if "sum" in str(exc) else "rle-invalid", f"{exc}; not painted")
            return None
        encoded = cocomask.frPyObjects({"size": [height, width], "counts": counts}, height, width)
        return Rle((height, width), encoded["counts"].decode("ascii"))
    if isinstance(counts, str):
        if len(counts) >= 3 and counts[:2] in ("b'", 'b"') and counts[-1] == counts[1]:
            report("rle-bytes-literal", "counts are written as a Python bytes literal; the string inside is used")
            counts = counts[2:-1].replace("\\\\", "\\")
        try:
            check_counts(string_to_counts(counts), height, width)
        except RleError as exc:
            report("rle-count-sum" if "sum" in str(exc) else "rle-invalid", f"{exc}; not painted")
            return None
        return Rle((height, width), counts)
    report("bad-value", f"RLE 'counts' must be a list or a string, not {type(counts).__name__}; not painted")
    return None
