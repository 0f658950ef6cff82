"""COCO instances JSON (``docs/formats.md``, "COCO instances").

The decoder follows the JSON type of ``segmentation``, as pycocotools'
``annToRLE`` does: a list is polygons (one or more rings ``[x1, y1, x2, y2,
...]``, unioned), a dict whose ``counts`` is a list is uncompressed RLE, a dict
whose ``counts`` is a string is compressed RLE.  ``iscrowd`` does not choose
the decoder and is not void: a crowd region is painted with its class.

Category ids are kept as they are (gappy ids are normal: COCO 2017 uses 1..90
with holes); categories reach the label map by *name*.

Every trap listed in ``docs/formats.md`` becomes a finding on the annotation,
never a crash and never a silently different mask:

===========================  =====================================================
4-number ring                ``box-as-polygon`` (pycocotools would crash); skipped
fewer than 3 vertices        ``too-few-points``; skipped
odd number of coordinates    ``odd-coordinate-count``; last number ignored, as
                             pycocotools does
NaN / infinity               ``non-finite-coordinate``; ring skipped
``[]``, ``[[]]``, missing    ``empty-segmentation`` (a box-only annotation)
RLE size not [h, w]          ``rle-size-mismatch`` (says when it is [w, h])
counts not summing to h*w    ``rle-count-sum``
``"b'...'"`` counts          ``rle-bytes-literal``; the inner string is used
dangling ids                 ``unknown-category-id`` / ``dangling-image-id``
===========================  =====================================================

The whole JSON is parsed once, by msgspec, keeping each ``segmentation`` as its
raw bytes until its image is built (a file msgspec refuses, such as one holding
``NaN``, goes through :func:`~convert.files.json_source.load_json`, whose checks
name what is wrong); annotations are grouped by image, and samples are built one
at a time as the caller iterates.  Segmentations are decoded by
:mod:`convert.formats.coco.segmentation`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec

from convert.errors import SegconvError, read_source
from convert.files.images import locate
from convert.files.json_shape import shape
from convert.files.json_source import all_numbers, as_size, finite, head, is_int, is_number, load_json
from convert.findings import Finding
from convert.findings.severity import Severity
from convert.formats.coco.segmentation import parse_segmentation, rle_of
from convert.formats.dataset import IndexedDataset
from convert.formats.label_studio.read import is_task
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.names import normalize_name, stem_of, unsafe_reason
from convert.model.sample import OrderRule, Origin, Region, Sample
from convert.wording import plural

NAME = "coco"
ORDER = OrderRule(("position",), "the annotations list")  # Region.order: the annotation's index in the file


# --------------------------------------------------------------------- detection
def detect(path: Path) -> str | None:
    """Why ``path`` looks like COCO instances JSON, or ``None``."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return None
    return _instances_file(path)


def _instances_file(path: Path) -> str | None:
    """From the file's structure (:mod:`~convert.files.json_shape`), not a window of its first bytes: an
    object with ``images`` or ``annotations`` that is neither a Label Studio task nor COCO panoptic (whose
    first annotation holds ``segments_info``, maybe after megabytes of ``images``) nor SA-1B (one ``image``)."""
    found = shape(path)
    if found.top != "object" or found.first_key_among((), ("images", "annotations")) is None:
        return None  # labelme files, among others, have neither
    if is_task(found, ()) or found.has(("annotations", 0, "segments_info")):
        return None  # Label Studio, COCO panoptic
    # "images" is asked first: a COCO file's is met at once, while "image" is looked for to the file's end
    # (65 ms of a 2 MB file's detection, walking every annotation)
    if not found.has(("images",)) and found.has(("image",)):
        return None  # SA-1B: one image per file, as "image"
    return "a JSON object with 'images' / 'annotations'"


def looks_like_results(path: Path) -> bool:
    """A COCO *results* file: a bare JSON array of detections."""
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    start = head(path).lstrip()
    return start.startswith(b"[") and b'"image_id"' in start


# --------------------------------------------------------------------- loading
_MISSING = msgspec.Raw(b"")


class Annotation(msgspec.Struct):
    """A COCO annotation as the fast parse keeps it: the small fields decoded, ``segmentation`` and ``bbox``
    kept as the raw JSON bytes of the file, decoded only when its image is built.  A 470 MB instances file
    (train2017's size) is mostly polygon coordinates: parsed into Python floats it takes about 10 times its
    size; kept raw, about 1.5 times.  ``get`` reads like ``dict.get``."""

    id: Any = None
    image_id: Any = None
    category_id: Any = None
    iscrowd: Any = None
    area: Any = None
    bbox: msgspec.Raw = _MISSING
    segmentation: msgspec.Raw = _MISSING
    segments_info: msgspec.Raw = _MISSING  # only to recognise a panoptic file

    def get(self, key: str, default: Any = None) -> Any:
        value = getattr(self, key, default)
        if isinstance(value, msgspec.Raw):
            return msgspec.json.decode(value) if len(value) else default
        return value


