"""Painted objects as a script sees them: what shows of each object after layering, with its pixels and
the rings that trace them.

    >>> import convert
    >>> ds = convert.load("fixtures/food/annotations.json", labels="fixtures/food/labelmap.yaml")
    >>> sample = ds[0]
    >>> [(o.id, o.label.name, o.pixels) for o in ds.objects(sample)][:2]
    [(1, 'plate', 51293), (2, 'bowl', 17789)]
    >>> rice = next(o for o in ds.objects(sample) if o.label.name == "rice")
    >>> int(rice.mask().sum()) == rice.pixels, rice.box
    (True, (136, 171, 141, 153))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convert.model.labelmap import LabelClass, LabelMap
from convert.model.sample import Region
from convert.painting.painted import Painted


@dataclass(frozen=True)
class PaintedObject:
    """One object that shows after layering: its ``id`` (its value in the instance mask), class, visible
    ``pixels``, their bounding ``box`` (x, y, width, height) and the source's ``regions`` it was painted
    from.  :meth:`mask` and :meth:`rings` give its visible pixels."""

    id: int
    label: LabelClass
    pixels: int
    box: tuple[int, int, int, int]
    regions: tuple[Region, ...]
    instances: np.ndarray = field(repr=False, compare=False)  # the sample's instance mask, shared

    def mask(self) -> np.ndarray:
        """``(height, width)`` booleans: the object's visible pixels."""
        return self.instances == self.id

    def rings(self) -> list[np.ndarray]:
        """The rings of the visible pixels (:func:`convert.trace`), in image coordinates."""
        from convert.api.tracing import trace

        x, y, w, h = self.box
        return [ring + (x, y) for ring in trace(self.instances[y:y + h, x:x + w] == self.id)]


def painted_objects(painted: Painted, labelmap: LabelMap) -> list[PaintedObject]:
    """The visible objects of ``painted`` (painted with ``instances=True``), numbered 1..K as
    :func:`~convert.formats.objects.visible_objects` numbers them for the writers."""
    from convert.formats.objects import visible_objects
    from convert.pixels.runs import where

    objects, ids = visible_objects(painted, labelmap)
    rows, cols = where(ids != 0)  # one pass over the pixels for every box
    which = ids[rows, cols].astype(np.int64)
    k = len(objects) + 1
    x0, y0 = np.full(k, ids.shape[1]), np.full(k, ids.shape[0])
    x1, y1 = np.full(k, -1), np.full(k, -1)
    np.minimum.at(x0, which, cols)
    np.minimum.at(y0, which, rows)
    np.maximum.at(x1, which, cols)
    np.maximum.at(y1, which, rows)
    return [PaintedObject(i, obj.label, obj.pixels, (int(x0[i]), int(y0[i]), int(x1[i] - x0[i] + 1),
                                                     int(y1[i] - y0[i] + 1)), tuple(obj.regions), ids)
            for i, obj in enumerate(objects, start=1)]
