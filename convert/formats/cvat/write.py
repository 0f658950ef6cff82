"""The ``cvat`` layout: CVAT for images 1.1 XML, to send a delivery back to CVAT
(``docs/formats.md``, "Sending a delivery back").

::

    OUT/annotations.xml              <meta> (a project of one task per subset) and one <image> each
    OUT/images/<subset>/<name>       the images, copied (or symlinked with --link)
    OUT/labelmap.json                segconv's label map (indices, levels), for reading the set back

Every object's **visible** pixels after layering are written, so no painting order can change the result:

- ``-O shapes=auto`` (default): an object is one ``<polygon>`` per part, traced along pixel edges
  (:mod:`convert.pixels.trace`), which pycocotools' rule (CVAT's mask export) paints back exactly; an object
  with a hole, or whose ring touches itself at a corner (parts or a hole meeting at a corner), is a ``<mask>``
  (CVAT's run lengths, row-major in its box, :mod:`convert.formats.cvat.mask_rle`), and so are an image's void
  pixels when they are more than one part (nobody edits void speck by speck);
- ``shapes=polygon``: polygons only, holes joined by bridges crossed twice (exact under pycocotools' even-odd
  fill, though a person editing it sees a slit); ``shapes=mask``: masks only.

``z_order`` is the class's level; parts of one object share a ``group_id`` (the source's, else a new one);
``occluded``, ``source``, the ``<attribute>`` children and the image's ``<tag>`` labels are kept where the
source had them, and a crowd region carries ``is_crowd``.  Void pixels a source drew (void regions, unknown
labels) are shapes of a label of their own (the label map's void alias, else ``__ignore__``), which
``labelmap.json`` names as void; without a fill class, pixels no region covers stay uncovered, as in the source.
Every image's shapes are read back from their written text and painted as CVAT paints them — ``z_order``,
then document order, polygons by pycocotools' rule, masks from their run lengths, no levels — and compared
with the layered mask (``written-pixels-differ``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import NamedTuple, TextIO

import numpy as np

from convert.files.atomic import open_atomic
from convert.formats.cvat import document, mask_rle
from convert.formats.ids import Ids
from convert.formats.layout_writer import LayoutWriter, Written, split_order, within_split
from convert.formats.objects import void_label
from convert.formats.readback import Loss, differing, flat, loss_finding, painted_back, without_within
from convert.formats.shape_attributes import crowd, cvat_attributes, made_by, new_groups, occluded, source_group
from convert.formats.visible_outlines import Outline, outlines
from convert.model.labelmap import LabelMap
from convert.model.names import stem_of
from convert.model.ordering import void_level
from convert.model.sample import Bitmap, Origin, Polygon, Region, Sample
from convert.painting.paint import Painted
from convert.wording import plural

NAME = "cvat"
PART = ".cvat-images.jsonl"  # the images' elements, in sample order, assembled by finish()
RULE = "as CVAT paints them (z_order, then document order; polygons by pycocotools' rule, masks from their runs)"


def written_map(labelmap: LabelMap) -> LabelMap:
    """The label map the output carries: without ``within`` rules (shapes hold visible pixels only), with the
    void label among the void aliases."""
    doc = without_within(labelmap)
    doc["void_aliases"] = list(dict.fromkeys([*labelmap.void_aliases, void_label(labelmap)]))
    return LabelMap.from_dict(doc, source=labelmap.source)


class Image(NamedTuple):
    """What ``write`` gives ``collect`` for one image."""

    subset: str
    source_id: object
    head: list[tuple[str, str]]  # name, width, height
    body: str  # the image's shape elements
    attributes: dict[str, dict[str, str]]  # label -> {attribute: input type}
    tags: list[str]
    void: bool  # void shapes were written
    counts: tuple[int, int]  # polygons, masks
    differ: int
    objects: int  # visible pixels of the objects written


class CvatWriter(LayoutWriter):
    name = NAME
    needs_instances = True
    has_splits = True
    default_subset = "default"
    main_process_only = ("_part",)  # an open file

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.output_map = written_map(labelmap)
        self.flat = flat(self.output_map)
        self.void_name = void_label(labelmap)
        self.void_z = void_level(labelmap)
        self._part: TextIO | None = None
        self.ids: dict[str, Ids] = {}
        self.subsets: dict[str, int] = {}
        self.attributes: dict[str, dict[str, str]] = {}
        self.tags: dict[str, None] = {}
        self.void = False
        self.counts = [0, 0]
        self.loss = Loss(RULE)

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        subset = sample.subset or self.default_subset
        name = within_split(sample.name, subset)
        placed = self.place_image(written, sample, f"images/{subset}", stem_of(name))
        name = placed or name  # the file's name, its extension in lower case, as <image name> says it
        self.entry(written, f"annotations.xml: the image {subset}/{name}")
        found = outlines(painted, self.labelmap)
        taken = {g for g in (source_group(o.obj.regions) for o in found if o.obj) if g is not None}
        groups = new_groups(taken)
        body: list[str] = []
        regions: list[Region] = []
        attributes: dict[str, dict[str, str]] = {}
        counts = [0, 0]
        for outline in found:
            label = outline.label.name if outline.label else self.void_name
            z = outline.label.level if outline.label else self.void_z
            shapes = self._shapes(outline)
            before, after, children = self._common(outline, label, len(shapes), groups, attributes)
            for tag, geometry in shapes:
                body.append(document.shape(tag, [*before, *geometry, ("z_order", str(z)), *after], children))
                regions.append(_read_back(tag, geometry, label, z, len(regions)))
                counts[tag == "mask"] += 1
        tags = [t for t in sample.attributes.get("tags", []) if isinstance(t, str) and t]
        body += [document.shape("tag", [("label", t)], []) for t in tags]
        back = painted_back(sample, regions, self.flat)
        differ, void = differing(painted, back, self.labelmap.void)
        if differ:
            written.findings.append(loss_finding(differ, void, "the written shapes", RULE,
                                                 str(self.out / "annotations.xml"), sample.name))
        head = [("name", name), ("width", str(sample.width)), ("height", str(sample.height))]
        written.record = Image(subset, sample.image_id, head, "".join(body), attributes, tags,
                               any(o.label is None for o in found), (counts[0], counts[1]), differ,
                               sum(o.pixels for o in found if o.label is not None))
        return written

    def _shapes(self, outline: Outline) -> list[tuple[str, list[tuple[str, str]]]]:
        """The shapes of one object: ``(tag, geometry attributes)`` each, as the ``shapes`` option says."""
        policy = self.options["shapes"]
        if policy == "mask" or (policy == "auto" and outline.mask_by_default):
            x0, y0, x1, y1 = outline.box
            counts = mask_rle.encode(outline.window())
            return [("mask", [("rle", mask_rle.text(counts)), ("left", str(x0)), ("top", str(y0)),
                              ("width", str(x1 - x0)), ("height", str(y1 - y0))])]
        return [("polygon", [("points", points_text(ring))]) for ring in outline.rings(bridge_holes=True)]

    def _common(self, outline: Outline, label: str, shapes: int, groups, attributes: dict):
        """What every shape of the object carries: the attributes before its geometry (label, source,
        occluded), those after it (group_id), and its ``<attribute>`` children."""
        regions = outline.obj.regions if outline.obj else []
        source = made_by(regions) or "file"  # "file": what CVAT sets on every shape it imports
        before = [("label", label), ("source", source), ("occluded", "1" if occluded(regions) else "0")]
        group = source_group(regions)
        if group is None and shapes > 1 and outline.obj is not None:
            group = next(groups)
        after = [("group_id", str(group))] if group else []
        children = sorted(cvat_attributes(regions).items())
        declared = attributes.setdefault(label, {})
        for key, _ in children:
            declared.setdefault(key, "text")
        if crowd(regions):
            children.append(("is_crowd", "true"))
            declared["is_crowd"] = "checkbox"
        return before, after, children

    def collect(self, record: Image) -> None:
        self.subsets[record.subset] = self.subsets.get(record.subset, 0) + 1
        ids = self.ids.setdefault(record.subset, Ids())
        for label, found in record.attributes.items():
            self.attributes.setdefault(label, {}).update(found)
        self.tags.update(dict.fromkeys(record.tags))
        self.void |= record.void
        self.counts[0] += record.counts[0]
        self.counts[1] += record.counts[1]
        self.loss.add(record.differ, record.objects)
        line = {"subset": record.subset, "id": ids.take(record.source_id), "head": record.head, "body": record.body}
        self._open().write(json.dumps(line) + "\n")

    def _open(self) -> TextIO:
        if self._part is None:
            self.out.mkdir(parents=True, exist_ok=True)
            self._part = open(self.scratch(PART), "w", encoding="utf-8")  # noqa: SIM115 - closed in finish()
        return self._part

    def finish(self) -> list[str]:
        self._open().close()
        subsets = {s: self.subsets[s] for s in split_order(self.subsets)} or {self.default_subset: 0}
        tasks = document.task_ids(subsets)
        labels = [document.Label(c.name, c.color, attributes=self.attributes.get(c.name, {}))
                  for c in sorted(self.labelmap.classes, key=lambda c: c.index)]
        if self.void:
            labels.append(document.Label(self.void_name, (0, 0, 0), attributes=self.attributes.get(self.void_name,
                                                                                                     {})))
        labels += [document.Label(t, (255, 255, 255), type="tag") for t in self.tags if t not in
                   {label.name for label in labels}]
        with open_atomic(self.scratch("annotations.xml"), "w", encoding="utf-8", owner=self.owner) as fh:
            fh.write(document.HEAD + document.meta(subsets, labels, "segconv"))
            with open(self.out / PART, encoding="utf-8") as part:
                for text in part:
                    line = json.loads(text)
                    head = [("id", str(self.ids[line["subset"]].final(line["id"]))), tuple(line["head"][0])]
                    head.append(("subset", line["subset"]))
                    head.append(("task_id", str(tasks[line["subset"]])))
                    head += [tuple(pair) for pair in line["head"][1:]]
                    fh.write(document.image_open(head) + line["body"] + document.IMAGE_CLOSE)
            fh.write(document.TAIL)
        os.unlink(self.out / PART)
        self.forget(PART)
        labelmap = self.write_file("labelmap.json", json.dumps(self.output_map.to_dict(), indent=2) + "\n")
        return ["annotations.xml", labelmap]

    def summary(self, images: int) -> str:
        subsets = ", ".join(f"{s} {n:,}" for s, n in self.subsets.items())
        polygons, masks = self.counts
        return (f"wrote {self.out / 'annotations.xml'}: CVAT for images 1.1, {plural(images, 'image')}"
                + (f" ({subsets})" if len(self.subsets) > 1 else "")
                + f", {plural(polygons, 'polygon')} and {plural(masks, 'mask')} (shapes={self.options['shapes']})"
                f"; {self.loss.words()} (+ labelmap.json)")


def points_text(ring: np.ndarray) -> str:
    """``points`` as CVAT writes them, ``x,y;x,y`` with two decimals.

    >>> points_text(np.array([[0, 0], [12, 0], [12, 3]]))
    '0.00,0.00;12.00,0.00;12.00,3.00'
    """
    return ";".join(map("{:.2f},{:.2f}".format, ring[:, 0].tolist(), ring[:, 1].tolist()))


def _read_back(tag: str, geometry: list[tuple[str, str]], label: str, z: int, position: int) -> Region:
    """A written shape as a region again, from its written text."""
    values = dict(geometry)
    origin = Origin("annotations.xml", f"<{tag}> #{position + 1}")
    if tag == "polygon":
        numbers = np.array(re.split("[;,]", values["points"]), dtype=np.float64).reshape(-1, 2)
        return Region(label, Polygon((numbers,)), (z, position), origin)
    width, height = int(values["width"]), int(values["height"])
    window = mask_rle.decode(mask_rle.parse(values["rle"]), width, height)
    return Region(label, Bitmap(window, left=int(values["left"]), top=int(values["top"])), (z, position), origin)
