"""The ``yolo`` layout: an Ultralytics YOLO segmentation dataset, with its loss measured and stated.

::

    OUT/data.yaml                       names (YOLO class index: name), train / val / test folders
    OUT/images/<split>/<name>           the images, copied (or symlinked with --link)
    OUT/labels/<split>/<stem>.txt       one row per object: class x1 y1 x2 y2 ..., 6 decimals, normalised
    OUT/labelmap.json                   segconv's label map (levels, indices), for reading the set back

YOLO classes are the label map's classes but the fill class, numbered 0..K-1 in index order.  Each row is
an object's *visible* pixels after layering, traced along pixel edges (:mod:`convert.pixels.trace`), so that the
rows paint exactly the layered mask under the ``coco`` rule, by level.  What YOLO cannot say is handled by
a stated policy (``-O KEY=VALUE``):

- ``multipart=bridge`` (default): the parts of one object in one row, joined by zero-width bridges, as
  Ultralytics' own converter does (one object stays one instance); ``split``: a row per part;
- ``holes=bridge`` (default): holes joined to their outline by zero-width bridges, so that an even-odd fill
  (pycocotools, OpenCV's ``fillPoly``) keeps them empty; ``fill``: outlines only, holes filled;
- crowd regions are traced like any other object, never dropped; void has no YOLO form: without a fill class,
  the void a source drew reads back as pixels no row covers (``unlabelled-pixels``), counted in the summary, as
  are, under ``every_pixel_drawn``, the pixels drawn as the fill class or void (no row holds them).

Every image's rows are read back from their written text and painted by level; the pixels that differ from
the layered mask are reported per image (``written-pixels-differ``) and summed in the summary.  (Ultralytics
rasterises rows for training with ``cv2.fillPoly`` on integer vertices, boundary included; that rule differs
from pycocotools' by design and is not what is measured here.)
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from convert.findings import Finding
from convert.formats.layout_writer import LayoutWriter, Written, split_order, within_split
from convert.formats.objects import undrawable, undrawable_words, visible_objects
from convert.formats.yolo.centre_rows import centre_ring, centre_text, fewer_vertices, joined
from convert.formats.yolo.split_keys import map_splits
from convert.model.labelmap import LabelMap
from convert.model.sample import Origin, Polygon, Region, Sample
from convert.painting.paint import paint
from convert.painting.painted import Painted
from convert.pixels import runs
from convert.pixels.outlines import parts
from convert.pixels.trace import bridged, trace_parts
from convert.pixels.ultralytics_fill import compose_rows
from convert.wording import plural


class YoloRecord(NamedTuple):
    """What one image adds to the summary: its split, its rows, the pixels they lose read back under each fill
    (of which void), and its objects' pixels."""

    split: str
    rows: int
    ultralytics_differ: int
    pycocotools_differ: int
    void: int
    pixels: int
    unlabelled: int  # pixels in no row that read back as never drawn (:func:`undrawable`)
    photo: bool = True  # its image was placed in images/<split>/


