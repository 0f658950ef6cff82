"""The ``cityscapes`` layout (``docs/formats.md``, "Cityscapes"), for tools that train on it (torchvision's
``Cityscapes``, mmsegmentation's ``CityscapesDataset``, detectron2) and for cityscapesScripts::

    OUT/leftImg8bit/<split>/<name>_leftImg8bit.<ext>        the photos, copied (or symlinked with --link)
    OUT/gtFine/<split>/<name>_gtFine_labelIds.png            8-bit grayscale: class index, void 255
    OUT/gtFine/<split>/<name>_gtFine_instanceIds.png         16-bit: index * 1000 + k for each visible object
                                                              of a thing class (k from 0 per class, in painting
                                                              order, hidden objects counted as createInstanceImage
                                                              counts them), the index elsewhere (groups too)
    OUT/gtFine/<split>/<name>_gtFine_color.png               RGBA: the table's colours
    OUT/gtFine/<split>/<name>_gtFine_polygons.json           polygons that createLabelImage paints back
    OUT/label_colors.txt, OUT/labelmap.json                  the labels (Datumaro/CVAT's; segconv's)

``<name>`` is the image name without extension (its folders, the city, kept; a trailing ``_leftImg8bit``
not repeated).  The PNGs say the mask exactly; the polygons (:mod:`convert.formats.cityscapes.traced_polygons`) are
painted back as the tool paints them and what they say otherwise is counted (``written-pixels-differ``,
naming the JSON): void pixels inside a piece have no label to be drawn with unless the label map names one.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from convert.findings import Finding
from convert.formats.cityscapes import label_table as table
from convert.formats.cityscapes.traced_polygons import outlines, paint_back
from convert.formats.coco_panoptic.write import isthing
from convert.formats.eightbit import EightBit, EightBitWriter, eight_bit
from convert.formats.layout_writer import Written, within_split
from convert.formats.objects import visible_objects
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.pixels.png_encode import encode_png
from convert.wording import plural

NAME = "cityscapes"
IMAGE_SUFFIX = "_leftImg8bit"
MAX_16BIT = 65535


def colour_table(labelmap: LabelMap) -> np.ndarray:
    """``(256, 3)`` colours by index: the Cityscapes table's where a class is a label of it at its id (or
    trainId), the label map's otherwise, black for void and unused values."""
    colours = np.zeros((256, 3), dtype=np.uint8)
    for cls in labelmap.classes:
        if cls.index < 256:
            colours[cls.index] = (table.official_color(cls.name, cls.index, "label")
                                  or table.official_color(cls.name, cls.index, "train") or cls.color)
    return colours


class CityscapesRecord(NamedTuple):
    """What one image adds to the summary: its split, the pixels its polygons paint otherwise, the classes
    whose objects went without instance numbers."""

    split: str
    differ: int
    unnumbered: tuple[str, ...]