class _Instances(msgspec.Struct):
    images: Any = _MISSING
    annotations: list[Annotation] | None = None
    categories: Any = _MISSING


def load_coco(path: Path):
    """The COCO document: ``images``, ``annotations`` (:class:`Annotation` objects) and ``categories`` from the
    fast parse (msgspec), or, for a file it refuses (NaN, an annotation that is not an object, any JSON that is
    not an object with those lists), the generic parse of :func:`load_json`, whose checks then name what is
    wrong."""
    data = read_source(path)
    try:
        doc = msgspec.json.decode(data, type=_Instances)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):  # ValueError: UnicodeDecodeError too
        return load_json(path, data)
    out = {"annotations": doc.annotations}
    for key in ("images", "categories"):
        value = getattr(doc, key)
        if not isinstance(value, msgspec.Raw):
            out[key] = value
    if out["annotations"] is None:
        del out["annotations"]
    return out


class CocoDataset(IndexedDataset[dict]):
    """An opened COCO instances file.  Iterating yields one sample per image,
    in the file's order of ``images``."""

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS):
        path = Path(path)
        # where image files may be: --images, then the usual layouts around the JSON
        subset = path.stem.split("_", 1)[1] if "_" in path.stem else path.stem
        here = path.parent
        candidates = [images, here, here / "images", here.parent / "images",
                      here.parent / "images" / subset, here.parent / subset]
        # folders that do not exist are dropped once, not looked into for every image
        self.image_dirs = [d for d in candidates if d is not None and Path(d).is_dir()]
        doc = load_coco(path)
        file = str(path)
        if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "image_id" in doc[0]:
            raise SegconvError(
                "this is a COCO results list (a bare array of detections), not a dataset: "
                "it has no 'images' or 'categories'",
                file=file,
            )
        if not isinstance(doc, dict):
            raise SegconvError("top level must be a JSON object", file=file)
        for key in ("images", "annotations", "categories"):
            if key in doc and not isinstance(doc[key], list):
                raise SegconvError(f"'{key}' must be a list, not {type(doc[key]).__name__}", file=file, element=key)
        if "images" not in doc:
            raise SegconvError("no 'images' list: not a COCO instances file", file=file)
        anns = doc.get("annotations") or []
        if anns and isinstance(anns[0], (dict, Annotation)) and anns[0].get("segments_info") is not None:
            raise SegconvError(
                "this is a COCO panoptic file (annotations hold 'segments_info' and a PNG): "
                "read it with --from coco-panoptic",
                file=file, element="annotations[0]")

        self._file = file
        self._max_pixels = max_pixels
        findings: list[Finding] = []

        # categories: id -> name, in file order
        self.categories: dict[int, str] = {}
        self.category_ids: dict[str, int | None] = {}  # name -> id, which the COCO writers keep
        self.supercategories: dict[str, str] = {}  # category name -> its supercategory, kept for writers
        for i, cat in enumerate(doc.get("categories") or []):
            where = f"categories[{i}]"
            if not isinstance(cat, dict) or not is_int(cat.get("id")) or not isinstance(cat.get("name"), str) \
                    or not cat.get("name"):
                findings.append(Finding("bad-category", "needs an integer 'id' and a non-empty string 'name'",
                                        file=file, element=where))
                continue
            if cat["id"] in self.categories:
                findings.append(Finding("bad-category", f"category id {cat['id']} appears twice; this one is ignored",
                                        file=file, element=f"{where} (id={cat['id']})"))
                continue
            self.categories[cat["id"]] = cat["name"]
            first = self.category_ids.setdefault(cat["name"], cat["id"])
            if first != cat["id"]:
                findings.append(Finding("bad-category", f"category id {cat['id']} has the name of category id {first} "
                                        f"({cat['name']!r}): both are painted as {cat['name']!r}, and a COCO writer "
                                        f"gives them one id, {first}", file=file, element=f"{where} (id={cat['id']})",
                                        severity=Severity.WARNING))
            if isinstance(cat.get("supercategory"), str) and cat["supercategory"]:
                self.supercategories[cat["name"]] = cat["supercategory"]

        # images, in file order
        self.entries: list[dict] = []  # the converted images, each with its annotations (position, annotation)
        by_id: dict = {}
        refused: dict = {}  # id of an image entry that is not converted -> the position of its finding

        def refuse(img_id, finding: Finding) -> None:
            if (is_int(img_id) or isinstance(img_id, str)) and img_id not in by_id:
                refused.setdefault(img_id, len(findings))
            findings.append(finding)
        stems: dict[str, int] = {}
        for i, img in enumerate(doc["images"]):
            where = f"images[{i}]"
            if not isinstance(img, dict):
                findings.append(Finding("bad-image", "image entry is not an object", file=file, element=where))
                continue
            img_id = img.get("id")
            if img_id is not None:
                where = f"image id={img_id}"
            name = img.get("file_name")
            width, height = as_size(img.get("width")), as_size(img.get("height"))
            problems = []
            if not is_int(img_id) and not isinstance(img_id, str):
                problems.append("'id' missing or not an integer")
            if not isinstance(name, str) or not name:
                problems.append("'file_name' missing or not a string")
            if width is None or height is None:
                problems.append(
                    f"'width'/'height' must be positive integers, got {img.get('width')!r} x {img.get('height')!r}"
                )
            if problems:
                refuse(img_id, Finding("bad-image", "; ".join(problems), file=file, element=where,
                                       image=name if isinstance(name, str) else None))
                continue
            assert isinstance(name, str) and width is not None and height is not None  # problems said otherwise
            reason = unsafe_reason(name)
            if reason:
                refuse(img_id, Finding("unsafe-path", f"file_name {name!r} {reason}; not converted",
                                       file=file, element=where, image=name))
                continue
            if width * height > max_pixels:
                refuse(img_id, Finding(
                    "image-too-large",
                    f"declared size {width}x{height} = {width * height:,} pixels exceeds --max-pixels {max_pixels:,}",
                    file=file, element=where, image=name))
                continue
            if img_id in by_id:
                findings.append(Finding("duplicate-image", f"image id {img_id} appears twice; this entry is skipped",
                                        file=file, element=where, image=name))
                continue
            norm = normalize_name(name)
            stem = stem_of(norm)
            if stem in stems:
                refuse(img_id, Finding(
                    "duplicate-image",
                    f"{name!r} would write the same mask as image id={self.entries[stems[stem]]['id']}; skipped",
                    file=file, element=where, image=name))
                continue
            stems[stem] = len(self.entries)
            by_id[img_id] = len(self.entries)
            self.entries.append({"id": img_id, "name": norm, "width": width, "height": height,
                                 "subset": None, "void": img.get("segconv_void"), "annotations": []})

        # annotations grouped by image, keeping file order
        seen_ids: dict = {}
        carried: dict = {}  # id of a refused image -> how many annotations name it
        for pos, ann in enumerate(doc.get("annotations") or []):
            where = _ann_element(ann, pos)
            if not isinstance(ann, (dict, Annotation)):
                findings.append(Finding("bad-value", "annotation is not an object", file=file, element=where))
                continue
            ann_id = ann.get("id")
            if is_int(ann_id) or isinstance(ann_id, str):  # ids of other types (lists...) cannot collide
                if ann_id in seen_ids:
                    findings.append(Finding("duplicate-id", f"annotation id {ann_id} also used by "
                                            f"annotations[{seen_ids[ann_id]}]", file=file, element=where))
                else:
                    seen_ids[ann_id] = pos
            image_ref = ann.get("image_id")
            slot = by_id.get(image_ref) if is_int(image_ref) or isinstance(image_ref, str) else None
            if slot is None and (is_int(image_ref) or isinstance(image_ref, str)) and image_ref in refused:
                carried[image_ref] = carried.get(image_ref, 0) + 1  # said on the image's own finding
                continue
            if slot is None:
                findings.append(Finding("dangling-image-id",
                                        f"image_id {ann.get('image_id')!r} matches no image; not painted",
                                        file=file, element=where))
                continue
            self.entries[slot]["annotations"].append((pos, ann))
        for img_id, count in carried.items():  # a refused image's annotations are not dangling: counted on it
            at = refused[img_id]
            findings[at] = replace(findings[at], message=f"{findings[at].message}; its {plural(count, 'annotation')} "
                                   f"{'is' if count == 1 else 'are'} not painted")

        super().__init__(file, findings, self._levelled_labelmap(doc.get("categories") or [], findings))

    format = NAME

    def _levelled_labelmap(self, categories: list, findings: list[Finding]):
        """The label map of a file written by segconv's coco-rle or coco writer (categories carry ``level``, and
        ``index`` where it is not the id)."""
        if not categories or not all(isinstance(c, dict) and is_int(c.get("level")) and is_int(c.get("id"))
                                     and isinstance(c.get("name"), str) for c in categories):
            return None
        if not all(is_int(c.get("index", 0)) for c in categories):
            return None
        data = {"classes": [{"name": c["name"], "index": c.get("index", c["id"]), "level": c["level"],
                             **({"fill": True} if c.get("fill") is True else {})} for c in categories]}
        try:
            given = "index" if any("index" in c for c in categories) else "id = index"
            levelled = LabelMap.from_dict(data, source=f"{self._file} categories ({given}, with levels)")
        except SegconvError:
            return None
        return _whole_labelmap(Path(self._file), levelled, findings) or levelled

    @property
    def label_names(self) -> list[str]:
        return list(dict.fromkeys(self.categories.values()))

    def name_of(self, entry: dict) -> str:
        return entry["name"]

    def sample(self, entry: dict) -> Sample:
        """Build the sample of one converted image."""
        img = entry
        h, w, name = img["height"], img["width"], img["name"]
        findings: list[Finding] = []
        regions: list[Region] = []
        for pos, ann in img["annotations"]:
            where = _ann_element(ann, pos)
            origin = Origin(self._file, where)

            def report(code, message, pixels=None, where=where):
                findings.append(Finding(code, message, file=self._file, image=name, element=where, pixels=pixels))

            cat = ann.get("category_id")
            label = self.categories.get(cat) if is_int(cat) else None
            if label is None:
                report("unknown-category-id", f"category_id {cat!r} matches no category; not painted")
                continue
            geometry = parse_segmentation(ann.get("segmentation"), h, w, report)
            if geometry is None:
                continue
            regions.append(Region(label=label, geometry=geometry, order=(pos,), origin=origin,
                                  instance=pos, crowd=bool(ann.get("iscrowd")),
                                  attributes=_declared(ann, self.supercategories.get(label or "")),
                                  source_id=ann.get("id") if is_int(ann.get("id")) else None))
        if img["void"] is not None:  # written by segconv's coco-rle writer: explicit void pixels
            where = "segconv_void"
            geometry = rle_of(img["void"], h, w, lambda code, message, pixels=None: findings.append(
                Finding(code, message, file=self._file, image=name, element=where)))
            if geometry is not None:
                regions.append(Region(None, geometry, (-1,), Origin(self._file, where)))
        found = locate(name, self.image_dirs)
        return Sample(name=name, width=w, height=h, regions=regions, origin=Origin(self._file, f"image id={img['id']}"),
                      subset=img["subset"], image_id=img["id"], findings=findings,
                      image_path=str(found) if found else None, order_rule=ORDER)


