"""Instances as writers see them: the objects visible after layering.

The painter numbers every object in painting order, including objects that
higher levels hide completely and regions of the fill class.  Writers want
the visible objects only, renumbered 1..K in painting order, with the fill
class and void left out (they are background and "don't care", not objects).

    >>> import numpy as np
    >>> from convert.labelmap import LabelMap
    >>> from convert.model import Box, Origin, Region, Sample
    >>> from convert.paint import paint
    >>> lm = LabelMap.derive(["plate", "rice"])
    >>> o = Origin("demo")
    >>> s = Sample("a", 3, 1, [Region("plate", Box(0, 0, 1, 1), (0,), o), Region("rice", Box(0, 0, 3, 1), (1,), o)], o)
    >>> objs, ids = visible_objects(paint(s, lm, instances=True), lm)
    >>> [(o.label.name, o.pixels) for o in objs], ids.tolist()
    ([('rice', 3)], [[1, 1, 1]])
"""

from __future__ import annotations

import numpy as np

from ..labelmap import LabelMap
from ..paint import Instance, Painted


def visible_objects(painted: Painted, labelmap: LabelMap) -> tuple[list[Instance], np.ndarray]:
    """(visible objects in painting order, instance mask renumbered 1..K, 0 elsewhere)."""
    fill = labelmap.fill
    keep = [obj for obj in painted.instances
            if obj.pixels > 0 and obj.label is not None and (fill is None or obj.label.name != fill.name)]
    lut = np.zeros(len(painted.instances) + 1, dtype=np.uint32)
    for new_id, obj in enumerate(keep, start=1):
        lut[obj.id] = new_id
    return keep, lut[painted.instance_mask]

