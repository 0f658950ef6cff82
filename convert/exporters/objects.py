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


def visible_objects(painted: Painted, labelmap: LabelMap, *,
                    with_mask: bool = True) -> tuple[list[Instance], np.ndarray | None]:
    """(visible objects in painting order, instance mask renumbered 1..K, 0 elsewhere).
    With ``with_mask=False`` the mask is not built (``None``): writers that work
    on runs select an object by its ``id`` in ``painted.stretches``."""
    fill = labelmap.fill
    keep = [obj for obj in painted.instances
            if obj.pixels > 0 and obj.label is not None and (fill is None or obj.label.name != fill.name)]
    if not with_mask:
        return keep, None
    lut = np.zeros(len(painted.instances) + 1, dtype=np.min_scalar_type(len(keep)))
    for new_id, obj in enumerate(keep, start=1):
        lut[obj.id] = new_id
    st = painted.stretches  # renumbered stretch by stretch, drawn once
    return keep, st.image(lut[st.objects], 0, painted.class_mask.shape)
