"""The same scene expressed in every format segconv reads gives the same masks (fixtures/make_food.py
writes the bundled example in each, by hand, not through segconv; fixtures/make_kaggle.py its Kaggle CSV)."""

import pytest
from pycocotools import mask as cocomask

from convert.formats.readers import open_dataset
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import FOOD, reference_masks

SOURCES = {"coco": FOOD / "annotations.json", "cvat": FOOD / "cvat", "labelme": FOOD / "labelme",
           "coco-panoptic": FOOD / "panoptic" / "panoptic_food.json", "yolo": FOOD / "data.yaml",
           "label-studio": FOOD / "label-studio" / "tasks.json",
           "kaggle-rle": FOOD.parent / "kaggle" / "food" / "train.csv"}  # fixtures/make_kaggle.py
ULTRALYTICS_OUTLINE = 5198  # YOLO read as Ultralytics fills its rows: the outline it paints, measured


def segconv_masks(fmt, lm) -> dict:
    """{stem: class mask} of the food scene as segconv reads and paints ``fmt``."""
    # YOLO read with -O fill=pycocotools, the rule the others use (its default is Ultralytics' fill, below)
    ds = open_dataset(SOURCES[fmt], options={"fill": "pycocotools"}) if fmt == "yolo" else open_dataset(SOURCES[fmt])
    assert ds.format == fmt
    out = {}
    for sample in ds:
        assert sample.findings == [], (fmt, sample.findings)
        painted = paint(sample, lm)
        assert painted.findings == []
        out[sample.stem] = painted.class_mask
    return out


def own_coordinates(fmt) -> dict:
    """The scene as a COCO document made from ``fmt``'s own file, without segconv: YOLO rows and Label Studio
    polygons scaled back to pixels (x * width, and percent / 100 * width), one annotation per row or polygon
    in file order; Label Studio's brushes as the RLE of their pixels.  Painted by pycocotools, this is what
    the file says, coordinate rounding included."""
    import json

    import numpy as np
    import yaml
    from PIL import Image

    from convert.formats.label_studio import brush as brushrle

    images, anns = [], []

    def add(name, width, height, label, segmentation):
        if not images or images[-1]["file_name"] != name:
            images.append({"id": len(images) + 1, "file_name": name, "width": width, "height": height})
        anns.append({"id": len(anns) + 1, "image_id": images[-1]["id"], "category_id": label,
                     "segmentation": segmentation})

    if fmt == "yolo":
        names = yaml.safe_load((FOOD / "data.yaml").read_text())["names"]
        for rows in sorted((FOOD / "labels").rglob("*.txt")):
            stem = rows.relative_to(FOOD / "labels").with_suffix("").as_posix()
            width, height = Image.open(FOOD / "images" / f"{stem}.jpg").size
            for row in rows.read_text().split("\n"):
                if row.strip():
                    cls, *xy = row.split()
                    ring = [float(v) * (width if i % 2 == 0 else height) for i, v in enumerate(xy)]
                    add(f"{stem}.jpg", width, height, names[int(cls)], [ring])
    else:
        for task in json.loads((FOOD / "label-studio" / "tasks.json").read_text()):
            name = task["data"]["image"].split("?d=", 1)[1]
            for result in task["annotations"][0]["result"]:
                width, height, value = result["original_width"], result["original_height"], result["value"]
                if result["type"] == "polygonlabels":
                    ring = [c for x, y in value["points"] for c in (x / 100 * width, y / 100 * height)]
                    add(name, width, height, value["polygonlabels"][0], [ring])
                else:
                    pixels = brushrle.decode(value["rle"], width, height)[..., 3] > 0
                    rle = cocomask.encode(np.asfortranarray(pixels.astype(np.uint8)))
                    add(name, width, height, value["brushlabels"][0],
                        {"size": rle["size"], "counts": rle["counts"].decode()})
    categories = sorted({a["category_id"] for a in anns})
    ids = {name: i + 1 for i, name in enumerate(categories)}
    for ann in anns:
        ann["category_id"] = ids[ann["category_id"]]
    return {"images": images, "annotations": anns, "categories": [{"id": i, "name": n} for n, i in ids.items()]}


def tie_pixels(fmt) -> int:
    """The pixels where pycocotools paints ``fmt``'s own coordinates otherwise than the COCO form's."""
    import json

    lm = LabelMap.load(FOOD / "labelmap.yaml")
    ours = reference_masks(own_coordinates(fmt), lm)
    coco = reference_masks(json.loads((FOOD / "annotations.json").read_text()), lm)
    return sum(int((ours[name] != coco[name]).sum()) for name in coco)


