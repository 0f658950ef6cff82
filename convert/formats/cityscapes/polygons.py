"""One Cityscapes polygon file (``*_gtFine_polygons.json``) read as ``createLabelImage`` reads and paints it
(cityscapesScripts ``helpers/annotation.py``, ``preparation/json2labelImg.py``; ``docs/formats.md``,
"Cityscapes").

``{"imgHeight": H, "imgWidth": W, "objects": [{"label": "car", "polygon": [[x, y], ...], "deleted": 0}]}``:
objects paint in file order (a later object on top), each polygon filled by Pillow's
``ImageDraw.polygon(points, fill=value)`` without an outline (:func:`convert.painting.rasterize.pillow_runs`;
the same pixels as labelme's fill with outline).  An object with a true ``deleted`` is skipped; a label that
is not a known one but ends in ``group`` is the label before it (``cargroup`` -> ``car``: a group, no
instance of its own); a label of negative id (``license plate``) is never drawn.

    >>> doc = {"imgWidth": 4, "imgHeight": 3, "objects": [
    ...     {"label": "road", "polygon": [[0, 0], [3, 0], [3, 2], [0, 2]]},
    ...     {"label": "cargroup", "polygon": [[1, 1], [2, 1], [2, 2]]},
    ...     {"label": "license plate", "polygon": [[0, 0], [1, 0], [1, 1]]},
    ...     {"label": "car", "polygon": [[0, 0], [1, 0], [1, 1]], "deleted": 1}]}
    >>> read = read_polygons(doc, "a.json", "a.png", known={"road", "car"}, negative={"license plate"})
    >>> [(r.label, r.crowd, r.order) for r in read.regions], (read.width, read.height)
    ([('road', False, (0,)), ('car', True, (1,))], (4, 3))
    >>> sorted(f.code for f in read.findings)
    ['deleted-object', 'label-not-drawn']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from convert.files.json_source import all_numbers, as_size
from convert.findings import Finding
from convert.model.sample import Origin, Polygon, Region
from convert.wording import plural


@dataclass
class Read:
    """What one polygon file gives: its declared size (``None`` when unusable), regions, findings."""

    width: int | None
    height: int | None
    regions: list[Region] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def group_name(label: str, known) -> tuple[str, bool]:
    """The label a polygon paints and whether it names a group: ``createLabelImage`` strips a trailing
    ``group`` only from a label it does not know (``polegroup`` is a label of its own)."""
    if label not in known and label.endswith("group") and len(label) > len("group"):
        return label[: -len("group")], True
    return label, False


def read_polygons(doc, file: str, image: str, *, known, negative=frozenset()) -> Read:
    """The regions of a parsed polygon file; ``known`` are the label names of the table (for the ``group``
    rule), ``negative`` the ones ``createLabelImage`` never draws."""
    def report(code, message, element=None, pixels=None):
        read.findings.append(Finding(code, message, file=file, image=image, element=element, pixels=pixels))

    read = Read(None, None)
    if not isinstance(doc, dict) or not isinstance(doc.get("objects"), list):
        report("unreadable-file", "not a Cityscapes polygon file: no 'objects' list")
        return read
    width, height = as_size(doc.get("imgWidth")), as_size(doc.get("imgHeight"))
    if width is None or height is None:
        report("bad-value", f"imgWidth {doc.get('imgWidth')!r} / imgHeight {doc.get('imgHeight')!r} must be "
                            "positive integers", element="imgWidth/imgHeight")
        return read
    read.width, read.height = width, height
    not_drawn: dict[str, int] = {}
    for i, obj in enumerate(doc["objects"]):
        label = obj.get("label") if isinstance(obj, dict) else None
        element = f"objects[{i}]" + (f" ({label})" if isinstance(label, str) else "")
        if not isinstance(obj, dict) or not isinstance(label, str) or not label:
            report("bad-value", "object is not an object with a 'label' string; not painted", element)
            continue
        if obj.get("deleted"):
            report("deleted-object", f"'deleted' is {obj['deleted']!r}: skipped, as createLabelImage does", element)
            continue
        name, group = group_name(label, known)
        if name in negative:
            not_drawn[name] = not_drawn.get(name, 0) + 1
            continue
        points = obj.get("polygon")
        if not isinstance(points, list) or not all(isinstance(p, list) and len(p) == 2 and all_numbers(p)
                                                   for p in points):
            report("bad-value", "'polygon' must be a list of [x, y] numbers; not painted", element)
            continue
        if not all(math.isfinite(v) for p in points for v in p):
            report("non-finite-coordinate", "a point holds NaN or infinity; not painted", element)
            continue
        if len(points) < 2:  # Pillow refuses fewer than two points (the tool stops there)
            report("too-few-points", f"polygon has {plural(len(points), 'point')}; Pillow draws none; not painted",
                   element)
            continue
        ring = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        read.regions.append(Region(name, Polygon((ring,), rule="pillow"), (i,), Origin(file, element),
                                   crowd=group,
                                   attributes={"shape": "polygon"}))
    for name, count in not_drawn.items():
        report("label-not-drawn", f"{plural(count, f'{name!r} polygon')} not painted: the label table gives "
                                  f"{name!r} a negative id, which createLabelImage never draws")
    return read