class CityscapesWriter(EightBitWriter):
    name = NAME
    needs_instances = True
    has_splits = True

    @staticmethod
    def check_labelmap(labelmap: LabelMap) -> EightBit:
        """labelIds are 8-bit: indices above 254 are refused, naming the classes."""
        return eight_bit(labelmap, NAME)

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.colours = colour_table(labelmap)
        alias = labelmap.void_aliases[0] if labelmap.void_aliases else None
        self.void_label = alias
        self.splits: dict[str, int] = {}
        self.unnumbered: set[str] = set()
        self.polygons_differ = 0

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        split = sample.subset or self.default_subset
        base = within_split(sample.stem, split)
        if base.endswith(IMAGE_SUFFIX):
            base = base[: -len(IMAGE_SUFFIX)]
        mask = painted.class_mask
        height, width = mask.shape
        objects, object_ids = visible_objects(painted, self.labelmap)
        things = {k for k, obj in enumerate(objects, start=1) if isthing(obj.label, self.labelmap)}
        numbers, unnumbered = self._instance_numbers(painted, objects)
        gt = f"gtFine/{split}/{base}_gtFine"
        self.put(written, f"{gt}_labelIds.png", lambda: self.label_png(mask))

        def instance_png() -> bytes:
            values = self.label_values(mask).astype(np.uint16)
            lut = np.zeros(len(objects) + 1, dtype=np.uint16)
            for k, number in numbers.items():
                lut[k] = number
            numbered = lut[object_ids]
            return encode_png(np.where(numbered > 0, numbered, values).astype(np.uint16))

        self.put(written, f"{gt}_instanceIds.png", instance_png)

        def colour_png() -> bytes:  # RGBA, as createLabelImage's colour encoding
            rgba = np.dstack([self.colours[self.label_values(mask)],
                              np.full(mask.shape, 255, np.uint8)])
            buf = io.BytesIO()
            Image.fromarray(rgba, "RGBA").save(buf, "PNG")
            return buf.getvalue()

        self.put(written, f"{gt}_color.png", colour_png)
        doc, (differ, void) = self._polygons(mask, objects, object_ids, things)
        self.put(written, f"{gt}_polygons.json", lambda: (json.dumps(doc, indent=4) + "\n").encode())
        if differ:
            why = ("void inside a piece has no label to be drawn with" if void == differ else
                   f"{plural(void, 'void pixel')} inside pieces have no label to be drawn with, and "
                   f"{plural(differ - void, 'other pixel')} differ" if void else
                   "a defect in segconv's Cityscapes polygons; please report it")
            written.findings.append(Finding(
                "written-pixels-differ", f"{base}_gtFine_polygons.json paints {plural(differ, 'pixel')} otherwise "
                f"under createLabelImage's rule ({why}; the labelIds and instanceIds PNGs are exact)",
                image=sample.name, file=sample.origin.file, pixels=differ))
        folder, _, stem = f"leftImg8bit/{split}/{base}".rpartition("/")
        self.place_image(written, sample, folder, f"{stem}{IMAGE_SUFFIX}")
        written.record = CityscapesRecord(split, differ, tuple(sorted(unnumbered)))
        return written

    def _instance_numbers(self, painted: Painted, objects) -> tuple[dict[int, int], set[str]]:
        """instanceIds value of each visible object of a thing class (by its place in ``objects``, from 1):
        index * 1000 + k, k from 0 per class counting every object of the class in painting order, hidden
        ones too, as ``createInstanceImage`` counts every polygon it reads; groups (crowd) and objects past what
        16 bits hold keep the plain index (the names of those classes are returned)."""
        place = {obj.id: k for k, obj in enumerate(objects, start=1)}
        numbers: dict[int, int] = {}
        count: dict[int, int] = {}
        unnumbered: set[str] = set()
        for obj in painted.instances:
            if obj.label is None or not isthing(obj.label, self.labelmap) or any(r.crowd for r in obj.regions):
                continue
            index = obj.label.index
            number = count.get(index, 0)
            count[index] = number + 1
            if obj.id not in place:
                continue  # hidden: counted, not written
            value = index * 1000 + number
            if number >= 1000 or value > MAX_16BIT:
                unnumbered.add(obj.label.name)
                continue
            numbers[place[obj.id]] = value
        return numbers, unnumbered

    def _polygons(self, mask: np.ndarray, objects, object_ids: np.ndarray, things: set[int]
                  ) -> tuple[dict, tuple[int, int]]:
        """The polygon file's document and how many pixels it paints otherwise than ``mask``: pieces are the
        visible objects of thing classes (``things``, by place in ``objects``) and each other class's pixels; the count
        is ``(pixels, of them void)``."""
        lm = self.labelmap
        height, width = mask.shape
        pieces = np.where(np.isin(object_ids, sorted(things)), object_ids, 0).astype(np.int64)
        offset = len(objects) + 1
        pieces = np.where(pieces > 0, pieces, offset + mask.astype(np.int64))
        fill = lm.fill.index if lm.fill is not None else None
        canvas = fill if fill is not None else lm.void
        by_index = {c.index: c for c in lm.classes}
        drawn, fills = [], []  # (label, value, ring, place in the painting order, piece)
        for place, (key, ring, _area) in enumerate(outlines(pieces)):
            if key < offset:
                obj = objects[key - 1]
                crowd = any(r.crowd for r in obj.regions)
                drawn.append((obj.label.name + ("group" if crowd else ""), obj.label.index, ring, place, key))
                continue
            value = key - offset
            if value == fill:
                fills.append((lm.fill.name, value, ring, place, key))  # type: ignore[union-attr]
            elif value in by_index:
                drawn.append((by_index[value].name, value, ring, place, key))
            elif self.void_label is not None:
                drawn.append((self.void_label, value, ring, place, key))
        if fills:  # the canvas shows the fill class: only pieces a larger piece would cover are drawn
            wrong = paint_back([(d[1], d[2]) for d in drawn], canvas, height, width) != mask
            needed = set(np.unique(pieces[wrong]).tolist())
            drawn += [f for f in fills if f[4] in needed]
            drawn.sort(key=lambda d: d[3])  # each ring in its own place: one piece value can have many rings
        back = paint_back([(d[1], d[2]) for d in drawn], canvas, height, width)
        wrong = back != mask
        differ = int(wrong.sum()), int((wrong & (mask == lm.void)).sum())
        objects_out = [{"label": d[0], "polygon": d[2].tolist(), "deleted": 0, "id": i} for i, d in enumerate(drawn)]
        return {"imgHeight": height, "imgWidth": width, "objects": objects_out}, differ

    def collect(self, record) -> None:
        split, differ, unnumbered = record.split, record.differ, record.unnumbered
        self.splits[split] = self.splits.get(split, 0) + 1
        self.polygons_differ += differ
        self.unnumbered.update(unnumbered)

    def finish(self) -> list[str]:
        if self.unnumbered:
            self.notes.append(f"--to cityscapes: objects of {', '.join(sorted(self.unnumbered))} are written "
                              "without instance numbers in instanceIds (index * 1000 + k would not fit 16 bits, or "
                              "an image has 1000 of one class)")
        doc = self.labelmap.to_dict()
        doc["void"] = self.eight.void
        by_index = {c.index: c for c in self.labelmap.classes}
        lines = []
        for i in range(self.labelmap.max_index + 1):
            cls = by_index.get(i)
            r, g, b = self.colours[i].tolist()
            lines.append(f"{r} {g} {b} {cls.name if cls else f'_unused_{i}_'}")
        return [self.write_file("label_colors.txt", "\n".join(lines) + "\n"),
                self.write_file("labelmap.json", json.dumps(doc, indent=2) + "\n")]

    def summary(self, images: int) -> str:
        splits = ", ".join(f"{name} ({count:,})" for name, count in self.splits.items())
        polygons = (f"; the polygons paint {plural(self.polygons_differ, 'pixel')} otherwise (counted per image)"
                    if self.polygons_differ else "; the polygons paint the masks back exactly")
        return f"wrote a Cityscapes tree of {plural(images, 'image')} to {self.out} (gtFine: {splits}){polygons}"
