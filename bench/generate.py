"""Generate realistic synthetic deliveries for the benchmark, deterministically.

    python bench/generate.py OUT --images 1000 --width 1024 --height 768 --per-image 15 \\
        --formats coco,cvat,labelme --seed 7

Each image is a scene in layers, like the food-photography case:

- level 1: a table top split into adjacent regions (a jittered grid of tiles,
  polygons that share their edges exactly), some crossing the image border;
- level 2: plates and bowls (many-vertex circles) on the table;
- level 3: food blobs on the plates (irregular polygons, a few two-ring ones);
- level 4: sauce spots on the food, and about one image in ten with a crowd
  region in compressed RLE;

and the annotations of a file are shuffled, so order never helps the painter.  With ``--cover`` the scene
has large polygons instead (issue 34): a few big tiles cover the frame, plates are a quarter to a half of
the image's short side across, and every image has a crowd region in RLE.
The same scene is written as COCO (``coco/annotations/instances_default.json``), CVAT XML
(``cvat/annotations.xml``) and LabelMe JSON (``labelme/*.json``), plus the
label map (``labelmap.yaml``) with the four levels.  Crowd regions are compressed
RLE in COCO, ``mask`` elements in CVAT and ``mask`` shapes in LabelMe, so the
three files describe the same pixels; COCO annotations carry their real
``area`` and ``bbox``.  With ``--photos`` the images are written too
(``coco/images/default/``), photo-like JPEG and PNG files, one in eight
stored turned with an EXIF orientation tag, because real deliveries come
with their photos and reading them is part of the cost; ``--formats voc``
adds the same scene as a Pascal VOC tree (``voc/``), the raster form of it.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import os
import random
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as cocomask

CLASSES = [  # name, level
    ("table", 1), ("mat", 1), ("plate", 2), ("bowl", 2), ("rice", 3), ("salad", 3), ("meat", 3), ("sauce", 4),
]
LABELMAP = "void: 255\nclasses:\n  - {name: background, index: 0, level: 0, fill: true}\n" + "".join(
    f"  - {{name: {n}, index: {i}, level: {lvl}}}\n" for i, (n, lvl) in enumerate(CLASSES, start=1))


def blob(rng, cx, cy, r, n, wobble):
    phase = rng.uniform(0, 2 * math.pi)
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    rr = r * (1 + wobble * np.sin(3 * t + phase) + 0.5 * wobble * np.cos(5 * t + 2 * phase))
    pts = np.stack([cx + rr * np.cos(t), cy + rr * np.sin(t)], axis=1)
    return [round(float(v), 2) for v in pts.ravel()]


def tiles(rng, width, height, nx, ny):
    """A jittered grid over the whole image (and a margin past it): adjacent quads sharing edges."""
    xs = np.linspace(-0.05 * width, 1.05 * width, nx + 1)[None, :].repeat(ny + 1, 0)
    ys = np.linspace(-0.05 * height, 1.05 * height, ny + 1)[:, None].repeat(nx + 1, 1)
    xs = xs + rng_uniform(rng, -0.2, 0.2, xs.shape) * width / nx
    ys = ys + rng_uniform(rng, -0.2, 0.2, ys.shape) * height / ny
    xs, ys = xs.round(2), ys.round(2)
    for j in range(ny):
        for i in range(nx):
            quad = [(xs[j, i], ys[j, i]), (xs[j, i + 1], ys[j, i + 1]), (xs[j + 1, i + 1], ys[j + 1, i + 1]),
                    (xs[j + 1, i], ys[j + 1, i])]
            yield [float(v) for p in quad for v in p]


def rng_uniform(rng, lo, hi, shape):
    return np.array([rng.uniform(lo, hi) for _ in range(int(np.prod(shape)))]).reshape(shape)


def scene(rng, width, height, per_image, cover=False):
    """[(label, kind, data)] for one image, about ``per_image`` annotations.  ``cover``: the large-polygon
    scene: a few big tiles cover the frame, plates are large, and every image has a crowd region."""
    if cover:
        return cover_scene(rng, width, height, per_image)
    shapes = []
    n_tiles = max(2, per_image // 5)
    nx = max(1, int(round(math.sqrt(n_tiles * width / height))))
    ny = max(1, n_tiles // nx)
    for quad in tiles(rng, width, height, nx, ny):
        shapes.append((rng.choice(["table", "mat"]), "poly", [quad]))
    budget = max(0, per_image - len(shapes))
    n_plates = max(1, budget // 3)
    for _ in range(n_plates):
        if budget <= 0:
            break
        r = rng.uniform(0.08, 0.2) * min(width, height)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        shapes.append((rng.choice(["plate", "bowl"]), "poly", [blob(rng, cx, cy, r, 64, 0.0)]))
        budget -= 1
        if budget > 0:
            rings = [blob(rng, cx + rng.uniform(-0.2, 0.2) * r, cy + rng.uniform(-0.2, 0.2) * r,
                          0.45 * r, 40, 0.15)]
            if rng.random() < 0.2:
                rings.append(blob(rng, cx + 0.6 * r, cy, 0.15 * r, 16, 0.1))
            shapes.append((rng.choice(["rice", "salad", "meat"]), "poly", rings))
            budget -= 1
        if budget > 0:
            shapes.append(("sauce", "poly", [blob(rng, cx, cy, 0.12 * r, 24, 0.2)]))
            budget -= 1
    if rng.random() < 0.1:
        cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        shapes.append(("rice", "rle", [blob(rng, cx, cy, 0.1 * min(width, height), 48, 0.3)]))
    rng.shuffle(shapes)
    return shapes


def cover_scene(rng, width, height, per_image):
    """Large polygons over the whole image: 2x2 to 3x2 level-1 tiles covering the frame, large plates (a
    quarter to a half of the short side across, 96 vertices) with food (two-ring sometimes) and sauce on them,
    and a crowd region in compressed RLE in every image."""
    shapes = []
    nx, ny = rng.choice([(2, 2), (3, 2)])
    for quad in tiles(rng, width, height, nx, ny):
        shapes.append((rng.choice(["table", "mat"]), "poly", [quad]))
    budget = max(3, per_image - len(shapes) - 1)
    while budget > 0:
        r = rng.uniform(0.125, 0.25) * min(width, height)
        cx, cy = rng.uniform(0.15, 0.85) * width, rng.uniform(0.15, 0.85) * height
        shapes.append((rng.choice(["plate", "bowl"]), "poly", [blob(rng, cx, cy, r, 96, 0.0)]))
        budget -= 1
        if budget > 0:
            rings = [blob(rng, cx + rng.uniform(-0.2, 0.2) * r, cy + rng.uniform(-0.2, 0.2) * r, 0.5 * r, 64, 0.15)]
            if rng.random() < 0.3:
                rings.append(blob(rng, cx + 0.65 * r, cy, 0.2 * r, 24, 0.1))
            shapes.append((rng.choice(["rice", "salad", "meat"]), "poly", rings))
            budget -= 1
        if budget > 0:
            shapes.append(("sauce", "poly", [blob(rng, cx, cy, 0.15 * r, 32, 0.2)]))
            budget -= 1
    cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    shapes.append(("rice", "rle", [blob(rng, cx, cy, 0.15 * min(width, height), 64, 0.3)]))
    rng.shuffle(shapes)
    return shapes


def write(out: Path, images: int, width: int, height: int, per_image: int, formats, seed: int,
          photos: str | None = None, cover: bool = False) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "labelmap.yaml").write_text(LABELMAP)
    cat_id = {name: i for i, (name, _) in enumerate(CLASSES, start=1)}
    coco = {"images": [], "annotations": [], "categories": [{"id": i, "name": n} for n, i in cat_id.items()]}
    cvat = None
    if "cvat" in formats:
        (out / "cvat").mkdir(exist_ok=True)
        cvat = open(out / "cvat" / "annotations.xml", "w", encoding="utf-8")  # noqa: SIM115 - closed at the end
        cvat.write('<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  <meta><task>'
                   "<labels>" + "".join(f"<label><name>{n}</name></label>" for n, _ in CLASSES)
                   + "</labels></task></meta>\n")
    if "labelme" in formats:
        (out / "labelme").mkdir(exist_ok=True)
    ann_id = 0
    for image_id in range(1, images + 1):
        name = f"img_{image_id:07d}." + _photo_ext(photos, image_id)
        coco["images"].append({"id": image_id, "file_name": name, "width": width, "height": height})
        shapes = scene(rng, width, height, per_image, cover)
        lm_shapes = []
        if cvat:
            cvat.write(f'  <image id="{image_id - 1}" name="{name}" width="{width}" height="{height}">\n')
        for label, kind, rings in shapes:
            ann_id += 1
            if kind == "rle":
                rle = cocomask.merge(cocomask.frPyObjects(rings, height, width))
                seg = {"size": [height, width], "counts": rle["counts"].decode("ascii")}
                m = cocomask.decode(rle).astype(bool)
                area, bbox = float(cocomask.area(rle)), [float(v) for v in cocomask.toBbox(rle)]
            else:
                seg = rings
                area = float(cocomask.area(cocomask.merge(cocomask.frPyObjects(rings, height, width))))
                bbox = _polygon_bbox(rings)
            coco["annotations"].append({"id": ann_id, "image_id": image_id, "category_id": cat_id[label],
                                        "segmentation": seg, "iscrowd": int(kind == "rle"),
                                        "area": area, "bbox": bbox})
            if cvat:
                if kind == "rle":
                    rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
                    crop = m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].ravel()
                    change = np.flatnonzero(np.diff(crop)) + 1
                    runs = np.diff(np.concatenate(([0], change, [crop.size]))).tolist()
                    runs = ([0] + runs) if crop[0] else runs
                    cvat.write(f'    <mask label="{label}" rle="{", ".join(map(str, runs))}" left="{cols[0]}" '
                               f'top="{rows[0]}" width="{cols[-1] - cols[0] + 1}" '
                               f'height="{rows[-1] - rows[0] + 1}" z_order="0"/>\n')
                else:
                    group = f' group_id="{ann_id}"' if len(rings) > 1 else ""
                    for ring in rings:
                        pts = ";".join(f"{ring[i]:.2f},{ring[i + 1]:.2f}" for i in range(0, len(ring), 2))
                        cvat.write(f'    <polygon label="{label}" points="{pts}" z_order="0"{group}/>\n')
            if "labelme" in formats and kind == "rle":  # labelme >= 5.5 keeps rasters as 'mask' shapes
                rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
                buffer = io.BytesIO()
                Image.fromarray(m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]).save(buffer, format="PNG")
                lm_shapes.append({"label": label, "points": [[int(cols[0]), int(rows[0])],
                                                             [int(cols[-1]), int(rows[-1])]],
                                  "group_id": None, "shape_type": "mask", "flags": {},
                                  "mask": base64.b64encode(buffer.getvalue()).decode("ascii")})
            elif "labelme" in formats:
                for ring in rings:
                    lm_shapes.append({"label": label, "points": [[ring[i], ring[i + 1]] for i in
                                                                 range(0, len(ring), 2)],
                                      "group_id": ann_id if len(rings) > 1 else None, "shape_type": "polygon",
                                      "flags": {}})
        if cvat:
            cvat.write("  </image>\n")
        if "labelme" in formats:
            doc = {"version": "5.5.0", "flags": {}, "shapes": lm_shapes, "imagePath": name, "imageData": None,
                   "imageHeight": height, "imageWidth": width}
            (out / "labelme" / f"img_{image_id:07d}.json").write_text(json.dumps(doc))
    # annotations in shuffled order across the whole file, as vendors deliver them
    rng.shuffle(coco["annotations"])
    if "coco" in formats:  # the layout Datumaro's coco_instances importer requires
        (out / "coco" / "annotations").mkdir(parents=True, exist_ok=True)
        (out / "coco" / "images" / "default").mkdir(parents=True, exist_ok=True)
        (out / "coco" / "annotations" / "instances_default.json").write_text(json.dumps(coco))
    if cvat:
        cvat.write("</annotations>\n")
        cvat.close()
    if photos or "voc" in formats:
        _paint_images(out, coco, photos, "voc" in formats, seed)


def _photo_ext(photos: str | None, image_id: int) -> str:
    if photos == "png" or (photos == "mixed" and image_id % 2 == 0):
        return "png"
    return "jpg"


def _polygon_bbox(rings) -> list[float]:
    """COCO's bbox of a polygon annotation: the extent of its vertices."""
    xs = [v for ring in rings for v in ring[0::2]]
    ys = [v for ring in rings for v in ring[1::2]]
    x0, y0 = min(xs), min(ys)
    return [round(x0, 2), round(y0, 2), round(max(xs) - x0, 2), round(max(ys) - y0, 2)]


