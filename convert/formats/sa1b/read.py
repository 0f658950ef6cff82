"""SA-1B, the Segment Anything dataset (``docs/formats.md``, "SA-1B"): one JSON per image beside its photo::

    sa_223750.jpg
    sa_223750.json   {"image": {"image_id", "width", "height", "file_name"},
                      "annotations": [{"id", "segmentation": {"size": [h, w], "counts": "<COCO RLE>"},
                                       "bbox": [x, y, w, h], "area", "predicted_iou", "stability_score",
                                       "crop_box": [x, y, w, h], "point_coords": [[x, y]]}, ...]}

SRC is a folder of ``sa_*.json`` (a shard unpacked) or one of them; images are read one file at a time, so a shard
of ~11,000 images is never held whole. An image is named after its JSON (``sa_1.json`` -> ``sa_1.jpg``, the photo
beside it, as the shards pair them). Masks are class-agnostic: every mask is a region of one class, ``object``
(index 1), and ``background`` (index 0, the fill class) is where no mask is. ``-O label=`` names the class; so
does ``--labels`` with a label map of one class besides its fill class (where ``-O label=`` is not given and the
map has no class ``object``). Masks overlap, so the order is stated: ``-O order=area`` (default) paints larger
masks beneath smaller ones (parts show over wholes), ``iou`` or ``stability`` paints the higher ``predicted_iou``
or ``stability_score`` on top, ``file`` the later annotation on top; the masks keep their painting order as the
only rule (one level), and an overlap it decides is a note.

Checked against each decoded mask: ``area`` is its pixel count (``area-field-mismatch``); ``bbox`` is its
box as SAM computes it (width = max - min, so a one-pixel mask is 0 wide) or as pycocotools does (max - min +
1), neither being a finding (``bbox-field-mismatch`` otherwise); every ``point_coords`` point lies on the mask
(``point-outside-mask``, a note: SAM's output mask need not hold its prompt).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from convert.errors import SegconvError, UsageError
from convert.files.images import find_image
from convert.files.json_source import all_numbers, as_size, head, load_json
from convert.findings import Finding
from convert.findings.missing_image import check_photo_size
from convert.formats.coco.segmentation import rle_of
from convert.formats.dataset import FileDataset
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelClass, LabelMap
from convert.model.sample import OrderRule, Origin, Region, Sample
from convert.pixels import runs
from convert.pixels.rle import string_to_counts
from convert.wording import plural

NAME = "sa1b"
ORDERS = {"area": OrderRule(("smaller", "position"), "the annotations list", decides=True),
          "iou": OrderRule(("predicted_iou", "position"), "the annotations list", decides=True),
          "stability": OrderRule(("stability_score", "position"), "the annotations list", decides=True),
          "file": OrderRule(("position",), "the annotations list", decides=True)}
FIELDS = {"iou": "predicted_iou", "stability": "stability_score"}


def _is_sa1b(path: Path) -> bool:
    if not (path.is_file() and path.name.startswith("sa_") and path.suffix.lower() == ".json"):
        return False
    try:
        start = head(path, 1 << 12)
    except OSError:
        return False
    return b'"image"' in start and b'"annotations"' in start


def sa1b_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path] if _is_sa1b(path) else []
    if not path.is_dir():
        return []
    return sorted(p for p in path.glob("sa_*.json") if p.is_file())


def detect(path: Path) -> str | None:
    files = sa1b_files(path)
    if not files or not _is_sa1b(files[0]):
        return None
    return f"SA-1B per-image JSON ({files[0].name})"


class Sa1bDataset(FileDataset):
    """One sample per ``sa_*.json``."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        self.entries = sa1b_files(src)
        if not self.entries:
            raise SegconvError("not SA-1B: no sa_*.json with 'image' and 'annotations'", file=str(src))
        options = options or {}
        self.label_given = str(options.get("label") or "").strip()
        self.label = self.label_given or "object"
        self.order = options.get("order", "area")
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        if self.label == "background":
            raise SegconvError("-O label=background: background is the class of the pixels no mask covers")
        labelmap = LabelMap((LabelClass("background", 0, 0, (0, 0, 0), fill=True),
                             LabelClass(self.label, 1, 1, (255, 0, 0), isthing=True)), 255,
                            source=f"SA-1B's one class, {self.label!r} (index 1; background 0 where no mask is)")
        super().__init__(str(src), [], labelmap)

    def adopt_labelmap(self, labelmap: LabelMap) -> None:
        """``--labels`` was given: where ``-O label=`` is not, its one class (besides the fill class) names the
        masks' class, unless it knows ``object``; a map of several classes needs ``-O label=``."""
        if self.label_given or labelmap.resolve(self.label) is not None:
            return
        named = [c.name for c in sorted(labelmap.classes, key=lambda c: c.index) if not c.fill]
        if len(named) != 1:
            shown = ", ".join(named[:6]) + (", ..." if len(named) > 6 else "")
            raise UsageError(f"--labels {labelmap.source or ''}: SA-1B's masks are of one class, and this label map "
                             f"has {len(named)} besides its fill class ({shown}) and no 'object'; name the class with "
                             "-O label=")
        self.label = named[0]

    @property
    def label_names(self) -> list[str]:
        return [self.label]

    def labels_in(self, file) -> list[str]:
        return [self.label]

    def name_of(self, file: Path) -> str:
        return file.with_suffix(".jpg").name

    def sample(self, file: Path) -> Sample:
        findings: list[Finding] = []
        name = file.with_suffix(".jpg").name

        def unusable(code: str, message: str, element: str | None = None) -> Sample:
            findings.append(Finding(code, message, file=str(file), image=name, element=element))
            return Sample(name, 0, 0, [], Origin(str(file)), findings=findings, usable=False)

        try:
            doc = load_json(file)
        except SegconvError as exc:
            return unusable("unreadable-file", exc.message if exc.line is None else f"line {exc.line}: {exc.message}")
        info = doc.get("image") if isinstance(doc, dict) else None
        annotations = doc.get("annotations") if isinstance(doc, dict) else None
        if not isinstance(info, dict) or not isinstance(annotations, list):
            return unusable("bad-value", "an SA-1B file needs an 'image' object and an 'annotations' list")
        width, height = as_size(info.get("width")), as_size(info.get("height"))
        if width is None or height is None:
            return unusable("bad-image", f"image width {info.get('width')!r} / height {info.get('height')!r} must "
                                         "be positive integers", "image")
        if width * height > self.max_pixels:
            return unusable("image-too-large", f"{width}x{height} exceeds --max-pixels {self.max_pixels:,}", "image")
        regions = []
        for i, ann in enumerate(annotations):
            region = self._region(ann, i, file, name, width, height, findings)
            if region is not None:
                regions.append(region)
        photo = find_image(self.images or file.parent, Path(name).stem)
        if photo is not None:
            check_photo_size(photo, (width, height), self.max_pixels, findings, name, lambda real: findings.append(
                Finding("image-size-mismatch", f"{file.name} says {width}x{height} but {real}", file=str(file),
                        image=name)))
        return Sample(name, width, height, regions, Origin(str(file)), image_id=info.get("image_id"),
                      findings=findings, image_path=str(photo) if photo else None, size_checked=photo is not None,
                      order_rule=ORDERS[self.order], size_source="its JSON")

    def _region(self, ann, i: int, file: Path, name: str, width: int, height: int, findings: list) -> Region | None:
        element = f"annotations[{i}]" + (f" (id {ann['id']})" if isinstance(ann, dict) and "id" in ann else "")

        def report(code: str, message: str, pixels: int | None = None) -> None:
            findings.append(Finding(code, message, file=str(file), image=name, element=element, pixels=pixels))

        if not isinstance(ann, dict):
            report("bad-value", "an annotation must be an object; not painted")
            return None
        rle = rle_of(ann.get("segmentation"), height, width, report)  # type: ignore[arg-type]
        if rle is None:
            return None
        counts = string_to_counts(rle.counts)
        starts, ends = runs.from_counts(counts)
        area = int((ends - starts).sum())
        self._check_area(ann.get("area"), area, report)
        self._check_bbox(ann.get("bbox"), starts, ends, height, report)
        self._check_points(ann.get("point_coords"), starts, ends, height, width, report)
        key = {"area": -area, "file": None}.get(self.order, _score(ann.get(FIELDS.get(self.order, ""))))
        order = (i,) if key is None else (key, i)
        return Region(self.label, rle, order, Origin(str(file), element), instance=("sa", i),
                      source_id=ann.get("id"))

    @staticmethod
    def _check_area(declared, area: int, report) -> None:
        if not (isinstance(declared, (int, float)) and not isinstance(declared, bool) and math.isfinite(declared)):
            report("bad-value", f"'area' must be a number, got {declared!r}")
        elif declared != area:
            report("area-field-mismatch", f"'area' is {declared} but the mask has {plural(area, 'pixel')} (SAM's "
                                          "area_from_rle counts them exactly)", pixels=abs(int(declared) - area))

    @staticmethod
    def _check_bbox(bbox, starts, ends, height: int, report) -> None:
        if not (isinstance(bbox, list) and len(bbox) == 4 and all_numbers(bbox)):
            report("bad-value", f"'bbox' must be [x, y, w, h], got {bbox!r}")
            return
        if not len(starts):
            sam = coco = [0, 0, 0, 0]
        else:  # column-major runs: a run that crosses into the next column covers rows 0 .. height - 1
            x0, x1 = int(starts[0] // height), int((ends[-1] - 1) // height)
            crosses = bool(((ends - 1) // height > starts // height).any())
            y0 = 0 if crosses else int((starts % height).min())
            y1 = height - 1 if crosses else int(((ends - 1) % height).max())
            sam = [x0, y0, x1 - x0, y1 - y0]
            coco = [x0, y0, x1 - x0 + 1, y1 - y0 + 1]
        if [float(v) for v in bbox] not in ([float(v) for v in sam], [float(v) for v in coco]):
            report("bbox-field-mismatch", f"'bbox' is {bbox} but the mask's box is {sam} as SAM writes it "
                                          f"(width = max - min; {coco} as pycocotools)")

    @staticmethod
    def _check_points(points, starts, ends, height: int, width: int, report) -> None:
        if points is None:
            return
        if not (isinstance(points, list) and all(isinstance(p, list) and len(p) == 2 and all_numbers(p)
                                                 and all(math.isfinite(v) for v in p) for p in points)):
            report("bad-value", f"'point_coords' must be a list of [x, y] numbers, got {points!r}")
            return
        outside = []
        for x, y in points:
            col, row = math.floor(x), math.floor(y)
            inside = 0 <= col < width and 0 <= row < height
            if inside:
                flat = col * height + row
                k = int(np.searchsorted(starts, flat, side="right")) - 1
                inside = k >= 0 and flat < int(ends[k])
            if not inside:
                outside.append([x, y])
        if outside:
            report("point-outside-mask", f"point_coords {outside} not on the mask (pixel (floor x, floor y)); "
                                         "SAM's mask need not hold its prompt point")


def _score(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        else 0.0
