"""The same scene expressed in every format segconv reads gives the same masks (fixtures/make_food.py
writes the bundled example in each, by hand, not through segconv)."""

import pytest

from convert.importers import open_dataset
from convert.labelmap import LabelMap
from convert.painting import paint

from conftest import FOOD

SOURCES = {"coco": FOOD / "annotations.json", "cvat": FOOD / "cvat", "labelme": FOOD / "labelme",
           "coco-panoptic": FOOD / "panoptic" / "panoptic_food.json", "yolo": FOOD / "data.yaml",
           "label-studio": FOOD / "label-studio" / "tasks.json"}
# YOLO and Label Studio store coordinates divided by the image size.  pycocotools snaps every vertex to a
# 0.2 px grid, (int)(5x + 0.5): a vertex exactly on a tie (x = 210.1, 210.3, ...; the scene's coordinates
# have 2 decimals) lands on either side once divided and multiplied back, which moves a pixel on the
# region's edge.  Measured, and pinned: every such pixel lies on a class boundary.
EDGE_TIES = {"yolo": 25, "label-studio": 4}  # YOLO read with -O fill=pycocotools, the rule the others use
ULTRALYTICS_OUTLINE = 5198  # YOLO read as Ultralytics fills its rows: the outline it paints, measured


@pytest.mark.parametrize("rule", ["coco"])
def test_food_scene_is_the_same_in_every_format(rule):
    lm = LabelMap.load(FOOD / "labelmap.yaml")
    masks = {}
    for fmt, src in SOURCES.items():
        ds = open_dataset(src, options={"fill": "pycocotools"}) if fmt == "yolo" else open_dataset(src)
        assert ds.format == fmt
        for sample in ds:
            assert sample.findings == [], (fmt, sample.findings)
            painted = paint(sample, lm, rule=rule)
            assert painted.findings == []
            masks.setdefault(sample.stem, {})[fmt] = painted.class_mask
    assert sorted(masks) == ["breakfast/table_03", "table_01", "table_02", "table_04"]
    for stem, by_format in masks.items():
        for fmt in ("cvat", "labelme", "coco-panoptic"):
            assert (by_format["coco"] == by_format[fmt]).all(), (stem, fmt)
    for fmt, expected in EDGE_TIES.items():
        differ = 0
        for stem, by_format in masks.items():
            coco, other = by_format["coco"], by_format[fmt]
            bad = coco != other
            differ += int(bad.sum())
            assert (on_boundary(coco)[bad]).all(), (stem, fmt)
        assert differ == expected, fmt


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
