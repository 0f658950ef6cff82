"""Colour-coded mask folders (``docs/formats.md``, "Colour-coded masks"): CamVid as Kaggle ships it, KITTI's
``semantic_rgb`` with a table, many Kaggle sets; and index masks with a names file (SegNet's CamVid).

SRC is the folder holding the class table (or the table file itself)::

    class_dict.csv | label_colors.txt | labelmap.txt     name and colour of each class, row = index
    classes.txt | class_names.txt | names.txt | labels.txt | codes.txt   names only: index masks, value = row
    train/ train_labels/ (val/ val_labels/ ...)  or  images/ masks/   (:mod:`.mask_folders`)

With a colour table, RGB, RGBA and palette masks are read by their colours (a palette's indices are display
order) and grayscale masks by their values (the row; 255 is void below 256 rows, as in VOC and mmseg).  A
colour the table lacks is an error naming the colour, the mask and the pixel count (``unknown-color``; the
pixels are void, never a new class); a value beyond the rows likewise (``unknown-mask-value``).  Rows named
as void (``void``, ``unlabelled``, ..., ``-O void=``) are void; the other rows keep their positions as class
indices, so a mask value and the label map's index agree.  Masks do not overlap: each class's pixels are one region.

    >>> detect(Path("fixtures/public/camvid")) is not None
    True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.errors import SegconvError
from convert.findings import Finding
from convert.findings.missing_image import check_photo_size
from convert.formats.color_masks import class_tables as tables
from convert.formats.color_masks import mask_folders as layout
from convert.formats.dataset import IndexedDataset
from convert.formats.label_image import Unusable, read_label_image, rgb_key
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.sample import Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "color-masks"
TABLES = tables.COLOUR_TABLES + tables.NAMES_FILES


def find_table(path: Path) -> Path | None:
    """The class table of SRC (a folder holding one, or the file)."""
    if path.is_file():
        return path if path.name.lower() in TABLES else None
    if not path.is_dir():
        return None
    return next((path / name for name in TABLES if (path / name).is_file()), None)


def detect(path: Path) -> str | None:
    table = find_table(path)
    if table is None or (table.parent / "labelmap.json").is_file():  # segconv's own png layout: masks
        return None
    first = layout.has_masks(table.parent)
    if first is None:
        return None
    return f"a mask folder with {table.name} ({first.relative_to(table.parent).as_posix()})"


class ColorMasksDataset(IndexedDataset[layout.Mask]):
    """One sample per mask file."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        table_file = find_table(src)
        if table_file is None:
            raise SegconvError(f"no class table ({', '.join(TABLES)}) in this folder", file=str(src))
        self.root = table_file.parent
        self.table = tables.load(table_file, (options or {}).get("void", "auto"))
        self.colours = self.table.has_colours and table_file.name.lower() in tables.COLOUR_TABLES
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        self.entries = layout.masks(self.root)
        if not self.entries:
            raise SegconvError("no masks: no *.png in a mask folder (train_labels/, trainannot/, masks/, labels/, "
                               "...)", file=str(self.root))
        self.own_labelmap = self.table.labelmap()
        self.rows_text = f"{table_file.name} ({plural(len(self.table.rows), 'row')})"
        keys = {(c[0] << 16) | (c[1] << 8) | c[2]: name for c, name in self.table.by_colour().items()}
        self.key_names = keys
        self.value_names = self.table.by_value()
        super().__init__(str(self.root), [], self.own_labelmap)

    def own_classes(self, own: Path) -> LabelMap:
        """The classes of segconv's own ``labelmap.json`` written beside a training layout (``--to mmseg``,
        ``--to hf``): levels, fill class and void exactly as written; the void value reads as void."""
        labelmap = LabelMap.load(own)
        self.value_names = {c.index: c.name for c in labelmap.classes}
        self.value_names[labelmap.void] = None
        self.rows_text = f"{own.name} ({plural(len(labelmap.classes), 'class', 'classes')})"
        self.table = tables.Table([], str(own))
        return labelmap

    @property
    def label_names(self) -> list[str]:
        return [c.name for c in sorted(self.own_labelmap.classes, key=lambda c: c.index)]

    def name_of(self, mask: layout.Mask) -> str:
        return mask.name

    def sample(self, mask: layout.Mask) -> Sample:
        photo = mask.photo
        if photo is None and self.images is not None:
            from convert.files.images import find_image

            photo = find_image(self.images / Path(mask.name).parent, Path(mask.name).stem)
        findings: list[Finding] = []
        origin = Origin(str(mask.file))

        def report(code: str, message: str, pixels: int | None = None, file: Path = mask.file) -> None:
            findings.append(Finding(code, message, file=str(file), image=mask.name, pixels=pixels))

        try:
            pixels = read_label_image(mask.file, self.max_pixels, colours=self.colours)
        except Unusable as exc:
            hint = "" if self.colours or "mode" not in exc.message else (
                f"; {Path(self.table.source).name} gives names, no colours: index masks are expected")
            report(exc.code, exc.message + hint)
            return Sample(mask.name, 0, 0, [], origin, subset=mask.subset, findings=findings, usable=False)
        return self.labelled(mask, pixels, photo, findings, report)

    def labelled(self, mask: layout.Mask, pixels: np.ndarray, photo: Path | None, findings: list[Finding],
                 report) -> Sample:
        """The sample of a label image's decoded ``pixels``: a region per value (or colour) the table names,
        void where it names none (a finding each), the photo's size checked against the mask's."""
        origin = Origin(str(mask.file))
        by_colour = pixels.ndim == 3
        if by_colour:
            keys, names, what = rgb_key(pixels), self.key_names, "colour"
        else:
            keys, names, what = pixels.astype(np.int64), self.value_names, "value"
        height, width = keys.shape
        regions = []
        starts, ends, values = runs.from_label_image(keys)
        for key, s, e in runs.by_value(starts, ends, values):
            geometry = Runs(s, e, (height, width))
            shown = (key >> 16, (key >> 8) & 255, key & 255) if by_colour else key
            if key not in names:
                count = int((e - s).sum())
                if by_colour:
                    report("unknown-color", f"colour {shown} is in no row of {Path(self.table.source).name}; "
                                            f"{plural(count, 'pixel')} read as void", pixels=count)
                else:
                    report("unknown-mask-value", f"value {shown} is no row of {self.rows_text}; "
                                                 f"{plural(count, 'pixel')} read as void", pixels=count)
                regions.append(Region(None, geometry, (key,), Origin(str(mask.file), f"{what} {shown}")))
                continue
            name = names[key]
            where = f"{what} {shown} ({name if name is not None else 'void'})"
            regions.append(Region(name, geometry, (key,), Origin(str(mask.file), where)))
        if photo is not None:
            check_photo_size(photo, (width, height), self.max_pixels, findings, mask.name,
                             lambda real: report("image-size-mismatch", f"mask is {width}x{height} but {real}"))
        return Sample(mask.name, width, height, regions, origin, subset=mask.subset, findings=findings,
                      image_path=str(photo) if photo else None, size_checked=photo is not None)