class YoloWriter(LayoutWriter):
    name = "yolo"
    needs_instances = True
    has_splits = True

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.classes = [c for c in sorted(labelmap.classes, key=lambda c: c.index) if not c.fill]
        self.yolo_index = {c.index: k for k, c in enumerate(self.classes)}
        self._numbers: dict[tuple[int, bool], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.splits: dict[str, int] = {}
        self.rows = self.void = self.pixels = self.unlabelled = 0  # pixels: of the visible objects, the rows' subject
        self.differ = {"ultralytics": 0, "pycocotools": 0}  # pixels the rows lose, under each fill
        self.images_differ = {"ultralytics": 0, "pycocotools": 0}
        self.without_photo = 0  # images whose label file was written with no photo beside it

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        split = sample.subset or "train"
        stem = within_split(sample.stem, split)
        height, width = painted.class_mask.shape
        objects, ids = visible_objects(painted, self.labelmap)
        traced = trace_parts(ids) if objects else {}
        centred = self.options["rows"] == "ultralytics"
        x_text, x_read, x32 = self._written_numbers(width, centred)
        y_text, y_read, y32 = self._written_numbers(height, centred)
        cell = x_text.shape[1] + 1
        lines: list[str] = []
        regions: list[Region] = []
        rows: list[tuple[int, np.ndarray]] = []
        for number, obj in enumerate(objects, start=1):
            outer, holes = traced.get(number, ([], []))
            if centred:  # Ultralytics paints smaller objects on top: a hole they fill need not be cut
                holes = [hole for hole in holes if _shows_background(hole, ids)]
            for ring in self._rows(outer, holes, centred):
                cells = np.empty((len(ring), 2, cell), dtype=np.uint8)  # "x.xxxxxx " and "y.yyyyyy " per vertex
                cells[:, 0, :-1], cells[:, 1, :-1] = x_text[ring[:, 0]], y_text[ring[:, 1]]
                cells[:, :, -1] = 32
                lines.append(f"{self.yolo_index[obj.label.index]} " + cells.tobytes()[:-1].decode("ascii"))
                coords = np.stack((x_read[ring[:, 0]] * width, y_read[ring[:, 1]] * height), axis=1)
                regions.append(Region(obj.label.name, Polygon((coords,)), (len(regions),), Origin("row")))
                rows.append((obj.label.index, np.stack((x32[ring[:, 0]], y32[ring[:, 1]]), axis=1)))
        path = f"labels/{split}/{stem}.txt"
        self.put(written, path, lambda: "".join(line + "\n" for line in lines).encode())
        back = paint(Sample(sample.name, width, height, regions, sample.origin), self.labelmap)
        coco_differ, void = _differing(painted.stretches, back.stretches, self.labelmap.void)
        fill = self.labelmap.fill
        trained = compose_rows([points for _, points in rows], [c for c, _ in rows],
                               fill.index if fill else self.labelmap.void, (height, width))
        ultra_differ = int(np.count_nonzero(trained != painted.class_mask))
        differ = ultra_differ if centred else coco_differ
        if differ:
            what = f" ({plural(void, 'void pixel')}: YOLO has no void)" if void else ""
            written.findings.append(Finding(
                "written-pixels-differ", f"the written rows, read back {RULE_WORDS[self.options['rows']]}, differ "
                f"from the layered mask on {plural(differ, 'pixel')}{what}", file=str(self.out / path),
                image=sample.name, pixels=differ))
        photo = self.place_image(written, sample, f"images/{split}", stem)
        unlabelled = undrawable(painted, self.labelmap)
        written.record = YoloRecord(split, len(lines), ultra_differ, coco_differ, void,
                                    sum(obj.pixels for obj in objects), unlabelled, photo is not None)
        return written

    def _written_numbers(self, size: int, centred: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The text written for every position of a side of that length, as a ``(positions, characters)`` uint8
        table, the number each text reads back as, and the float32 Ultralytics reads it as.  Centred rows
        (``rows=ultralytics``): pixel c as ``(c + ½) / size`` (:func:`~convert.formats.yolo.centre_rows.centre_text`);
        edge rows: corner k as ``k / size``, 6 decimals, ``0.000000`` to ``1.000000``.  Rows are written from
        the first and read back from the others, so what is measured is what a reader of the file gets."""
        key = (size, centred)
        if key not in self._numbers:
            if centred:
                table, read = centre_text(size)
            else:
                text = [f"{k / size:.6f}" for k in range(size + 1)]
                table = np.frombuffer("".join(text).encode("ascii"), dtype=np.uint8).reshape(size + 1, 8)
                read = np.array([float(t) for t in text])
            words = table.view(f"S{table.shape[1]}").ravel()
            self._numbers[key] = (table, read, np.array(words.astype(str), dtype=np.float32))
        return self._numbers[key]

    def _rows(self, outer: list[np.ndarray], holes: list[np.ndarray], centred: bool) -> list[np.ndarray]:
        """The rows of one object's rings (outer rings, holes) under the ``multipart`` and ``holes`` policies:
        edge rings bridged (``rows=pycocotools``), or rings through pixel centres joined (``ultralytics``)."""
        if self.options["holes"] != "bridge":
            holes = []
        if not outer:
            return []
        if self.options["multipart"] == "bridge":
            groups = [outer + holes]
        else:
            groups = [[ring] + own for ring, own in parts(outer, holes)]  # a hole goes with the part around it
        if centred:
            return [_three_points(fewer_vertices(joined([centre_ring(ring) for ring in group]))) for group in groups]
        return [bridged(group) for group in groups]

    def collect(self, record: YoloRecord) -> None:
        self.splits[record.split] = self.splits.get(record.split, 0) + 1
        self.rows += record.rows
        self.differ["ultralytics"] += record.ultralytics_differ
        self.differ["pycocotools"] += record.pycocotools_differ
        self.images_differ["ultralytics"] += bool(record.ultralytics_differ)
        self.images_differ["pycocotools"] += bool(record.pycocotools_differ)
        self.void += record.void
        self.unlabelled += record.unlabelled
        self.pixels += record.pixels
        self.without_photo += not record.photo

    def missing_image(self, written: Written, sample: Sample, then: str, *, unusable: bool = True) -> None:
        """Always an error (``unusable`` is not consulted): without its photo a label file cannot be used, by
        Ultralytics nor by segconv (YOLO keeps
        no image size, rows are fractions of it)."""
        labels = f"labels/{sample.subset or 'train'}/{within_split(sample.stem, sample.subset or 'train')}.txt"
        super().missing_image(written, sample, f"{then}, and YOLO keeps no image size: {labels} cannot be used (by "
                              "Ultralytics, nor read back by segconv) until the photo is put there", unusable=True)

    def finish(self) -> list[str]:
        plan = map_splits(self.splits)
        doc: dict = {key: f"images/{subset}" for key, subset in plan.keys.items()}
        doc.update({subset: f"images/{subset}" for subset in plan.others})
        note = f"# Subsets as Ultralytics' splits: {plan.words}.\n" if plan.words else ""
        if plan.val_is_train:
            note += ("# There is no val subset: 'val' points at the training images. Split with\n"
                     "# segconv convert ... --to yolo --split train=0.8,val=0.2\n")
        doc["names"] = {k: c.name for k, c in enumerate(self.classes)}
        header = ("# Ultralytics YOLO segmentation dataset, written by segconv.\n"
                  "# No 'path': Ultralytics then takes this file's folder as the root.\n"
                  "# YOLO class k is the k-th class of labelmap.json in index order, its fill class left out.\n")
        import json

        return [self.write_file("data.yaml", header + note + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)),
                self.write_file("labelmap.json", json.dumps(self.labelmap.to_dict(), indent=2) + "\n")]

    def summary(self, images: int) -> str:
        splits = ", ".join(f"{s} {self.splits[s]:,}" for s in split_order(self.splits))
        chosen = self.options["rows"]
        other = "pycocotools" if chosen == "ultralytics" else "ultralytics"
        text = (f"wrote a YOLO-seg dataset of {plural(images, 'image')} ({splits}) to {self.out}: "
                f"{plural(self.rows, 'row')} (rows={chosen}, multipart={self.options['multipart']}, "
                f"holes={self.options['holes']}); read back {RULE_WORDS[chosen]}, the rows "
                + self._loss(chosen))
        if self.void:
            text += f", {self.void:,} of them void (YOLO has no void)"
        text += f"; {RULE_WORDS[other]}, they " + self._loss(other)
        if self.unlabelled:
            text += "; " + undrawable_words(self.unlabelled, self.labelmap, "are in no row (YOLO has no "
                                            + ("void)" if self.labelmap.fill is None else "void or background class)"))
        words = map_splits(self.splits).words
        text += f"; data.yaml: {words}" if words else ""
        if self.without_photo:
            which = "none has its photo" if self.without_photo == images else \
                f"{self.without_photo:,} of them have no photo"
            text += (f"; {which} (see the missing-image errors): Ultralytics cannot train on those labels until "
                     "their photos are put in images/<split>/")
        return text

    def _loss(self, rule: str) -> str:
        differ = self.differ[rule]
        if not differ:
            return "give exactly the layered masks (0 pixels differ)"
        share = f"{100 * differ / self.pixels:.3f} % of the objects' {self.pixels:,} pixels" if self.pixels else \
            "the objects have no pixel"
        return (f"differ from the layered masks on {plural(differ, 'pixel')} ({share}) "
                f"in {plural(self.images_differ[rule], 'image')}")


RULE_WORDS = {"ultralytics": "as Ultralytics trains on them (cv2.fillPoly of truncated vertices, smaller objects "
                             "on top)",
              "pycocotools": "by pycocotools' rule (annToMask, by level)"}


def _differing(a, b, void: int) -> tuple[int, int]:
    """The pixels whose class differs between two paintings of one image, and how many of them are void in
    ``a``, from their stretches (both cover the column-major pixel order 0..h*w without a gap), without
    comparing images.

    >>> from convert.painting.painted import Stretches
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


def _three_points(row: np.ndarray) -> np.ndarray:
    """A row of at least 3 points: a part one or two pixels long is a centre ring of 1 or 2 points, which
    Ultralytics would read as a box row (5 numbers) or reject; the way there and back paints the same.

    >>> _three_points(np.array([[4, 1], [5, 1]])).tolist()
    [[4, 1], [5, 1], [4, 1]]
    """
    return row if len(row) >= 3 else np.concatenate((row, row, row))[:3]


def _shows_background(hole: np.ndarray, ids: np.ndarray) -> bool:
    """Whether some pixel inside a hole (an edge ring) is no object (the fill class, void): such a hole must be
    cut.  One whose pixels are all other objects' can stay filled under ``rows=ultralytics``: those objects lie
    inside it, so their rows are smaller, and Ultralytics (``polygons2masks_overlap``) paints smaller rows on
    top.  The inside is read from the ring's vertical edges (pixel corners, so every pixel centre is clearly in
    or out): on each row, between pairs of crossings in x order, as the ``coco`` rule paints an edge ring.

    >>> ids = np.array([[1, 1, 1, 1], [1, 0, 2, 1], [1, 1, 1, 1]])
    >>> hole = np.array([[1, 2], [3, 2], [3, 1], [1, 1]])
    >>> _shows_background(hole, ids), _shows_background(hole, np.where(ids == 0, 2, ids))
    (True, False)
    """
    (x0, y0), (x1, y1) = hole.min(axis=0), hole.max(axis=0)
    empty = ids[y0:y1, x0:x1] == 0
    if not empty.any():
        return False
    end = np.concatenate((hole[1:], hole[:1]))
    vertical = hole[:, 0] == end[:, 0]
    xs = hole[vertical, 0] - x0
    low = np.minimum(hole[vertical, 1], end[vertical, 1]) - y0
    counts = np.abs(end[vertical, 1] - hole[vertical, 1])  # the rows r whose centre r + ½ the edge crosses
    edge = np.repeat(np.arange(len(xs)), counts)
    rows = low[edge] + np.arange(len(edge)) - np.repeat(np.cumsum(counts) - counts, counts)
    order = np.lexsort((xs[edge], rows))
    rows, xs = rows[order], xs[edge][order]
    before = np.zeros((empty.shape[0], empty.shape[1] + 1), dtype=np.int32)  # empty pixels left of each column
    np.cumsum(empty, axis=1, out=before[:, 1:])
    row = rows[0::2]
    return bool((before[row, xs[1::2]] > before[row, xs[0::2]]).any())
