"""How many pixels each writer loses, under each consumer's own rule: the table of docs/formats.md.

    python bench/loss_table.py [--work bench/.work/loss] [--images 40] [--skip-bench]

For the bundled example (``fixtures/food``) and the benchmark scene (``generate.py``, ``--images`` images of
1024x768 with their photos), every writer converts the delivery (``--link``), and the files it wrote are
painted again here, **without segconv's painting code**, as the tool that consumes the format paints them —
with no label levels, since no consumer knows them — and compared, pixel for pixel, with the layered masks
that ``--to png`` writes:

- ``png``, ``voc``, ``mmseg``, ``hf``: the label PNGs as Pillow decodes them (``hf``: from the parquet file);
- ``coco-panoptic``: panopticapi's ``rgb2id`` of the PNGs, each segment's category;
- ``coco-rle``, ``coco``: pycocotools' ``annToMask`` of each annotation, in file order, later on top;
- ``cvat``: CVAT's mask export — shapes stable-sorted by ``z_order``, polygons by pycocotools'
  ``frPyObjects``, ``<mask>`` runs row-major in their box;
- ``labelme``: labelme's ``shape_to_mask`` (a Pillow polygon with outline and fill; mask shapes at
  ``[y1:y2+1, x1:x2+1]``) in file order, and pycocotools' rule (segconv's default for labelme files);
- ``yolo``: Ultralytics' training masks — rows read as float32, ``resample_segments`` to 1,000 points,
  times the size in float32, ``np.int32``, ``cv2.fillPoly`` (``polygon2mask``), composed in
  ``polygons2masks_overlap``'s order (larger first, smaller on top) — and pycocotools' rule in file order;
- ``label-studio``: each brush's RLE decoded (segconv's decoder, tested equal to label-studio-sdk's), in
  result order;
- ``kaggle-rle``: the competitions' notebooks' decoder (Severstal's, Airbus'): each row's ``start length``
  pairs, starts from 1, pixels counted column by column (``reshape(width, height).T``), the row's
  ``ClassId`` painted in file order;
- ``cityscapes``: the ``gtFine/*_labelIds.png`` as Pillow decodes them (what cityscapesScripts' evaluation
  and torchvision's ``Cityscapes`` read).

Pixels no shape covers are the label map's fill class (what a consumer takes as background); void pixels
that a format cannot say are counted as lost.  Prints a Markdown table: pixels that differ, and their share
of all pixels of the scene.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from pycocotools import mask as coco_mask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from convert import api  # noqa: E402
from convert.model.labelmap import LabelMap  # noqa: E402
from convert.model.names import stem_of  # noqa: E402

WRITERS = ["png", "voc", "coco-rle", "coco", "coco-panoptic", "cvat", "labelme", "yolo", "label-studio", "mmseg",
           "hf", "kaggle-rle", "cityscapes"]


class Scene:
    """The layered masks of a delivery (``--to png``) and what a consumer paints on: the fill class."""

    def __init__(self, src: Path, labels: Path, work: Path, images: Path | None = None):
        self.src, self.labels, self.work, self.images = src, labels, work, images
        self.labelmap = LabelMap.load(labels)
        self.fill = self.labelmap.fill.index if self.labelmap.fill else self.labelmap.void
        self.convert("png")
        masks = work / "png" / "masks"
        self.masks = {p.relative_to(masks).with_suffix("").as_posix(): np.asarray(Image.open(p)).astype(np.int64)
                      for p in sorted(masks.rglob("*.png"))}

    def convert(self, to: str) -> Path:
        out = self.work / to
        api.convert(self.src, out, labels=self.labels, to=to, link=True, overwrite=True, images=self.images)
        return out

    def index(self, name: str) -> int:
        try:
            return self.labelmap[name].index
        except KeyError:
            return self.labelmap.void

    def canvas(self, stem: str) -> np.ndarray:
        return np.full(self.masks[stem].shape, self.fill, np.int64)


# ----------------------------------------------------------------------------------------- consumers
def pngs(folder: Path) -> dict[str, np.ndarray]:
    return {p.relative_to(folder).with_suffix("").as_posix(): np.asarray(Image.open(p)).astype(np.int64)
            for p in sorted(folder.rglob("*.png"))}


def by_stem(found: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Split folders (``train/``) off the keys where the scene's names have none."""
    return {k.split("/", 1)[1] if k.split("/", 1)[0] in ("train", "val", "test", "default") and "/" in k else k: v
            for k, v in found.items()}


