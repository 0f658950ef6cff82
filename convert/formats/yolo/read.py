"""Ultralytics YOLO segmentation datasets (``docs/formats.md``, "YOLO-seg").

SRC is the dataset YAML (``data.yaml``, or any name such as ``coco8-seg.yaml``), a folder holding one, or a
folder with ``images/`` and ``labels/`` and no YAML.  As Ultralytics reads it:

- the YAML: ``names`` as a list or an int-keyed dict; ``path`` the root (missing or empty: the YAML's
  folder; a relative ``path`` is taken from the YAML's folder, a ``path`` that does not exist here falls
  back to it, with a note); ``train`` / ``val`` / ``test`` each a folder, a ``.txt`` list of images or a list
  of those (CVAT's export: ``train: train.txt``); ``val`` may be missing;
- the label file of ``.../images/.../a.jpg`` is ``.../labels/.../a.txt`` (the last ``/images/``
  replaced), one row per object: ``class x1 y1 x2 y2 ...``, normalised to the image's width and height
  (EXIF orientation applied, as Ultralytics does), read as written: rows bridged from several parts repeat
  a vertex and are painted as one ring;
- YOLO keeps no image size, so each size comes from the image file's header: a missing image is an error.

Rows are painted as Ultralytics trains on them (``-O fill=ultralytics``, the default: resampled to 1,000
points, truncated to integers, ``cv2.fillPoly`` with its outline; :mod:`convert.pixels.ultralytics_fill`), or by
pycocotools' centre rule (``-O fill=pycocotools``), as polygons of other formats are.  Rows carry no level:
the label map gives it (class names matched; the ``labelmap.json`` segconv writes beside a YOLO set is read
without ``within`` rules, as rows hold visible pixels, and with its classes at one level under
``fill=ultralytics``).  Inside a level, under ``fill=ultralytics`` rows are
composed as Ultralytics composes them (``overlap_mask``): larger first, smaller on top, the rows' order between
equal sizes, so an overlap there is decided by the format's own rule and is a note; under
``fill=pycocotools`` the rows' order decides.
What Ultralytics rejects or drops in silence is a finding (``ultralytics-rejects``: a value outside [0, 1],
an odd number of coordinates, box rows among polygon rows, a class index not in ``names``: it drops the whole
image as corrupt; ``duplicate-row``: it removes one; ``no-label-file``: an image without objects;
``label-without-image``: a label file nobody reads).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import yaml

from convert.errors import SegconvError
from convert.files.images import ImageProblem, oriented_size
from convert.findings import Finding
from convert.findings.missing_image import missing_image
from convert.findings.severity import Severity
from convert.formats.dataset import IndexedDataset
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.names import normalize_name
from convert.model.sample import Box, Geometry, OrderRule, Origin, Polygon, Region, Sample

ORDER = OrderRule(("position",), "the label file's rows")
# -O fill=ultralytics: rows composed as Ultralytics trains on them (polygons2masks_overlap), larger first,
# smaller on top, the rows' order deciding between equal sizes
ULTRALYTICS_ORDER = OrderRule(("smaller", "position"), "the label file's rows", decides=True)
IMAGE_FORMATS = {".bmp", ".dng", ".jpeg", ".jpg", ".mpo", ".png", ".tif", ".tiff", ".webp", ".pfm", ".heic"}
SPLITS = ("train", "val", "test")
CANNOT_PAINT = "YOLO keeps no image size, so its labels cannot be painted"
MAX_LABEL_BYTES = 64 << 20  # a label file beyond this is no annotation of one image


def _yaml_of(path: Path) -> dict | None:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return doc if isinstance(doc, dict) and "names" in doc else None


def find_yaml(path: Path) -> Path | None:
    """The dataset YAML SRC is or holds: one with ``names`` (``data.yaml`` first)."""
    if path.is_file():
        return path if path.suffix.lower() in (".yaml", ".yml") and _yaml_of(path) is not None else None
    if not path.is_dir():
        return None
    found = [p for p in sorted(path.glob("*.y*ml")) if _yaml_of(p) is not None]
    preferred = [p for p in found if p.stem == "data"]
    return (preferred or found)[0] if len(preferred) == 1 or len(found) == 1 else None


def _has_pairs(path: Path) -> bool:
    return path.is_dir() and (path / "images").is_dir() and (path / "labels").is_dir() and \
        next((path / "labels").rglob("*.txt"), None) is not None


def detect(path: Path) -> str | None:
    found = find_yaml(path)
    if found is not None:
        return "a dataset YAML with 'names'" if found == path else f"a folder holding {found.name} with 'names'"
    if _has_pairs(path):
        return "a folder with images/ and labels/*.txt"
    return None


def label_path(image: Path) -> Path:
    """Ultralytics' rule: the last ``/images/`` of the path becomes ``/labels/``, the extension ``.txt``.

    >>> label_path(Path("/d/images/train/a.b.jpg")).as_posix()
    '/d/labels/train/a.b.txt'
    """
    text = image.as_posix()
    head, sep, tail = text.rpartition("/images/")
    if sep:
        text = f"{head}/labels/{tail}"
    return Path(text).with_suffix(".txt")


class YoloDataset(IndexedDataset[tuple[Path, str, str]]):
    """A YOLO-seg dataset: one sample per image of its splits."""

    format = "yolo"

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        findings: list[Finding] = []
        self.max_pixels = max_pixels
        self.fill = (options or {}).get("fill", "ultralytics")
        yaml_file = find_yaml(src)
        if yaml_file is not None:
            doc = _yaml_of(yaml_file)
            assert doc is not None
            self.file = str(yaml_file)
            self.root = self._root(yaml_file, doc, findings)
            self.classes = self._names(doc.get("names"))
            lists = {split: doc.get(split) for split in SPLITS if doc.get(split)}
            if not lists:
                raise SegconvError("the YAML names no split ('train', 'val' or 'test')", file=self.file)
        elif _has_pairs(src):
            self.file, self.root, self.classes = str(src), src, {}
            subs = sorted(p.name for p in (src / "images").iterdir() if p.is_dir())
            lists = {s: f"images/{s}" for s in subs} if subs else {"train": "images"}
        else:
            raise SegconvError("not a YOLO dataset: no YAML with 'names', and no images/ and labels/ folders",
                               file=str(src))
        self.entries: list[tuple[Path, str, str]] = []  # (image, name, split)
        seen: dict[str, str] = {}
        for split, same in self._same_as(lists).items():  # val: images/train, as when there is no val split
            findings.append(Finding("subset-overlap", f"names the same images as {same} "
                                    f"({lists[split]!r}), as a dataset without a separate {split} split does; "
                                    f"they are read once, as {same}", file=self.file, element=split,
                                    severity=Severity.INFO))
            del lists[split]
        for split, spec in lists.items():
            for image in self._images(spec, split, findings):
                name = self._name(image)
                if name in seen:
                    if seen[name] != split:
                        findings.append(Finding("subset-overlap", f"{name} is listed in {seen[name]} and {split}; "
                                                f"it is converted once, as {seen[name]}", file=self.file,
                                                image=name))
                    continue
                seen[name] = split
                self.entries.append((image, name, split))
        findings += self._labels_without_images(lists)
        self._labels: list[str] | None = None
        own = (yaml_file.parent if yaml_file else src) / "labelmap.json"  # written beside it by segconv
        source_map = _as_rows(LabelMap.load(own), self.fill == "ultralytics") if own.is_file() else None
        super().__init__(self.file, findings, source_map)

    # ------------------------------------------------------------------ indexing
    def _same_as(self, lists: dict) -> dict[str, str]:
        """Splits that name exactly the folders or lists an earlier split names: {split: that earlier split}."""
        def where(spec) -> tuple:
            return tuple(sorted(os.path.realpath(self.root / str(item))
                                for item in (spec if isinstance(spec, list) else [spec])))

        first: dict[tuple, str] = {}
        same = {}
        for split, spec in lists.items():
            key = where(spec)
            if key in first:
                same[split] = first[key]
            else:
                first[key] = split
        return same

    def _root(self, yaml_file: Path, doc: dict, findings: list) -> Path:
        given = doc.get("path")
        here = yaml_file.parent
        if not given:
            return here
        candidate = Path(str(given))
        candidate = candidate if candidate.is_absolute() else here / candidate
        if candidate.is_dir():
            return candidate
        findings.append(missing_image("images and labels are looked for from the YAML's folder", subject=None,
                                      problem=f"path {given!r} does not exist here", file=self.file, element="path",
                                      severity=Severity.INFO))
        return here

    def _names(self, names) -> dict[int, str]:
        if isinstance(names, list):
            return {i: str(n) for i, n in enumerate(names)}
        if isinstance(names, dict):
            out = {}
            for key, value in names.items():
                try:
                    out[int(key)] = str(value)
                except (TypeError, ValueError):
                    raise SegconvError(f"'names' keys must be class indices, got {key!r}", file=self.file,
                                       element="names") from None
            return dict(sorted(out.items()))
        raise SegconvError("'names' must be a list or a dict of class index: name", file=self.file, element="names")

    def _images(self, spec, split: str, findings: list) -> list[Path]:
        specs = spec if isinstance(spec, list) else [spec]
        out: list[Path] = []
        for item in specs:
            where = self.root / str(item)
            if where.is_dir():
                out += sorted(p for p in where.rglob("*") if p.suffix.lower() in IMAGE_FORMATS and p.is_file())
            elif where.is_file() and where.suffix.lower() == ".txt":
                for line in where.read_text(encoding="utf-8", errors="replace").splitlines():
                    line = line.strip()
                    if not line:
                        continue
                    image = Path(line)
                    if not image.is_absolute():
                        local = where.parent / line[2:] if line.startswith("./") else self.root / line
                        image = local if local.exists() or not (where.parent / line).exists() else where.parent / line
                    out.append(image)
            else:
                placeless = self._labels_without_folder(str(item))
                findings += placeless or [missing_image("that split is empty", subject=split, problem=f"{item!r} "
                                                        "is neither a folder nor a .txt list of images here",
                                                        file=self.file, element=split)]
        return out

    def _labels_without_folder(self, item: str) -> list[Finding]:
        """An error for each label file of a split whose images folder is not here (a YOLO set written without
        its photos): YOLO keeps no image size, so its rows cannot be placed, and Ultralytics stops at the
        missing folder."""
        folder = label_path(self.root / item / "_.jpg").parent
        if not folder.is_dir():
            return []
        out = []
        for labels in sorted(folder.rglob("*.txt")):
            name = self._name(labels.parent / labels.stem)
            name = name[len("labels/"):] if name.startswith("labels/") else name
            out.append(missing_image(CANNOT_PAINT, subject=None, problem=f"no image for this label file: {item!r} "
                                     "is not a folder here", file=str(labels), image=name,
                                     severity=Severity.ERROR))
        return out

    def _labels_without_images(self, lists: dict) -> list[Finding]:
        """A label file under a split's labels folder whose image is not there: Ultralytics finds labels from
        the images, so nobody reads it; said, not dropped in silence."""
        expected = {label_path(image) for image, _, _ in self.entries}
        folders = {label_path(self.root / str(item) / "_.jpg").parent
                   for spec in lists.values() for item in (spec if isinstance(spec, list) else [spec])
                   if (self.root / str(item)).is_dir()}
        return [Finding("label-without-image", "a label file whose image is not in the dataset: Ultralytics never "
                        "reads it, and neither does segconv", file=str(labels))
                for folder in sorted(folders) if folder.is_dir()
                for labels in sorted(folder.rglob("*.txt")) if labels not in expected]

    def _name(self, image: Path) -> str:
        try:
            rel = image.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            rel = image.name
        rel = normalize_name(rel)
        return rel[len("images/"):] if rel.startswith("images/") else rel

    @property
    def label_names(self) -> list[str]:
        """``names`` in index order; without a YAML, the class indices the label files use."""
        if self.classes:
            return list(self.classes.values())
        if self._labels is None:
            found: set[int] = set()
            for image, _, _ in self.entries:
                try:
                    text = label_path(image).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                for line in text.splitlines():
                    head = line.split(maxsplit=1)[:1]
                    if head:
                        try:
                            found.add(int(float(head[0])))
                        except ValueError:
                            pass
            self._labels = [str(i) for i in sorted(found)]
        return self._labels

    def name_of(self, entry: tuple[Path, str, str]) -> str:
        return entry[1]

    # ------------------------------------------------------------------ one image
    def sample(self, entry: tuple[Path, str, str]) -> Sample:
        image, name, split = entry
        labels = label_path(image)
        origin = Origin(str(labels))
        findings: list[Finding] = []

        def unusable(finding: Finding) -> Sample:
            findings.append(finding)
            return Sample(name, 0, 0, [], origin, subset=split, findings=findings, usable=False)

        try:
            width, height = oriented_size(image, self.max_pixels)
        except FileNotFoundError:
            return unusable(missing_image(CANNOT_PAINT, subject=f"image {image}", hint=False, file=str(labels),
                                          image=name, severity=Severity.ERROR))
        except ImageProblem as exc:
            return unusable(missing_image(CANNOT_PAINT, subject=str(image), problem=exc, file=str(image), image=name,
                                          severity=Severity.ERROR))
        if width * height > self.max_pixels:
            return unusable(Finding("image-too-large", f"image size {width}x{height} exceeds --max-pixels "
                                    f"{self.max_pixels:,}", file=str(image), image=name))
        if not labels.is_file():
            findings.append(Finding("no-label-file", f"no label file ({labels.name}): an image without objects, as "
                                    "for Ultralytics", file=str(labels), image=name))
            return Sample(name, width, height, [], origin, subset=split, findings=findings,
                          image_path=str(image), size_checked=True, order_rule=ORDER)
        if labels.stat().st_size > MAX_LABEL_BYTES:
            return unusable(Finding("bad-value", f"label file of {labels.stat().st_size >> 20} MB: no annotation of "
                                    "one image is that long; not read", file=str(labels), image=name))
        try:
            text = labels.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return unusable(Finding("unreadable-file", f"cannot read the label file ({exc})", file=str(labels),
                                    image=name))
        regions = self._rows(text, labels, name, width, height, findings)
        rule = ORDER
        if self.fill == "ultralytics":
            regions, rule = _smaller_on_top(regions, width, height), ULTRALYTICS_ORDER
        return Sample(name, width, height, regions, origin, subset=split, findings=findings, image_path=str(image),
                      size_checked=True, order_rule=rule)

    def _rows(self, text: str, labels: Path, name: str, width: int, height: int, findings: list) -> list[Region]:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            tokens = line.split()
            if tokens:
                rows.append((number, tokens))
        segments = any(len(tokens) > 6 for _, tokens in rows)  # Ultralytics: then every row is a polygon
        rejects: list[str] = []
        regions: list[Region] = []
        seen: dict[tuple, int] = {}
        for position, (number, tokens) in enumerate(rows):
            element = f"row {number}"

            def report(code, message, element=element, number=number):
                findings.append(Finding(code, message, file=str(labels), image=name, element=element, line=number))

            try:
                values = np.array(tokens, dtype=np.float64)
            except ValueError:
                report("bad-value", "a row holds something that is not a number; not painted")
                rejects.append(f"row {number} is not numbers")
                continue
            if not np.isfinite(values).all():
                report("non-finite-coordinate", "a row holds NaN or infinity; not painted")
                rejects.append(f"row {number} holds NaN or infinity")
                continue
            cls_value = values[0]
            if cls_value != math.floor(cls_value) or cls_value < 0:
                report("bad-value", f"class {tokens[0]!r} is not a class index; not painted")
                rejects.append(f"row {number}'s class {tokens[0]!r}")
                continue
            cls = int(cls_value)
            key = tuple(tokens)
            if key in seen:
                report("duplicate-row", f"the same row as row {seen[key]}; Ultralytics removes it, and so does "
                                        "segconv")
                continue
            seen[key] = number
            coords = values[1:]
            if self.classes and cls not in self.classes:
                rejects.append(f"row {number}'s class {cls} is not in names (0..{max(self.classes)})")
            if (coords < 0).any() or (coords > 1).any():
                bad = coords[(coords < 0) | (coords > 1)][0]
                rejects.append(f"row {number}'s value {bad:g} is outside [0, 1]")
            label = self.classes.get(cls, str(cls)) if self.classes else str(cls)
            is_box = len(tokens) == 5
            if is_box and segments:
                report("ultralytics-rejects", "a box row (class cx cy w h) among polygon rows: Ultralytics reads it "
                                              "as a 2-point polygon, which paints nothing; not painted")
                rejects.append(f"row {number} is a box among polygons")
                continue
            if is_box:
                with np.errstate(over="ignore"):
                    cx, cy, bw, bh = coords * [width, height, width, height]
                geometry: Geometry = Box(cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)
                report("box-row", "a box row (class cx cy w h): painted as its box; Ultralytics' segmentation "
                                  "training has no outline for it")
            else:
                if len(coords) % 2:
                    report("odd-coordinate-count", f"{len(coords)} coordinates (odd): the last is ignored; "
                                                   "Ultralytics drops the image")
                    rejects.append(f"row {number} has an odd number of coordinates")
                    coords = coords[:-1]
                if len(coords) < 6:
                    report("too-few-points", f"{len(coords) // 2} points: fewer than 3; not painted")
                    continue
                with np.errstate(over="ignore"):  # 1e308 x width: infinite, refused by the painter's guard
                    ring = coords.reshape(-1, 2) * [width, height]
                geometry = Polygon((ring,), rule="ultralytics" if self.fill == "ultralytics" else None)
            regions.append(Region(label, geometry, (position,), Origin(str(labels), element, number),
                                  instance=position, attributes={"shape": "box" if is_box else "polygon"}))
        if rejects:
            findings.append(Finding("ultralytics-rejects", "Ultralytics drops this image as corrupt: "
                                    + "; ".join(rejects[:5]) + (f"; and {len(rejects) - 5} more" if len(rejects) > 5
                                                                 else "")
                                    + " (segconv paints the rows it can, clipped to the image)",
                                    file=str(labels), image=name))
        return regions


def _smaller_on_top(regions: list[Region], width: int, height: int) -> list[Region]:
    """The rows ordered as Ultralytics composes them: each row's order is (minus its pixel count under its own
    fill, its position), so inside a level larger rows paint first and smaller ones over them."""
    from convert.painting.rasterize import runs_many

    starts, ends, which, _ = runs_many([r.geometry for r in regions], height, width)
    pixels = np.bincount(which, weights=ends - starts, minlength=len(regions)).astype(np.int64)
    for region, count in zip(regions, pixels.tolist()):
        region.order = (-count, *region.order)
    return regions


def _as_rows(labelmap: LabelMap, one_level: bool) -> LabelMap:
    """The label map segconv wrote beside a YOLO set, as its rows are read: without ``within`` rules (each row
    holds its object's visible pixels, so no container lies beneath it) and, for rows read as Ultralytics
    trains on them (``one_level``), its classes at one level, the fill class beneath: Ultralytics composes
    rows by size alone.  Indices, names, colours, fill class and void are kept; a ``--labels`` map is used
    as given."""
    doc = labelmap.to_dict()
    doc["classes"] = [{k: v for k, v in c.items() if k != "within"} for c in doc["classes"]]
    if one_level:
        doc["classes"] = [dict(c, level=0 if c.get("fill") else 1) for c in doc["classes"]]
    how = "; classes at one level: rows composed by size, as Ultralytics does" if one_level else ""
    return LabelMap.from_dict(doc, source=f"{labelmap.source} (without within rules: rows hold visible pixels{how})")