ORIENTED = 8  # one image in this many is stored rotated with an EXIF orientation tag (6: rotate 90 clockwise)


def _paint_images(out: Path, coco: dict, photos: str | None, voc: bool, seed: int) -> None:
    """Photo-like images (what annotation vendors deliver beside the annotations) and, with ``voc``, the same
    scene as a Pascal VOC tree (SegmentationClass painted as pycocotools ``annToMask`` by level, then file
    order; JPEGImages the photos).  Photos: the class colours, a lighting gradient and sensor noise, so
    they compress like photos; every ``ORIENTED``-th one is stored turned and tagged with EXIF orientation 6,
    so that it displays at the annotated size."""
    levels = {name: (level, index) for index, (name, level) in enumerate(CLASSES, start=1)}
    names = {c["id"]: c["name"] for c in coco["categories"]}
    by_image: dict[int, list] = {}
    for ann in coco["annotations"]:  # file order, as the painter reads it
        by_image.setdefault(ann["image_id"], []).append(ann)
    photo_dir = out / "coco" / "images" / "default"
    photo_dir.mkdir(parents=True, exist_ok=True)
    colors = np.array([[90, 60, 40]] + [[(37 * i) % 200 + 40, (91 * i) % 200 + 40, (53 * i) % 200 + 40]
                                        for i in range(1, len(CLASSES) + 1)], dtype=np.float32)
    if voc:
        for folder in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
            (out / "voc" / folder).mkdir(parents=True, exist_ok=True)
        (out / "voc" / "labelmap.txt").write_text(
            "background:0,0,0::\n" + "".join(f"{n}:{(37 * i) % 256},{(91 * i) % 256},{(53 * i) % 256 + 1}::\n"
                                             for i, (n, _) in enumerate(CLASSES, start=1)))
    noise = np.random.default_rng(seed)
    stems = []
    for img in coco["images"]:
        h, w = img["height"], img["width"]
        mask = np.zeros((h, w), np.uint8)
        anns = sorted(by_image.get(img["id"], []), key=lambda a: levels[names[a["category_id"]]][0])
        for ann in anns:
            seg = ann["segmentation"]
            if isinstance(seg, list):
                rle = cocomask.merge(cocomask.frPyObjects(seg, h, w))
            else:
                rle = {"size": seg["size"], "counts": seg["counts"].encode()}
            mask[cocomask.decode(rle) == 1] = levels[names[ann["category_id"]]][1]
        stem = img["file_name"].rsplit(".", 1)[0]
        stems.append(stem)
        if photos:
            light = np.linspace(0.75, 1.15, w, dtype=np.float32)[None, :, None]
            pixels = colors[mask] * light + noise.normal(0, 9, (h, w, 3)).astype(np.float32)
            image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
            kw = {"quality": 90} if img["file_name"].endswith(".jpg") else {}
            if img["id"] % ORIENTED == 0:
                exif = Image.Exif()
                exif[0x0112] = 6
                image = image.transpose(Image.Transpose.ROTATE_90)  # shown turned back by the EXIF tag
                kw["exif"] = exif.tobytes()
            image.save(photo_dir / img["file_name"], **kw)
        if voc:
            cls = Image.fromarray(mask, mode="P")
            palette = [0, 0, 0] + [v for i in range(1, len(CLASSES) + 1)
                                   for v in ((37 * i) % 256, (91 * i) % 256, (53 * i) % 256 + 1)]
            cls.putpalette(palette + [0] * (768 - len(palette)))
            cls.save(out / "voc" / "SegmentationClass" / f"{stem}.png")
            if photos:
                target = out / "voc" / "JPEGImages" / img["file_name"]
                if not target.exists():
                    os.link(photo_dir / img["file_name"], target)
    if voc:
        (out / "voc" / "ImageSets" / "Segmentation" / "train.txt").write_text("".join(s + "\n" for s in stems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--height", type=int, default=768)
    parser.add_argument("--per-image", type=int, default=15)
    parser.add_argument("--formats", default="coco", help="comma list of coco, cvat, labelme, voc")
    parser.add_argument("--photos", choices=("jpeg", "png", "mixed"), default=None,
                        help="write photo-like images beside the annotations (mixed: half JPEG, half PNG)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cover", action="store_true",
                        help="the large-polygon scene: a few big tiles cover the frame, large plates, a crowd "
                             "region in every image")
    args = parser.parse_args()
    write(args.out, args.images, args.width, args.height, args.per_image, set(args.formats.split(",")), args.seed,
          {"jpeg": "jpeg", "png": "png", "mixed": "mixed"}.get(args.photos), cover=args.cover)


if __name__ == "__main__":
    main()
