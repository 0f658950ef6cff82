"""LabelMe JSON (wkentaro/labelme, ``docs/formats.md``, "LabelMe JSON"): one file per image.

SRC is one ``.json`` file or a folder of them (searched recursively).  Every
shape type is read: ``polygon``, ``rectangle`` (corners in any order),
``circle`` (centre, then a rim point), ``mask`` (a base64 PNG of the box
between its two points), ``oriented_rectangle``, and the shapes without area
``line``, ``linestrip`` and ``point`` (kept as strokes: rule ``coco`` reports
and skips them, rule ``labelme`` draws them as labelme does).  ``points`` has no
area under any rule and is reported.

The image size is the real one, EXIF orientation applied, taken from
``imageData`` when it is embedded, else from ``imagePath`` (Windows
backslashes accepted) relative to the JSON's folder or to ``--images``; a
declared ``imageWidth``/``imageHeight`` that disagrees is reported.  Shapes are
painted in file order inside a level (later shapes on top, as labelme does);
an instance is the pair (label, ``group_id``), a null ``group_id`` making each
shape its own instance.

A ``labels.txt`` inside SRC (labelme's ``__ignore__`` / ``_background_``
convention) is used as the label map when no ``--labels`` is given.
"""

from __future__ import annotations

import base64
import binascii
import math
from numbers import Real
from pathlib import Path

import numpy as np
import orjson

from convert.errors import SegconvError
from convert.files.images import ImageProblem, open_image, oriented_size
from convert.files.json_source import finite, load_json
from convert.findings import Finding
from convert.findings.missing_image import missing_image
from convert.formats.dataset import FileDataset
from convert.formats.placed_mask import placed_mask
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.names import normalize_name, unsafe_reason
from convert.model.sample import Box, Ellipse, Geometry, OrderRule, Origin, Polygon, Region, Sample, Stroke

NAME = "labelme"
ORDER = OrderRule(("position",), "the shapes list")  # labelme paints shapes in file order


def _is_labelme_head(head: bytes) -> bool:
    return head.lstrip().startswith(b"{") and b'"shapes"' in head


def detect(path: Path) -> str | None:
    if path.is_file():
        if path.suffix.lower() == ".json" and _is_labelme_head(_head(path)):
            return "a JSON object with 'shapes'"
        return None
    if path.is_dir():
        for candidate in sorted(path.rglob("*.json"))[:20]:
            if _is_labelme_head(_head(candidate)):
                return f"a folder of LabelMe JSON files (e.g. {candidate.relative_to(path)})"
    return None


def _head(path: Path, size: int = 1 << 16) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


def find_labels_txt(folder: Path) -> Path | None:
    """labelme's ``labels.txt`` (``__ignore__``, ``_background_``, then the classes) where labelme's own
    examples keep it: in the folder of the JSON files, or one folder up (``labels.txt`` beside
    ``data_annotated/``)."""
    for candidate in (folder / "labels.txt", folder.parent / "labels.txt"):
        if candidate.is_file():
            return candidate
    return None


def _other_format(path: Path) -> str | None:
    """What a .json file is when it is clearly not LabelMe (``None``: LabelMe, or broken, which the reader
    reports as ``unreadable-file``)."""
    head = _head(path)
    if _is_labelme_head(head):
        return None
    stripped = head.lstrip()
    if stripped.startswith(b"[") and b'"image_id"' in head:
        return "a COCO results list"
    if stripped.startswith(b"{") and (b'"images"' in head or b'"annotations"' in head):
        return "a COCO JSON file ('images' / 'annotations')"
    if stripped.startswith(b"[") and b'"data"' in head and (b'"annotations"' in head or b'"predictions"' in head):
        return "a Label Studio export (a list of tasks)"
    try:
        doc = orjson.loads(path.read_bytes()) if len(head) < (1 << 16) else None
    except (OSError, orjson.JSONDecodeError):
        return None
    if doc is not None and not (isinstance(doc, dict) and "shapes" in doc):
        return f"a JSON {type(doc).__name__} without 'shapes'"
    return None


def _number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool)


