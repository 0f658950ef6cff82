"""COCO panoptic segmentation (``docs/formats.md``, "COCO panoptic"): a JSON and a folder of PNGs.

SRC is a panoptic JSON (``annotations`` hold ``segments_info``), or a folder holding
``annotations/panoptic_*.json`` (one subset each: ``panoptic_val2017.json`` is subset ``val2017``).  The
PNGs: RGB, ``id = R + 256 G + 256² B``, 0 = void; their folder is the JSON's name without extension
(``annotations/panoptic_val2017/``), else a folder beside the JSON that holds them (``panoptic/``, the
panopticapi sample's ``panoptic_examples/``).  Tolerant of what real files do: string image ids, category
id 0, a crowd segment whose id is a bare class id; a ``bbox`` that is not 4 numbers (``[]``) is reported.

Every segment is a region of its category, read straight from the PNG as runs (one pass); segments own
their pixels, so levels never have to decide.  Void pixels (id 0) stay void.  Checked both ways:

- ``panoptic-segment-unlisted``: an id in the PNG that ``segments_info`` does not list (its pixels, void);
- ``panoptic-segment-missing``: a listed segment with no pixel in the PNG;
- ``unknown-category-id``; ``panoptic-stuff-repeated``: a stuff category with several segments in one image;
- ``area`` and ``bbox`` against the PNG, exactly (``area-field-mismatch``, ``bbox-field-mismatch``).

Without ``--labels`` the categories are the label map: index = category id (so ``--to png`` gives what
panopticapi's panoptic-to-semantic converter writes: value = category id), ``isthing`` kept; a file segconv
wrote carries each class's ``index`` and ``level``, which are used.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from convert.errors import SegconvError
from convert.files.images import locate, open_image
from convert.files.json_shape import shape
from convert.files.json_source import is_int, load_json
from convert.findings import Finding
from convert.formats.coco_panoptic.layout import image_folders, png_folder, subset_of
from convert.formats.dataset import IndexedDataset
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelClass, LabelMap, voc_color
from convert.model.names import normalize_name, unsafe_reason
from convert.model.sample import OrderRule, Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

ORDER = OrderRule(("position",), "segments_info")


def _is_panoptic(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    found = shape(path)  # the structure: a first annotation after megabytes of 'images' is still seen
    return found.top == "object" and found.has(("annotations", 0, "segments_info"))


def find_jsons(path: Path) -> list[Path]:
    if _is_panoptic(path):
        return [path]
    if path.is_dir():
        for folder in (path / "annotations", path, path / "panoptic"):
            found = [p for p in sorted(folder.glob("panoptic_*.json")) if _is_panoptic(p)]
            if found:
                return found
    return []


def detect(path: Path) -> str | None:
    found = find_jsons(path)
    if not found:
        return None
    return "a COCO panoptic JSON ('segments_info')" if found == [path] else \
        f"a folder holding {', '.join(p.name for p in found)}"


def rgb_to_id(rgb: np.ndarray) -> np.ndarray:
    """panopticapi's ``rgb2id``: ``R + 256 G + 256² B`` as int32.

    >>> rgb_to_id(np.array([[[1, 0, 0], [2, 1, 0], [0, 0, 3]]], dtype=np.uint8)).tolist()
    [[1, 258, 196608]]
    """
    rgb = rgb.astype(np.int32)
    return rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]


class CocoPanopticDataset(IndexedDataset[dict]):
    """Panoptic JSON files and their PNGs: one sample per annotation (image)."""

    format = "coco-panoptic"

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        src = Path(path)
        jsons = find_jsons(src)
        if not jsons:
            raise SegconvError("not COCO panoptic: no JSON whose annotations hold 'segments_info'", file=str(src))
        self.max_pixels = max_pixels
        findings: list[Finding] = []
        self.entries: list[dict] = []
        categories: dict[int, dict] = {}
        for json_path in jsons:
            self._index(json_path, images, categories, findings, prefix=len(jsons) > 1)
        self.categories = categories
        super().__init__(str(src), findings, self._labelmap(categories, str(jsons[0])))

    def _index(self, json_path: Path, images, categories: dict, findings: list, prefix: bool) -> None:
        file = str(json_path)
        doc = load_json(json_path)
        if not isinstance(doc, dict) or not isinstance(doc.get("annotations"), list):
            raise SegconvError("a panoptic file is an object with an 'annotations' list", file=file)
        for key in ("categories", "images"):
            if doc.get(key) is not None and not isinstance(doc[key], list):
                raise SegconvError(f"'{key}' must be a list, not {type(doc[key]).__name__}", file=file,
                                   element=key)
        for i, cat in enumerate(doc.get("categories") or []):
            if not isinstance(cat, dict) or not isinstance(cat.get("id"), int) or not isinstance(cat.get("name"), str):
                findings.append(Finding("bad-category", "needs an integer 'id' and a string 'name'", file=file,
                                        element=f"categories[{i}]"))
                continue
            categories.setdefault(cat["id"], cat)
        subset = subset_of(json_path)
        png_dir = png_folder(json_path, [a["file_name"] for a in doc["annotations"]
                                         if isinstance(a, dict) and isinstance(a.get("file_name"), str)])
        image_dirs = image_folders(json_path, subset, images)
        by_id = {}
        for i, img in enumerate(doc.get("images") or []):
            if isinstance(img, dict) and isinstance(img.get("id"), (int, str)):
                by_id[img["id"]] = img
            else:
                findings.append(Finding("bad-image", "image entry without an 'id'", file=file, element=f"images[{i}]"))
        seen: set[str] = set()
        for i, ann in enumerate(doc["annotations"]):
            where = f"annotations[{i}]"
            if not isinstance(ann, dict) or not isinstance(ann.get("file_name"), str) \
                    or not isinstance(ann.get("segments_info"), list):
                findings.append(Finding("bad-value", "needs 'file_name' and a 'segments_info' list", file=file,
                                        element=where))
                continue
            image_id = ann.get("image_id")
            img = by_id.get(image_id) if isinstance(image_id, (int, str)) else None  # a list or object: no id
            if img is None:
                findings.append(Finding("dangling-image-id", f"image_id {ann.get('image_id')!r} matches no image; "
                                        "not painted", file=file, element=where))
                continue
            png_name = normalize_name(ann["file_name"])
            name = normalize_name(str(img.get("file_name") or png_name))
            reason = unsafe_reason(png_name) or unsafe_reason(name)
            if reason:
                findings.append(Finding("unsafe-path", f"file name {ann['file_name']!r} {reason}; not converted",
                                        file=file, element=where, image=name))
                continue
            if prefix and subset:  # several subsets in one source: their images apart
                name = f"{subset}/{name}"
            if name in seen:
                findings.append(Finding("duplicate-image", f"{name} has two annotations; the later is skipped",
                                        file=file, element=where, image=name))
                continue
            seen.add(name)
            image = locate(normalize_name(str(img.get("file_name") or "")), image_dirs) if img.get("file_name") \
                else None
            self.entries.append({"file": file, "where": f"image id={img['id']}", "png": png_dir / png_name,
                                 "segments": ann["segments_info"], "name": name, "subset": subset,
                                 "image_id": img["id"], "size": (img.get("width"), img.get("height")),
                                 "image": str(image) if image else None})

    @staticmethod
    def _labelmap(categories: dict[int, dict], source: str) -> LabelMap | None:
        if not categories:
            return None
        colors = [_rgb(c.get("color")) for c in categories.values()]
        own_colors = all(c is not None for c in colors) and len(set(colors)) == len(colors)
        own_index = all(isinstance(c.get("index"), int) and c["index"] >= 0 for c in categories.values())
        classes = []
        for cid, cat in sorted(categories.items()):
            level: int = cat["level"] if isinstance(cat.get("level"), int) and cat["level"] >= 0 else 1
            index = cat["index"] if own_index else cid
            rgb = _rgb(cat.get("color")) if own_colors else None
            color = rgb if rgb is not None else voc_color(index)
            thing = cat.get("isthing")
            classes.append(LabelClass(cat["name"], index, level, color, fill=cat.get("fill") is True,
                                      isthing=bool(thing) if thing in (0, 1, True, False) else None))
        indices = {c.index for c in classes}
        void = 255 if 255 not in indices else max(indices) + 1
        try:
            what = "index and level as segconv wrote them" if own_index else "index = category id"
            return LabelMap._checked(classes, void, (), f"{source} categories ({what})")
        except SegconvError:
            return None

    @property
    def label_names(self) -> list[str]:
        return [c["name"] for _, c in sorted(self.categories.items())]

    def name_of(self, entry: dict) -> str:
        return entry["name"]

    # ------------------------------------------------------------------ one image
    def sample(self, entry: dict) -> Sample:
        name, png, file = entry["name"], entry["png"], entry["file"]
        origin = Origin(file, entry["where"])
        findings: list[Finding] = []

        def report(code, message, pixels=None, element=entry["where"], where=file):
            findings.append(Finding(code, message, file=where, image=name, element=element, pixels=pixels))

        def unusable() -> Sample:
            return Sample(name, 0, 0, [], origin, subset=entry["subset"], image_id=entry["image_id"],
                          findings=findings, usable=False)

        try:
            with open_image(png) as im:
                if im.width * im.height > self.max_pixels:
                    report("image-too-large", f"{im.width}x{im.height} exceeds --max-pixels", where=str(png))
                    return unusable()
                ids = rgb_to_id(np.asarray(im.convert("RGB")))
        except FileNotFoundError:
            report("missing-mask", f"its PNG {png} does not exist; no mask written")
            return unusable()
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            report("bad-mask-file", f"cannot decode the PNG ({exc})", where=str(png))
            return unusable()
        height, width = ids.shape
        declared = entry["size"]
        if declared != (width, height) and all(isinstance(v, int) for v in declared):
            report("image-size-mismatch", f"the image entry says {declared[0]}x{declared[1]}, the PNG is "
                                          f"{width}x{height}; the PNG's size is used")
        starts, ends, values = runs.from_label_image(ids)
        pixels = {v: (s, e) for v, s, e in runs.by_value(starts, ends, values)}
        regions: list[Region] = []
        listed: set[int] = set()
        stuff: Counter[str] = Counter()
        for position, seg in enumerate(entry["segments"]):
            element = f"segment id={seg.get('id') if isinstance(seg, dict) else '?'}"
            if not isinstance(seg, dict) or not isinstance(seg.get("id"), int):
                report("bad-value", "a segment needs an integer 'id'", element=element)
                continue
            sid = seg["id"]
            if sid in listed:
                report("duplicate-id", f"segment id {sid} is listed twice; the first is used", element=element)
                continue
            listed.add(sid)
            cat = self.categories.get(seg["category_id"]) if isinstance(seg.get("category_id"), int) else None
            if sid not in pixels:
                report("panoptic-segment-missing", f"segment {sid} ({cat['name'] if cat else '?'}) has no pixel "
                                                   "in the PNG", element=element, pixels=0)
                continue
            s, e = pixels[sid]
            if cat is None:
                report("unknown-category-id", f"category_id {seg.get('category_id')!r} matches no category; its "
                                              f"{plural(int((e - s).sum()), 'pixel')} are void", element=element)
                regions.append(Region(None, Runs(s, e, (height, width)), (position,), Origin(file, element)))
                continue
            if not cat.get("isthing"):
                stuff[cat["name"]] += 1
            attributes = {"shape": "segment", "declared_exact": True}
            if isinstance(cat.get("supercategory"), str) and cat["supercategory"]:
                attributes["supercategory"] = cat["supercategory"]
            if isinstance(seg.get("area"), (int, float)):
                attributes["declared_area"] = float(seg["area"])
            bbox = seg.get("bbox")
            if isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) and
                                                                 not isinstance(v, bool) for v in bbox):
                attributes["declared_bbox"] = tuple(float(v) for v in bbox)
            elif "bbox" in seg:
                box = list(runs.bbox(s, e, height))
                report("bbox-field-mismatch", f"bbox {json.dumps(bbox)} is not 4 numbers [x, y, width, height]; "
                                              f"the PNG's box of the segment is {box}", element=element)
            regions.append(Region(cat["name"], Runs(s, e, (height, width)), (position,), Origin(file, element),
                                  instance=sid, crowd=bool(seg.get("iscrowd")), attributes=attributes,
                                  source_id=sid))
        for sid, (s, e) in pixels.items():
            if sid == 0:
                regions.append(Region(None, Runs(s, e, (height, width)), (-1,), Origin(str(png), "void (id 0)")))
            elif sid not in listed:
                count = int((e - s).sum())
                report("panoptic-segment-unlisted", f"id {sid} is in the PNG but not in segments_info; its "
                                                    f"{plural(count, 'pixel')} are void", pixels=count, where=str(png))
                regions.append(Region(None, Runs(s, e, (height, width)), (-1,), Origin(str(png), f"id {sid}")))
        for category, n in stuff.items():
            if n > 1:
                report("panoptic-stuff-repeated", f"stuff category {category!r} has {n} segments in one image; "
                                                  "COCO panoptic gives a stuff class one segment per image")
        return Sample(name, width, height, regions, origin, subset=entry["subset"], image_id=entry["image_id"],
                      findings=findings, image_path=entry["image"], order_rule=ORDER,
                      size_source="its panoptic PNG")


def _rgb(value) -> tuple[int, int, int] | None:
    """A category's ``color`` as panopticapi writes it (``[R, G, B]``, integers), or ``None`` for anything
    else: the categories then take the VOC palette's colours, as when two of them share one.

    >>> _rgb([220, 20, 60]), _rgb([1, "", 3]), _rgb([[1], 2, 3]), _rgb(None)
    ((220, 20, 60), None, None, None)
    """
    if isinstance(value, list) and len(value) == 3 and all(is_int(v) for v in value):
        return int(value[0]), int(value[1]), int(value[2])
    return None
