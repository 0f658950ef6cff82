"""Label Studio JSON export (``docs/formats.md``, "Label Studio"): a list of tasks.

One sample per task; its annotation is chosen by a stated rule (``-O use=annotation``, the default: the one
marked ``ground_truth``, else the newest that was not cancelled; ``-O use=prediction``: the newest
prediction).  Results, in percent of ``original_width`` / ``original_height``:

- ``polygonlabels`` / ``polygon``: ``points`` [[x, y], ...];
- ``rectanglelabels`` / ``rectangle``: ``x``, ``y`` (the top-left corner), ``width``, ``height``,
  ``rotation`` in degrees clockwise about that corner;
- ``ellipselabels`` / ``ellipse``: ``x``, ``y`` (the centre), ``radiusX``, ``radiusY``, ``rotation``;
- ``brushlabels`` / ``brush`` / ``magicwand``: ``rle``, Label Studio's bit-packed RLE of the RGBA image
  (:mod:`convert.formats.label_studio.brush`); the mask is alpha at least ``-O alpha=128`` (the editor
  anti-aliases strokes: fainter pixels are counted in an info finding);

a label from the result's own ``...labels`` list or from a ``labels`` result of the same region ``id``.
Results of other types (keypoints, choices, text, relations) are skipped with an info finding.  Result
order decides inside a level.  The image name comes from ``data.<to_name>``: ``/data/upload/<n>/<8 hex>-
name.jpg`` without the upload prefix, ``/data/local-files/?d=dir/name.jpg`` as ``dir/name.jpg``, ``s3://``,
``gs://`` and http URLs by their last part; ``--images`` finds the files.  The size comes from
``original_width`` / ``original_height``, checked against the image file when it is found, and from the file
when no result carries it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np

from convert.errors import SegconvError
from convert.files.images import ImageProblem, locate, oriented_size
from convert.files.json_shape import Shape, shape
from convert.files.json_source import load_json
from convert.findings import Finding
from convert.findings.missing_image import missing_image
from convert.formats.dataset import IndexedDataset
from convert.formats.label_studio import brush as brushrle
from convert.formats.label_studio.choice import choose
from convert.formats.label_studio.values import Garbled, number
from convert.formats.label_studio.values import points as read_points
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.names import normalize_name, unsafe_reason
from convert.model.sample import Bitmap, Ellipse, OrderRule, Origin, Polygon, Region, Sample
from convert.wording import plural

ORDER = OrderRule(("position",), "the annotation's result list")
GEOMETRY = {"polygon": "polygon", "polygonlabels": "polygon", "rectangle": "rectangle",
            "rectanglelabels": "rectangle", "ellipse": "ellipse", "ellipselabels": "ellipse",
            "brush": "brush", "brushlabels": "brush", "magicwand": "brush"}
_UPLOAD = re.compile(r"^[0-9a-f]{8}-")


def detect(path: Path) -> str | None:
    if path.is_dir():
        tasks = path / "tasks.json"
        if tasks.is_file() and task_file(tasks):
            return "a folder holding tasks.json (Label Studio tasks: segconv's label-studio layout)"
        return None
    if not path.is_file() or path.suffix.lower() != ".json":
        return None
    return task_file(path)


def task_file(path: Path) -> str | None:
    """Why ``path`` holds Label Studio tasks (a list of them, or one task as the editor saves it), from the
    file's structure (:mod:`~convert.files.json_shape`): the first task has ``data`` and ``annotations``
    or ``predictions``, or its first annotation or prediction has a ``result``; in whatever key order, however
    long a result is, reading only as far as that takes."""
    found = shape(path)
    if found.top == "list" and is_task(found, (0,)):
        return "a JSON list of Label Studio tasks ('data', 'annotations' or 'predictions')"
    if found.top == "object" and is_task(found, ()):
        return "one Label Studio task (an object with 'data' and 'annotations' or 'predictions')"
    return None


def is_task(found: Shape, at: tuple) -> bool:
    """Whether the object at ``at`` is a Label Studio task (see :func:`task_file`)."""
    data = lists = False
    for path, kind in found.events():
        if kind == "end" and path == at[:len(path)]:
            return False
        if kind != "key" or path[:len(at)] != at:
            continue
        rest = path[len(at):]
        if rest == ("data",):
            data = True
        elif rest in (("annotations",), ("predictions",)):
            lists = True
        elif len(rest) == 3 and rest[0] in ("annotations", "predictions") and rest[2] == "result":
            return True
        elif rest in (("images",), ("shapes",)):  # COCO, labelme
            return False
        if data and lists:
            return True
    return False


def image_name(reference: str) -> str:
    """The image's name from the reference Label Studio keeps in ``data``.

    >>> image_name("/data/upload/3/5f2a9c1e-table 01.jpg"), image_name("/data/local-files/?d=food/a.png")
    ('table 01.jpg', 'food/a.png')
    >>> image_name("s3://bucket/photos/b.jpg"), image_name("https://x.org/img/c%20d.jpg?sig=1")
    ('b.jpg', 'c d.jpg')
    """
    parts = urlsplit(reference)
    if parts.path.startswith("/data/local-files") and parts.query:
        found = parse_qs(parts.query).get("d")
        if found:
            return normalize_name(unquote(found[0]))
    last = unquote(parts.path.rsplit("/", 1)[-1])
    if parts.path.startswith("/data/upload/"):
        last = _UPLOAD.sub("", last, count=1)
    return last


Task = tuple[int, dict, dict | None, str, str]  # (position in the file, task, chosen result, how chosen, name)


class LabelStudioDataset(IndexedDataset[Task]):
    """A Label Studio JSON export: one sample per task."""

    format = "label-studio"

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, options: dict | None = None, **_):
        src = Path(path)
        if src.is_dir():
            src = src / "tasks.json"  # segconv's label-studio layout
        self.file = str(src)
        doc = load_json(src)
        if isinstance(doc, dict) and "data" in doc:
            doc = [doc]  # one task, as the editor saves it
        if not isinstance(doc, list):
            raise SegconvError("a Label Studio file is a list of tasks, or one task (an object with 'data'); this "
                               f"is {'an object without data' if isinstance(doc, dict) else type(doc).__name__}",
                               file=self.file)
        options = options or {}
        self.use = options.get("use", "annotation")
        self.alpha = int(options.get("alpha", 128))
        self.max_pixels = max_pixels
        self.images_given = str(images) if images is not None else None
        self.image_dirs = [d for d in (images, src.parent, src.parent / "images", src.parent.parent / "images")
                           if d is not None and Path(d).is_dir()]
        findings: list[Finding] = []
        self.entries: list[Task] = []
        from_predictions: list[str] = []
        seen: dict[str, int] = {}
        names: dict[str, None] = {}
        for i, task in enumerate(doc):
            where = f"task id={task.get('id')}" if isinstance(task, dict) and task.get("id") is not None \
                else f"tasks[{i}]"
            if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
                findings.append(Finding("bad-value", "a task is an object with 'data'", file=self.file, element=where))
                continue
            wrong = [key for key in ("annotations", "predictions")
                     if task.get(key) is not None and not isinstance(task[key], list)]
            if wrong:
                key = wrong[0]
                findings.append(Finding("bad-value", f"'{key}' must be a list, not {type(task[key]).__name__}; "
                                        "the task is not converted", file=self.file, element=f"{where}.{key}"))
                continue
            chosen, how = choose(task, self.use)
            results = chosen.get("result") if chosen is not None else _any_results(task)
            if not isinstance(results, list):
                findings.append(Finding("bad-value", "'result' must be a list", file=self.file, element=where))
                results = []
            reference = self._reference(task, results)
            if reference is None:
                findings.append(Finding("bad-value", "'data' holds no image reference", file=self.file, element=where))
                continue
            name = image_name(reference)
            reason = unsafe_reason(name)
            if reason:
                findings.append(Finding("unsafe-path", f"image {reference!r} {reason}; not converted", file=self.file,
                                        element=where, image=name))
                continue
            if name in seen:
                findings.append(Finding("duplicate-image", f"{name} is the image of tasks[{seen[name]}] too; this task "
                                        "is skipped", file=self.file, element=where, image=name))
                continue
            seen[name] = i
            if chosen is None:
                self.entries.append((i, task, None, how, name))  # unlabelled: a sample that says so
                continue
            if how == "prediction" and self.use == "auto":
                from_predictions.append(where)
            for result in results:
                for label in _labels_of(result):
                    names.setdefault(label, None)
            self.entries.append((i, task, chosen, how, name))
        if from_predictions:
            shown = ", ".join(from_predictions[:5]) + (f", … and {len(from_predictions) - 5} more"
                                                       if len(from_predictions) > 5 else "")
            findings.append(Finding("prediction-read", f"{plural(len(from_predictions), 'task')} without an "
                                    f"annotation read from {'its' if len(from_predictions) == 1 else 'their'} "
                                    f"newest prediction (-O use=auto): {shown}", file=self.file))
        self.label_list = list(names)
        own = src.parent / "labelmap.json"  # written beside tasks.json by segconv's label-studio layout
        super().__init__(self.file, findings, LabelMap.load(own) if own.is_file() else None)

    @staticmethod
    def _reference(task: dict, results: list) -> str | None:
        data = task["data"]
        for result in results:
            to_name = result.get("to_name") if isinstance(result, dict) else None
            if isinstance(to_name, str) and isinstance(data.get(to_name), str):
                return data[to_name]
        for key in ("image", "img", "url"):
            if isinstance(data.get(key), str):
                return data[key]
        strings = [v for v in data.values() if isinstance(v, str)]
        return strings[0] if len(strings) == 1 else None

    @property
    def label_names(self) -> list[str]:
        return self.label_list

    def name_of(self, entry: Task) -> str:
        return entry[-1]

    # ------------------------------------------------------------------ one task
    def sample(self, entry: Task) -> Sample:
        i, task, chosen, how, name = entry
        element = f"task id={task.get('id')}" if task.get("id") is not None else f"tasks[{i}]"
        origin = Origin(self.file, element)
        findings: list[Finding] = []
        if chosen is None:
            findings.append(Finding("unlabelled-task", how, file=self.file, image=name, element=element))
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False, image_id=task.get("id"))
        results = chosen["result"] if isinstance(chosen.get("result"), list) else []
        attributes = {}
        if how == "prediction":
            attributes = {name: chosen[key] for key, name in (("model_version", "model_version"),
                                                              ("score", "prediction_score"))
                          if chosen.get(key) is not None}

        def report(code, message, where=element, pixels=None, severity=None):
            findings.append(Finding(code, message, file=self.file, image=name, element=where, pixels=pixels,
                                    severity=severity))

        image = locate(name, self.image_dirs)
        real = None
        if image is not None:
            try:
                real = oriented_size(image, self.max_pixels)
            except (ImageProblem, OSError) as exc:
                findings.append(missing_image(subject=str(image), problem=exc, file=self.file, image=name,
                                              element=element))
        size = self._size([*results, task["data"]], real, report)  # a task without results: its data's size
        if size is None:
            findings.append(missing_image("no result carries original_width/original_height, so the size is "
                                          "unknown", images=self.images_given, file=self.file, image=name,
                                          element=element))
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False)
        width, height = size
        if width * height > self.max_pixels:
            report("image-too-large", f"image size {width}x{height} exceeds --max-pixels {self.max_pixels:,}")
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False)
        labels_by_id: dict[str, list[str]] = {}
        for result in results:
            if isinstance(result, dict) and result.get("type") == "labels" and isinstance(result.get("value"), dict):
                labels_by_id.setdefault(str(result.get("id")), []).extend(_labels_of(result))
        regions: list[Region] = []
        skipped: dict[str, int] = {}
        for position, result in enumerate(results):
            if not isinstance(result, dict):
                report("bad-value", f"result[{position}] is not an object; skipped")
                continue
            kind = result.get("type")
            where = f"{element} result[{position}]" + (f" ({kind})" if isinstance(kind, str) else "")
            value = result.get("value")
            if kind not in GEOMETRY:
                if kind != "labels":
                    skipped[str(kind)] = skipped.get(str(kind), 0) + 1
                continue
            if not isinstance(value, dict):
                report("bad-value", "a result without a 'value' object; skipped", where)
                continue
            labels = _labels_of(result) or labels_by_id.get(str(result.get("id")), [])
            if not labels:
                report("bad-value", "a region without a label; not painted", where)
                continue
            geometry = self._geometry(GEOMETRY[kind], value, width, height, where, report)
            if geometry is None:
                continue
            for label in labels[:1]:  # one class per region; more labels are reported
                own = {"shape": GEOMETRY[kind]}
                if isinstance(result.get("score"), (int, float)) and not isinstance(result["score"], bool):
                    own["score"] = result["score"]  # a prediction's confidence, kept for writers
                regions.append(Region(label, geometry, (position,), Origin(self.file, where),
                                      instance=position, attributes=own, source_id=result.get("id")))
            if len(labels) > 1:
                report("bad-value", f"a region with {len(labels)} labels ({', '.join(labels)}); painted as "
                                    f"{labels[0]!r}", where)
        if skipped:
            listed = ", ".join(f"{n} {kind}" for kind, n in skipped.items())
            report("skipped-result", f"results that paint no pixels skipped: {listed}")
        return Sample(name, width, height, regions, origin, findings=findings,
                      image_path=str(image) if image else None, size_checked=image is not None, order_rule=ORDER,
                      image_id=task.get("id"), attributes=attributes)

    @staticmethod
    def _size(results: list, real: tuple[int, int] | None, report) -> tuple[int, int] | None:
        """The image size: the first of ``results`` (dicts; a task's ``data`` last) with ``original_width`` and
        ``original_height``, checked against the image file's (``real``, when it was read), or the file's."""
        declared = None
        for result in results:
            if isinstance(result, dict):
                w, h = result.get("original_width"), result.get("original_height")
                if isinstance(w, (int, float)) and isinstance(h, (int, float)) and w > 0 and h > 0 \
                        and float(w).is_integer() and float(h).is_integer():
                    declared = (int(w), int(h))
                    break
        if declared and real and declared != real:
            report("image-size-mismatch", f"original_width x original_height {declared[0]}x{declared[1]} differs "
                                          f"from the image ({real[0]}x{real[1]}, EXIF orientation applied); the "
                                          "declared size is used, as Label Studio drew on it")
        return declared or real

    def _geometry(self, kind: str, value: dict, width: int, height: int, where: str, report):
        a = "an" if kind == "ellipse" else "a"
        try:
            if kind == "polygon":
                points = read_points(value["points"])
                if not np.isfinite(points).all():
                    report("non-finite-coordinate", "a point holds NaN or infinity; not painted", where)
                    return None
                if len(points) < 3:
                    report("too-few-points", f"{len(points)} points: fewer than 3; not painted", where)
                    return None
                with np.errstate(over="ignore"):
                    return Polygon((points / 100 * [width, height],))
            if kind == "rectangle":
                x, y, w, h = (number(value, k) for k in ("x", "y", "width", "height"))
                rotation = number(value, "rotation") if value.get("rotation") else 0.0
                numbers = (x, y, w, h, rotation)
                if not all(math.isfinite(v) for v in numbers):
                    report("non-finite-coordinate", "a value is NaN or infinite; not painted", where)
                    return None
                return Polygon((_rotated_box(x / 100 * width, y / 100 * height, w / 100 * width, h / 100 * height,
                                             rotation),))
            if kind == "ellipse":
                x, y, rx, ry = (number(value, k) for k in ("x", "y", "radiusX", "radiusY"))
                rotation = number(value, "rotation") if value.get("rotation") else 0.0
                if not all(math.isfinite(v) for v in (x, y, rx, ry, rotation)):
                    report("non-finite-coordinate", "a value is NaN or infinite; not painted", where)
                    return None
                return Ellipse(x / 100 * width, y / 100 * height, rx / 100 * width, ry / 100 * height, rotation)
            return self._brush(value, width, height, where, report)
        except Garbled as exc:
            report("bad-value", f"{a} {kind} result: {exc}; not painted", where)
            return None
        except KeyError as exc:
            report("bad-value", f"{a} {kind} result without {exc}; not painted", where)
            return None
        except (TypeError, ValueError) as exc:
            report("bad-value", f"{a} {kind} result lacks or garbles {exc}; not painted", where)
            return None
        except OverflowError:  # an integer too large for a float (JSON numbers have no limit)
            report("non-finite-coordinate", f"{a} {kind} result holds a number too large for a float; not painted",
                   where)
            return None

    def _brush(self, value: dict, width: int, height: int, where: str, report):
        if value.get("format", "rle") != "rle" or "rle" not in value:
            report("bad-value", f"a brush in format {value.get('format')!r} without 'rle'; not painted", where)
            return None
        try:
            rgba = brushrle.decode(value["rle"], width, height, max_values=4 * self.max_pixels)
        except brushrle.BrushError as exc:
            report("rle-invalid", f"brush RLE: {exc}; not painted", where)
            return None
        alpha = rgba[..., 3]
        mask = alpha >= self.alpha
        faint = int(((alpha > 0) & ~mask).sum())
        if faint:
            report("faint-brush-pixels", f"{plural(faint, 'pixel')} of the stroke are fainter than alpha "
                                         f"{self.alpha} (anti-aliased edges) and are not painted", where, faint)
        return Bitmap(mask)


def _any_results(task: dict) -> list:
    """The results of a task's first annotation or prediction: only to find which ``data`` key is its image."""
    for key in ("annotations", "predictions"):
        for entry in task.get(key) or []:
            if isinstance(entry, dict) and isinstance(entry.get("result"), list):
                return entry["result"]
    return []


def _labels_of(result) -> list[str]:
    """The labels a result carries itself: ``value[<type>]`` for the ``...labels`` types, else ``labels``."""
    if not isinstance(result, dict) or not isinstance(result.get("value"), dict):
        return []
    value, kind = result["value"], result.get("type")
    keys = ([kind] if isinstance(kind, str) and kind.endswith("labels") else []) + ["labels", "brushlabels"]
    for key in keys:
        labels = value.get(key)
        if isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels):
            return labels
    return []


def _rotated_box(x: float, y: float, w: float, h: float, rotation: float) -> np.ndarray:
    """The corners of a Label Studio rectangle: (x, y) the top-left corner, rotated by ``rotation`` degrees
    clockwise on screen about that corner."""
    t = math.radians(rotation)
    c, s = math.cos(t), math.sin(t)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    return np.stack([x + corners[:, 0] * c - corners[:, 1] * s, y + corners[:, 0] * s + corners[:, 1] * c], axis=1)
