"""Kaggle run-length CSVs (``--from kaggle-rle``): Carvana, Airbus, Severstal, TGS, SIIM, HuBMAP, Sartorius and
their kin (``docs/formats.md``, "Kaggle run-length CSV").

SRC is the CSV, or a folder holding it (a sample submission beside it is left out).  Its header names the
columns (:mod:`.columns`); each row is one image, one object or one image and class (:mod:`.table`); each
run-length string is ``start length ...`` (:mod:`.rle_strings`).  What the CSV never says:

- **the image size**: from the image file's header (``--images``, else folders beside the CSV: ``images/``,
  ``train/``, ``train_images/``, ``train_v2/``, ``train/images/``, ``test/``, ``test_images/``, ``test_v2/``
  and the CSV's own folder), else its ``width`` and ``height`` columns (segconv writes them), else
  ``-O size=WIDTHxHEIGHT`` (every competition has one image size), else the image's reference mask; none of
  these is an error naming the image (``missing-image``): the runs cannot be placed;
- **the pixel order**: ``-O order=row|column``; by default the one the known competitions' headers imply
  (Carvana's ``img,rle_mask`` and Sartorius' ``id,annotation`` row by row; every other header column by
  column, Kaggle's standard text), stated in the run's output (``rle-order``).  Where reference masks lie
  beside the CSV (``train_masks/`` beside ``train_masks.csv``), every image's runs are compared with its
  mask in both orders (``rle-order-mismatch``, :mod:`.reference`);
- **how starts count**: from 1 (``-O base=1``, Kaggle's standard; ``base=0`` for 0-based writers), or relative
  to the previous run's end (``-O starts=relative``, SIIM's organisers' encoding).

Labels: the class column's values (``ClassId`` 1 to 4 become classes 1 to 4 over a ``background`` fill class,
or ``labelmap.json`` beside the CSV names them by index, as segconv writes it); without a class column, every
row is one class, ``-O label=`` (default: the only class of ``labelmap.json``, else ``foreground``).  Rows are
painted in file order inside a level; each row is one object.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from convert.errors import SegconvError, UsageError
from convert.files.images import ImageProblem, find_image, oriented_size
from convert.findings import Finding
from convert.findings.missing_image import missing_image
from convert.findings.severity import Severity
from convert.formats.dataset import IndexedDataset
from convert.formats.kaggle_rle import reference
from convert.formats.kaggle_rle.columns import RLE, csvs_in, read_header, split_image_name
from convert.formats.kaggle_rle.rle_strings import decode, merge
from convert.formats.kaggle_rle.table import Entry, Table
from convert.formats.png.binary import TooLarge, read_binary
from convert.formats.png.read import FOREGROUND
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.sample import OrderRule, Origin, Region, Runs, Sample
from convert.pixels.scan import from_row_major

NAME = "kaggle-rle"
ORDER = OrderRule(("position",), "the CSV's rows")
NO_SIZE = "a Kaggle CSV keeps no image size, so its runs cannot be placed"
PHOTO_FOLDERS = ("images", "train", "train_images", "train_v2", "train/images", "test", "test_images", "test_v2", ".")


def csv_of(path: Path) -> Path | None:
    """The CSV ``path`` is or holds (the first, when a folder holds several)."""
    if path.is_file():
        return path if read_header(path) is not None else None
    found = csvs_in(path) if path.is_dir() else []
    return found[0] if found else None


def detect(path: Path) -> str | None:
    if path.is_file():
        header = read_header(path)
        return f"a CSV whose header names an image and a run-length column: {header.describe()}" if header else None
    found = csvs_in(path) if path.is_dir() else []
    return f"a folder holding {found[0].name}, a CSV of images and run-lengths" if found else None


def parse_size(text: str) -> tuple[int, int] | None:
    """``-O size=1918x1280``: (width, height); empty: none.

    >>> parse_size("1918x1280"), parse_size("")
    ((1918, 1280), None)
    """
    if not text.strip():
        return None
    width, sep, height = text.lower().replace(" ", "").partition("x")
    if sep and (width + height).isascii() and width.isdigit() and height.isdigit() and int(width) > 0 \
            and int(height) > 0:
        return int(width), int(height)
    raise UsageError(f"-O size={text}: write the image size as WIDTHxHEIGHT, as 1918x1280")


class KaggleRleDataset(IndexedDataset[Entry]):
    """A Kaggle run-length CSV: one sample per image it names."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        options = options or {}
        self.csv = self._csv(src)
        header = read_header(self.csv)
        if header is None:
            raise SegconvError("no image column and run-length column in the header (looked for img, ImageId, id, "
                               f"image, image_id, ImageId_ClassId and {', '.join(RLE)})", file=str(self.csv))
        self.header = header
        self.max_pixels = max_pixels
        starts = options.get("starts", "auto")
        self.relative = header.relative if starts == "auto" else starts == "relative"
        self.base = int(options.get("base", "1"))
        if self.relative and self.base == 0:
            raise UsageError("-O base=0 counts absolute starts from 0; relative starts (-O starts=relative) count "
                             "the pixels since the previous run and have no base")
        self.size = parse_size(str(options.get("size", "")))
        given = options.get("order", "auto")
        self.order = header.order if given == "auto" else given
        findings: list[Finding] = []
        try:
            self.table = Table(self.csv, header, findings)
        except OSError as exc:
            raise SegconvError(f"cannot read the CSV ({exc.strerror or exc})", file=str(self.csv)) from None
        self.images = Path(images) if images else None
        here = self.csv.parent
        self.photo_folders = [p for p in ([self.images] if self.images else []) + [here / f for f in PHOTO_FOLDERS]
                              if p.is_dir()]
        self.references = reference.folder_for(self.csv) if header.klass is None and not header.combined else None
        own = here / "labelmap.json"  # written beside the CSV by segconv's kaggle-rle layout
        own_map = LabelMap.load(own) if own.is_file() else None
        self.by_index = {str(c.index): c.name for c in own_map.classes} if own_map else {}
        self.label = self._label(str(options.get("label", "")), own_map)
        findings.insert(0, Finding("rle-order", self._order_words(given, starts), file=str(self.csv)))
        super().__init__(str(self.csv), findings, own_map or self._class_map())
        self.entries = self.table.entries

    @staticmethod
    def _csv(src: Path) -> Path:
        if src.is_file():
            return src
        found = csvs_in(src) if src.is_dir() else []
        if not found:
            raise SegconvError("no CSV here whose header names an image column and a run-length column",
                               file=str(src))
        if len(found) > 1:
            raise SegconvError(f"several run-length CSVs here ({', '.join(p.name for p in found)}); give the one to "
                               "read", file=str(src))
        return found[0]

    def _order_words(self, given: str, starts: str) -> str:
        if given == "auto":
            other = "column" if self.order == "row" else "row"
            why = (f"the default for {self.header.known} ({self.header.text!r}), -O order={other} reads them the "
                   "other way")
        else:
            why = f"as -O order={given} says"
        text = f"pixels counted {reference.WORDS[self.order]}: {why}; "
        if self.relative:
            text += "each start counts the pixels since the previous run ended (SIIM's organisers' form"
            text += (", the default for its header; -O starts=absolute reads pixel numbers)" if starts == "auto"
                     else ", as -O starts=relative says)")
        else:
            text += f"starts count from {self.base}" + (" (as -O starts=absolute says)" if starts == "absolute" else "")
        if self.references is not None:
            text += f"; checked against the reference masks in {self.references.name}/ where an image has one"
        return text

    def _label(self, given: str, own_map: LabelMap | None) -> str:
        if given and (self.header.klass is not None or self.header.combined):
            raise UsageError(f"-O label={given} names the class of a CSV without a class column; this one has "
                             f"{self.header.names[self.header.klass if self.header.klass is not None else 0]!r}")
        if given:
            return given
        if own_map is not None:
            named = [c.name for c in own_map.classes if not c.fill]
            if len(named) == 1:
                return named[0]
        return FOREGROUND

    def _class_map(self) -> LabelMap | None:
        """ClassId values that are all whole numbers from 1 to 254 keep their value as the class index, over a
        ``background`` fill class at 0 (Severstal's 1 to 4 stay 1 to 4); other values are derived."""
        if self.header.klass is None and not self.header.combined:
            return None
        values = list(self.table.classes)
        if not values or not all(v.isascii() and v.isdigit() and 1 <= int(v) <= 254 for v in values):
            return None
        classes = [{"name": "background", "index": 0, "level": 0, "fill": True}]
        classes += [{"name": v, "index": int(v), "level": 1} for v in sorted(set(values), key=int)]
        return LabelMap.from_dict({"classes": classes}, source=f"the class values of {self.csv.name}, each its index")

    # ------------------------------------------------------------------ the dataset
    @property
    def label_names(self) -> list[str]:
        if self.header.klass is None and not self.header.combined:
            return [self.label]
        return [self.by_index.get(v, v) for v in self.table.classes]

    def name_of(self, entry: Entry) -> str:
        return entry.name

    # ------------------------------------------------------------------ one image
    def _photo(self, name: str) -> Path | None:
        parent, stem, suffix = split_image_name(name)
        for folder in self.photo_folders:
            candidate = folder / name
            if candidate.is_file():
                return candidate
            if not suffix:  # an id without an image extension (TGS, HuBMAP, Sartorius, SIIM)
                found = find_image(folder / parent, stem)
                if found is not None:
                    return found
        return None

    def sample(self, entry: Entry) -> Sample:
        name, file = entry.name, str(self.csv)
        origin = Origin(file, None, entry.line)
        findings: list[Finding] = []

        def unusable(finding: Finding) -> Sample:
            findings.append(finding)
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False, order_rule=ORDER)

        photo = self._photo(name)
        mask_file = reference.file_for(self.references, name) if self.references is not None else None
        size, checked = entry.size or self.size, False
        if photo is not None:
            try:
                real = oriented_size(photo, self.max_pixels)
            except ImageProblem as exc:
                return unusable(missing_image(NO_SIZE, subject=str(photo), problem=exc, file=str(photo), image=name,
                                              severity=Severity.ERROR))
            if size is not None and size != real:
                findings.append(Finding("image-size-mismatch", f"the CSV says {size[0]}x{size[1]}, the image is "
                                        f"{real[0]}x{real[1]}; the image's size is used", file=file, image=name,
                                        line=entry.line))
            size, checked = real, True
        reference_mask = None
        if mask_file is not None:
            try:
                reference_mask = read_binary(mask_file, self.max_pixels)
            except TooLarge as exc:
                findings.append(Finding("image-too-large", str(exc), file=str(mask_file), image=name))
            except (OSError, ValueError, SyntaxError) as exc:
                findings.append(Finding("bad-mask-file", f"reference mask not read ({exc})", file=str(mask_file),
                                        image=name))
            if reference_mask is not None and size is None:
                size = (reference_mask.shape[1], reference_mask.shape[0])
        if size is None:
            looked = ", ".join(str(p) for p in self.photo_folders) or "no folder of images beside the CSV"
            return unusable(missing_image(f"looked in {looked}; {NO_SIZE}; give the images, or -O size=WIDTHxHEIGHT",
                                          subject=f"image {name!r}", images=self.images, file=file, image=name,
                                          line=entry.line, severity=Severity.ERROR))
        width, height = size
        if width * height > self.max_pixels:
            return unusable(Finding("image-too-large", f"image size {width}x{height} exceeds --max-pixels "
                                    f"{self.max_pixels:,}", file=file, image=name, line=entry.line))
        regions, union = self._regions(entry, width, height, findings)
        if reference_mask is not None:
            if reference_mask.shape != (height, width):
                findings.append(Finding("image-size-mismatch", f"the reference mask is {reference_mask.shape[1]}x"
                                        f"{reference_mask.shape[0]}, the image {width}x{height}; not compared",
                                        file=str(mask_file), image=name))
            else:
                findings += reference.compare(union[0], union[1], self.order, reference_mask, str(mask_file), name)
        return Sample(name, width, height, regions, origin, findings=findings, image_path=str(photo) if photo else None,
                      size_checked=checked, order_rule=ORDER)

    def _regions(self, entry: Entry, width: int, height: int, findings: list[Finding]):
        """The rows' regions, and the union of their runs in the file's own order (for the reference mask)."""
        regions: list[Region] = []
        every_start, every_end = [], []
        file = str(self.csv)
        with open(self.csv, "rb") as fh:
            for position, row in enumerate(entry.rows):
                try:
                    text = Table.cells_from(fh, row)[self.header.rle]
                except (UnicodeDecodeError, StopIteration, IndexError, csv.Error):
                    findings.append(Finding("bad-value", "the row is not what it was when the CSV was indexed (the "
                                            "file changed during the run); not painted", file=file, image=entry.name,
                                            line=row.line))
                    continue
                decoded = decode(text, width * height, relative=self.relative, base=self.base)
                for code, message in decoded.problems:
                    findings.append(Finding(code, message, file=file, image=entry.name, line=row.line))
                if not decoded.readable or not len(decoded.starts):
                    continue
                every_start.append(decoded.starts)
                every_end.append(decoded.ends)
                starts, ends = decoded.starts, decoded.ends
                if self.order == "row":
                    starts, ends = from_row_major(starts, ends, height, width)
                label = self.label if row.klass is None else self.by_index.get(row.klass, row.klass)
                element = f"{self.header.names[self.header.klass]} {row.klass}" if self.header.klass is not None \
                    else ("class " + row.klass if row.klass is not None else "runs")
                regions.append(Region(label, Runs(starts, ends, (height, width)), (position,),
                                      Origin(file, element, row.line), instance=position))
        if every_start:
            starts = np.concatenate(every_start)
            order = np.argsort(starts, kind="stable")
            merged = merge(starts[order], np.concatenate(every_end)[order])
            union = (merged[0], merged[1])
        else:
            union = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return regions, union

