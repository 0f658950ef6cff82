"""CVAT XML 1.1 (``docs/formats.md``, "CVAT XML"): "CVAT for images" and "CVAT for video".

SRC is the ``annotations.xml`` (any name) or a folder holding one.  Read:

- ``<box>`` (``rotation`` in degrees, clockwise on screen), ``<polygon>``,
  ``<ellipse>``, ``<mask>`` (``rle`` run lengths over the ``width`` x ``height``
  rectangle at ``left``/``top``, row-major, starting with background);
- ``z_order`` (painting order inside a level, then document order),
  ``occluded``, ``group_id`` (one instance per group), ``source`` and the
  ``<attribute>`` children, kept on each region;
- labels from ``<meta>`` (task, job or project); project exports with subsets:
  images are keyed by (subset, name), and mask names get the subset as a
  folder when the file holds several subsets;
- video tracks, exploded into per-frame shapes, ``outside`` frames dropped,
  frames named ``frame_000000`` as CVAT names them;
- sequences, for ``--split`` (``--split-by sequence``): the frames of a video
  are one sequence, and so are the images of a task whose ``<mode>`` is
  ``interpolation`` (the mode of tracks), by the image's ``task_id``.

Shapes without area (``polyline``, ``points``, ``skeleton``, ``cuboid``) are
reported as ``no-area-shape``, never dropped silently; ``<tag>`` elements are
image labels, kept as the image's ``tags`` attribute.  Findings carry the XML
line of the element.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from convert.errors import SegconvError
from convert.files.images import locate
from convert.files.safe_xml import line_of, parse_file, root_tag
from convert.findings import Finding
from convert.formats.dataset import IndexedDataset
from convert.formats.placed_mask import placed_mask
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.names import normalize_name, unsafe_reason
from convert.model.sample import Bitmap, Box, Ellipse, Geometry, OrderRule, Origin, Polygon, Region, Sample

NAME = "cvat"

AREA_SHAPES = ("box", "polygon", "ellipse", "mask")
ORDER = OrderRule(("z_order", "position"), "the image's element list")  # CVAT paints z_order, then document order
NO_AREA_SHAPES = ("polyline", "points", "skeleton", "cuboid", "tag")
NO_AREA_WORDS = {"polyline": "a <polyline> is a line, without area", "points": "a <points> is a set of points, "
                 "without area", "skeleton": "a <skeleton> is keypoints joined by lines, without area",
                 "cuboid": "a <cuboid> is a 3-D box in perspective, which segconv does not paint"}


def _skeleton_outside(shape) -> bool:
    """A skeleton whose every point is marked ``outside="1"`` is not in the image (CVAT writes this for a
    frame where the tracked object has left the view)."""
    points = [child for child in shape if child.tag == "points"] if shape.tag == "skeleton" else []
    return bool(points) and all(child.get("outside") == "1" for child in points)


def find_xml(path: Path) -> Path | None:
    if path.is_file():
        return path if path.suffix.lower() == ".xml" and root_tag(path) == "annotations" else None
    if path.is_dir():
        xmls = [p for p in sorted(path.glob("*.xml")) if root_tag(p) == "annotations"]
        return xmls[0] if len(xmls) == 1 else None
    return None


def detect(path: Path) -> str | None:
    xml = find_xml(path)
    if xml is None:
        return None
    return "an XML file whose root is <annotations>" if xml == path else f"a folder holding {xml.name}"


def _int_id(value) -> object:
    """CVAT ids are integers written as text: kept as int when they are, as they are otherwise."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _float(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else float("nan")


def _numbers(shape, keys, report) -> list[float] | None:
    """The shape's numeric attributes ``keys`` and its rotation (0 when absent), or None (reported)."""
    found = [_float(shape.get(k)) for k in keys] + [_float(shape.get("rotation", "0") or "0")]
    values = [v for v in found if v is not None]
    if len(values) < len(found):
        report("bad-value", f"{shape.tag} needs numeric {', '.join(keys)} (and rotation); not painted")
        return None
    if any(math.isnan(v) for v in values):
        report("non-finite-coordinate", f"{shape.tag} holds NaN or infinity; not painted")
        return None
    return values


