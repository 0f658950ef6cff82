"""The ``kaggle-rle`` layout: a Kaggle run-length CSV, as the notebooks written for Carvana, Airbus and
Severstal read it (``docs/formats.md``, "Kaggle run-length CSV").

::

    OUT/masks.csv        ImageId[,ClassId],EncodedPixels,width,height      (-O order=column, the default)
                         img[,ClassId],rle_mask,width,height               (-O order=row)
    OUT/images/<name>    the photos, copied (or symlinked with --link), as the CSV names them (the
                         extension in lower case; an id without one: images/<id>.<ext>)
    OUT/labelmap.json    the classes: ClassId is the class index (``within`` rules left out: a row holds
                         visible pixels)
    OUT/README.md        what the CSV cannot say: the pixel order, that starts count from 1, the columns, a
                         decoder of ten lines

- ``-O rows=class`` (default): one row per image and class it shows (Severstal's ``train.csv``);
  ``rows=object``: one row per visible object (Airbus), with a class column when the label map has more than
  one class besides the fill class; ``rows=image``: one row per image, every object in one mask (Carvana),
  for a label map of one class besides the fill class (refused otherwise, before anything is written).
- An image showing nothing has one row with empty cells, so that it stays in the set.
- The header is the one the chosen order's competitions use (``ImageId``/``EncodedPixels`` column by
  column, Carvana's ``img``/``rle_mask`` row by row), so that segconv, and whoever knows the convention,
  reads the order from it; the README says it in words.
- ``width`` and ``height`` columns (``-O size-columns=no`` leaves them out) carry each image's size, which a
  Kaggle CSV otherwise takes from the photos: the set reads back without them.
- The fill class is what no row covers.  Void has no run-length form: with a fill class its pixels read back as
  that class and are counted (``written-pixels-differ``); without one, pixels no row covers read back as void,
  but as pixels no region covers (``unlabelled-pixels``): the void a source drew is not told apart from what
  it left uncovered, and the summary counts those pixels.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import NamedTuple, TextIO

import numpy as np

from convert.errors import UsageError
from convert.files.atomic import open_atomic
from convert.findings import Finding
from convert.formats.kaggle_rle.columns import split_image_name
from convert.formats.kaggle_rle.reference import WORDS
from convert.formats.kaggle_rle.rle_strings import encode
from convert.formats.layout_writer import LayoutWriter, Written
from convert.formats.objects import undrawable, undrawable_words, visible_objects
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.pixels.scan import value_runs
from convert.wording import plural

NAME = "kaggle-rle"
CSV = "masks.csv"
PART = ".kaggle-rle-rows.csv"  # the rows while the run goes; masks.csv at the end
COLUMNS = {"column": ("ImageId", "EncodedPixels"), "row": ("img", "rle_mask")}
ROWS = {"image": "image", "object": "visible object", "class": "image and class"}


def named_classes(labelmap: LabelMap) -> list:
    """The classes rows can hold: every class but the fill class."""
    return [c for c in sorted(labelmap.classes, key=lambda c: c.index) if not c.fill]


class RowsRecord(NamedTuple):
    """One image's rows: their CSV text, how many, its void pixels (no run-length form): read back as the fill
    class, or, without one, as pixels no row covers (``unlabelled``, void a source drew)."""

    lines: str
    rows: int
    void: int
    unlabelled: int


class KaggleRleWriter(LayoutWriter):
    name = NAME
    main_process_only = ("_part",)  # the open part file

    @staticmethod
    def check_labelmap(labelmap: LabelMap, options: dict | None = None) -> None:
        """``rows=image`` holds one mask per image: a label map of several classes besides the fill class is
        refused, naming them, before anything is written."""
        if (options or {}).get("rows") != "image":
            return
        named = named_classes(labelmap)
        if len(named) > 1:
            shown = ", ".join(repr(c.name) for c in named[:8]) + (f" and {len(named) - 8} more" if len(named) > 8
                                                                  else "")
            raise UsageError(f"--to kaggle-rle -O rows=image writes one mask per image, of one class; the label map "
                             f"has {len(named)} besides the fill class ({shown}). Use -O rows=class or rows=object, "
                             "or a label map that makes them one class (aliases)")

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.check_labelmap(labelmap, self.options)
        self.order, self.rows = self.options["order"], self.options["rows"]
        self.needs_instances = self.rows == "object"
        self.sizes = self.options["size-columns"] == "yes"
        self.classed = self.rows == "class" or (self.rows == "object" and len(named_classes(labelmap)) > 1)
        self._part: TextIO | None = None
        self.images = self.lines = self.void = self.unlabelled = 0

    @property
    def header(self) -> list[str]:
        image, runs = COLUMNS[self.order]
        return [image, *(["ClassId"] if self.classed else []), runs, *(["width", "height"] if self.sizes else [])]

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        height, width = painted.class_mask.shape
        lm = self.labelmap
        keyed, classes = self._keys(painted)
        found = value_runs(keyed, self.order)
        cells = []
        for key in sorted(found):
            starts, ends = found[key]
            cells.append(([str(classes[key])] if self.classed else []) + [encode(starts, ends)])
        if not cells:  # an image showing nothing keeps a row, so that it stays in the set
            cells.append([""] * (2 if self.classed else 1))
        size = [str(width), str(height)] if self.sizes else []
        name = self._photo(written, sample)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in cells:
            writer.writerow([name, *row, *size])
        void = int(np.count_nonzero(painted.class_mask == lm.void)) if lm.fill is not None else 0
        if void:
            written.findings.append(Finding(
                "written-pixels-differ", f"{plural(void, 'void pixel')}: a Kaggle CSV has no void, so they read back "
                "as the fill class", image=sample.name, file=str(self.out / CSV), pixels=void))
        unlabelled = undrawable(painted, lm)  # counted in the summary
        self.entry(written, f"{CSV}: the rows of image {name!r}")
        written.record = RowsRecord(buffer.getvalue(), len(cells), void, unlabelled)
        return written

    def _keys(self, painted: Painted) -> tuple[np.ndarray, dict[int, int]]:
        """An image of row keys (0: no row) and each key's class index, for the chosen row form: objects in
        painting order, classes by index, or one key for every class but the fill class."""
        lm = self.labelmap
        mask = painted.class_mask
        if self.rows == "object":
            objects, ids = visible_objects(painted, lm)
            return ids, {n: obj.label.index for n, obj in enumerate(objects, start=1)}
        shown = mask != lm.void
        if lm.fill is not None:
            shown &= mask != lm.fill.index
        if self.rows == "image":
            named = named_classes(lm)
            return shown.astype(np.uint8), {1: named[0].index if named else 0}
        keyed = np.where(shown, mask.astype(np.int64) + 1, 0)
        return keyed, {c.index + 1: c.index for c in lm.classes}

    def _photo(self, written: Written, sample: Sample) -> str:
        """Stage the photo as ``images/<name>`` and return the name the CSV gives the image: the photo's (its
        extension in lower case, as every layout places photos), or the sample's own where the photo is
        missing or the name is an id without an image extension (TGS, SIIM: ``images/<id>.png``, the CSV
        keeps ``<id>``)."""
        parent, stem, suffix = split_image_name(sample.name)
        if not self.has_photo(sample):
            if self.sizes:
                self.missing_image(written, sample, "images/ lacks it")
            else:  # the output cannot be read back: an error of its own, not folded into the source's note
                self.missing_image(written, sample, "images/ lacks it, and without width and height columns its "
                                   "runs cannot be placed when read back", unusable=True)
            return sample.name
        placed = self.place_image(written, sample, f"images/{parent}" if parent else "images", stem)
        if placed is None or not suffix:
            return sample.name
        return f"{parent}/{placed}" if parent else placed

    def collect(self, record: RowsRecord) -> None:
        lines, rows, void, unlabelled = record
        if self._part is None:
            self.out.mkdir(parents=True, exist_ok=True)
            self._part = open(self.scratch(PART), "w", encoding="utf-8", newline="")  # noqa: SIM115 - finish()
        self._part.write(lines)
        self.images += 1
        self.lines += rows
        self.void += void
        self.unlabelled += unlabelled

    def finish(self) -> list[str]:
        if self._part is None:
            self.out.mkdir(parents=True, exist_ok=True)
            self._part = open(self.scratch(PART), "w", encoding="utf-8", newline="")  # noqa: SIM115 - below
        self._part.close()
        with open_atomic(self.scratch(CSV), "w", encoding="utf-8", owner=self.owner) as fh, \
                open(self.out / PART, encoding="utf-8", newline="") as part:
            fh.write(",".join(self.header) + "\n")
            for line in part:
                fh.write(line)
        os.unlink(self.out / PART)
        self.forget(PART)
        doc = self.labelmap.to_dict()
        doc["classes"] = [{k: v for k, v in c.items() if k != "within"} for c in doc["classes"]]
        self.write_file("labelmap.json", json.dumps(doc, indent=2) + "\n")
        self.write_file("README.md", self.readme())
        return [CSV, "labelmap.json", "README.md"]

    def readme(self) -> str:
        image, runs = COLUMNS[self.order]
        index = "c * H + r + 1" if self.order == "column" else "r * W + c + 1"
        reshape = "mask.reshape(width, height).T" if self.order == "column" else "mask.reshape(height, width)"
        classes = "\n".join(f"| {c.index} | {c.name} |" for c in named_classes(self.labelmap))
        fill = self.labelmap.fill
        columns = [f"- `{image}`: the image's name; its photo is `images/<name>` (`images/<name>.<ext>` for an id "
                   "without an image extension)."]
        if self.classed:
            columns.append("- `ClassId`: the class index (below, and in `labelmap.json`).")
        columns.append(f"- `{runs}`: the run-length mask, pairs `start length`; empty: no object.")
        if self.sizes:
            columns.append("- `width`, `height`: the image's size in pixels.")
        return f"""# Kaggle run-length masks

