"""The ``label-studio`` layout: tasks Label Studio imports as they are, one per image.

::

    OUT/tasks.json               [{"data": {"image": <image-root><name>}, "annotations": [{"result": [...]}]}, ...]
    OUT/labeling-config.xml      <Image> + <BrushLabels> with the classes and their colours
    OUT/labelmap.json            segconv's label map (indices, levels, fill, void), for reading the tasks back;
                                 ``within`` rules left out: each brush holds its object's visible pixels only,
                                 so no container lies beneath it

Every visible object (after layering) is one ``brushlabels`` result whose RLE
(:mod:`convert.formats.label_studio.brush`, as label-studio-sdk encodes masks) Label Studio decodes to exactly
that object's pixels; the fill class is what no brush covers.  ``-O target=predictions`` writes them as
predictions (pre-annotation) instead, keeping a Label Studio source's ``model_version``, its prediction
``score`` and each result's ``score`` (``segconv`` is the ``model_version`` of a source without one);
``-O image-root=...`` is put before every image name, which is percent-encoded (:func:`image_url`; default
``/data/local-files/?d=``, Label Studio's local-files storage; use your storage's URL prefix).  Label Studio has
no void of its own: void pixels a source drew (void regions, unknown labels) are one more brush per image, of a
label of their own (the label map's first void alias, else ``__ignore__``), which ``labeling-config.xml`` lists
and ``labelmap.json`` names as void; without a fill class, pixels no region covers stay without a brush and read
back as uncovered, as in the source.  A task
without any object carries the image size in its data (``original_width``, ``original_height``, as results name
it).  Create the project with ``labeling-config.xml`` and import ``tasks.json``. """

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple, TextIO
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

import numpy as np
import orjson

from convert.files.atomic import open_atomic
from convert.formats.label_studio import brush as brushrle
from convert.formats.layout_writer import LayoutWriter, Written
from convert.formats.objects import visible_objects, void_label
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.wording import plural

PART = ".label-studio-tasks.jsonl"  # one task per line while the run goes; tasks.json at the end


def image_url(root: str, name: str) -> str:
    """``data.image`` of a task: ``root`` as given, then the image name percent-encoded (UTF-8), so a space, a
    ``#`` (which would start a fragment), ``?``, ``&``, ``+`` (a space in a query) or ``%`` arrive as they are
    in Label Studio's local-files ``?d=`` parameter and in a URL path alike.

    >>> image_url("/data/local-files/?d=", "trays/a b#2+1.jpg")
    '/data/local-files/?d=trays/a%20b%232%2B1.jpg'
    """
    return root + quote(name, safe="/")