def read_hf(out: Path) -> dict[str, np.ndarray]:
    import pyarrow.parquet as pq

    found = {}
    for part in sorted((out / "data").glob("*.parquet")):
        table = pq.read_table(part).to_pylist()
        for row in table:
            found[stem_of(row["file_name"])] = np.asarray(Image.open(io.BytesIO(row["label"]["bytes"]))
                                                          ).astype(np.int64)
    return found


def read_panoptic(scene: Scene, out: Path) -> dict[str, np.ndarray]:
    found = {}
    for doc_path in sorted((out / "annotations").glob("panoptic_*.json")):
        doc = json.loads(doc_path.read_text())
        names = {c["id"]: c["name"] for c in doc["categories"]}
        folder = doc_path.with_suffix("")
        for ann in doc["annotations"]:
            rgb = np.asarray(Image.open(folder / ann["file_name"]).convert("RGB")).astype(np.int64)
            ids = rgb[..., 0] + 256 * rgb[..., 1] + 256 * 256 * rgb[..., 2]  # panopticapi rgb2id
            label = np.full(ids.shape, scene.labelmap.void, np.int64)
            for segment in ann["segments_info"]:
                label[ids == segment["id"]] = scene.index(names[segment["category_id"]])
            found[stem_of(ann["file_name"])] = label
    return found


def read_coco(scene: Scene, files: list[Path]) -> dict[str, np.ndarray]:
    """pycocotools' annToMask of each annotation, in file order."""
    from pycocotools.coco import COCO

    found = {}
    for path in files:
        coco = COCO(str(path))
        names = {c["id"]: c["name"] for c in coco.dataset["categories"]}
        for image in coco.dataset["images"]:
            stem = stem_of(image["file_name"])
            canvas = scene.canvas(stem)
            for ann in coco.imgToAnns[image["id"]]:
                canvas[coco.annToMask(ann) == 1] = scene.index(names[ann["category_id"]])
            found[stem] = canvas
    return found


def cvat_rle(element) -> tuple[np.ndarray, int, int]:
    counts = [int(v) for v in element.get("rle").split(",")]
    width, height = int(element.get("width")), int(element.get("height"))
    window = np.repeat(np.arange(len(counts)) % 2 == 1, counts).reshape(height, width)
    return window, int(element.get("left")), int(element.get("top"))


def read_cvat(scene: Scene, out: Path, void_labels: set[str]) -> dict[str, np.ndarray]:
    """CVAT's mask export: z_order, then document order; polygons by pycocotools, masks from their runs."""
    found = {}
    for image in ET.parse(out / "annotations.xml").getroot().iter("image"):
        height, width = int(image.get("height")), int(image.get("width"))
        name = image.get("name")
        stem = stem_of(name)
        canvas = scene.canvas(stem)
        shapes = sorted((s for s in image if s.tag in ("polygon", "mask")), key=lambda s: int(s.get("z_order", 0)))
        for shape in shapes:
            label = shape.get("label")
            value = scene.labelmap.void if label in void_labels else scene.index(label)
            if shape.tag == "polygon":
                xy = [float(v) for pair in shape.get("points").split(";") for v in pair.split(",")]
                mask = coco_mask.decode(coco_mask.frPyObjects([xy], height, width)[0]).astype(bool)
                canvas[mask] = value
            else:
                window, left, top = cvat_rle(shape)
                part = canvas[top:top + window.shape[0], left:left + window.shape[1]]
                part[window] = value
        found[stem] = canvas
    return found


def shape_to_mask(shape: dict, height: int, width: int) -> np.ndarray:
    """labelme 5.x: polygons by Pillow with outline and fill; mask shapes placed at [y1:y2+1, x1:x2+1]."""
    mask = np.zeros((height, width), dtype=bool)
    if shape["shape_type"] == "mask":
        (x1, y1), (x2, y2) = np.asarray(shape["points"]).astype(int)
        mask[y1:y2 + 1, x1:x2 + 1] = np.asarray(Image.open(io.BytesIO(base64.b64decode(shape["mask"])))) > 0
        return mask
    image = Image.fromarray(np.zeros((height, width), dtype=np.uint8))
    ImageDraw.Draw(image).polygon(xy=[tuple(p) for p in shape["points"]], outline=1, fill=1)
    return np.asarray(image).astype(bool)