Written by segconv (`--to kaggle-rle`): `{CSV}`, one row per {ROWS[self.rows]}; an image without any object
has one row with empty cells.

{chr(10).join(columns)}

**Pixel order: {WORDS[self.order]}.** Starts count from 1: pixel (row r, column c) of an image W wide and H
tall is number {index}. The CSV cannot say this; its header is the one the competitions that count this way
use, so segconv reads it back without being told.

```python
import numpy as np

def decode(rle, height, width):
    mask = np.zeros(height * width, dtype=bool)
    numbers = np.array(rle.split(), dtype=np.int64)
    for start, length in zip(numbers[0::2] - 1, numbers[1::2]):
        mask[start:start + length] = True
    return {reshape}
```

| ClassId | class |
|---|---|
{classes}

{f"Pixels in no row are `{fill.name}`." if fill is not None else "Pixels in no row are void (no class)."}
"""

    def summary(self, images: int) -> str:
        return (f"wrote {self.out / CSV}: {plural(self.lines, 'row')} for {plural(self.images, 'image')}, one per "
                f"{ROWS[self.rows]}, pixels counted {WORDS[self.order]} from 1 (+ images/, labelmap.json, README.md)"
                + (f"; {plural(self.void, 'void pixel')} have no run-length form and read back as the fill class"
                   if self.void else "")
                + ("; " + undrawable_words(self.unlabelled, self.labelmap, "have no run-length form and are in no row")
                   if self.unlabelled else ""))