def test_food_scene_is_the_same_in_every_format():
    lm = LabelMap.load(FOOD / "labelmap.yaml")
    masks = {fmt: segconv_masks(fmt, lm) for fmt in SOURCES}
    assert sorted(masks["coco"]) == ["breakfast/table_03", "table_01", "table_02", "table_04"]
    for fmt in ("cvat", "labelme", "coco-panoptic", "kaggle-rle"):
        for stem in masks["coco"]:
            assert (masks["coco"][stem] == masks[fmt][stem]).all(), (stem, fmt)


@pytest.mark.parametrize("fmt", ["yolo", "label-studio"])
def test_normalised_coordinates_explain_every_pixel_that_differs(fmt):
    """YOLO and Label Studio store coordinates divided by the image size.  pycocotools snaps every vertex to
    a 0.2 px grid, (int)(5x + 0.5), so a vertex on a tie (210.1, 210.3, ...: the scene has 2 decimals) can
    land on either side once divided and multiplied back, which moves pixels on the region's edge.  The
    expected masks are pycocotools' painting (by level) of the file's own coordinates: segconv paints
    exactly that (0 pixels unexplained), and the pixels where the format differs from the COCO form are
    exactly the pixels where pycocotools' two paintings differ."""
    lm = LabelMap.load(FOOD / "labelmap.yaml")
    ours, coco = segconv_masks(fmt, lm), segconv_masks("coco", lm)
    import json

    reference = {k.rsplit(".", 1)[0]: v for k, v in reference_masks(own_coordinates(fmt), lm).items()}
    reference_coco = {k.rsplit(".", 1)[0]: v for k, v in
                      reference_masks(json.loads((FOOD / "annotations.json").read_text()), lm).items()}
    assert sorted(reference) == sorted(ours) == sorted(coco)
    explained = 0
    for stem in ours:
        assert int((ours[stem] != reference[stem]).sum()) == 0, (fmt, stem)  # nothing unexplained
        assert ((ours[stem] != coco[stem]) == (reference[stem] != reference_coco[stem])).all(), (fmt, stem)
        explained += int((ours[stem] != coco[stem]).sum())
    assert explained > 0  # the ties are there: the fixture exercises them


def test_yolo_read_as_ultralytics_fills_it_gains_the_outline_on_class_edges():
    """By default YOLO rows are painted as Ultralytics trains on them (cv2.fillPoly, outline included, vertices
    truncated): the scene gains its rows' outlines, every such pixel within 2 pixels of a class edge."""
    lm = LabelMap.load(FOOD / "labelmap.yaml")
    coco = {s.stem: paint(s, lm).class_mask for s in open_dataset(SOURCES["coco"])}
    differ = 0
    for sample in open_dataset(SOURCES["yolo"]):
        mask = paint(sample, lm).class_mask
        bad = mask != coco[sample.stem]
        near = on_boundary(coco[sample.stem])
        for _ in range(2):
            near = near | on_boundary(near)
        assert near[bad].all()
        differ += int(bad.sum())
    assert differ == ULTRALYTICS_OUTLINE


def on_boundary(mask):
    """Pixels with a 4-neighbour of another class."""
    import numpy as np

    edge = np.zeros(mask.shape, bool)
    edge[1:] |= mask[1:] != mask[:-1]
    edge[:-1] |= mask[:-1] != mask[1:]
    edge[:, 1:] |= mask[:, 1:] != mask[:, :-1]
    edge[:, :-1] |= mask[:, :-1] != mask[:, 1:]
    return edge


def test_generated_benchmark_delivery_is_the_same_scene_in_every_format(tmp_path):
    """bench/generate.py writes one scene three ways (crowd regions as COCO RLE, CVAT and LabelMe
    masks): the masks agree everywhere except where two classes of one level overlap, which the
    source order decides (COCO's file is shuffled) and the validator reports."""
    import subprocess
    import sys

    import numpy as np

    from conftest import ROOT

    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(tmp_path), "--images", "30",
                    "--width", "320", "--height", "240", "--formats", "coco,cvat,labelme"], check=True)
    lm = LabelMap.load(tmp_path / "labelmap.yaml")
    level = np.full(256, -1)
    for c in lm.classes:
        level[c.index] = c.level
    masks: dict[str, dict[str, np.ndarray]] = {}
    crowd = 0
    for fmt, src in (("coco", "coco/annotations/instances_default.json"), ("cvat", "cvat/annotations.xml"),
                     ("labelme", "labelme")):
        for sample in open_dataset(tmp_path / src):
            crowd += fmt == "coco" and any(r.crowd for r in sample.regions)
            masks.setdefault(sample.stem, {})[fmt] = paint(sample, lm).class_mask
    assert len(masks) == 30 and crowd >= 1  # the crowd regions are part of the comparison
    for stem, by_format in masks.items():
        for fmt in ("cvat", "labelme"):
            differ = by_format["coco"] != by_format[fmt]
            assert (level[by_format["coco"][differ]] == level[by_format[fmt][differ]]).all(), (stem, fmt)
