"""Painting a sample into a class mask, level by level.

Regions are painted lowest level first and, inside a level, in the source's own
order (``Region.order``); a pixel painted by a higher level is taken from the
lower one.  The ``fill`` class covers every pixel nothing else covers; without
a fill class those pixels are written as ``void`` and reported
(``unlabelled-pixels``), so training code ignores them instead of learning a
made-up class.

    >>> from convert.labelmap import LabelMap
    >>> from convert.model import Box, Origin, Region, Sample
    >>> lm = LabelMap.from_dict({"classes": [
    ...     {"name": "background", "index": 0, "level": 0, "fill": True},
    ...     {"name": "plate", "index": 1, "level": 1},
    ...     {"name": "rice", "index": 4, "level": 2}]})
    >>> o = Origin("demo")
    >>> s = Sample("a.jpg", 5, 3, [
    ...     Region("rice", Box(1, 0, 3, 2), (0,), o),      # listed first, painted last
    ...     Region("plate", Box(0, 0, 4, 3), (1,), o)], o)
    >>> paint(s, lm).class_mask
    array([[1, 4, 4, 1, 0],
           [1, 4, 4, 1, 0],
           [1, 1, 1, 1, 0]], dtype=uint8)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .findings import Finding
from .labelmap import LabelClass, LabelMap
from .model import Region, Sample
from .rasterize import has_area, rasterize


@dataclass(slots=True)
class Instance:
    """One painted object: its number in the instance mask, class and origin."""

    id: int
    label: LabelClass | None  # None: void
    regions: list[Region]
    pixels: int = 0  # visible pixels after layering (filled by paint when instances=True)


@dataclass(slots=True)
class Painted:
    """What :func:`paint` returns."""

    class_mask: np.ndarray
    findings: list[Finding] = field(default_factory=list)
    instance_mask: np.ndarray | None = None
    instances: list[Instance] = field(default_factory=list)


def resolve(sample: Sample, labelmap: LabelMap):
    """Pair each region with its class (``None`` for void); unknown labels become
    ``unknown-label`` findings.  Returns ``(pairs, findings)``."""
    pairs: list[tuple[Region, LabelClass | None]] = []
    findings: list[Finding] = []
    for region in sample.regions:
        if region.label is None:
            pairs.append((region, None))
            continue
        cls = labelmap.resolve(region.label)
        if cls is None and not labelmap.is_void(region.label):
            hint = labelmap.suggest(region.label)
            msg = f"label {region.label!r} is not in the label map; not painted"
            if hint:
                msg += f" (did you mean {hint!r}?)"
            findings.append(
                Finding("unknown-label", msg, file=region.origin.file, image=sample.name,
                        element=region.origin.element, line=region.origin.line)
            )
            continue
        pairs.append((region, cls))
    return pairs, findings


def painting_order(pairs, labelmap: LabelMap):
    """Sort (region, class) pairs by level, then by the source's order.  Void
    regions paint at ``labelmap.void_level``, by default above every level:
    "don't care" wins."""
    void_level = labelmap.void_level if labelmap.void_level is not None else max(labelmap.levels()) + 1
    return sorted(pairs, key=lambda p: (void_level if p[1] is None else p[1].level, p[0].order))


def paint(sample: Sample, labelmap: LabelMap, *, rule: str = "coco", instances: bool = False) -> Painted:
    """Paint ``sample`` into a ``(height, width)`` class mask of ``labelmap.dtype``.

    With ``instances=True`` an instance mask is painted too: objects numbered
    1..N in painting order (regions sharing ``Region.instance`` are one
    object), 0 where no object is, ``labelmap.void`` on void regions.
    """
    h, w = sample.height, sample.width
    pairs, findings = resolve(sample, labelmap)
    ordered = painting_order(pairs, labelmap)
    fill = labelmap.fill
    canvas = np.full((h, w), fill.index if fill else labelmap.void, dtype=labelmap.dtype)
    covered = None if fill else np.zeros((h, w), dtype=bool)
    inst_canvas = np.zeros((h, w), dtype=np.uint32) if instances else None
    objects: dict[object, Instance] = {}
    inst_list: list[Instance] = []

    for region, cls in ordered:
        if not has_area(region.geometry, rule):
            findings.append(Finding(
                "no-area-shape",
                f"{region.attributes.get('shape', type(region.geometry).__name__.lower())} has no area under "
                f"rule '{rule}'; not painted (rule 'labelme' draws it as labelme does)",
                file=region.origin.file, image=sample.name, element=region.origin.element,
                line=region.origin.line))
            continue
        mask = rasterize(region.geometry, h, w, rule)
        value = labelmap.void if cls is None else cls.index
        canvas[mask] = value
        if covered is not None:
            covered |= mask
        if inst_canvas is not None:
            key = (region.instance, region.label) if region.instance is not None else id(region)
            obj = objects.get(key)
            if obj is None:
                obj = Instance(len(inst_list) + 1, cls, [])
                objects[key] = obj
                inst_list.append(obj)
            obj.regions.append(region)
            inst_canvas[mask] = obj.id if cls is not None else 0

    if covered is not None:
        bare = int(h * w - np.count_nonzero(covered))
        if bare:
            findings.append(
                Finding("unlabelled-pixels",
                        f"{bare} pixels are covered by no region and the label map has no fill class; "
                        f"written as void ({labelmap.void})",
                        file=sample.origin.file, image=sample.name, pixels=bare)
            )
    result = Painted(canvas, findings)
    if inst_canvas is not None:
        counts = np.bincount(inst_canvas.ravel(), minlength=len(inst_list) + 1)
        for obj in inst_list:
            obj.pixels = int(counts[obj.id])
        result.instance_mask = inst_canvas
        result.instances = inst_list
    return result