def object_runs(ids: np.ndarray):
    """Row-major runs of an object-id image, grouped by object: ``{id: (starts, ends)}``, ids > 0."""
    flat = ids.ravel()
    cut = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts = np.r_[0, cut]
    ends = np.r_[cut, flat.size]
    values = flat[starts]
    out = {}
    order = np.argsort(values, kind="stable")
    bounds = np.flatnonzero(np.r_[True, values[order][1:] != values[order][:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        chosen = order[a:b]
        value = int(values[chosen[0]])
        if value:
            out[value] = (starts[chosen], ends[chosen])
    return out


def brush_stream(starts: np.ndarray, ends: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """The value stream of one object's brush from its row-major pixel runs, as runs: 255 on its pixels, 0
    elsewhere, each pixel four values (RGBA).  :func:`convert.formats.label_studio.brush.encode_many` encodes them."""
    gaps = np.r_[starts[0], starts[1:] - ends[:-1], total - ends[-1]]
    lengths = np.empty(2 * len(starts) + 1, dtype=np.int64)
    lengths[0::2] = gaps
    lengths[1::2] = ends - starts
    values = np.zeros(len(lengths), dtype=np.int64)
    values[1::2] = 255
    keep = lengths > 0
    return 4 * lengths[keep], values[keep]


class TaskRecord(NamedTuple):
    """One task: its JSON text (a line of the part file), its brush results, its void pixels (in a void brush)."""

    line: str
    results: int
    void: int


class LabelStudioWriter(LayoutWriter):
    name = "label-studio"
    needs_instances = True
    main_process_only = ("_part",)  # the open part file

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self._part: TextIO | None = None
        self.tasks = self.results = self.void = 0
        self.void_name = void_label(labelmap)

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        height, width = painted.class_mask.shape
        objects, ids = visible_objects(painted, self.labelmap, drawn_fill=self.labelmap.every_pixel_drawn)
        runs = object_runs(ids) if objects else {}
        drawn_void = painted.drawn_void(self.labelmap.void)  # without a fill class, uncovered pixels stay uncovered
        void_runs = object_runs(drawn_void.view(np.uint8)).get(1)
        streams = [runs[number] for number in range(1, len(objects) + 1)] + ([void_runs] if void_runs else [])
        brushes = brushrle.encode_many([brush_stream(starts, ends, width * height) for starts, ends in streams])
        results = []
        for number, brush in enumerate(brushes, start=1):
            obj = objects[number - 1] if number <= len(objects) else None
            result = {"id": f"segconv-{number}", "type": "brushlabels", "from_name": "tag",
                      "to_name": "image", "original_width": width, "original_height": height,
                      "image_rotation": 0, "origin": "prediction" if self._predictions else "manual",
                      "value": {"format": "rle", "rle": brush,
                                "brushlabels": [obj.label.name if obj else self.void_name]}}
            score = next((r.attributes["score"] for r in obj.regions if "score" in r.attributes), None) if obj else None
            if self._predictions and score is not None:
                result["score"] = score  # the source prediction's confidence, kept
            results.append(result)
        void = int((void_runs[1] - void_runs[0]).sum()) if void_runs else 0
        key = "predictions" if self._predictions else "annotations"
        entry: dict[str, Any] = {"result": results}
        if self._predictions:  # the source's model and score where it had them (a Label Studio prediction)
            entry["model_version"] = sample.attributes.get("model_version", "segconv")
            if "prediction_score" in sample.attributes:
                entry["score"] = sample.attributes["prediction_score"]
        image = image_url(self.options["image-root"], sample.name)
        data: dict[str, Any] = {"image": image}
        if not results:  # no result to carry the size: the data does, so the task reads back (segconv reads it)
            data.update(original_width=width, original_height=height)
        task = {"data": data, key: [entry]}
        self.entry(written, f"tasks.json: the task of image {image!r}")
        written.record = TaskRecord(orjson.dumps(task).decode(), len(results), void)  # 10x json.dumps on long rle lists
        return written

    @property
    def _predictions(self) -> bool:
        return self.options["target"] == "predictions"

    def collect(self, record: TaskRecord) -> None:
        if self._part is None:
            self.out.mkdir(parents=True, exist_ok=True)
            self._part = open(self.scratch(PART), "w", encoding="utf-8")  # noqa: SIM115 - closed in finish()
        self._part.write(record.line + "\n")
        self.tasks += 1
        self.results += record.results
        self.void += record.void

    def finish(self) -> list[str]:
        if self._part is None:
            self.out.mkdir(parents=True, exist_ok=True)
            self._part = open(self.scratch(PART), "w", encoding="utf-8")  # noqa: SIM115 - closed just below
        self._part.close()
        with open_atomic(self.scratch("tasks.json"), "w", encoding="utf-8", owner=self.owner) as fh, \
                open(self.out / PART, encoding="utf-8") as part:
            fh.write("[")
            for i, line in enumerate(part):
                fh.write(("," if i else "") + "\n" + line.rstrip("\n"))
            fh.write("\n]\n")
        os.unlink(self.out / PART)
        self.forget(PART)
        labels = "".join(f"    <Label value={quoteattr(c.name)} background={quoteattr(_hex(c.color))}/>\n"
                         for c in sorted(self.labelmap.classes, key=lambda c: c.index) if not c.fill)
        if self.void:  # the void brushes' label, black as the label maps' void
            labels += f"    <Label value={quoteattr(self.void_name)} background=\"#000000\"/>\n"
        self.write_file("labeling-config.xml",
                        "<View>\n  <Image name=\"image\" value=\"$image\" zoom=\"true\"/>\n"
                        f"  <BrushLabels name=\"tag\" toName=\"image\">\n{labels}  </BrushLabels>\n</View>\n")
        self.write_file("labelmap.json", json.dumps(own_labelmap(self.labelmap, self.void_name if self.void else None),
                                                    indent=2) + "\n")
        return ["tasks.json", "labeling-config.xml", "labelmap.json"]

    def summary(self, images: int) -> str:
        where = "predictions" if self._predictions else "annotations"
        text = (f"wrote {self.out / 'tasks.json'}: {plural(self.tasks, 'task')}, "
                f"{plural(self.results, 'brush result')} as {where} (+ labeling-config.xml, labelmap.json)")
        if self.void:
            text += f"; {plural(self.void, 'void pixel')} as brushes labelled {self.void_name!r}, void in labelmap.json"
        return text


def _hex(color) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def own_labelmap(labelmap: LabelMap, void_name: str | None = None) -> dict:
    """The label map written beside the tasks: the run's, without ``within`` rules (a brush of visible pixels
    never lies on its container, so reading the tasks back would break every rule the source kept), and with the
    void brushes' label, ``void_name``, among the void aliases when void brushes were written."""
    doc = labelmap.to_dict()
    doc["classes"] = [{k: v for k, v in c.items() if k != "within"} for c in doc["classes"]]
    if void_name is not None:
        doc["void_aliases"] = list(dict.fromkeys([*labelmap.void_aliases, void_name]))
    return doc
