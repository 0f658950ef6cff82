"""Mapillary Vistas v1.2 and v2.0 (``docs/formats.md``, "Mapillary Vistas"), laid out as the download and
Datumaro's ``mapillary_vistas`` format lay it out::

    config_v1.2.json, config_v2.0.json (or config.json)     the labels (:mod:`.config`)
    <split>/images/<id>.jpg
    <split>/v2.0/labels/<id>.png       8-bit, value = the label's position in config['labels']
    <split>/v2.0/instances/<id>.png    16-bit, value = position * 256 + instance
    (v1.2/ alike; older downloads: <split>/labels/, <split>/instances/ with config.json)

SRC is the root or one split folder (``training/``; the config is then the parent's).  ``-O version=``
chooses ``v1.2`` or ``v2.0`` where a split holds both (default: ``v2.0``, and a note says ``v1.2/`` was not
read).  An image's class comes from its ``labels`` PNG and its objects from its ``instances`` PNG (an image
with only one of them is read from it); where both disagree the labels decide (``instance-class-mismatch``).
Every (label, instance) pair of a label with ``"instances": true`` is one object; the other labels' pixels are
one region each.  The panoptic PNGs and ``panoptic_2018.json`` / ``panoptic_2020.json`` are COCO panoptic:
``--from coco-panoptic <split>/v2.0/panoptic/panoptic_2020.json``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.errors import SegconvError
from convert.files.images import find_image
from convert.files.json_source import load_json
from convert.findings import Finding
from convert.findings.missing_image import check_photo_size
from convert.formats.dataset import IndexedDataset
from convert.formats.label_image import Unusable, read_label_image
from convert.formats.mapillary import config
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.sample import Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "mapillary"
VERSIONS = ("v2.0", "v1.2")
CONFIGS = {"v2.0": ("config_v2.0.json", "config.json"), "v1.2": ("config_v1.2.json", "config.json"),
           "": ("config.json", "config_v1.2.json")}
KINDS = ("labels", "instances")
POLYGONS = "polygons"  # v2.0/polygons/<id>.json: not read (docs/formats.md, "Mapillary Vistas")


def _has_config(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ("config_v2.0.json", "config_v1.2.json", "config.json"))


def _annotations(split: Path) -> dict[str, Path]:
    """Version → annotation folder of one split (``""``: the older flat layout)."""
    found = {v: split / v for v in VERSIONS if any((split / v / k).is_dir() for k in KINDS)}
    if any((split / k).is_dir() for k in KINDS):
        found[""] = split
    return found


def _polygons_only(split: Path) -> bool:
    """A split whose v2.0/ holds the polygons JSON and neither labels/ nor instances/ (not read)."""
    return (split / "v2.0" / POLYGONS).is_dir() and not _annotations(split)


def find_tree(path: Path) -> tuple[Path, list[Path]] | None:
    """(root with the config, split folders) of SRC given as the root or as one split (a split with v2.0
    polygons only is listed, so that opening it says why it is not read)."""
    if not path.is_dir():
        return None
    if _has_config(path):
        splits = [p for p in sorted(path.iterdir()) if p.is_dir() and (_annotations(p) or _polygons_only(p))]
        return (path, splits) if splits else None
    if _has_config(path.parent) and (_annotations(path) or _polygons_only(path)):
        return path.parent, [path]
    return None


def detect(path: Path) -> str | None:
    tree = find_tree(path)
    if tree is None:
        return None
    root, splits = tree
    found = _annotations(splits[0])
    where = next(iter(found.values())) if found else splits[0] / "v2.0" / POLYGONS
    return f"a Mapillary Vistas tree ({where.relative_to(root).as_posix()})"


Item = tuple[str, str, dict[str, Path]]  # (split, image id, {labels/instances: file})


class MapillaryDataset(IndexedDataset[Item]):
    """One sample per image id of each split's labels/ and instances/."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        tree = find_tree(src)
        if tree is None:
            raise SegconvError("not a Mapillary Vistas tree: no config_v2.0.json, config_v1.2.json or config.json "
                               "beside <split>/v2.0/labels/, <split>/v1.2/labels/ or <split>/labels/", file=str(src))
        self.root, splits = tree
        wanted = (options or {}).get("version", "auto")
        findings: list[Finding] = []
        self.folders: list[tuple[str, Path]] = []  # (split, annotation folder)
        versions = set()
        for split in splits:
            if _polygons_only(split):
                raise SegconvError(f"{split.name}/v2.0/ holds {POLYGONS}/ only: segconv reads Mapillary Vistas from "
                                   "the labels/ and instances/ PNGs (or panoptic/, with --from coco-panoptic), not "
                                   f"from the {POLYGONS} JSON", file=str(split / "v2.0" / POLYGONS))
            found = _annotations(split)
            version = wanted if wanted != "auto" else next((v for v in (*VERSIONS, "") if v in found), "")
            if version not in found:
                raise SegconvError(f"-O version={wanted}: {split.name}/ has no {version}/ annotations (it has "
                                   f"{', '.join(v or 'labels/' for v in found)})", file=str(split))
            for other in found:
                if other != version:
                    findings.append(Finding("skipped-file", f"{split.name}/{other or 'labels/'} is not read beside "
                                            f"{split.name}/{version}/ (-O version={other or 'auto'} reads it)",
                                            file=str(found[other])))
            polygons = found[version] / POLYGONS
            if version == "v2.0" and polygons.is_dir():
                count = sum(1 for _ in polygons.glob("*.json"))
                findings.append(Finding("skipped-file", f"{split.name}/v2.0/{POLYGONS}/ ({plural(count, 'JSON file')}) "
                                        "not read: the labels and instances PNGs are", file=str(polygons)))
            versions.add(version)
            self.folders.append((split.name, found[version]))
        if len(versions) > 1:
            raise SegconvError(f"the splits hold different versions ({', '.join(sorted(versions))}); choose one "
                               "with -O version=", file=str(self.root))
        self.version = versions.pop()
        config_file = next((self.root / n for n in CONFIGS[self.version] if (self.root / n).is_file()), None)
        if config_file is None:
            raise SegconvError(f"no {CONFIGS[self.version][0]} for the {self.version or 'flat'} annotations",
                               file=str(self.root))
        self.config_file = config_file
        labelmap = config.labelmap(load_json(config_file), str(config_file))
        self.names_by_value = {c.index: c.name for c in labelmap.classes}
        self.things = {c.index for c in labelmap.classes if c.isthing}
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        self.entries = self._index()
        super().__init__(str(src), findings, labelmap)

    def _index(self) -> list[tuple[str, str, dict[str, Path]]]:
        items: dict[tuple[str, str], dict[str, Path]] = {}
        for split, folder in self.folders:
            for kind in KINDS:
                for file in sorted((folder / kind).rglob("*.png")):
                    if file.is_file():
                        stem = file.relative_to(folder / kind).with_suffix("").as_posix()
                        items.setdefault((split, stem), {})[kind] = file
        return [(split, stem, files) for (split, stem), files in sorted(items.items())]

    @property
    def label_names(self) -> list[str]:
        return [self.names_by_value[i] for i in sorted(self.names_by_value)]

    def name_of(self, entry: Item) -> str:
        return self._photo(entry[0], entry[1])[0]

    def _photo(self, split: str, stem: str) -> tuple[str, Path | None]:
        folder = self.images / split if self.images else self.root / split / "images"
        photo = find_image(folder, stem) or (find_image(self.images, stem) if self.images else None)
        return f"{stem}{photo.suffix if photo else '.jpg'}", photo

    def sample(self, entry: Item) -> Sample:
        split, stem, files = entry
        name, photo = self._photo(split, stem)
        findings: list[Finding] = []
        main = files.get("labels") or files["instances"]
        try:
            (width, height), regions = self._regions(files, name, findings)
        except Unusable as exc:
            findings.append(Finding(exc.code, exc.message, file=str(exc.file or main), image=name))
            return Sample(name, 0, 0, [], Origin(str(main)), subset=split, findings=findings, usable=False)
        if photo is not None:
            check_photo_size(photo, (width, height), self.max_pixels, findings, name, lambda real: findings.append(
                Finding("image-size-mismatch", f"{main.name} is {width}x{height} but {real}", file=str(main),
                        image=name)))
        return Sample(name, width, height, regions, Origin(str(main)), subset=split, image_id=stem,
                      findings=findings, image_path=str(photo) if photo else None, size_checked=photo is not None)

    def _png(self, file: Path) -> np.ndarray:
        try:
            return read_label_image(file, self.max_pixels).astype(np.int64)
        except Unusable as exc:
            raise Unusable(exc.code, exc.message, file) from None

    def _regions(self, files: dict[str, Path], name: str, findings: list):
        labels_png, instances_png = files.get("labels"), files.get("instances")
        classes = self._png(labels_png) if labels_png else None
        instances = self._png(instances_png) if instances_png else None
        if classes is not None and instances is not None and classes.shape != instances.shape:
            findings.append(Finding("image-size-mismatch", f"{instances_png.name} is {instances.shape[1]}x"  # type: ignore
                                    f"{instances.shape[0]}, {labels_png.name} {classes.shape[1]}x"  # type: ignore
                                    f"{classes.shape[0]}; the instances are not read", file=str(instances_png),
                                    image=name))
            instances = None
        main = labels_png if classes is not None else instances_png
        base: np.ndarray = classes if classes is not None else np.right_shift(instances, 8)  # type: ignore[arg-type]
        height, width = base.shape
        starts, ends, values = runs.from_label_image(base)
        objects = np.full(len(starts), -1, dtype=np.int64)
        if instances is not None:
            starts, ends, values, raw = runs.overlay(starts, ends, values.astype(np.int64),
                                                     *runs.from_label_image(instances))
            if classes is not None:
                disagree = (raw >> 8) != values
                if disagree.any():
                    count = int((ends[disagree] - starts[disagree]).sum())
                    findings.append(Finding("instance-class-mismatch", f"{plural(count, 'pixel')} of "
                                            f"{instances_png.name} name another label than {labels_png.name} "  # type: ignore
                                            "(value // 256); the labels decide", file=str(instances_png),
                                            image=name, pixels=count))
            thing = np.isin(values, sorted(self.things)) & ((raw >> 8) == values)
            objects = np.where(thing, raw & 255, -1)
        regions = []
        for key, s, e in runs.by_value(starts, ends, (values << 9) | (objects + 1)):
            value, obj = int(key >> 9), int(key & 511) - 1
            label = self.names_by_value.get(value)
            geometry = Runs(s, e, (height, width))
            if label is None:
                count = int((e - s).sum())
                findings.append(Finding("unknown-mask-value", f"value {value} is no label of "
                                        f"{self.config_file.name} ({plural(len(self.names_by_value), 'label')}); "
                                        f"{plural(count, 'pixel')} read as void", file=str(main), image=name,
                                        pixels=count))
                regions.append(Region(None, geometry, (value, obj), Origin(str(main), f"value {value}")))
                continue
            if obj >= 0:
                regions.append(Region(label, geometry, (value, obj), Origin(str(instances_png), f"instance "
                                      f"{value * 256 + obj} ({label} {obj})"), instance=obj))
            else:
                regions.append(Region(label, geometry, (value, obj), Origin(str(main), f"value {value} ({label})")))
        return (width, height), regions
