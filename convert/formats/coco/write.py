"""The ``coco-rle`` layout: ``OUT/annotations.json``, COCO instances in compressed RLE.

- ``images``: the source's own image ids where they are integers (COCO,
  CVAT), so the output still joins with the user's other COCO files
  (captions, keypoints, predictions); new ids, above the largest kept one,
  for the others; ``file_name`` the image's name, ``width``, ``height``.
- ``categories``: one per class, ``id`` = the class index (stable: the label
  map decides it, not list order), plus ``level`` and ``fill`` as extra fields.
- ``annotations``: one per visible object after layering (``--coco-mode
  instance``, the default) or one per class per image (``semantic``); an
  object made of one source annotation keeps that annotation's id, others get
  new ids above the largest kept one.  Each is a
  compressed RLE (``size`` = [h, w], ``counts`` an ASCII string) of exactly
  the visible pixels, with ``area`` and ``bbox`` computed from that mask and
  ``iscrowd`` 1 only for crowd regions of the source.

The fill class is implicit (pixels in no annotation) and void pixels belong to
no annotation.  So that a round trip through this layout loses nothing, an
image with void pixels a source drew (void regions, labels the label map does
not know) carries them as ``segconv_void`` (an RLE; other tools ignore unknown
image fields, and segconv's COCO reader paints it as void), with or without a
fill class.  Without one, pixels no region covers stay in no annotation: they
read back as uncovered (``unlabelled-pixels``), as they were in the source.  Objects hidden entirely by higher
levels are reported (``region-hidden``), never written as empty masks.

Decoding any annotation with ``pycocotools.mask.decode`` and painting by level
gives back exactly the ``png`` masks; the tests check it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple, TextIO

import numpy as np
from pycocotools import mask as cocomask

from convert.files.atomic import open_atomic
from convert.formats.coco.categories import supercategories_of
from convert.formats.ids import Ids
from convert.formats.layout_writer import LayoutWriter, Written
from convert.formats.objects import visible_list
from convert.formats.readback import without_within
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.pixels import runs
from convert.wording import plural

NAME = "coco-rle"
MODES = ("instance", "semantic")
PART_IMAGES, PART_ANNOTATIONS = ".coco-images.jsonl", ".coco-annotations.jsonl"  # assembled by finish()


def encode(mask: np.ndarray) -> dict:
    """Compressed RLE of a boolean ``(h, w)`` mask, counts as an ASCII string."""
    rle = cocomask.encode(np.asfortranarray(mask, dtype=np.uint8))
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": rle["counts"].decode("ascii")}


def encode_runs(starts: np.ndarray, ends: np.ndarray, height: int, width: int) -> dict:
    """Compressed RLE (pycocotools' bytes form) of non-empty column-major runs
    (:mod:`convert.pixels.runs`): the same string :func:`encode` gives for their mask,
    without building the mask.

    >>> mask = np.zeros((5, 4), dtype=bool); mask[1:3, 1:3] = True
    >>> encode_runs(np.array([6, 11]), np.array([8, 13]), 5, 4)["counts"] == encode(mask)["counts"].encode()
    True
    """
    starts, ends = runs.join(starts, ends)  # touching runs would give zero-length gaps: not canonical
    counts = np.empty(2 * len(starts) + 1, dtype=np.int64)
    counts[0] = starts[0]
    counts[2:-1:2] = starts[1:] - ends[:-1]
    counts[1::2] = ends - starts
    counts[-1] = height * width - ends[-1]
    if not counts[-1]:  # pycocotools ends on the last run: no trailing empty background run
        counts = counts[:-1]
    return cocomask.frPyObjects({"size": [height, width], "counts": counts.tolist()}, height, width)


def annotation(ann_id, image_id, category_id: int, coco_rle: dict, crowd: bool) -> dict:
    """One COCO annotation of a compressed RLE (bytes counts)."""
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": category_id,
        "segmentation": {"size": [int(v) for v in coco_rle["size"]], "counts": coco_rle["counts"].decode("ascii")},
        "area": int(cocomask.area(coco_rle)),
        "bbox": [float(v) for v in cocomask.toBbox(coco_rle)],
        "iscrowd": int(crowd),
    }


class CocoRecord(NamedTuple):
    """One image of ``annotations.json``: the source's image id (kept where it can be), its ``images`` entry
    without the id, its annotations (``id``: the source annotation's, or ``None``), the supercategories its
    source names."""

    source_id: object
    image: dict
    annotations: list[dict]
    supercategories: dict[str, str]


class CocoRleWriter(LayoutWriter):
    """Streams images and annotations to part files; ``finish`` assembles them."""

    name = NAME
    main_process_only = ("_images", "_anns")  # the open part files

    def __init__(self, out: Path, labelmap: LabelMap, *, coco_mode: str = "instance", **kwargs):
        if coco_mode not in MODES:
            raise ValueError(f"coco mode must be one of {MODES}")
        super().__init__(out, labelmap, **kwargs)
        self.mode = coco_mode
        self.needs_instances = coco_mode == "instance"
        # opened by the first collect(), in the main process
        self._images: TextIO | None = None
        self._anns: TextIO | None = None
        self._image_ids = Ids()  # the source's ids where they can be kept, new ones numbered in finish()
        self._ann_ids = Ids()
        self.supercategory: dict[str, str] = {}  # the source's, by class name

    def write(self, sample: Sample, painted: Painted) -> Written:
        """Encode the sample's annotations (in a worker); ids are given in :meth:`collect`.
        Every RLE is built from the painter's stretches, not from a mask per object."""
        h, w = painted.class_mask.shape
        written = Written()
        self.entry(written, f"annotations.json: the image file_name {sample.name!r}")
        image = {"file_name": sample.name, "width": sample.width, "height": sample.height}
        lm = self.labelmap
        st = painted.stretches
        values = st.per_stretch(st.values, st.empty)  # the class value each stretch shows

        def rle_where(chosen: np.ndarray) -> dict:
            return encode_runs(st.starts[chosen], st.ends[chosen], h, w)

        void = st.drawn_void(lm.void)  # a source's void regions; with no fill class, uncovered pixels stay uncovered
        if void.any():
            image["segconv_void"] = {"size": [h, w], "counts": rle_where(void)["counts"].decode("ascii")}
        anns = []
        if self.mode == "instance":
            ids = st.per_stretch(st.object_ids, 0)
            for obj in visible_list(painted, lm, drawn_fill=lm.every_pixel_drawn):
                crowd = any(r.crowd for r in obj.regions)
                source_id = obj.regions[0].source_id if len(obj.regions) == 1 else None
                anns.append(annotation(source_id, 0, obj.label.index, rle_where(ids == obj.id), crowd))
        else:
            present = set(np.unique(values).tolist())
            for cls in sorted(lm.classes, key=lambda c: (c.level, c.index)):
                if cls.index not in present or (cls.fill and not lm.every_pixel_drawn):
                    continue
                # the fill class: what its regions drew (every_pixel_drawn), not what nothing covers
                chosen = st.per_stretch(st.values == cls.index, False) if cls.fill else values == cls.index
                if not chosen.any():
                    continue
                crowd = any(r.crowd and r.label is not None and lm.resolve(r.label) is cls for r in sample.regions)
                anns.append(annotation(None, 0, cls.index, rle_where(chosen), crowd))
        written.record = CocoRecord(sample.image_id, image, anns, supercategories_of(sample.regions, lm))
        return written

    def collect(self, record: CocoRecord) -> None:
        """In the main process, in sample order: the source's ids where they can be kept (placeholders
        ``{"new": k}`` for the others, numbered in :meth:`finish`), and the lines of the part files."""
        for name, found in record.supercategories.items():
            self.supercategory.setdefault(name, found)
        images_part, anns_part = self._parts()
        image_id = self._image_ids.take(record.source_id)
        images_part.write(json.dumps({"id": image_id, **record.image}) + "\n")
        for ann in record.annotations:
            ann["id"], ann["image_id"] = self._ann_ids.take(ann["id"]), image_id
            anns_part.write(json.dumps(ann) + "\n")

    def _parts(self) -> tuple[TextIO, TextIO]:
        """The two part files (images, annotations), opened on first use; closed in :meth:`finish`."""
        if self._images is None or self._anns is None:
            self.out.mkdir(parents=True, exist_ok=True)
            # both closed in finish()
            self._images = open(self.scratch(PART_IMAGES), "w", encoding="utf-8")  # noqa: SIM115
            self._anns = open(self.scratch(PART_ANNOTATIONS), "w", encoding="utf-8")  # noqa: SIM115
        return self._images, self._anns

    def finish(self) -> list[str]:
        for opened in self._parts():  # opened here when there was no image at all
            opened.close()
        categories = [{"id": c.index, "name": c.name, "supercategory": self.supercategory.get(c.name, ""),
                       "level": c.level,
                       **({"fill": True} if c.fill else {})}
                      for c in sorted(self.labelmap.classes, key=lambda c: c.index)]
        head = {"info": {"description": "written by segconv", "coco_mode": self.mode},
                "licenses": [], "categories": categories}
        with open_atomic(self.scratch("annotations.json"), "w", encoding="utf-8", owner=self.owner) as fh:
            fh.write(json.dumps(head)[:-1])
            renumber = {"images": self._image_ids.new > 0,
                        "annotations": self._ann_ids.new > 0 or self._image_ids.new > 0}
            for key, part in (("images", PART_IMAGES), ("annotations", PART_ANNOTATIONS)):
                fh.write(f', "{key}": [')
                with open(self.out / part, encoding="utf-8") as src:
                    for i, line in enumerate(src):
                        line = line.rstrip("\n")
                        if renumber[key]:
                            line = self._renumbered(line)
                        fh.write(("," if i else "") + "\n" + line)
                fh.write("]")
            fh.write("}\n")
        for part in (PART_IMAGES, PART_ANNOTATIONS):
            os.unlink(self.out / part)
            self.forget(part)
        self.write_file("labelmap.json", json.dumps(without_within(self.labelmap), indent=2) + "\n")
        self._written = (self._image_ids.new + len(self._image_ids.kept),
                         self._ann_ids.new + len(self._ann_ids.kept))
        return ["annotations.json", "labelmap.json"]

    def _renumbered(self, line: str) -> str:
        """A part-file line with its ``{"new": k}`` placeholders turned into ids."""
        record = json.loads(line)
        if "image_id" in record:
            record["id"] = self._ann_ids.final(record["id"])
            record["image_id"] = self._image_ids.final(record["image_id"])
        else:
            record["id"] = self._image_ids.final(record["id"])
        return json.dumps(record)

    def summary(self, images: int) -> str:
        n_images, n_anns = getattr(self, "_written", (images, 0))
        kept = len(self._image_ids.kept)
        return (f"wrote {self.out / 'annotations.json'}: COCO {self.mode} annotations in compressed RLE, "
                f"{plural(n_images, 'image')} ({kept:,} keeping the source's image id), "
                f"{plural(n_anns, 'annotation')} (+ labelmap.json)")
