"""Painting order: which region is painted over which, and why.

Regions are painted lowest level first; inside one level, by the source's own
order rule (:class:`OrderRule`): CVAT ``z_order`` ascending, then document
order; COCO, LabelMe, Label Studio and YOLO file order.  A region's
``Region.order`` holds the values of the rule's keys.  Void regions
(``None`` class: VOC 255, labelme ``__ignore__``) paint at the label map's
``void_level``, by default above every level ("don't care" wins).  A region
whose label the label map does not know is painted as void *beneath* every
class: it only takes pixels no known class claims, which would otherwise
show the fill class.

Every message about an overlap says what decided it (:func:`why_on_top`):

    >>> from convert.model.sample import Box, Origin, Region
    >>> cvat = OrderRule(("z_order", "position"), "the document")
    >>> box = Region("plate", Box(0, 0, 2, 2), (4, 0), Origin("a.xml", "<box> #1"))
    >>> car = Region("car", Box(0, 0, 2, 2), (1, 1), Origin("a.xml", "<polygon> #1"))
    >>> why_on_top(car, 1, box, 1, cvat)
    'its z_order is higher (4 over 1)'
    >>> why_on_top(box, 1, Region("car", Box(0, 0, 1, 1), (4, 7), car.origin), 1, cvat)
    'both have z_order 4, and it comes later in the document (position 7 after 0)'
    >>> why_on_top(car, 1, box, 2, cvat)
    'its level is higher (2 over 1)'
"""

from __future__ import annotations

from convert.model.labelmap import LabelClass, LabelMap
from convert.model.sample import SOURCE_ORDER, OrderRule, Region
from convert.wording import plural

UNKNOWN_LEVEL = -1  # where regions with a label the label map does not know are painted (as void)




def void_level(labelmap: LabelMap) -> int:
    """The level explicit void regions paint at: ``labelmap.void_level``, by default above every level."""
    return labelmap.void_level if labelmap.void_level is not None else max(labelmap.levels()) + 1


def paint_level(region: Region, cls: LabelClass | None, labelmap: LabelMap, void: int | None = None) -> int:
    """The level ``region`` paints at: its class's level; void regions at the
    void level; regions whose label is unknown (painted as void) beneath all."""
    if cls is not None:
        return cls.level
    if region.label is None or labelmap.is_void(region.label):
        return void_level(labelmap) if void is None else void
    return UNKNOWN_LEVEL


def painting_order(pairs, labelmap: LabelMap) -> list:
    """Sort (region, class) pairs into painting order: by level, then by the source's order."""
    void = void_level(labelmap)
    return sorted(pairs, key=lambda p: (paint_level(p[0], p[1], labelmap, void), p[0].order))


def describe_level(level: int, labelmap: LabelMap) -> str:
    if level == UNKNOWN_LEVEL:
        return "beneath every level (unknown label, painted as void)"
    if level == void_level(labelmap) and labelmap.void_level is None:
        return f"void, above every level ({level})"
    return str(level)


def why_on_top(lower: Region, lower_level: int, upper: Region, upper_level: int,
               rule: OrderRule = SOURCE_ORDER) -> str:
    """Why ``upper`` is painted over ``lower``: "its level is higher (2 over 1)",
    "its z_order is higher (4 over 1)" or "it comes later in the document
    (position 7 after 0)", with the keys both share named first."""
    if upper_level != lower_level:
        return f"its level is higher ({upper_level} over {lower_level})"
    same = []
    for key, a, b in zip(rule.keys, lower.order, upper.order):
        if a == b:
            if key != "position":
                same.append(f"both have {key} {a}")
            continue
        if key == "position":
            reason = f"it comes later in {rule.source} (position {b} after {a})"
        elif key == "smaller":
            reason = f"it is smaller ({plural(-b, 'pixel')} against {-a:,}) and smaller objects are on top"
        else:
            reason = f"its {key} is higher ({b} over {a})"
        return ", and ".join(same + [reason])
    return ", and ".join(same + [f"it comes later in {rule.source}"])