def read_labelme(scene: Scene, out: Path, rule: str) -> dict[str, np.ndarray]:
    found = {}
    for path in sorted(out.rglob("*.json")):
        if path.name == "labelmap.json":
            continue
        doc = json.loads(path.read_text())
        height, width = doc["imageHeight"], doc["imageWidth"]
        stem = path.relative_to(out).with_suffix("").as_posix()
        canvas = scene.canvas(stem)
        for shape in doc["shapes"]:
            value = scene.labelmap.void if shape["label"] == "__ignore__" else scene.index(shape["label"])
            if rule == "labelme" or shape["shape_type"] == "mask":
                mask = shape_to_mask(shape, height, width)
            else:
                xy = [float(v) for point in shape["points"] for v in point]
                mask = coco_mask.decode(coco_mask.frPyObjects([xy], height, width)[0]).astype(bool)
            canvas[mask] = value
        found[stem] = canvas
    return found


def resample_segment(points: np.ndarray, n: int = 1000) -> np.ndarray:
    """Ultralytics' ``resample_segments`` (``segment_resamples`` 1,000) of one normalised float32 row: fewer
    points keep their own vertices and get points inserted along the edges; more are re-sampled."""
    if len(points) == n:
        return points
    closed = np.concatenate((points, points[:1]), axis=0)
    known = np.arange(len(closed))
    at = np.linspace(0, len(closed) - 1, n - len(closed) if len(closed) < n else n)
    if len(closed) < n:
        at = np.insert(at, np.searchsorted(at, known), known)
    return np.stack([np.interp(at, known, closed[:, k]) for k in range(2)], axis=1).astype(np.float32)


def read_yolo(scene: Scene, out: Path, rule: str) -> dict[str, np.ndarray]:
    import cv2

    classes = [c.name for c in sorted(scene.labelmap.classes, key=lambda c: c.index) if not c.fill]
    found = {}
    for path in sorted((out / "labels").rglob("*.txt")):
        stem = path.relative_to(out / "labels").with_suffix("").as_posix().split("/", 1)[1]
        height, width = scene.masks[stem].shape
        masks, values = [], []
        for line in path.read_text().splitlines():
            numbers = line.split()
            if not numbers:
                continue
            row = np.array(numbers[1:], dtype=np.float32).reshape(-1, 2)
            xy = row * np.array([width, height], np.float32)
            if rule == "ultralytics":
                mask = np.zeros((height, width), np.uint8)
                scaled = resample_segment(row) * np.array([width, height], np.float32)
                cv2.fillPoly(mask, [scaled.astype(np.int32)], color=1)
            else:
                mask = coco_mask.decode(coco_mask.frPyObjects([xy.astype(np.float64).ravel().tolist()], height,
                                                              width)[0])
            masks.append(mask.astype(bool))
            values.append(scene.index(classes[int(numbers[0])]))
        order = range(len(masks))
        if rule == "ultralytics":  # polygons2masks_overlap: larger first, smaller on top
            order = np.argsort([-m.sum() for m in masks], kind="stable")
        canvas = scene.canvas(stem)
        for k in order:
            canvas[masks[k]] = values[k]
        found[stem] = canvas
    return found


def read_label_studio(scene: Scene, out: Path) -> dict[str, np.ndarray]:
    from convert.formats.label_studio.brush import decode

    found = {}
    for task in json.loads((out / "tasks.json").read_text()):
        stem = stem_of(task["data"]["image"].split("?d=", 1)[-1])
        canvas = scene.canvas(stem)
        for result in (task.get("annotations") or [{}])[0].get("result", []):
            width, height = result["original_width"], result["original_height"]
            rgba = decode(result["value"]["rle"], width, height)
            mask = rgba.reshape(height, width, 4)[..., 3] >= 128
            canvas[mask] = scene.index(result["value"]["brushlabels"][0])
        found[stem] = canvas
    return found


def read_kaggle_rle(scene: Scene, out: Path) -> dict[str, np.ndarray]:
    """The notebooks' rle_decode: 1-based starts, column-major pixels; ClassId is the class index."""
    import csv

    found: dict[str, np.ndarray] = {}
    with open(out / "masks.csv", newline="") as f:
        for row in csv.DictReader(f):
            stem = stem_of(row["ImageId"])
            height, width = scene.masks[stem].shape
            canvas = found.setdefault(stem, scene.canvas(stem))
            numbers = [int(v) for v in (row.get("EncodedPixels") or "").split()]
            if not numbers:
                continue
            flat = np.zeros(width * height, dtype=bool)
            for start, length in zip(numbers[0::2], numbers[1::2]):
                flat[start - 1:start - 1 + length] = True
            canvas[flat.reshape(width, height).T] = int(row["ClassId"])
    return found


