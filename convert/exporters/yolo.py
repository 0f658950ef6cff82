"""The ``yolo`` layout: an Ultralytics YOLO segmentation dataset, with its loss measured and stated.

::

    OUT/data.yaml                       names (YOLO class index: name), train / val / test folders
    OUT/images/<split>/<name>           the images, copied (or symlinked with --link)
    OUT/labels/<split>/<stem>.txt       one row per object: class x1 y1 x2 y2 ..., 6 decimals, normalised
    OUT/labelmap.json                   segconv's label map (levels, indices), for reading the set back

YOLO classes are the label map's classes but the fill class, numbered 0..K-1 in index order.  Each row is
an object's *visible* pixels after layering, traced along pixel edges (:mod:`convert.trace`), so that the
rows paint exactly the layered mask under the ``coco`` rule, by level.  What YOLO cannot say is handled by
a stated policy (``-O KEY=VALUE``):

- ``multipart=bridge`` (default): the parts of one object in one row, joined by zero-width bridges, as
  Ultralytics' own converter does (one object stays one instance); ``split``: a row per part;
- ``holes=bridge`` (default): holes joined to their outline by zero-width bridges, so that an even-odd fill
  (pycocotools, OpenCV's ``fillPoly``) keeps them empty; ``fill``: outlines only, holes filled;
- crowd regions are traced like any other object, never dropped; void has no YOLO form.

Every image's rows are read back from their written text and painted by level; the pixels that differ from
the layered mask are reported per image (``written-pixels-differ``) and summed in the summary.  (Ultralytics
rasterises rows for training with ``cv2.fillPoly`` on integer vertices, boundary included; that rule differs
from pycocotools' by design and is not what is measured here.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from .. import runs
from ..atomic import write_text
from ..findings import Finding
from ..labelmap import LabelMap
from ..model import Origin, Polygon, Region, Sample
from ..painting import Painted, paint
from ..trace import bridged, trace_parts
from ..wording import plural
from .base import LayoutWriter, Written, split_order, within_split
from .objects import visible_objects
from .voc import place_image


class YoloWriter(LayoutWriter):
    name = "yolo"
    needs_instances = True
    has_splits = True

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.classes = [c for c in sorted(labelmap.classes, key=lambda c: c.index) if not c.fill]
        self.yolo_index = {c.index: k for k, c in enumerate(self.classes)}
        self._numbers: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.splits: dict[str, int] = {}
        self.rows = self.differ = self.void = self.images_differ = self.pixels = 0

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        split = sample.subset or "train"
        stem = within_split(sample.stem, split)
        height, width = painted.class_mask.shape
        objects, ids = visible_objects(painted, self.labelmap)
        traced = trace_parts(ids) if objects else {}
        lines: list[str] = []
        regions: list[Region] = []
        x_text, x_read = self._written_numbers(width)
        y_text, y_read = self._written_numbers(height)
        for number, obj in enumerate(objects, start=1):
            for ring in self._rows(*traced.get(number, ([], []))):
                cells = np.empty((len(ring), 2, 9), dtype=np.uint8)  # "x.xxxxxx " and "y.yyyyyy " per vertex
                cells[:, 0, :8], cells[:, 1, :8] = x_text[ring[:, 0]], y_text[ring[:, 1]]
                cells[:, :, 8] = 32
                lines.append(f"{self.yolo_index[obj.label.index]} " + cells.tobytes()[:-1].decode("ascii"))
                coords = np.stack((x_read[ring[:, 0]] * width, y_read[ring[:, 1]] * height), axis=1)
                regions.append(Region(obj.label.name, Polygon((coords,)), (len(regions),), Origin("row")))
        self.put(written, f"labels/{split}/{stem}.txt", lambda: "".join(line + "\n" for line in lines).encode())
        back = paint(Sample(sample.name, width, height, regions, sample.origin), self.labelmap)
        differ, void = _differing(painted.runs, back.runs, self.labelmap.void)
        if differ:
            what = f" ({plural(void, 'void pixel')}: YOLO has no void)" if void else ""
            written.findings.append(Finding(
                "written-pixels-differ", f"the written rows, painted back by level, differ from the layered mask "
                f"on {plural(differ, 'pixel')}{what}", file=str(self.out / f"labels/{split}/{stem}.txt"),
                image=sample.name, pixels=differ))
        if sample.image_path and Path(sample.image_path).is_file():
            ext = Path(sample.image_path).suffix.lower() or ".jpg"
            place_image(self, written, Path(sample.image_path), f"images/{split}/{stem}{ext}")
        else:
            written.findings.append(Finding("missing-image", "image file not found (pass --images DIR); "
                                            f"images/{split}/ lacks it", image=sample.name, file=sample.origin.file))
        written.record = (split, len(lines), differ, void, height * width)
        return written

    def _written_numbers(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """For every corner coordinate 0..size of a side of that length: the text written for it (``k / size``
        with 6 decimals: always 8 ASCII characters, ``0.000000`` to ``1.000000``, as a ``(size + 1, 8)`` uint8
        table) and the number that text reads back as.  Rows are written from the first and painted back from
        the second, so what is measured is what a reader of the file gets."""
        if size not in self._numbers:
            text = [f"{k / size:.6f}" for k in range(size + 1)]
            table = np.frombuffer("".join(text).encode("ascii"), dtype=np.uint8).reshape(size + 1, 8)
            self._numbers[size] = (table, np.array([float(t) for t in text]))
        return self._numbers[size]

    def _rows(self, outer: list[np.ndarray], holes: list[np.ndarray]) -> list[np.ndarray]:
        """The rows of one object's rings (outer rings, holes) under the ``multipart`` and ``holes`` policies."""
        if self.options["holes"] != "bridge":
            holes = []
        if not outer:
            return []
        if self.options["multipart"] == "bridge":
            return [bridged(outer + holes)]
        return [bridged([ring] + [h for h in holes if _inside(h, ring)]) for ring in outer]

    def collect(self, record) -> None:
        split, rows, differ, void, pixels = record
        self.splits[split] = self.splits.get(split, 0) + 1
        self.rows += rows
        self.differ += differ
        self.void += void
        self.pixels += pixels
        self.images_differ += bool(differ)

    def finish(self) -> list[str]:
        splits = split_order(self.splits)
        doc: dict = {split: f"images/{split}" for split in splits}
        note = ""
        if "val" not in doc:
            doc["val"] = f"images/{splits[0] if splits else 'train'}"
            note = ("# There is no val split: 'val' points at the training images. Split with\n"
                    "# segconv convert ... --to yolo --split train=0.8,val=0.2\n")
        doc["names"] = {k: c.name for k, c in enumerate(self.classes)}
        header = ("# Ultralytics YOLO segmentation dataset, written by segconv.\n"
                  "# No 'path': Ultralytics then takes this file's folder as the root.\n"
                  "# YOLO class k is the k-th class of labelmap.json in index order, its fill class left out.\n")
        write_text(self.out / "data.yaml", header + note + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        import json

        write_text(self.out / "labelmap.json", json.dumps(self.labelmap.to_dict(), indent=2) + "\n")
        return ["data.yaml", "labelmap.json"]

    def summary(self, images: int) -> str:
        splits = ", ".join(f"{s} {self.splits[s]:,}" for s in split_order(self.splits))
        share = 100 * self.differ / self.pixels if self.pixels else 0.0
        if self.differ:
            loss = (f"painted back by level, the rows differ from the layered masks on "
                    f"{plural(self.differ, 'pixel')} ({share:.4f} %) in {plural(self.images_differ, 'image')}")
        else:
            loss = "painted back by level, the rows give exactly the layered masks (0 pixels differ)"
        if self.void:
            loss += f", {self.void:,} of them void (YOLO has no void)"
        return (f"wrote a YOLO-seg dataset of {plural(images, 'image')} ({splits}) to {self.out}: "
                f"{plural(self.rows, 'row')} (multipart={self.options['multipart']}, holes={self.options['holes']}); "
                + loss)


def _differing(a, b, void: int) -> tuple[int, int]:
    """The pixels whose class differs between two paintings of one image, and how many of them are void in
    ``a``, from their stretches (both cover the column-major pixel order 0..h*w without a gap), without
    comparing images.

    >>> from convert.painting import Stretches
    >>> a = Stretches(np.array([0, 4]), np.array([4, 10]), np.array([-1, 0]), np.array([255]), 0)
    >>> b = Stretches(np.array([0, 6]), np.array([6, 10]), np.array([-1, 0]), np.array([3]), 0)
    >>> _differing(a, b, 255)
    (6, 6)
    """
    starts, ends, class_a, class_b = runs.overlay(a.starts, a.ends, a.per_stretch(a.values, a.empty),
                                                  b.starts, b.ends, b.per_stretch(b.values, b.empty))
    lengths = ends - starts
    changed = class_a != class_b
    return int(lengths[changed].sum()), int(lengths[changed & (class_a == void)].sum())


def _inside(hole: np.ndarray, outer: np.ndarray) -> bool:
    """Whether a hole lies in an outer ring: the pixel on the object's side of the hole's first edge (a pixel of
    the part around the hole) has its centre inside the outer ring."""
    from shapely import contains_xy
    from shapely.geometry import Polygon as ShapelyPolygon

    (x0, y0), (x1, y1) = hole[0], hole[1]
    dx, dy = np.sign(x1 - x0), np.sign(y1 - y0)
    # the object lies on the right of every edge (on screen): the right of direction (dx, dy) is (-dy, dx)
    cx, cy = x0 + 0.5 * dx - 0.5 * dy, y0 + 0.5 * dy + 0.5 * dx
    return bool(contains_xy(ShapelyPolygon(outer), cx, cy))