class LabelmeDataset(FileDataset):
    """LabelMe JSON files, one sample each, in sorted path order."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS):
        path = Path(path)
        findings: list[Finding] = []
        if path.is_dir():
            self.root = path
            files = []
            for candidate in sorted(p for p in path.rglob("*.json") if p.is_file()):
                if candidate == path / "labelmap.json":
                    continue  # segconv's label map, read below
                other = _other_format(candidate)
                if other is None:
                    files.append(candidate)
                else:
                    findings.append(Finding("skipped-file", f"{other}, not a LabelMe file; skipped (convert it on "
                                            "its own, or choose with --from)", file=str(candidate)))
            if not files:
                what = "; ".join(f"{f.file}: {f.message.split(',')[0]}" for f in findings) or "no .json files"
                raise SegconvError(f"folder holds no LabelMe JSON file ({what})", file=str(path))
        elif path.is_file():
            other = _other_format(path)
            if other is not None:
                raise SegconvError(f"not a LabelMe file: {other}", file=str(path))
            files, self.root = [path], path.parent
        else:
            raise SegconvError("no such file or folder", file=str(path))
        self.files = files
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        folder = path if path.is_dir() else path.parent
        own = folder / "labelmap.json"  # written beside the files by segconv's labelme layout
        labels_txt = find_labels_txt(folder)
        source_labelmap = LabelMap.load(own) if own.is_file() else LabelMap.load(labels_txt) if labels_txt else None
        super().__init__(str(path), findings, source_labelmap)

    def labels_in(self, file: Path) -> list[str]:
        try:
            doc = orjson.loads(file.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return []
        shapes = doc.get("shapes") if isinstance(doc, dict) else None
        if not isinstance(shapes, list):  # sample() reports the file as unusable
            return []
        return [s["label"] for s in shapes if isinstance(s, dict) and isinstance(s.get("label"), str)]

    # ------------------------------------------------------------------ one file
    def sample(self, file: Path) -> Sample:
        rel = file.relative_to(self.root).as_posix() if file.is_relative_to(self.root) else file.name
        name = rel
        origin = Origin(str(file))
        findings: list[Finding] = []

        def unusable(code: str, message: str, element: str | None = None) -> Sample:
            findings.append(Finding(code, message, file=str(file), image=name, element=element))
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False)

        try:
            doc = load_json(file)
        except SegconvError as exc:
            return unusable("unreadable-file", exc.message if exc.line is None else f"line {exc.line}: {exc.message}")
        if not isinstance(doc, dict) or not isinstance(doc.get("shapes"), list):
            return unusable("unreadable-file", "not a LabelMe file: no 'shapes' list")

        image_path = doc.get("imagePath")
        ext = ""
        if isinstance(image_path, str) and "." in normalize_name(image_path).rsplit("/", 1)[-1]:
            ext = "." + normalize_name(image_path).rsplit(".", 1)[-1]
            if ext.lower() == ".json":
                ext = ""
        name = rel[: -len(".json")] + ext if rel.lower().endswith(".json") else rel

        image_file = self._image_file(doc.get("imagePath"), file)
        size, embedded = self._real_size(doc, image_file, file, name, findings)
        checked = image_file is not None or size is not None  # no image anywhere: the run says so (one note for
        declared: tuple = (doc.get("imageWidth"), doc.get("imageHeight"))
        ok_declared = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in declared)
        if size is None:
            if not ok_declared:
                return unusable("bad-value", "no usable imageWidth/imageHeight and no readable image")
            size = (int(declared[0]), int(declared[1]))
        elif ok_declared and tuple(declared) != size:
            findings.append(Finding(
                "image-size-mismatch",
                f"declared imageWidth x imageHeight {declared[0]}x{declared[1]} differs from the image "
                f"({size[0]}x{size[1]}, EXIF orientation applied); the image's size is used",
                file=str(file), image=name))
        width, height = size
        if width * height > self.max_pixels:
            return unusable("image-too-large",
                            f"image size {width}x{height} exceeds --max-pixels {self.max_pixels:,}")

        regions = []
        for i, shape in enumerate(doc["shapes"]):
            region = self._shape(shape, i, file, name, width, height, findings)
            if region is not None:
                regions.append(region)
        return Sample(name, width, height, regions, origin, findings=findings,  # a set without any image)
                      image_path=str(image_file) if image_file else None, size_checked=checked, order_rule=ORDER,
                      image_data=embedded)

    def _image_file(self, image_path, file: Path) -> Path | None:
        """The image ``imagePath`` names: relative to the JSON's folder (Windows
        separators accepted, absolute paths not), or by name in ``--images``."""
        if not isinstance(image_path, str) or not image_path:
            return None
        norm = normalize_name(image_path)
        candidates = []
        if not unsafe_reason(norm) or norm.startswith("../"):
            candidates.append(file.parent / norm)
        if self.images is not None:
            candidates += [self.images / norm.rsplit("/", 1)[-1], self.images / norm.lstrip("/")]
        for candidate in candidates:
            if candidate.is_file() and candidate.suffix.lower() != ".json":
                return candidate
        return None

    def _real_size(self, doc: dict, image_file: Path | None, file: Path, name: str,
                   findings: list) -> tuple[tuple[int, int] | None, bytes | None]:
        """The image's size and, when the file embeds it (``imageData``, which labelme shows before any
        ``imagePath``), the photo's bytes: writers place those, as labelme would show them."""
        data = doc.get("imageData")
        if isinstance(data, str) and data:
            try:
                photo = base64.b64decode(data, validate=False)
                return oriented_size(photo, self.max_pixels), photo
            except (binascii.Error, ValueError, ImageProblem) as exc:  # ValueError: non-ASCII text
                findings.append(Finding("bad-value", f"imageData is not a decodable image ({exc}); "
                                        "trying imagePath", file=str(file), image=name, element="imageData"))
        image_path = doc.get("imagePath")
        if not isinstance(image_path, str) or not image_path:
            findings.append(missing_image("the declared size is used", subject=None,
                                          problem="no imageData and no imagePath", file=str(file), image=name))
            return None, None
        if image_file is not None:
            try:
                return oriented_size(image_file, self.max_pixels), None
            except ImageProblem as exc:
                findings.append(missing_image(subject=f"imagePath {image_path!r}", problem=exc, file=str(file),
                                              image=name, element="imagePath"))
                return None, None
        findings.append(missing_image("no imageData either, so the declared size is used",
                                      subject=f"imagePath {image_path!r}", images=self.images, file=str(file),
                                      image=name, element="imagePath"))
        return None, None

    def _shape(self, shape, i: int, file: Path, name: str, width: int, height: int, findings: list):
        label = shape.get("label") if isinstance(shape, dict) else None
        element = f"shapes[{i}]" + (f" ({label})" if isinstance(label, str) else "")

        def report(code: str, message: str, pixels: int | None = None):
            findings.append(Finding(code, message, file=str(file), image=name, element=element, pixels=pixels))

        if not isinstance(shape, dict):
            report("bad-value", "shape is not an object; not painted")
            return None
        if not isinstance(label, str) or not label:
            report("bad-value", "shape has no label; not painted")
            return None
        kind = shape.get("shape_type") or "polygon"  # labelme <= 5.5 reads a missing type as polygon
        pts = shape.get("points")
        if not isinstance(pts, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(_number(v) for v in p) for p in pts):
            report("bad-value", "'points' must be a list of [x, y] numbers; not painted")
            return None
        if not all(finite(v) for p in pts for v in p):
            report("non-finite-coordinate", "a point holds NaN, infinity or a number too large for a float; "
                                            "not painted")
            return None
        arr = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        n = len(arr)
        group = shape.get("group_id")
        if group is not None and not (isinstance(group, int) and not isinstance(group, bool)):
            report("bad-value", f"group_id {group!r} is not an integer; the shape is its own instance")
            group = None
        attributes = {"shape": kind}
        for key in ("flags", "description"):
            if shape.get(key):
                attributes[key] = shape[key]
        if group is not None:
            attributes["group_id"] = group

        def need(count: int, exact: bool = True) -> bool:
            if (n != count) if exact else (n < count):
                what = f"exactly {count}" if exact else f"at least {count}"
                code = "too-few-points" if n < count else "bad-value"
                report(code, f"{kind} needs {what} points, got {n}; not painted")
                return False
            return True

        geometry: Geometry | None = None
        if kind == "polygon":
            if need(3, exact=False):
                geometry = Polygon((arr,))
        elif kind == "rectangle":
            if need(2):
                geometry = Box(arr[0, 0], arr[0, 1], arr[1, 0], arr[1, 1])
        elif kind == "oriented_rectangle":
            if need(4):
                geometry = Polygon((arr,))
        elif kind == "circle":
            if need(2):
                radius = float(np.hypot(*(arr[1] - arr[0])))
                geometry = Ellipse(float(arr[0, 0]), float(arr[0, 1]), radius, radius)
        elif kind in ("line", "linestrip"):
            if need(2, exact=(kind == "line")):
                geometry = Stroke(arr, "line")
        elif kind == "point":
            if need(1):
                geometry = Stroke(arr, "point")
        elif kind == "points":
            report("no-area-shape", "a 'points' shape is a set of points, without area; not painted")
        elif kind == "mask":
            if need(2):
                geometry = self._mask(shape, arr, width, height, report)
        else:
            report("bad-value", f"unknown shape_type {kind!r}; not painted")
        if geometry is None:
            return None
        return Region(label, geometry, (i,), Origin(str(file), element), instance=group, attributes=attributes)

    @staticmethod
    def _mask(shape, arr, width, height, report):
        data = shape.get("mask")
        if not isinstance(data, str) or not data:
            report("bad-value", "mask shape without 'mask' data; not painted")
            return None
        try:
            with open_image(base64.b64decode(data)) as im:
                if im.width * im.height > width * height * 4 + 1_000_000:
                    report("image-too-large", f"mask PNG of {im.width}x{im.height} is far larger than the "
                                              f"{width}x{height} image; not painted")
                    return None
                mask = np.asarray(im.convert("L")) > 0
        except Exception as exc:  # noqa: BLE001 - any decoding failure is the same finding
            report("bad-value", f"'mask' is not a base64 PNG ({type(exc).__name__}); not painted")
            return None
        left, top = (int(math.floor(v + 0.5)) for v in arr[0])
        mh, mw = mask.shape
        right, bottom = (int(math.floor(v + 0.5)) for v in arr[1])
        if (right - left + 1, bottom - top + 1) != (mw, mh):
            report("mask-size-mismatch", f"mask PNG is {mw}x{mh} but its corner points span "
                                         f"{right - left + 1}x{bottom - top + 1}; the PNG's size is used")
        return placed_mask(mask, left, top, width, height, report)