def read_cityscapes(out: Path) -> dict[str, np.ndarray]:
    found = {}
    for p in sorted((out / "gtFine").rglob("*_gtFine_labelIds.png")):
        key = p.relative_to(out / "gtFine").as_posix().split("/", 1)[1][: -len("_gtFine_labelIds.png")]
        found[key] = np.asarray(Image.open(p)).astype(np.int64)
    return found


def consumers(scene: Scene, to: str, out: Path) -> dict[str, dict[str, np.ndarray]]:
    """``{rule: {image stem: class indices}}`` for one writer's output."""
    if to == "png":
        return {"Pillow decode": pngs(out / "masks")}
    if to == "voc":
        return {"Pillow decode": pngs(out / "SegmentationClass")}
    if to == "mmseg":
        return {"Pillow decode": by_stem(pngs(out / "ann_dir"))}
    if to == "hf":
        return {"Pillow decode of the parquet": read_hf(out)}
    if to == "coco-panoptic":
        return {"rgb2id": read_panoptic(scene, out)}
    if to == "coco-rle":
        return {"annToMask, file order": read_coco(scene, [out / "annotations.json"])}
    if to == "coco":
        return {"annToMask, file order": read_coco(scene, sorted((out / "annotations").glob("instances_*.json")))}
    if to == "cvat":
        void = set(json.loads((out / "labelmap.json").read_text()).get("void_aliases", []))
        return {"CVAT (z_order, pycocotools)": read_cvat(scene, out, void)}
    if to == "labelme":
        return {"labelme shape_to_mask": read_labelme(scene, out, "labelme"),
                "pycocotools": read_labelme(scene, out, "coco")}
    if to == "yolo":
        return {"Ultralytics fillPoly": read_yolo(scene, out, "ultralytics"),
                "pycocotools": read_yolo(scene, out, "coco")}
    if to == "label-studio":
        return {"brush RLE decode": read_label_studio(scene, out)}
    if to == "kaggle-rle":
        return {"Kaggle rle_decode (column-major, 1-based), ClassId": read_kaggle_rle(scene, out)}
    if to == "cityscapes":
        return {"labelIds PNGs, Pillow": read_cityscapes(out)}
    raise ValueError(to)


def measure(scene: Scene) -> dict[str, dict[str, tuple[int, int]]]:
    """``{writer: {rule: (pixels that differ, images missing)}}``."""
    table = {}
    for to in WRITERS:
        out = scene.work / to if to == "png" else scene.convert(to)
        table[to] = {}
        for rule, found in consumers(scene, to, out).items():
            differ = sum(int((found[stem] != mask).sum()) if stem in found else mask.size
                         for stem, mask in scene.masks.items())
            missing = sum(stem not in found for stem in scene.masks)
            table[to][rule] = (differ, missing)
        print(f"{to}: {table[to]}", file=sys.stderr)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work" / "loss")
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--skip-bench", action="store_true", help="the bundled example only")
    args = parser.parse_args()
    food = ROOT / "fixtures" / "food"
    scenes = {"bundled example": Scene(food / "annotations.json", food / "labelmap.yaml", args.work / "example")}
    if not args.skip_bench:
        import generate

        root = args.work / f"scene_{args.images}"
        if not (root / "labelmap.yaml").exists():
            generate.write(root, args.images, 1024, 768, 15, {"coco"}, 7, photos="mixed")
        scenes[f"benchmark scene ({args.images} images)"] = Scene(
            root / "coco" / "annotations" / "instances_default.json", root / "labelmap.yaml", args.work / "bench")
    results = {name: measure(scene) for name, scene in scenes.items()}
    totals = {name: sum(m.size for m in scene.masks.values()) for name, scene in scenes.items()}
    print("| writer | consumer's rule | " + " | ".join(scenes) + " |")
    print("|---|---|" + "---|" * len(scenes))
    for to in WRITERS:
        rules = list(next(iter(results.values()))[to])
        for rule in rules:
            cells = []
            for name in scenes:
                differ, missing = results[name][to][rule]
                note = f", {missing} images unread" if missing else ""
                cells.append(f"{differ:,} ({100 * differ / totals[name]:.3f} %{note})")
            print(f"| `{to}` | {rule} | " + " | ".join(cells) + " |")
    for name, scene in scenes.items():
        print(f"\n{name}: {len(scene.masks)} images, {totals[name]:,} pixels", file=sys.stderr)


if __name__ == "__main__":
    main()
