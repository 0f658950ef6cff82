"""Cityscapes trees (``docs/formats.md``, "Cityscapes"): ``gtFine/`` (or ``gtCoarse/``) with ``leftImg8bit/``
beside it, as the dataset, cityscapesScripts, CVAT's and Datumaro's exports lay them out::

    leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_polygons.json     polygons, painted in file order
    gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png      8-bit, value = label id
    gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_instanceIds.png   16-bit, v >= 1000: id v // 1000,
                                                                         instance v % 1000; below: id v

SRC is the root or the ``gtFine``/``gtCoarse`` folder.  An image is named ``<city>/<city>_<seq>_<frame>`` with
its photo's extension, in subset ``<split>``.  ``-O source=auto`` (default) reads an image's id PNGs where
it has them (the dataset's ground truth, which the benchmark scores against), else its polygons, painted
as cityscapesScripts' ``createLabelImage`` paints them (:mod:`convert.formats.cityscapes.polygons`);
``source=masks`` or ``source=polygons`` insists on one.  The ids are the official label table's
(:mod:`convert.formats.cityscapes.label_table`), or a custom table's where the root holds one: segconv's
``labelmap.json`` (the ``--to cityscapes`` writer's), else Datumaro's and CVAT's ``label_colors.txt`` (``r g
b name``, line = id).  ``-O ids=train`` gives the trainIds of the official table, 255 for the rest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.errors import SegconvError
from convert.files.images import ImageProblem, find_image, oriented_size
from convert.files.json_source import load_json
from convert.findings import Finding
from convert.findings.missing_image import missing_image
from convert.formats.cityscapes import label_table as table
from convert.formats.cityscapes.polygons import read_polygons
from convert.formats.dataset import IndexedDataset
from convert.formats.label_image import Unusable, read_label_image
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.sample import Box, OrderRule, Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "cityscapes"
KINDS = ("gtFine", "gtCoarse")
FILES = {"polygons": "_polygons.json", "labelIds": "_labelIds.png", "instanceIds": "_instanceIds.png"}
ORDER = OrderRule(("position",), "the polygon file's objects", decides=True)  # createLabelImage's own order
PNG_ORDER = OrderRule(("position",), "the id image")


def find_tree(path: Path) -> tuple[Path, Path] | None:
    """(root, gt folder) of a Cityscapes tree given as its root or as its ``gtFine``/``gtCoarse`` folder."""
    if not path.is_dir():
        return None
    if path.name in KINDS:
        return path.parent, path
    for kind in KINDS:
        if (path / kind).is_dir():
            return path, path / kind
    return None


def _some_file(gt: Path) -> Path | None:
    """The first annotation file of the gt folder, at any depth (the walk stops there)."""
    endings = tuple(f"_{gt.name}{suffix}" for suffix in FILES.values())
    return next((p for p in gt.rglob(f"*_{gt.name}_*") if p.name.endswith(endings)), None)


def detect(path: Path) -> str | None:
    tree = find_tree(path)
    if tree is None:
        return None
    example = _some_file(tree[1])
    if example is None:
        return None
    return f"a Cityscapes tree ({example.relative_to(tree[0]).as_posix()})"


Item = tuple[str | None, str, dict[str, Path]]  # (split, name without extension, {kind: file})


class CityscapesDataset(IndexedDataset[Item]):
    """One sample per ``<split>/<city>/<base>`` of the gt folder."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        tree = find_tree(src)
        if tree is None or _some_file(tree[1]) is None:
            raise SegconvError("not a Cityscapes tree: no gtFine/ or gtCoarse/ holding *_gtFine_polygons.json, "
                               "*_labelIds.png or *_instanceIds.png", file=str(src))
        self.root, self.gt = tree
        options = options or {}
        self.ids = options.get("ids", "label")
        self.source = options.get("source", "auto")
        self.images = Path(images) if images else self.root / "leftImg8bit"
        self.max_pixels = max_pixels
        findings: list[Finding] = []
        if self.gt.parent == self.root and self.gt.name == "gtFine" and (self.root / "gtCoarse").is_dir():
            findings.append(Finding("skipped-file", "gtCoarse/ is not read beside gtFine/; convert it on its own "
                                    "(SRC = its gtCoarse folder)", file=str(self.root / "gtCoarse")))
        self.value_map = self._value_map()
        self.value_names = {c.index: c.name for c in self.value_map.classes}
        self.known = {c.name for c in self.value_map.classes} | set(self.value_map.void_aliases) | set(table.BY_NAME)
        self.entries = self._index()
        source = table.labelmap("train") if self.ids == "train" else self.value_map
        super().__init__(str(src), findings, source)

    def _value_map(self) -> LabelMap:
        """What the id PNGs' values mean: segconv's labelmap.json, label_colors.txt, or the official table."""
        own = self.root / "labelmap.json"
        if own.is_file():  # every class at one level: createLabelImage paints in file order, knowing no levels
            doc = LabelMap.load(own).to_dict()
            doc["classes"] = [dict(c, level=table.LEVEL) for c in doc["classes"]]
            doc.pop("void_level", None)
            return LabelMap.from_dict(doc, source=str(own))
        colours = self.root / "label_colors.txt"
        if colours.is_file():
            try:
                text = colours.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise SegconvError(f"cannot read the label table: {exc}", file=str(colours)) from None
            return table.label_colors_map(text, str(colours))
        return table.labelmap("label")

    def _index(self) -> list[tuple[str | None, str, dict[str, Path]]]:
        """(split, name without extension, {kind: file}) of every image the gt folder has files for."""
        found: dict[tuple[str, ...], dict[str, Path]] = {}
        for kind, suffix in FILES.items():
            ending = f"_{self.gt.name}{suffix}"
            for file in self.gt.rglob(f"*{ending}"):
                if file.is_file():
                    parts = file.relative_to(self.gt).parts
                    found.setdefault((*parts[:-1], parts[-1][: -len(ending)]), {})[kind] = file
        items = []
        for key in sorted(found):
            split, rest = (key[0], key[1:]) if len(key) > 1 else (None, key)
            items.append((split, "/".join(rest), found[key]))
        return items

    @property
    def label_names(self) -> list[str]:
        return [c.name for c in sorted(self.source_labelmap.classes, key=lambda c: c.index)]  # type: ignore[union-attr]

    def name_of(self, entry: Item) -> str:
        return self._image(entry[0], entry[1])[0]

    def _image(self, split: str | None, base: str) -> tuple[str, Path | None]:
        folder = self.images / split if split else self.images
        image = find_image(folder, f"{base}_leftImg8bit")
        return f"{base}{image.suffix if image else '.png'}", image

    # ------------------------------------------------------------------ one image
    def sample(self, entry: Item) -> Sample:
        split, base, files = entry
        name, image = self._image(split, base)
        use_masks = self.source == "masks" or (self.source == "auto" and ("labelIds" in files
                                                                           or "instanceIds" in files))
        main = (files.get("labelIds") or files.get("instanceIds")) if use_masks else files.get("polygons")
        findings: list[Finding] = []

        def unusable(code: str, message: str, file: Path | None) -> Sample:
            findings.append(Finding(code, message, file=str(file or self.gt), image=name))
            return Sample(name, 0, 0, [], Origin(str(file or self.gt)), subset=split, findings=findings,
                          usable=False)

        if main is None:
            wanted = "*_labelIds.png or *_instanceIds.png" if use_masks else "*_polygons.json"
            return unusable("missing-mask", f"-O source={self.source}: no {wanted} for this image; not converted",
                            next(iter(files.values())))
        if use_masks:
            try:
                size, regions = self._masks(files, name, findings)
            except Unusable as exc:
                return unusable(exc.code, exc.message, exc.file or main)
            rule = PNG_ORDER
        else:
            try:
                doc = load_json(main)
            except SegconvError as exc:
                return unusable("unreadable-file", exc.message if exc.line is None else
                                f"line {exc.line}: {exc.message}", main)
            read = read_polygons(doc, str(main), name, known=self.known,
                                 negative={lb.name for lb in table.LABELS if lb.id < 0})
            findings.extend(read.findings)
            if read.width is None or read.height is None:
                return Sample(name, 0, 0, [], Origin(str(main)), subset=split, findings=findings, usable=False)
            size, regions, rule = (read.width, read.height), read.regions, ORDER
            if size[0] * size[1] > self.max_pixels:
                return unusable("image-too-large", f"imgWidth x imgHeight {size[0]}x{size[1]} exceeds --max-pixels "
                                                   f"{self.max_pixels:,}", main)
            if self.ids == "train":  # createLabelImage -t starts from unlabeled's trainId, 255
                regions.insert(0, Region("unlabeled", Box(0, 0, size[0], size[1]), (-1,),
                                         Origin(str(main), "the canvas (createLabelImage's background, unlabeled)")))
        self._check_image(image, size, main, name, findings)
        return Sample(name, size[0], size[1], regions, Origin(str(main)), subset=split, image_id=base,
                      findings=findings, image_path=str(image) if image else None, size_checked=image is not None,
                      order_rule=rule, size_source="its annotation")

    def _check_image(self, image: Path | None, size, main: Path, name: str, findings: list) -> None:
        if image is None:
            return
        try:
            real = oriented_size(image, self.max_pixels)
        except ImageProblem as exc:
            findings.append(missing_image(subject=image.name, problem=exc, file=str(image), image=name))
            return
        if real != tuple(size):
            findings.append(Finding("image-size-mismatch", f"{main.name} is {size[0]}x{size[1]} but {image.name} is "
                                                          f"{real[0]}x{real[1]}", file=str(main), image=name))

    def _masks(self, files: dict[str, Path], name: str, findings: list):
        """``((width, height), regions)`` from the id PNGs: classes from labelIds (else from instanceIds),
        objects from instanceIds."""
        class_png, instance_png = files.get("labelIds"), files.get("instanceIds")
        classes = instances = None
        if class_png is not None:
            classes = self._png(class_png)
        if instance_png is not None:
            instances = self._png(instance_png)
            if classes is not None and instances.shape != classes.shape:
                findings.append(Finding("image-size-mismatch", f"{instance_png.name} is {instances.shape[1]}x"
                                        f"{instances.shape[0]}, {class_png.name} {classes.shape[1]}x"  # type: ignore
                                        f"{classes.shape[0]}; the instances are not read", file=str(instance_png),
                                        image=name))
                instances = None
        main = class_png if classes is not None else instance_png
        assert main is not None
        height, width = (classes if classes is not None else instances).shape  # type: ignore[union-attr]
        starts, ends, values = runs.from_label_image(classes if classes is not None
                                                     else _class_of(instances))  # type: ignore[arg-type]
        objects = np.zeros(len(starts), dtype=np.int64)
        if instances is not None:
            starts, ends, values, objects = runs.overlay(starts, ends, values.astype(np.int64),
                                                         *runs.from_label_image(instances))
            if classes is not None:
                disagree = _class_of(objects) != values
                if disagree.any():
                    count = int((ends[disagree] - starts[disagree]).sum())
                    findings.append(Finding("instance-class-mismatch", f"{plural(count, 'pixel')} of "
                                            f"{instance_png.name} name another class than {class_png.name} "  # type: ignore
                                            "(value // 1000, or the value below 1000); the labelIds decide",
                                            file=str(instance_png), image=name, pixels=count))
        regions = []
        pairs = values.astype(np.int64) << 32 | np.where(objects >= 1000, objects, 0)
        for key, s, e in runs.by_value(starts, ends, pairs):
            value, obj = key >> 32, key & 0xFFFFFFFF
            label = self.value_names.get(value)
            if label is None and value == self.value_map.void:
                regions.append(Region(None, Runs(s, e, (height, width)), (value, obj),
                                      Origin(str(main), f"void ({value})")))
                continue
            if label is None:
                count = int((e - s).sum())
                findings.append(Finding("unknown-mask-value", f"value {value} is no id of "
                                        f"{self.value_map.source or 'the label table'}; {plural(count, 'pixel')} "
                                        "read as void", file=str(main), image=name, pixels=count))
                regions.append(Region(None, Runs(s, e, (height, width)), (value, obj), Origin(str(main),
                                                                                              f"value {value}")))
                continue
            thing = bool(self.value_map[label].isthing)
            where = f"instance {obj} ({label})" if obj else f"id {value} ({label})"
            regions.append(Region(label, Runs(s, e, (height, width)), (value, obj),
                                  Origin(str(instance_png if obj else main), where),
                                  instance=obj or None, crowd=thing and not obj and instances is not None))
        return (width, height), regions

    def _png(self, png: Path) -> np.ndarray:
        try:
            values = read_label_image(png, self.max_pixels)
        except Unusable as exc:
            raise Unusable(exc.code, exc.message, png) from None
        return values.astype(np.int64)


def _class_of(instance_values: np.ndarray) -> np.ndarray:
    """The class an instanceIds value names: ``v // 1000`` from 1000 on, else ``v``."""
    return np.where(instance_values >= 1000, instance_values // 1000, instance_values)
