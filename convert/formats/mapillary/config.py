"""Mapillary Vistas' ``config_v1.2.json`` / ``config_v2.0.json`` (``config.json`` in older downloads) as a
label map (``docs/formats.md``, "Mapillary Vistas").

``{"labels": [{"name": "construction--flat--road", "readable": "Road", "color": [128, 64, 128],
"instances": false, "evaluate": true}, ...]}``: a label's position in ``labels`` is the value of the
``labels/*.png`` masks and the high byte of the ``instances/*.png`` ones (the dataset's ``demo.py``:
``for label_id, label in enumerate(labels)``).  The label map keeps that position as the class index (66
labels in v1.2, 124 in v2.0: they fit 8 bits), the ``name`` as the class name, ``instances`` as
``isthing``; every class at one level (the masks do not overlap).  Several v2.0 labels share a colour (lane
markings white, traffic lights): the label map moves a repeated colour to the next free blue value.

    >>> lm = labelmap({"labels": [{"name": "nature--sky", "color": [70, 130, 180], "instances": False},
    ...                           {"name": "human--person", "color": [220, 20, 60], "instances": True},
    ...                           {"name": "human--group", "color": [220, 20, 60], "instances": True}]}, "c.json")
    >>> [(c.name, c.index, c.color, c.isthing) for c in lm.classes][1:]
    [('human--person', 1, (220, 20, 60), True), ('human--group', 2, (220, 20, 61), True)]
"""

from __future__ import annotations

from convert.errors import SegconvError
from convert.formats.colours import free_colour
from convert.model.labelmap import LabelClass, LabelMap

LEVEL = 1


def labelmap(doc, source: str) -> LabelMap:
    """The label map of a parsed config; an error naming the label when one is not usable."""
    labels = doc.get("labels") if isinstance(doc, dict) else None
    if not isinstance(labels, list) or not labels:
        raise SegconvError("not a Mapillary Vistas config: no 'labels' list", file=source, element="labels")
    if len(labels) > 255:
        raise SegconvError(f"{len(labels)} labels: the labels/*.png masks are 8-bit and the instances' high "
                           "byte holds at most 255", file=source, element="labels")
    taken: set[tuple[int, int, int]] = set()
    classes = []
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        element = f"labels[{i}]"
        name = label.get("name") if isinstance(label, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise SegconvError("a label needs a 'name' string", file=source, element=element)
        if name in seen:
            raise SegconvError(f"label {name!r} is listed twice (labels[{seen[name]}] too)", file=source,
                               element=element)
        seen[name] = i
        color = label.get("color")
        if not (isinstance(color, list) and len(color) == 3
                and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in color)):
            raise SegconvError(f"'color' must be [r, g, b] with integers 0..255, got {color!r}", file=source,
                               element=f"{element} ({name})")
        things = label.get("instances", False)
        classes.append(LabelClass(name, i, LEVEL, free_colour((color[0], color[1], color[2]), taken),
                                  isthing=bool(things)))
    return LabelMap._checked(classes, 255, (), source)