def _whole_labelmap(file: Path, levelled: LabelMap, findings: list[Finding]) -> LabelMap | None:
    """The ``labelmap.json`` segconv's COCO writers put beside the file (``coco-rle``) or above its
    ``annotations/`` folder (``coco``), when it names the classes the categories do: it also holds what
    categories cannot (``every_pixel_drawn``, the void value and aliases, ``within``).  One that does not (the
    categories were edited since) is not used, and a ``skipped-file`` note says so."""
    for folder in (file.parent, file.parent.parent) if file.parent.name == "annotations" else (file.parent,):
        own = folder / "labelmap.json"
        if own.is_file():
            try:
                whole = LabelMap.load(own)
            except SegconvError as exc:
                why = f"cannot be read ({exc.message})"
            else:
                mine = {(c.name, c.index, c.level, c.fill) for c in whole.classes}
                theirs = {(c.name, c.index, c.level, c.fill) for c in levelled.classes}
                if mine == theirs:
                    return whole
                differ = sorted(mine ^ theirs, key=lambda c: c[1])[0]
                why = f"names other classes than {file.name}'s categories (class {differ[0]!r}, index {differ[1]})"
            findings.append(Finding("skipped-file", f"{own.name} {why}; not used: the categories' classes are, "
                                    "without its every_pixel_drawn and void", file=str(own)))
            return None
    return None


def _declared(ann: dict | Annotation, supercategory: str | None = None) -> dict:
    """The annotation's own ``area`` and ``bbox`` (when they are numbers), for the validator to compare
    with the pixels (:func:`convert.checks.validator.declared_field_findings`), and its category's supercategory."""
    out: dict[str, Any] = {"supercategory": supercategory} if supercategory else {}
    area, bbox = ann.get("area"), ann.get("bbox")
    if is_number(area) and finite(area):
        out["declared_area"] = float(area)
    if isinstance(bbox, list) and len(bbox) == 4 and all_numbers(bbox) and all(map(finite, bbox)):
        out["declared_bbox"] = tuple(float(v) for v in bbox)
    return out


def _ann_element(ann, pos: int) -> str:
    if isinstance(ann, (dict, Annotation)) and ann.get("id") is not None:
        return f"annotation id={ann.get('id')}"
    return f"annotations[{pos}]"
