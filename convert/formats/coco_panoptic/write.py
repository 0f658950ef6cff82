"""The ``coco-panoptic`` layout: COCO panoptic segmentation, the layered mask on disk.

::

    OUT/annotations/panoptic_<subset>.json          images, one annotation per image, categories
    OUT/annotations/panoptic_<subset>/<stem>.png     RGB, segment id = R + 256 G + 256^2 B, 0 = void
    OUT/images/<subset>/<name>                       the images, copied (or symlinked with --link)

The layout Datumaro's ``coco_panoptic`` and detectron2 read.  ``<subset>`` is the source's subset, else the
``--split`` one, else ``default``.  Every pixel has one owner by construction (levels decide overlaps):

- a *thing* class (label map ``isthing``; default: every class but the fill class) gets one segment per
  visible object, ``iscrowd`` kept from the source;
- a *stuff* class gets one segment per image, all its visible pixels (the fill class: every pixel no region
  covers);
- void pixels (and, without a fill class, pixels no region covers) are id 0.

``area`` is the segment's pixel count and ``bbox`` its tight box ``[x, y, width, height]``, both from the
written PNG.  Category ids are a COCO instances source's own (by class name), else the label map's indices (a
panoptic source's own ids), or, when a class has index 0, the indices plus one; the summary says which are new
(:mod:`convert.formats.coco.categories`); supercategories
are the source's.  Categories carry ``isthing``, ``color`` and segconv's
``index`` and ``level`` (and ``fill``), so reading the set back gives the same label map.  Image ids are the
source's where they are integers.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from convert.formats.coco.categories import category_ids, supercategories_of
from convert.formats.ids import Ids
from convert.formats.layout_writer import LayoutWriter, Written, within_split
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.pixels import runs
from convert.pixels.png_encode import encode_png_rgb_stretches
from convert.wording import plural


def id_to_rgb(ids: np.ndarray) -> np.ndarray:
    """``(h, w)`` segment ids as ``(h, w, 3)`` uint8: R = id % 256, G = id // 256 % 256, B = id // 256²
    (panopticapi's ``id2rgb``).

    >>> id_to_rgb(np.array([[1, 256 + 2, 65536 * 3]])).tolist()
    [[[1, 0, 0], [2, 1, 0], [0, 0, 3]]]
    """
    ids = ids.astype(np.uint32)
    return np.stack([(ids & 255), (ids >> 8) & 255, (ids >> 16) & 255], axis=-1).astype(np.uint8)


def isthing(cls, labelmap: LabelMap) -> bool:
    """A class is a thing (one segment per object) unless the label map says otherwise or it is the fill class."""
    return cls.isthing if cls.isthing is not None else not cls.fill


class PanopticRecord(NamedTuple):
    """One image of a subset's JSON: its source id (kept where it can be), its ``images`` entry without the id,
    its annotation without ``image_id``, and the supercategories its source names."""

    subset: str
    source_id: object
    image: dict
    annotation: dict
    supercategories: dict[str, str]


class CocoPanopticWriter(LayoutWriter):
    name = "coco-panoptic"
    needs_instances = True
    has_splits = True
    default_subset = "default"

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.subsets: dict[str, dict] = {}  # subset -> {"images": [...], "annotations": [...], "ids": Ids}
        self.segments = 0
        self.supercategory: dict[str, str] = {}
        self.colours = id_to_rgb(np.arange(256))  # id_to_rgb of 0..n, grown when an image has more segments

    @functools.cached_property
    def category_ids(self) -> tuple[dict[int, int], str]:
        """``{class index: category id}`` (the source's ids, :mod:`convert.formats.coco.categories`) and the
        words for new ones; made once the run has told the writer its source's ids."""
        return category_ids(self.labelmap, self.source_category_ids)

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        lm = self.labelmap
        subset = sample.subset or self.default_subset
        stem = within_split(sample.stem, subset)
        # the photo first: it is copied by a thread while the segments are measured and the PNG is made
        file_name = self.place_image(written, sample, f"images/{subset}", stem) or within_split(sample.name, subset)
        st = painted.stretches
        h, w = painted.class_mask.shape
        # one segment per visible object of a thing class, one per stuff class; numbered in painting order
        segment_of_object: dict[int, int] = {}
        segment_of_class: dict[int, int] = {}
        info: list[dict] = []

        def new_segment(cls, crowd: bool) -> int:
            info.append({"id": len(info) + 1, "category_id": self.category_ids[0][cls.index], "iscrowd": int(crowd)})
            return len(info)

        for obj in painted.instances:
            if obj.label is None or obj.pixels == 0:
                continue
            crowd = any(r.crowd for r in obj.regions)
            if isthing(obj.label, lm):
                segment_of_object[obj.id] = new_segment(obj.label, crowd)
            elif obj.label.index not in segment_of_class:
                segment_of_class[obj.label.index] = new_segment(obj.label, False)
        fill_segment = 0
        if lm.fill is not None and (st.top < 0).any():
            fill_segment = segment_of_class.get(lm.fill.index) or new_segment(lm.fill, False)
        per_region = np.zeros(len(st.values), dtype=np.int64)
        for k, object_id in enumerate(st.object_ids.tolist()):
            cls_value = int(st.values[k])
            if object_id in segment_of_object:
                per_region[k] = segment_of_object[object_id]
            elif cls_value in segment_of_class:
                per_region[k] = segment_of_class[cls_value]
        segment = st.per_stretch(per_region, fill_segment)
        self._measure(info, segment, st, h)
        # segments are numbered 1..n, coloured through id_to_rgb's table; the PNG is made from the stretches
        if len(info) >= len(self.colours):
            self.colours = id_to_rgb(np.arange(2 * len(info) + 1))
        colours = self.colours[:len(info) + 1]
        self.put(written, f"annotations/panoptic_{subset}/{stem}.png",
                 lambda: encode_png_rgb_stretches(st.starts, segment, colours, (h, w)))
        image = {"file_name": file_name, "width": w, "height": h}
        written.record = PanopticRecord(subset, sample.image_id, image,
                                        {"file_name": f"{stem}.png", "segments_info": info},
                                        supercategories_of(sample.regions, lm))
        return written

    @staticmethod
    def _measure(info: list[dict], segment: np.ndarray, st, height: int) -> None:
        """``area`` (pixel count) and tight ``bbox`` of every segment, from the stretches the PNG is drawn from."""
        # the stretches of each segment together, for one pass (a 16-bit key: numpy sorts it by radix, 3x faster)
        order = np.argsort(segment.astype(np.uint16) if len(info) < 65536 else segment, kind="stable")
        which, starts, ends = segment[order], st.starts[order], st.ends[order]
        areas = np.bincount(which, weights=ends - starts, minlength=len(info) + 1).astype(np.int64).tolist()
        boxes = runs.bboxes(starts, ends, which, len(info) + 1, height)
        for entry in info:
            box = boxes[entry["id"]]
            entry["area"] = areas[entry["id"]]
            entry["bbox"] = list(box) if box is not None else [0, 0, 0, 0]

    def collect(self, record: PanopticRecord) -> None:
        for name, found in record.supercategories.items():
            self.supercategory.setdefault(name, found)
        part = self.subsets.setdefault(record.subset, {"images": [], "annotations": [], "ids": Ids()})
        image_id = part["ids"].take(record.source_id)
        part["images"].append({"id": image_id, **record.image})
        part["annotations"].append({"image_id": image_id, **record.annotation})
        self.segments += len(record.annotation["segments_info"])

    def finish(self) -> list[str]:
        categories = []
        for cls in sorted(self.labelmap.classes, key=lambda c: c.index):
            entry = {"id": self.category_ids[0][cls.index], "name": cls.name,
                     "supercategory": self.supercategory.get(cls.name, ""),
                     "isthing": int(isthing(cls, self.labelmap)), "color": list(cls.color), "index": cls.index,
                     "level": cls.level}
            if cls.fill:
                entry["fill"] = True
            categories.append(entry)
        files = []
        for subset, part in self.subsets.items():
            ids = part["ids"]
            for image in part["images"]:
                image["id"] = ids.final(image["id"])
            for annotation in part["annotations"]:
                annotation["image_id"] = ids.final(annotation["image_id"])
            doc = {"info": {"description": "written by segconv"}, "licenses": [], "images": part["images"],
                   "annotations": part["annotations"], "categories": categories}
            files.append(self.write_file(f"annotations/panoptic_{subset}.json", json.dumps(doc) + "\n"))
        return files + [self.write_file("labelmap.json", json.dumps(self.labelmap.to_dict(), indent=2) + "\n")]

    def summary(self, images: int) -> str:
        subsets = ", ".join(f"panoptic_{s}.json ({len(p['images']):,})" for s, p in self.subsets.items())
        kept = f"; {self.category_ids[1]}" if self.category_ids[1] else "; category ids kept (the class indices)"
        return (f"wrote COCO panoptic of {plural(images, 'image')} to {self.out}: {subsets}, "
                f"{plural(self.segments, 'segment')}; area and bbox from the written PNGs" + kept)