class CvatDataset(IndexedDataset[dict]):
    """A CVAT XML file: one sample per ``<image>``, or per video frame."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        src = Path(path)
        self.images_option = images
        xml = find_xml(src)
        if xml is None:
            raise SegconvError("no CVAT XML found (an .xml file whose root is <annotations>)", file=str(src))
        self.xml = xml
        self.file = str(xml)
        root = parse_file(xml)
        if root.tag != "annotations":
            raise SegconvError(f"root element is <{root.tag}>, not <annotations>", file=self.file)
        self.max_pixels = max_pixels
        findings: list[Finding] = []
        meta = root.find("meta")
        self.meta_labels: list[str] = []  # every declared label (shapes are checked against them)
        self.class_labels: list[str] = []  # the declared labels that can paint pixels (a derived map's classes)
        if meta is not None:
            for label in meta.iter("label"):
                name = (label.findtext("name") or "").strip()
                if name and name not in self.meta_labels:
                    self.meta_labels.append(name)
                    kind = (label.findtext("type") or "any").strip()
                    # skeleton sub-points ('1', '2', '3' with a <parent>) and point/line/tag labels paint nothing
                    if not (label.findtext("parent") or "").strip() and kind not in NO_AREA_SHAPES + ("polyline",):
                        self.class_labels.append(name)
        self.undeclared: dict[str, None] = {}
        self.images = root.findall("image")
        self.tracks = root.findall("track")
        self.sequence_tasks = _sequence_tasks(meta)  # task id -> its name, for tasks annotated as sequences
        subsets = {img.get("subset") for img in self.images if img.get("subset")}
        self.prefix_subset = len(subsets) > 1
        self.entries: list = []
        seen: dict[str, int] = {}
        for img in self.images:
            entry = self._image_entry(img, findings)
            if entry is None:
                continue
            if entry["name"] in seen:
                findings.append(Finding("duplicate-image", f"image {entry['name']!r} appears twice; the later "
                                        "one is skipped", file=self.file, image=entry["name"],
                                        element=f"<image id={img.get('id')}>", line=line_of(img)))
                continue
            seen[entry["name"]] = len(self.entries)
            self.entries.append(entry)
        if self.tracks:
            self.entries += self._video_entries(meta, findings)
        own = xml.parent / "labelmap.json"  # written beside annotations.xml by segconv's cvat layout
        super().__init__(self.file, findings, LabelMap.load(own) if own.is_file() else None)

    @property
    def label_names(self) -> list[str]:
        """The labels a derived label map makes classes of: declared labels that can paint pixels, then
        labels that shapes with an area use although <meta> does not declare them (or declares them with
        a type that has no area)."""
        names = dict.fromkeys(self.class_labels)
        for entry in self.entries:
            for shape in entry["shapes"]:
                if shape.tag in AREA_SHAPES and shape.get("label"):
                    names.setdefault(shape.get("label"), None)
        return list(names)

    # ------------------------------------------------------------------ indexing
    def _image_entry(self, img, findings) -> dict | None:
        where = f"<image id={img.get('id')}>"
        raw = img.get("name") or ""
        width, height = img.get("width"), img.get("height")
        problems = []
        if not raw:
            problems.append("no 'name'")
        try:
            width, height = int(width), int(height)
            if width <= 0 or height <= 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"'width'/'height' must be positive integers, got {width!r} x {height!r}")
        if problems:
            findings.append(Finding("bad-image", "; ".join(problems), file=self.file, element=where,
                                    line=line_of(img), image=raw or None))
            return None
        reason = unsafe_reason(raw)
        if reason:
            findings.append(Finding("unsafe-path", f"image name {raw!r} {reason}; not converted", file=self.file,
                                    element=where, line=line_of(img), image=raw))
            return None
        if width * height > self.max_pixels:
            findings.append(Finding("image-too-large", f"declared size {width}x{height} exceeds --max-pixels "
                                    f"{self.max_pixels:,}", file=self.file, element=where, line=line_of(img),
                                    image=raw))
            return None
        subset = img.get("subset")
        name = normalize_name(raw)
        if self.prefix_subset and subset:
            if unsafe_reason(subset) or "/" in subset:
                findings.append(Finding("unsafe-path", f"subset {subset!r} is not a plain folder name",
                                        file=self.file, element=where, line=line_of(img), image=raw))
                return None
            name = f"{subset}/{name}"
        task = img.get("task_id")
        return {"name": name, "width": width, "height": height, "subset": subset, "shapes": list(img),
                "id": img.get("id"), "element": where, "line": line_of(img),
                "sequence": self.sequence_tasks.get(task) if task else None}

    def _video_entries(self, meta, findings) -> list[dict]:
        task = meta.find("task") if meta is not None else None
        size = task.find("original_size") if task is not None else None
        try:
            width, height = int(size.findtext("width")), int(size.findtext("height"))  # type: ignore[union-attr]
        except (AttributeError, TypeError, ValueError):
            raise SegconvError("video annotations need <meta><task><original_size> with width and height",
                               file=self.file) from None
        frames: dict[int, list] = {}
        for track in self.tracks:
            for shape in track:
                if shape.tag == "track" or shape.get("outside") == "1" or _skeleton_outside(shape):
                    continue  # nested tracks are a skeleton's points, reported with the skeleton
                try:
                    frame = int(shape.get("frame"))  # type: ignore[arg-type]  # None raises TypeError, reported
                except (TypeError, ValueError):
                    findings.append(Finding("bad-value", f"<{shape.tag}> without an integer 'frame'",
                                            file=self.file, element=f"<track id={track.get('id')}>",
                                            line=line_of(shape)))
                    continue
                shape.set("label", track.get("label", ""))
                group = track.get("group_id")
                if group:
                    shape.set("group_id", group)
                shape.set("track_id", track.get("id", ""))
                frames.setdefault(frame, []).append(shape)
        images_dir = self.xml.parent / "images"
        task_id = (task.findtext("id") or "").strip() if task is not None else ""
        sequence = f"CVAT task {task_id}" if task_id else f"the video of {self.xml.name}"
        entries = []
        for frame in sorted(set(task_frames(task)) | set(frames)):
            stem = f"frame_{frame:06d}"
            found = sorted(images_dir.glob(stem + ".*")) if images_dir.is_dir() else []
            entries.append({"name": found[0].name if found else stem, "width": width, "height": height,
                            "subset": None, "shapes": frames.get(frame, []), "id": frame,
                            "element": f"frame {frame}", "line": None, "sequence": sequence})
        return entries

    def name_of(self, entry: dict) -> str:
        return entry["name"]

    # ------------------------------------------------------------------ one image
    def sample(self, entry: dict) -> Sample:
        findings: list[Finding] = []
        regions = []
        counters: dict[str, int] = {}
        for position, shape in enumerate(entry["shapes"]):
            counters[shape.tag] = counters.get(shape.tag, 0) + 1
            region = self._shape(shape, position, counters[shape.tag], entry, findings)
            if region is not None:
                regions.append(region)
        here = self.xml.parent
        found = locate(entry["name"], [self.images_option, here / "images", here, here.parent / "images"])
        subset = entry["subset"]
        if found is None and subset and not unsafe_reason(subset) and "/" not in subset:
            inside = entry["name"][len(subset) + 1:] if entry["name"].startswith(subset + "/") else entry["name"]
            found = locate(inside, [here / "images" / subset])  # a project export's layout, and segconv's
        tags = [shape.get("label", "") for shape in entry["shapes"] if shape.tag == "tag"]
        return Sample(entry["name"], entry["width"], entry["height"], regions,
                      Origin(self.file, entry["element"], entry["line"]), subset=entry["subset"],
                      image_id=_int_id(entry["id"]), findings=findings, image_path=str(found) if found else None,
                      order_rule=ORDER, attributes={"tags": tags} if tags else {}, sequence=entry.get("sequence"))

    def _shape(self, shape, position: int, nth: int, entry: dict, findings: list):
        label = shape.get("label", "")
        element = f"<{shape.tag}> #{nth}" + (f" ({label})" if label else "")
        line = line_of(shape)

        def report(code, message, pixels=None):
            findings.append(Finding(code, message, file=self.file, image=entry["name"], element=element,
                                    line=line, pixels=pixels))

        if shape.tag == "tag":
            return None  # an image attribute (kept on the sample), not a shape
        if shape.tag in NO_AREA_SHAPES:
            if not _skeleton_outside(shape):
                report("no-area-shape", f"{NO_AREA_WORDS[shape.tag]}; not painted")
            return None
        if shape.tag not in AREA_SHAPES:
            if shape.tag != "attribute":
                report("bad-value", f"unknown element <{shape.tag}>; not painted")
            return None
        if not label:
            report("bad-value", "shape without a label; not painted")
            return None
        if self.meta_labels and label not in self.meta_labels and label not in self.undeclared:
            self.undeclared[label] = None
            report("undeclared-label", f"label {label!r} is not declared in <meta>")
        try:
            z = int(shape.get("z_order", "0") or 0)
        except ValueError:
            report("bad-value", f"z_order {shape.get('z_order')!r} is not an integer; 0 is used")
            z = 0
        geometry: Geometry | None = None
        if shape.tag == "box":
            v = _numbers(shape, ("xtl", "ytl", "xbr", "ybr"), report)
            if v is not None:
                geometry = Box(v[0], v[1], v[2], v[3], rotation=v[4])
        elif shape.tag == "polygon":
            pts = self._points(shape.get("points", ""), report)
            if pts is not None:
                if len(pts) < 3:
                    report("too-few-points", f"polygon has {len(pts)} points (3 needed); not painted")
                else:
                    geometry = Polygon((pts,))
        elif shape.tag == "ellipse":
            v = _numbers(shape, ("cx", "cy", "rx", "ry"), report)
            if v is not None:
                geometry = Ellipse(v[0], v[1], v[2], v[3], rotation=v[4])
        elif shape.tag == "mask":
            geometry = self._mask(shape, entry, report)
        if geometry is None:
            return None
        group = shape.get("group_id")
        attrs = {"shape": shape.tag, "occluded": shape.get("occluded") == "1"}
        if shape.get("source"):
            attrs["source"] = shape.get("source")
        for child in shape.findall("attribute"):
            attrs[f"attribute:{child.get('name')}"] = child.text or ""
        instance = ("group", group) if group and group != "0" else None
        if instance is None and shape.get("track_id"):
            instance = ("track", shape.get("track_id"))
        return Region(label, geometry, (z, position), Origin(self.file, element, line), instance=instance,
                      attributes=attrs)

    @staticmethod
    def _points(text: str, report) -> np.ndarray | None:
        pairs = text.split(";")
        values, empty = [], 0
        for pair in pairs:
            if not pair.strip():
                empty += 1
                continue
            xy = pair.split(",")
            if len(xy) != 2 or any(_float(v) is None for v in xy):
                report("bad-value", f"point {pair!r} is not 'x,y'; not painted")
                return None
            values.append((_float(xy[0]), _float(xy[1])))
        if empty:
            report("empty-point", f"'points' has {empty} empty pair(s) (a stray ';'); ignored")
        arr = np.asarray(values, dtype=np.float64).reshape(-1, 2)
        if np.isnan(arr).any():
            report("non-finite-coordinate", "a point holds NaN or infinity; not painted")
            return None
        return arr

    def _mask(self, shape, entry, report) -> Bitmap | None:
        try:
            left, top, w, h = (int(shape.get(k)) for k in ("left", "top", "width", "height"))
        except (TypeError, ValueError):
            report("bad-value", "mask needs integer left, top, width, height; not painted")
            return None
        text = (shape.get("rle") or "").strip()
        if not text or w <= 0 or h <= 0:
            report("bad-value", "mask has an empty 'rle' or a zero size; not painted")
            return None
        if w * h > self.max_pixels:
            report("image-too-large", f"mask of {w}x{h} exceeds --max-pixels; not painted")
            return None
        try:
            counts = np.array([int(v) for v in text.split(",")], dtype=np.int64)
        except ValueError:
            report("bad-value", "'rle' must be comma-separated integers; not painted")
            return None
        if counts.min() < 0:
            report("rle-invalid", "'rle' holds a negative run; not painted")
            return None
        total = int(counts.sum())
        if total != w * h:
            report("rle-count-sum", f"'rle' runs sum to {total}, not width x height = {w}x{h} = {w * h}; "
                                    "not painted")
            return None
        values = np.zeros(len(counts), dtype=bool)
        values[1::2] = True
        mask = np.repeat(values, counts).reshape(h, w)  # row-major
        return placed_mask(mask, left, top, entry["width"], entry["height"], report)


def _sequence_tasks(meta) -> dict[str, str]:
    """The tasks of ``<meta>`` (a task export's ``<task>``, a project's ``<tasks>``) annotated as sequences
    (``<mode>interpolation</mode>``): task id -> ``"CVAT task <id>"``."""
    if meta is None:
        return {}
    out = {}
    for task in meta.iter("task"):
        task_id = (task.findtext("id") or "").strip()
        if task_id and (task.findtext("mode") or "").strip() == "interpolation":
            out[task_id] = f"CVAT task {task_id}"
    return out


def task_frames(task) -> range:
    """The frames of a video task, numbered as its shapes' ``frame`` are (the video's own numbers):
    ``<size>`` of them from ``<start_frame>``, every ``step`` of ``<frame_filter>step=N</frame_filter>``.

        >>> import xml.etree.ElementTree as ET
        >>> list(task_frames(ET.fromstring("<task><size>4</size><start_frame>10</start_frame>"
        ...                                "<stop_frame>19</stop_frame><frame_filter>step=3</frame_filter></task>")))
        [10, 13, 16, 19]
        >>> list(task_frames(ET.fromstring("<task><size>3</size></task>")))
        [0, 1, 2]
    """
    def number(tag: str, default: int) -> int:
        text = (task.findtext(tag) or "").strip() if task is not None else ""
        return int(text) if text.isdigit() else default

    step = 1
    for part in ((task.findtext("frame_filter") or "") if task is not None else "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "step" and value.strip().isdigit() and int(value) > 0:
            step = int(value)
    start, size = number("start_frame", 0), number("size", 0)
    stop = number("stop_frame", start + (size - 1) * step)
    return range(start, min(stop, start + (size - 1) * step) + 1, step) if size else range(0)
