"""Instances as writers see them: the objects visible after layering.

The painter numbers every object in painting order, including objects that
higher levels hide completely and regions of the fill class.  Writers want
the visible objects only, renumbered 1..K in painting order, with the fill
class and void left out (they are background and "don't care", not objects);
``drawn_fill`` keeps the fill class's regions, for the writers that send a
delivery back under ``every_pixel_drawn`` (where drawn background is what the
validator counts: left out, its pixels would read back as never drawn).

    >>> import numpy as np
    >>> from convert.model.labelmap import LabelMap
    >>> from convert.model.sample import Box, Origin, Region, Sample
    >>> from convert.painting.paint import paint
    >>> lm = LabelMap.derive(["plate", "rice"])
    >>> o = Origin("demo")
    >>> s = Sample("a", 3, 1, [Region("plate", Box(0, 0, 1, 1), (0,), o), Region("rice", Box(0, 0, 3, 1), (1,), o)], o)
    >>> objs, ids = visible_objects(paint(s, lm, instances=True), lm)
    >>> [(o.label.name, o.pixels) for o in objs], ids.tolist()
    ([('rice', 3)], [[1, 1, 1]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convert.model.labelmap import LabelClass, LabelMap
from convert.painting.painted import Painted
from convert.wording import plural


@dataclass(frozen=True)
class VisibleObject:
    """An object that shows after layering: its id in ``painted.stretches``, class, regions, pixels."""

    id: int
    label: LabelClass
    regions: list
    pixels: int


def visible_list(painted: Painted, labelmap: LabelMap, *, drawn_fill: bool = False) -> list[VisibleObject]:
    """The visible objects in painting order: void, the fill class (unless ``drawn_fill``) and hidden objects
    left out.  Writers that work on runs select an object by its ``id`` in ``painted.stretches``."""
    fill = None if drawn_fill else labelmap.fill
    return [VisibleObject(obj.id, obj.label, obj.regions, obj.pixels) for obj in painted.instances
            if obj.pixels > 0 and obj.label is not None and (fill is None or obj.label.name != fill.name)]


def visible_objects(painted: Painted, labelmap: LabelMap, *, drawn_fill: bool = False
                    ) -> tuple[list[VisibleObject], np.ndarray]:
    """(visible objects in painting order, instance mask renumbered 1..K, 0 elsewhere)."""
    keep = visible_list(painted, labelmap, drawn_fill=drawn_fill)
    lut = np.zeros(len(painted.instances) + 1, dtype=np.min_scalar_type(len(keep)))
    for new_id, obj in enumerate(keep, start=1):
        lut[obj.id] = new_id
    st = painted.stretches  # renumbered stretch by stretch, drawn once
    assert st.objects is not None, "painted without instances=True"
    return keep, st.image(lut[st.objects], 0, painted.class_mask.shape)


def void_label(labelmap: LabelMap) -> str:
    """The label void pixels are written with, by the writers of shapes and brushes that have no void of their
    own (CVAT, Label Studio): the label map's first void alias, else ``__ignore__`` (labelme2voc's "don't care")."""
    return labelmap.void_aliases[0] if labelmap.void_aliases else "__ignore__"


def undrawable(painted: Painted, labelmap: LabelMap) -> int:
    """The pixels a writer without void or background rows (yolo, kaggle-rle) leaves in no row although a region
    drew them, which read back as never drawn (``unlabelled-pixels``): void a region drew, without a fill class;
    under ``every_pixel_drawn``, what the fill class's regions and void regions drew (void reads back as the fill
    class, shown where nothing is drawn)."""
    st = painted.stretches
    fill = labelmap.fill
    if fill is None:
        return st.pixels(st.drawn_void(labelmap.void))
    if not labelmap.every_pixel_drawn:
        return 0
    return st.pixels(st.per_stretch((st.values == fill.index) | (st.values == labelmap.void), False))


def undrawable_words(pixels: int, labelmap: LabelMap, held: str) -> str:
    """The summary's words for :func:`undrawable`'s pixels; ``held``: what the layout does with them."""
    fill = labelmap.fill
    what = plural(pixels, "void pixel") + " a region drew" if fill is None else \
        f"{plural(pixels, 'pixel')} drawn as the fill class {fill.name!r} or as void (every_pixel_drawn)"
    return f"{what} {held}: they read back as pixels no region covers (unlabelled-pixels)"
