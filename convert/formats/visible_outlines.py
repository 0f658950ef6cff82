"""The visible objects of a painted image as outlines, for the writers of editable shapes (CVAT, labelme, COCO
polygons): each object's parts with their holes (:mod:`convert.pixels.outlines`), its box, and its pixels in that
box for a raster form.  Void pixels a source drew (void regions, unknown labels) are one more outline, with no
class, so that they can be written as "don't care"; pixels no region covers (void in the mask when the label map
has no fill class) are not: left uncovered, they read back as uncovered, as they were in the source.

    >>> from convert.model.labelmap import LabelMap
    >>> from convert.model.sample import Box, Origin, Region, Sample
    >>> from convert.painting.paint import paint
    >>> lm = LabelMap.derive(["plate"])
    >>> o = Origin("demo")
    >>> s = Sample("a", 4, 3, [Region("plate", Box(0, 0, 4, 3), (0,), o), Region(None, Box(1, 1, 3, 2), (1,), o)], o)
    >>> found = outlines(paint(s, lm, instances=True), lm)
    >>> [(o.label.name if o.label else None, o.box, len(o.parts), o.holes) for o in found]
    [('plate', (0, 0, 4, 3), 1, 1), (None, (1, 1, 3, 2), 1, 0)]
    >>> found[1].window().astype(int).tolist()
    [[1, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convert.formats.objects import VisibleObject, visible_objects
from convert.model.labelmap import LabelClass, LabelMap
from convert.painting.paint import Painted
from convert.pixels.outlines import joined, nudged, parts
from convert.pixels.trace import trace_parts


@dataclass
class Outline:
    """One object (or the void pixels) of an image: ``parts`` are ``(outer ring, [holes])`` along pixel edges,
    ``box`` = ``(x0, y0, x1, y1)`` its pixels' box (x1, y1 past the last pixel)."""

    label: LabelClass | None  # None: void
    obj: VisibleObject | None
    parts: list[tuple[np.ndarray, list[np.ndarray]]]
    box: tuple[int, int, int, int]
    _image: np.ndarray  # the ids image the outline was traced in
    _value: int

    @property
    def holes(self) -> int:
        return sum(len(holes) for _, holes in self.parts)

    @property
    def pixels(self) -> int:
        return self.obj.pixels if self.obj is not None else int(self.window().sum())

    @property
    def pinched(self) -> bool:
        """A ring passes a corner twice: parts, or a hole and the outside, that touch at a corner only.
        Exact under the painting rules, but a polygon an editing tool shows touching itself."""
        return any(len(np.unique(ring, axis=0)) < len(ring) for outer, holes in self.parts for ring in [outer, *holes])

    @property
    def needs_raster(self) -> bool:
        """Polygons cannot draw this object as one simple ring per part: it has a hole or a pinch."""
        return bool(self.holes) or self.pinched

    @property
    def mask_by_default(self) -> bool:
        """What CVAT's ``-O shapes=auto`` writes as one mask: an object that :attr:`needs_raster`, and void in more
        than one part (nobody edits void speck by speck: panopticapi-sample's was 487 polygons)."""
        return self.needs_raster or (self.label is None and len(self.parts) > 1)

    def window(self) -> np.ndarray:
        """The object's pixels in its box, ``mask[row, column]``."""
        x0, y0, x1, y1 = self.box
        return self._image[y0:y1, x0:x1] == self._value

    def rings(self, *, bridge_holes: bool, pillow: bool = False) -> list[np.ndarray]:
        """One ring per part: its holes joined by bridges (``bridge_holes``) or left out, along pixel edges
        (exact under pycocotools' rule), or nudged for Pillow too (``pillow``: exact under both)."""
        out = []
        for outer, holes in self.parts:
            if pillow:
                outer, holes = nudged(outer), [nudged(hole) for hole in holes]
            out.append(joined(outer, holes) if bridge_holes and holes else outer)
        return out


def outlines(painted: Painted, labelmap: LabelMap, *, void: bool = True) -> list[Outline]:
    """The visible objects of ``painted`` (painted with ``instances=True``) in painting order, then, with
    ``void``, the void pixels regions paint (:meth:`convert.painting.painted.Painted.drawn_void`); under
    ``every_pixel_drawn`` the fill class's drawn regions too (what the validator counts as drawn)."""
    objects, ids = visible_objects(painted, labelmap, drawn_fill=labelmap.every_pixel_drawn)
    found = []
    for number, (outer, holes) in sorted(trace_parts(ids).items()):
        found.append(Outline(objects[number - 1].label, objects[number - 1], parts(outer, holes), _box(outer), ids,
                             number))
    if void:
        mask = painted.drawn_void(labelmap.void)
        if mask.any():
            outer, holes = trace_parts(mask.view(np.uint8))[1]
            found.append(Outline(None, None, parts(outer, holes), _box(outer), mask, True))
    return found


def _box(outer: list[np.ndarray]) -> tuple[int, int, int, int]:
    every = np.concatenate(outer)
    (x0, y0), (x1, y1) = every.min(axis=0), every.max(axis=0)
    return int(x0), int(y0), int(x1), int(y1)
