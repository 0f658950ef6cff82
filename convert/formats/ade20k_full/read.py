"""The full ADE20K release (``ADE20K_2021_17_01``; ``docs/formats.md``, "ADE20K"), as the dataset's README and
``utils/utils_ade20k.py`` (``loadAde20K``) describe it::

    ADE20K_2021_17_01/objects.txt                          the class names (:mod:`.objects_txt`)
    ADE20K_2021_17_01/images/ADE/training/<scene>/.../ADE_train_00016869.jpg
        ADE_train_00016869_seg.png       R, G: class = R // 10 * 256 + G (0: nothing); B: the instances
        ADE_train_00016869_parts_1.png   parts, level 1 (same encoding): not read, counted in a note
        ADE_train_00016869.json          polygons (:mod:`.polygon_json`): read where a _seg.png is missing
        ADE_train_00016869/instance_*.png  amodal masks of each object: not read

SRC is the release folder, a folder below it, or a folder holding ``*_seg.png``.  Each image's objects
come from its ``_seg.png`` where it has one: every class value names a line of ``objects.txt``; the instances
are numbered by the distinct B values of the image in increasing order, from 0 (``loadAde20K``:
``np.unique(B, return_inverse=True)``), and each (class, instance) is one object.  Class 0 is void.  A
class beyond ``objects.txt`` is ``unknown-mask-value`` (void, counted); a B value shared by pixels of two
classes is ``instance-class-mismatch`` (each class keeps its own object).  ``-O source=polygons`` reads every
image's JSON polygons instead, ``source=masks`` only the masks (an image without one is not converted).

    >>> decode(np.array([[[10, 145, 3], [0, 0, 0]]], np.uint8))[0].tolist()
    [[401, 0]]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.errors import SegconvError
from convert.files.images import find_image
from convert.files.json_source import load_json
from convert.findings import Finding
from convert.findings.missing_image import check_photo_size
from convert.formats.ade20k_full import objects_txt
from convert.formats.ade20k_full.polygon_json import ORDER, read_json
from convert.formats.dataset import IndexedDataset
from convert.formats.label_image import Unusable, read_label_image
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelClass, LabelMap, voc_color
from convert.model.sample import Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "ade20k-full"
SEG = "_seg.png"
VOID_NAME = "unlabeled"
PHOTOS = (".jpg", ".jpeg", ".png")
JSON = ".json"


def decode(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(class, instance, distinct B values) of a ``_seg.png``'s pixels, as ``loadAde20K`` decodes them."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    values, inverse = np.unique(b, return_inverse=True)
    return r // 10 * 256 + g, inverse.reshape(b.shape), values


def _bases(root: Path) -> list[Path]:
    """Every image of the tree as its path without the suffix: one per ``_seg.png``, or per JSON beside a photo."""
    found = {p.with_name(p.name[: -len(SEG)]) for p in root.rglob(f"*{SEG}") if p.is_file()}
    found |= {p.with_suffix("") for p in root.rglob(f"*{JSON}")
              if p.is_file() and find_image(p.parent, p.stem, PHOTOS) is not None}
    return sorted(found)


def detect(path: Path) -> str | None:
    if not path.is_dir():
        return None
    release = path / objects_txt.RELEASE if (path / objects_txt.RELEASE).is_dir() else path
    if any((release / n).is_file() for n in (objects_txt.NAMES_FILE, objects_txt.PICKLE)) or \
            release.name == objects_txt.RELEASE:
        first = next((p for p in release.rglob(f"*{SEG}") if p.is_file()), None)
    else:
        first = next((p for p in path.glob(f"*{SEG}") if p.is_file()), None)
    if first is None:
        return None
    return f"the full ADE20K release ({first.relative_to(path).as_posix()})"


class Ade20kFullDataset(IndexedDataset[Path]):
    """One sample per image of the release (its ``_seg.png``, else its JSON)."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        if not src.is_dir():
            raise SegconvError("not the full ADE20K release: give the folder holding *_seg.png (or "
                               f"{objects_txt.RELEASE}/)", file=str(src))
        self.root = src / objects_txt.RELEASE if (src / objects_txt.RELEASE).is_dir() else src
        self.source = (options or {}).get("source", "auto")
        self.entries = _bases(self.root)
        if not self.entries:
            raise SegconvError(f"no *{SEG} under this folder", file=str(src))
        rows, self.names_file = objects_txt.load_names(src)
        self.names_by_value = {r.index: r.name for r in rows}
        classes = [LabelClass(r.name, r.index, 1, voc_color(r.index)) for r in rows]
        labelmap = LabelMap._checked(classes, 0, (VOID_NAME,), str(self.names_file))
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        findings = []
        parts = sum(1 for _ in self.root.rglob("*_parts_*.png"))
        if parts:
            findings.append(Finding("skipped-file", f"{plural(parts, 'part mask')} (*_parts_N.png) not read: "
                                    "segconv reads the objects of *_seg.png, not their parts", file=str(self.root)))
        super().__init__(str(src), findings, labelmap)

    @property
    def label_names(self) -> list[str]:
        return [self.names_by_value[i] for i in sorted(self.names_by_value)]

    def name_of(self, base: Path) -> str:
        return self._photo(base)[0]

    def _photo(self, base: Path) -> tuple[str, Path | None]:
        relative = base.relative_to(self.root)
        photo = find_image(base.parent, base.name, PHOTOS)
        if photo is None and self.images is not None:
            photo = find_image(self.images / relative.parent, base.name, PHOTOS) or \
                find_image(self.images, base.name, PHOTOS)
        return f"{relative.as_posix()}{photo.suffix if photo else '.jpg'}", photo

    def _subset(self, base: Path) -> str | None:
        parts = base.relative_to(self.root).parts
        return next((p for p in parts if p in ("training", "validation")), None)

    def sample(self, base: Path) -> Sample:
        seg = base.with_name(base.name + SEG)
        name, photo = self._photo(base)
        findings: list[Finding] = []
        subset = self._subset(base)
        polygons = base.with_name(base.name + JSON)
        if self.source == "polygons" or (self.source == "auto" and not seg.is_file()):
            return self._polygon_sample(polygons, name, photo, subset, findings)
        try:
            if not seg.is_file():
                raise Unusable("missing-mask", f"-O source=masks: no {seg.name} for this image; not converted")
            rgb = read_label_image(seg, self.max_pixels, colours=True)
            if rgb.ndim != 3:
                raise Unusable("bad-mask-file", "is grayscale; a *_seg.png is RGB: the class in R and G, "
                                                "the instance in B")
        except Unusable as exc:
            findings.append(Finding(exc.code, exc.message, file=str(seg), image=name))
            return Sample(name, 0, 0, [], Origin(str(seg)), subset=subset, findings=findings, usable=False)
        height, width = rgb.shape[:2]
        regions = self._regions(seg, rgb, name, findings)
        if photo is not None:
            check_photo_size(photo, (width, height), self.max_pixels, findings, name, lambda real: findings.append(
                Finding("image-size-mismatch", f"{seg.name} is {width}x{height} but {real}", file=str(seg),
                        image=name)))
        return Sample(name, width, height, regions, Origin(str(seg)), subset=subset, findings=findings,
                      image_path=str(photo) if photo else None, size_checked=photo is not None)

    def _polygon_sample(self, file: Path, name: str, photo: Path | None, subset: str | None,
                        findings: list[Finding]) -> Sample:
        def unusable(code: str, message: str) -> Sample:
            findings.append(Finding(code, message, file=str(file), image=name))
            return Sample(name, 0, 0, [], Origin(str(file)), subset=subset, findings=findings, usable=False)

        if not file.is_file():
            return unusable("missing-mask", f"-O source=polygons: no {file.name} for this image; not converted")
        try:
            doc = load_json(file)
        except SegconvError as exc:
            return unusable("unreadable-file", exc.message if exc.line is None else f"line {exc.line}: {exc.message}")
        read = read_json(doc, str(file), name, self.names_by_value)
        findings.extend(read.findings)
        if read.width is None or read.height is None:
            return Sample(name, 0, 0, [], Origin(str(file)), subset=subset, findings=findings, usable=False)
        width, height = read.width, read.height
        if width * height > self.max_pixels:
            return unusable("image-too-large", f"imsize {width}x{height} exceeds --max-pixels {self.max_pixels:,}")
        if photo is not None:
            check_photo_size(photo, (width, height), self.max_pixels, findings, name, lambda real: findings.append(
                Finding("image-size-mismatch", f"{file.name} says {width}x{height} (imsize) but {real}",
                        file=str(file), image=name)))
        return Sample(name, width, height, read.regions, Origin(str(file)), subset=subset, findings=findings,
                      image_path=str(photo) if photo else None, size_checked=photo is not None,
                      order_rule=ORDER, size_source="its annotation")

    def _regions(self, seg: Path, rgb: np.ndarray, name: str, findings: list[Finding]) -> list[Region]:
        classes, instances, blues = decode(rgb)
        height, width = classes.shape
        starts, ends, keys = runs.from_label_image(classes * 256 + instances)
        regions: list[Region] = []
        classes_of: dict[int, set[int]] = {}
        unknown: dict[int, int] = {}
        for key, s, e in runs.by_value(starts, ends, keys):
            value, instance = int(key >> 8), int(key & 255)
            geometry = Runs(s, e, (height, width))
            blue = int(blues[instance])
            if value == 0:
                regions.append(Region(None, geometry, (0, instance), Origin(str(seg), "class 0 (unlabeled)")))
                continue
            label = self.names_by_value.get(value)
            if label is None:
                unknown[value] = unknown.get(value, 0) + int((e - s).sum())
                regions.append(Region(None, geometry, (value, instance), Origin(str(seg), f"class {value}")))
                continue
            classes_of.setdefault(blue, set()).add(value)
            regions.append(Region(label, geometry, (value, instance), Origin(
                str(seg), f"class {value} ({label}), instance {instance} (B {blue})"), instance=(value, instance)))
        for value, count in sorted(unknown.items()):
            lines = plural(len(self.names_by_value), "line")
            findings.append(Finding("unknown-mask-value", f"class {value} (R // 10 = {value // 256}, G = "
                                    f"{value % 256}) is no line of {self.names_file.name} ({lines}); "
                                    f"{plural(count, 'pixel')} read as void", file=str(seg), image=name,
                                    pixels=count))
        for blue, values in sorted(classes_of.items()):
            if len(values) > 1:
                shown = ", ".join(f"{v} ({self.names_by_value[v]})" for v in sorted(values))
                findings.append(Finding("instance-class-mismatch", f"B value {blue} (one instance) covers pixels of "
                                        f"classes {shown}; each class is read as its own object", file=str(seg),
                                        image=name))
        return regions
