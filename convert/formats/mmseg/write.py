"""The ``mmseg`` layout: what mmsegmentation's ``BaseSegDataset`` reads, and the config to read it.

::

    OUT/img_dir/<split>/<stem>.<ext>    the images, copied (or symlinked with --link)
    OUT/ann_dir/<split>/<stem>.png      single-channel 8-bit PNG: value = class index, 255 = void
    OUT/mmseg_dataset.py                the dataset config: classes, palette, reduce_zero_label, ignore_index
    OUT/labelmap.json                   segconv's label map (void as written), for reading the set back

The annotations are plain grayscale (mode ``L``): mmsegmentation's loader squeezes and casts to uint8, so a
16-bit PNG would silently wrap its values mod 256, and an RGB one would break; a label map with an index above
254 is refused before anything is written, and a void other than 255 is written as 255, said in a note and in
the config (:mod:`convert.formats.eightbit`).  ``classes`` lists every index from 0 to the largest (gaps as
``_unused_<i>_``, so a value is the position of its class), ``reduce_zero_label=False`` because value 0 is a
class of the label map that the model should learn and void is already 255 (``True`` would turn class 0 into
255 and shift every class down by one), ``ignore_index=255``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from convert.formats.eightbit import EightBit, EightBitWriter, eight_bit
from convert.formats.layout_writer import Written, split_order, within_split
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.wording import plural


class MmsegRecord(NamedTuple):
    """What one image adds to the config: its split, and its image's extension (``None``: no image)."""

    split: str
    suffix: str | None


class MmsegWriter(EightBitWriter):
    name = "mmseg"
    has_splits = True

    @staticmethod
    def check_labelmap(labelmap: LabelMap) -> EightBit:
        """mmsegmentation reads 8-bit annotations: refuse indices it would wrap, naming the classes; void is
        written as 255, its ignore_index."""
        return eight_bit(labelmap, "mmseg", fixed_void=255, why="mmsegmentation's ignore_index")

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.splits: dict[str, int] = {}
        self.suffixes: dict[str, int] = {}

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        split = sample.subset or self.default_subset
        stem = within_split(sample.stem, split)
        self.put(written, f"ann_dir/{split}/{stem}.png",
                 lambda: self.label_png(painted.class_mask))
        placed = self.place_image(written, sample, f"img_dir/{split}", stem)
        written.record = MmsegRecord(split, Path(placed).suffix if placed else None)
        return written

    def collect(self, record: MmsegRecord) -> None:
        self.splits[record.split] = self.splits.get(record.split, 0) + 1
        if record.suffix:
            self.suffixes[record.suffix] = self.suffixes.get(record.suffix, 0) + 1

    def config(self) -> str:
        """The dataset config, as Python that mmsegmentation's config system (and ``ast``) reads."""
        by_index = {c.index: c for c in self.labelmap.classes}
        top = max(by_index)
        classes = tuple(by_index[i].name if i in by_index else f"_unused_{i}_" for i in range(top + 1))
        palette = [list(by_index[i].color) if i in by_index else [0, 0, 0] for i in range(top + 1)]
        suffix = max(self.suffixes, key=lambda s: self.suffixes[s]) if self.suffixes else ".jpg"
        zero = by_index.get(0)
        reason = (f"value 0 is the class {zero.name!r}, which the model learns, and void is already 255"
                  if zero else "no class has index 0, and void is already 255")
        lines = ["# mmsegmentation dataset written by segconv: paste into your config, or `_base_` it.",
                 f"# reduce_zero_label=False: {reason};",
                 "# True would make class 0 void (255) and shift every class down by one.",
                 "# ignore_index=255: void pixels count in no loss and no metric."]
        if self.eight.void != self.labelmap.void:
            lines.append(f"# Void is written as 255 (the label map's void is {self.labelmap.void}).")
        if len(self.suffixes) > 1:
            others = ", ".join(s for s in self.suffixes if s != suffix)
            lines.append(f"# The images have several extensions; img_suffix takes one ({suffix}): images with {others}"
                         " are not listed by mmsegmentation unless converted or given their own dataset.")
        lines += [
            "dataset_type = 'BaseSegDataset'",
            f"data_root = {self.where!r}",
            f"metainfo = dict(classes={classes!r}, palette={palette!r})",
            f"img_suffix = {suffix!r}",
            "seg_map_suffix = '.png'",
            "reduce_zero_label = False",
            "ignore_index = 255",
        ]
        for split in split_order(self.splits):
            lines.append(f"{split}_dataset = dict(type=dataset_type, data_root=data_root, metainfo=metainfo, "
                         f"data_prefix=dict(img_path='img_dir/{split}', seg_map_path='ann_dir/{split}'), "
                         "img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, reduce_zero_label=reduce_zero_label, "
                         "ignore_index=ignore_index)")
        return "\n".join(lines) + "\n"

    def finish(self) -> list[str]:
        """The config, and segconv's label map (void as written) for reading the set back (``--from mmseg``)."""
        doc = self.labelmap.to_dict()
        doc["void"] = self.eight.void
        return [self.write_file("mmseg_dataset.py", self.config()),
                self.write_file("labelmap.json", json.dumps(doc, indent=2) + "\n")]

    def summary(self, images: int) -> str:
        splits = ", ".join(f"{s} {self.splits[s]:,}" for s in split_order(self.splits))
        return (f"wrote an mmsegmentation layout of {plural(images, 'image')} ({splits}) to {self.out}; its dataset "
                f"config is {self.out / 'mmseg_dataset.py'} (reduce_zero_label=False, ignore_index=255):\n"
                + self.config())
