"""The ``labelme`` layout: one labelme 5.x JSON per image, to send a delivery back to labelme (``docs/formats.md``,
"Sending a delivery back").

::

    OUT/<name without extension>.json    version, flags, shapes, imagePath, imageData (null), imageHeight/Width
    OUT/<name>                           the image, copied (or symlinked with --link), beside its JSON
    OUT/labels.txt                       __ignore__, _background_, then the classes: labelme's --labels list
    OUT/labelmap.json                    segconv's label map (indices, levels), for reading the set back

Every object's **visible** pixels after layering are written, so the order of the shapes cannot change the
result.  A polygon is drawn so that labelme's own rule paints it back exactly — ``shape_to_mask``, Pillow's
``ImageDraw.polygon(fill=1, outline=1)`` of the vertices truncated to integers — and pycocotools' rule too: each
ring is traced along pixel edges and its right and bottom edges moved 0.01 px towards its object
(:func:`convert.pixels.outlines.nudged`), so Pillow sees the ring through the centres of the object's boundary
pixels and pycocotools (which snaps to 0.2 px) the ring around its pixels, both exact.

- ``-O shapes=auto`` (default): a polygon per part; an object with a hole, or whose ring touches itself at a
  corner, as a ``shape_type: "mask"`` shape
  (a base64 PNG of 0/1 of its box, the box's first and last pixel as its two points, which labelme places at
  ``mask[y1:y2 + 1, x1:x2 + 1]``; labelme reads mask shapes from 5.4 on, and paints them from 5.8);
- ``shapes=polygon``: polygons only, holes joined by bridges through the object's own pixels (exact under both
  rules, in every labelme version); ``shapes=mask``: masks only.

Parts of one object share a ``group_id`` (the source's, else a new one); ``flags`` and ``description`` are kept.
Void pixels a source drew (void regions, unknown labels) are shapes labelled ``__ignore__`` (labelme2voc's "don't
care"), a polygon per part even when scattered (unlike ``--to cvat``: a mask shape would need labelme 5.8 to
paint); without a fill class, pixels no region covers stay uncovered, as in the source.  Every file is
read back from its written text and painted as labelme paints it — ``shape_to_mask`` in file order, with the
Pillow installed here — and by pycocotools' rule, and compared with the layered mask; ``written-pixels-differ``
is under labelme's rule.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import orjson
import PIL

from convert.formats.layout_writer import LayoutWriter, Written
from convert.formats.readback import Loss, differing, flat, loss_finding, painted_back, without_within
from convert.formats.shape_attributes import description, labelme_flags, new_groups, source_group
from convert.formats.visible_outlines import Outline, outlines
from convert.model.labelmap import LabelMap
from convert.model.names import stem_of
from convert.model.sample import Bitmap, Origin, Polygon, Region, Sample
from convert.painting.paint import Painted
from convert.pixels.png_encode import encode_png
from convert.wording import plural

NAME = "labelme"
VERSION = "5.8.3"  # the labelme release whose files these are: mask shapes read (5.4) and painted (5.8)
VOID = "__ignore__"  # labelme2voc's label for "don't care"
RULES = {"labelme": f"as labelme paints them (shape_to_mask in file order, Pillow {PIL.__version__})",
         "coco": "by pycocotools' rule, in file order"}


class File(NamedTuple):
    """What ``write`` gives ``collect`` for one image."""

    counts: tuple[int, int]  # polygon and mask shapes
    differ: dict[str, int]  # under each rule
    objects: int
    void: bool


class LabelmeWriter(LayoutWriter):
    name = NAME
    needs_instances = True

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        doc = without_within(labelmap)
        doc["void_aliases"] = list(dict.fromkeys([*labelmap.void_aliases, VOID]))
        self.output_map = LabelMap.from_dict(doc, source=labelmap.source)
        self.flat = flat(self.output_map)
        self.counts = [0, 0]
        self.loss = {rule: Loss(words) for rule, words in RULES.items()}

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        stem = stem_of(sample.name)
        json_name = f"{stem}.json"
        image_name = self._place(written, sample, stem)
        found = outlines(painted, self.labelmap)
        taken = {g for g in (source_group(o.obj.regions) for o in found if o.obj) if g is not None}
        groups = new_groups(taken)
        shapes: list[dict] = []
        counts = [0, 0]
        for outline in found:
            made = self._shapes(outline)
            regions = outline.obj.regions if outline.obj else []
            group = source_group(regions)
            if group is None and len(made) > 1 and outline.obj is not None:
                group = next(groups)
            for shape_type, points, mask in made:
                shapes.append({"label": outline.label.name if outline.label else VOID, "points": points,
                               "group_id": group, "description": description(regions), "shape_type": shape_type,
                               "flags": labelme_flags(regions), "mask": mask})
                counts[shape_type == "mask"] += 1
        doc: dict[str, object] = {"version": VERSION, "flags": {}, "shapes": shapes,
                                  "imagePath": image_name, "imageData": None,
                                  "imageHeight": sample.height, "imageWidth": sample.width}
        text = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
        self.put(written, json_name, lambda: text)
        regions_back = _read_back(text)
        differ = {}
        for rule in RULES:
            differ[rule], void = differing(painted, painted_back(sample, regions_back, self.flat, rule),
                                           self.labelmap.void)
            if rule == "labelme" and differ[rule]:
                written.findings.append(loss_finding(differ[rule], void, "the written shapes", RULES[rule],
                                                     str(self.out / json_name), sample.name))
        written.record = File((counts[0], counts[1]), differ, sum(o.pixels for o in found if o.label is not None),
                              any(o.label is None for o in found))
        return written

    def _shapes(self, outline: Outline) -> list[tuple[str, list[list[float]], str | None]]:
        """``(shape_type, points, mask)`` of each shape of one object, as the ``shapes`` option says."""
        policy = self.options["shapes"]
        if policy == "mask" or (policy == "auto" and outline.needs_raster):
            x0, y0, x1, y1 = outline.box
            png = encode_png(outline.window().astype(np.uint8))
            return [("mask", [[float(x0), float(y0)], [float(x1 - 1), float(y1 - 1)]],
                     base64.b64encode(png).decode("ascii"))]
        return [("polygon", ring.tolist(), None)
                for ring in outline.rings(bridge_holes=True, pillow=True)]

    def _place(self, written: Written, sample: Sample, stem: str) -> str:
        """Stage the image beside its JSON; the file name ``imagePath`` gives (its extension in lower case)."""
        folder, _, base = stem.rpartition("/")
        placed = self.place_image(written, sample, folder, base)
        return placed or sample.name.rsplit("/", 1)[-1]

    def collect(self, record: File) -> None:
        self.counts[0] += record.counts[0]
        self.counts[1] += record.counts[1]
        for rule, loss in self.loss.items():
            loss.add(record.differ[rule], record.objects)

    def finish(self) -> list[str]:
        classes = [c.name for c in sorted(self.labelmap.classes, key=lambda c: c.index) if not c.fill]
        labels = "".join(f"{name}\n" for name in [VOID, "_background_", *classes])
        return [self.write_file("labels.txt", labels),
                self.write_file("labelmap.json", json.dumps(self.output_map.to_dict(), indent=2) + "\n")]

    def summary(self, images: int) -> str:
        polygons, masks = self.counts
        return (f"wrote {plural(images, 'labelme file')} to {self.out}: {plural(polygons, 'polygon')} and "
                f"{plural(masks, 'mask')} (shapes={self.options['shapes']}); {self.loss['labelme'].words()}; "
                f"{self.loss['coco'].words()} (+ labels.txt, labelmap.json)")


def _read_back(text: bytes) -> list[Region]:
    """The shapes of a written file as regions again, from its text, in file order."""
    from convert.files.images import open_image

    regions = []
    for position, shape in enumerate(orjson.loads(text)["shapes"]):
        points = np.asarray(shape["points"], dtype=np.float64)
        origin = Origin("read back", f"shapes[{position}]")
        if shape["shape_type"] == "mask":
            with open_image(base64.b64decode(shape["mask"])) as image:
                window = np.asarray(image) > 0
            (x1, y1) = points[0].astype(int)  # labelme: np.asarray(points).astype(int), the mask at [y1:, x1:]
            geometry: Polygon | Bitmap = Bitmap(window, left=int(x1), top=int(y1))
        else:
            geometry = Polygon((points,))
        regions.append(Region(shape["label"], geometry, (position,), origin))
    return regions
