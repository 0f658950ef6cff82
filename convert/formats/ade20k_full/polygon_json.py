"""One ADE20K 2021 per-image JSON (``<name>.json`` beside ``<name>.jpg``; ``docs/formats.md``, "ADE20K"), as the
release ships it and ``utils_ade20k.loadAde20K`` reads it::

    {"annotation": {"filename": "ADE_train_00016869.jpg", "imsize": [1536, 2048, 3],
     "object": [{"id": 0, "name": "traffic light, traffic signal, stoplight", "name_ndx": 2836,
                 "raw_name": "traffic light", "depth_ordering_rank": 1, "occluded": "no", "crop": "0",
                 "parts": {"part_level": 0, "ispartof": [], "hasparts": []},
                 "polygon": {"x": [346, 373, 377, 348], "y": [781, 781, 691, 691]}}, ...]}}

``imsize`` is ``[height, width, channels]``.  Coordinates are **1-based pixel indices** (the LabelMe/MATLAB
convention: 1 is the first row or column, whose centre MATLAB's ``poly2mask`` puts at 1): the vertex (x, y) is
the centre of pixel (x - 1, y - 1), so segconv reads it as the point (x - 0.5, y - 0.5) and fills under the run's
``--rule`` (``coco``: pixel centres inside, as ``poly2mask`` decides for centres).  Objects (``part_level`` 0)
paint by ``depth_ordering_rank``, a higher rank on top, then file order; each is its own instance.  Parts
(``part_level`` > 0) are not painted: the objects mask holds objects, the dataset keeps parts in
``*_parts_N.png`` (``label-not-drawn``, counted).  The class is ``name_ndx``'s line of ``objects.txt``
(``*_seg.png`` uses the same values), else the first synonym of ``name``.

    >>> doc = {"annotation": {"imsize": [3, 4, 3], "object": [
    ...     {"id": 0, "name": "wall", "name_ndx": 1, "depth_ordering_rank": 1, "parts": {"part_level": 0},
    ...      "polygon": {"x": [1, 4, 4, 1], "y": [1, 1, 3, 3]}},
    ...     {"id": 1, "name": "knob", "name_ndx": 9, "parts": {"part_level": 1},
    ...      "polygon": {"x": [1, 2, 2], "y": [1, 1, 2]}}]}}
    >>> read = read_json(doc, "a.json", "a.jpg", {1: "wall"})
    >>> [(r.label, r.geometry.rings[0][0].tolist()) for r in read.regions], (read.width, read.height)
    ([('wall', [0.5, 0.5])], (4, 3))
    >>> [f.code for f in read.findings]
    ['label-not-drawn']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from convert.files.json_source import all_numbers, as_size, is_int
from convert.findings import Finding
from convert.formats.ade20k.read import first_synonym
from convert.model.sample import OrderRule, Origin, Polygon, Region
from convert.wording import plural

ORDER = OrderRule(("depth_ordering_rank", "position"), "the JSON's objects (depth_ordering_rank, then file order)")
SHIFT = 0.5  # a 1-based pixel index k is the centre of pixel k - 1, at k - 0.5 in segconv's pixel-edge units


@dataclass
class Read:
    """What one JSON gives: its declared size (``None`` when unusable), regions, findings."""

    width: int | None
    height: int | None
    regions: list[Region] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _part_level(obj: dict) -> int:
    parts = obj.get("parts")
    level = parts.get("part_level", 0) if isinstance(parts, dict) else 0
    return level if is_int(level) else 0


def read_json(doc, file: str, image: str, names_by_value: dict[int, str]) -> Read:
    """The regions of a parsed ADE20K JSON; ``names_by_value`` are ``objects.txt``'s classes."""
    read = Read(None, None)

    def report(code, message, element=None):
        read.findings.append(Finding(code, message, file=file, image=image, element=element))

    annotation = doc.get("annotation") if isinstance(doc, dict) else None
    if not isinstance(annotation, dict):
        report("unreadable-file", "not an ADE20K annotation: no 'annotation' object")
        return read
    size = annotation.get("imsize")
    height, width = (as_size(size[0]), as_size(size[1])) if isinstance(size, list) and len(size) >= 2 else (None, None)
    if width is None or height is None:
        report("bad-value", f"imsize {size!r} must be [height, width, channels] of positive integers",
               "annotation.imsize")
        return read
    read.width, read.height = width, height
    objects = annotation.get("object", [])
    objects = [objects] if isinstance(objects, dict) else objects
    if not isinstance(objects, list):
        report("bad-value", "'object' must be a list of objects; nothing painted", "annotation.object")
        return read
    parts = 0
    for i, obj in enumerate(objects):
        name = obj.get("name") if isinstance(obj, dict) else None
        element = f"annotation.object[{i}]" + (f" ({name})" if isinstance(name, str) else "")
        if not isinstance(obj, dict):
            report("bad-value", "not an object; not painted", element)
            continue
        if _part_level(obj) > 0:
            parts += 1
            continue
        ndx = obj.get("name_ndx")
        label = names_by_value.get(ndx) if is_int(ndx) else None
        if label is None:
            if not isinstance(name, str) or not name.strip():
                report("bad-value", f"name_ndx {ndx!r} is no line of objects.txt and 'name' is no name; not "
                                    "painted", element)
                continue
            label = first_synonym(name)
        polygon = obj.get("polygon")
        xs = polygon.get("x") if isinstance(polygon, dict) else None
        ys = polygon.get("y") if isinstance(polygon, dict) else None
        if not (isinstance(xs, list) and isinstance(ys, list) and len(xs) == len(ys) and all_numbers(xs)
                and all_numbers(ys)):
            report("bad-value", "'polygon' must hold lists 'x' and 'y' of numbers, as long as each other; not "
                                "painted", element)
            continue
        if not all(math.isfinite(v) for v in (*xs, *ys)):
            report("non-finite-coordinate", "a point holds NaN or infinity; not painted", element)
            continue
        if len(xs) < 3:
            report("too-few-points", f"polygon has {plural(len(xs), 'point')}; not painted", element)
            continue
        ring = np.column_stack([np.asarray(xs, np.float64), np.asarray(ys, np.float64)]) - SHIFT
        rank = obj.get("depth_ordering_rank")
        order = (rank if is_int(rank) else 0, i)
        read.regions.append(Region(label, Polygon((ring,)), order, Origin(file, element),
                                   instance=("object", obj.get("id") if is_int(obj.get("id")) else i),
                                   attributes={"shape": "polygon"}))
    if parts:
        report("label-not-drawn", f"{plural(parts, 'part')} (part_level > 0) not painted: the objects mask holds "
                                  "objects; ADE20K keeps parts in *_parts_N.png")
    return read
