"""The ``coco`` layout: COCO instances with **polygons**, as annotation tools import them (``docs/formats.md``,
"Sending a delivery back").

::

    OUT/annotations/instances_<subset>.json     images, annotations, categories (CVAT's and Datumaro's export)
    OUT/images/<subset>/<name>                  the images, copied (or symlinked with --link)
    OUT/labelmap.json                           segconv's label map (void and every_pixel_drawn, which categories lack)

One annotation per visible object after layering, its pixels exactly:

- ``segmentation`` is a list of rings, one per part, traced along pixel edges (:mod:`convert.pixels.trace`),
  which pycocotools' ``annToMask`` paints back exactly (rings of one annotation are unioned);
- an object with a hole cannot be said by unioned rings: ``-O holes=rle`` (default) writes it as a compressed
  RLE, ``holes=bridge`` as rings whose holes are joined by bridges crossed twice (the even-odd fill of one ring
  keeps the hole empty);
- a crowd object (``iscrowd`` 1 in the source) is a compressed RLE, as COCO has crowds;
- ``area`` is the pixel count, ``bbox`` the pixels' box ``[x, y, width, height]``, ``iscrowd`` the source's.

Image, annotation and category ids are the source's where it had integer ones (new ones above them
otherwise; category ids matched by class name, else made from the indices, plus one when a class has index 0:
:mod:`convert.formats.coco.categories`).  Categories carry segconv's ``index`` and ``level`` (and ``fill``), so
reading the set back gives the same label map; void pixels a source drew (void regions, unknown labels) are the
image field ``segconv_void`` (an RLE other tools ignore), with or without a fill class; without one, pixels no
region covers stay in no annotation and read back as uncovered (``unlabelled-pixels``), as in the source.
Every image's annotations are read back from their written values and painted as ``annToMask`` paints them, in
file order, with no levels, and compared with the layered mask (``written-pixels-differ``).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, NamedTuple, TextIO

import numpy as np

from convert.files.atomic import open_atomic
from convert.formats.coco.categories import category_ids, supercategories_of
from convert.formats.coco.write import encode_runs
from convert.formats.ids import Ids
from convert.formats.layout_writer import LayoutWriter, Written, split_order, within_split
from convert.formats.readback import Loss, differing, flat, loss_finding, painted_back, without_within
from convert.formats.shape_attributes import crowd
from convert.formats.visible_outlines import outlines
from convert.model.labelmap import LabelMap
from convert.model.names import stem_of
from convert.model.sample import Origin, Polygon, Region, Rle, Sample
from convert.painting.paint import Painted
from convert.wording import plural

NAME = "coco"
RULE = "as pycocotools' annToMask paints them, in file order"


class Image(NamedTuple):
    """What ``write`` gives ``collect`` for one image."""

    subset: str
    source_id: object
    image: dict  # file_name, width, height (and segconv_void)
    annotations: list[dict]  # their "id" the source's, or None
    supercategories: dict[str, str]
    counts: tuple[int, int]  # annotations as polygons, as RLE
    differ: int
    objects: int


class CocoWriter(LayoutWriter):
    name = NAME
    needs_instances = True
    has_splits = True
    default_subset = "default"
    main_process_only = ("parts",)  # open files

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.flat = flat(LabelMap.from_dict(without_within(labelmap)))
        self.parts: dict[str, TextIO] = {}
        self.image_ids: dict[str, Ids] = {}
        self.ann_ids: dict[str, Ids] = {}
        self.subsets: dict[str, int] = {}
        self.supercategory: dict[str, str] = {}
        self.counts = [0, 0]
        self.loss = Loss(RULE)

    @functools.cached_property
    def category_ids(self) -> tuple[dict[int, int], str]:
        """``{class index: category id}`` (the source's ids, :mod:`convert.formats.coco.categories`) and the
        words for new ones; made once the run has told the writer its source's ids."""
        return category_ids(self.labelmap, self.source_category_ids)

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        subset = sample.subset or self.default_subset
        name = within_split(sample.name, subset)
        name = self.place_image(written, sample, f"images/{subset}", stem_of(name)) or name  # extension lower-cased
        self.entry(written, f"annotations/instances_{subset}.json: the image file_name {name!r}")
        height, width = painted.class_mask.shape
        st = painted.stretches
        objects = st.per_stretch(st.object_ids, 0)
        image: dict = {"file_name": name, "width": sample.width, "height": sample.height}
        anns: list[dict[str, Any]] = []
        regions: list[Region] = []
        counts = [0, 0]
        found = outlines(painted, self.labelmap, void=False)
        for outline in found:
            assert outline.obj is not None and outline.label is not None
            obj = outline.obj
            is_crowd = crowd(obj.regions)
            x0, y0, x1, y1 = outline.box
            ann: dict[str, Any] = {"id": obj.regions[0].source_id if len(obj.regions) == 1 else None,
                   "category_id": self.category_ids[0][outline.label.index]}
            if is_crowd or (outline.holes and self.options["holes"] == "rle"):
                rle = encode_runs(st.starts[objects == obj.id], st.ends[objects == obj.id], height, width)
                ann["segmentation"] = {"size": [height, width], "counts": rle["counts"].decode("ascii")}
                geometry: Polygon | Rle = Rle((height, width), ann["segmentation"]["counts"])
                counts[1] += 1
            else:
                rings = outline.rings(bridge_holes=True)
                ann["segmentation"] = [ring.ravel().tolist() for ring in rings]
                geometry = Polygon(tuple(np.array(ring, dtype=np.float64).reshape(-1, 2)
                                         for ring in ann["segmentation"]))
                counts[0] += 1
            ann.update({"area": obj.pixels, "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                        "iscrowd": int(is_crowd)})
            anns.append(ann)
            regions.append(Region(outline.label.name, geometry, (len(regions),), Origin(f"annotations[{len(anns)}]")))
        void = st.drawn_void(self.labelmap.void)  # a source's void regions; uncovered pixels stay uncovered
        if void.any():
            rle = encode_runs(st.starts[void], st.ends[void], height, width)
            image["segconv_void"] = {"size": [height, width], "counts": rle["counts"].decode("ascii")}
            regions.append(Region(None, Rle((height, width), image["segconv_void"]["counts"]), (-1,),
                                  Origin("segconv_void")))
        back = painted_back(sample, regions, self.flat)
        differ, lost_void = differing(painted, back, self.labelmap.void)
        relative = f"annotations/instances_{subset}.json"
        if differ:
            written.findings.append(loss_finding(differ, lost_void, "the written annotations", RULE,
                                                 str(self.out / relative), sample.name))
        written.record = Image(subset, sample.image_id, image, anns, supercategories_of(sample.regions, self.labelmap),
                               (counts[0], counts[1]), differ, sum(o.pixels for o in found))
        return written

    def collect(self, record: Image) -> None:
        """In the main process, in sample order: the source's ids where they can be kept (placeholders for the
        others, numbered in :meth:`finish`), one line per image in its subset's part file."""
        subset = record.subset
        self.subsets[subset] = self.subsets.get(subset, 0) + 1
        for name, found in record.supercategories.items():
            self.supercategory.setdefault(name, found)
        self.counts[0] += record.counts[0]
        self.counts[1] += record.counts[1]
        self.loss.add(record.differ, record.objects)
        image_id = self.image_ids.setdefault(subset, Ids()).take(record.source_id)
        ann_ids = self.ann_ids.setdefault(subset, Ids())
        anns = [{"id": ann_ids.take(ann["id"]), "image_id": image_id, **{k: v for k, v in ann.items() if k != "id"}}
                for ann in record.annotations]
        self._part(subset).write(json.dumps({"image": {"id": image_id, **record.image}, "annotations": anns}) + "\n")

    def _part(self, subset: str) -> TextIO:
        if subset not in self.parts:
            self.out.mkdir(parents=True, exist_ok=True)
            # closed in finish()
            self.parts[subset] = open(self.scratch(_part_name(len(self.parts))), "w", encoding="utf-8")  # noqa: SIM115
        return self.parts[subset]

    def finish(self) -> list[str]:
        if not self.parts:
            self._part(self.default_subset)
        for opened in self.parts.values():
            opened.close()
        categories = [{"id": self.category_ids[0][c.index], "name": c.name,
                       "supercategory": self.supercategory.get(c.name, ""), "index": c.index, "level": c.level,
                       **({"fill": True} if c.fill else {})}
                      for c in sorted(self.labelmap.classes, key=lambda c: c.index)]
        head = {"info": {"description": "written by segconv"}, "licenses": [], "categories": categories}
        files = []
        for k, subset in enumerate(self.parts):
            relative = f"annotations/instances_{subset}.json"
            part = self.out / _part_name(k)
            images, anns = self.image_ids.get(subset, Ids()), self.ann_ids.get(subset, Ids())
            with open_atomic(self.scratch(relative), "w", encoding="utf-8", owner=self.owner) as fh:
                fh.write(json.dumps(head)[:-1])
                for key in ("images", "annotations"):
                    fh.write(f', "{key}": [')
                    first = True
                    with open(part, encoding="utf-8") as src:
                        for line in src:
                            entry = json.loads(line)
                            for record in ([entry["image"]] if key == "images" else entry["annotations"]):
                                if key == "images":
                                    record["id"] = images.final(record["id"])
                                else:
                                    record["id"] = anns.final(record["id"])
                                    record["image_id"] = images.final(record["image_id"])
                                fh.write(("" if first else ",") + "\n" + json.dumps(record))
                                first = False
                    fh.write("]")
                fh.write("}\n")
            os.unlink(part)
            self.forget(_part_name(k))
            files.append(relative)
        # what categories cannot hold (every_pixel_drawn, void, within), read back by the COCO reader
        return files + [self.write_file("labelmap.json", json.dumps(without_within(self.labelmap), indent=2) + "\n")]

    def summary(self, images: int) -> str:
        subsets = ", ".join(f"{s} {self.subsets[s]:,}" for s in split_order(self.subsets))
        polygons, rles = self.counts
        note = f"; {self.category_ids[1]}" if self.category_ids[1] else ""
        return (f"wrote COCO instances to {self.out / 'annotations'}: {plural(images, 'image')}"
                + (f" ({subsets})" if len(self.subsets) > 1 else "")
                + f", {plural(polygons, 'annotation')} as polygons and {plural(rles, 'annotation')} as RLE "
                f"(holes={self.options['holes']}); {self.loss.words()}{note} (+ labelmap.json)")


def _part_name(k: int) -> str:
    return f".coco-part-{k}.jsonl"
