"""The same scene expressed in COCO, CVAT XML and LabelMe JSON gives the same masks."""

import pytest

from convert.importers import open_dataset
from convert.labelmap import LabelMap
from convert.paint import paint

from conftest import FOOD

SOURCES = {"coco": FOOD / "annotations.json", "cvat": FOOD / "cvat", "labelme": FOOD / "labelme"}


@pytest.mark.parametrize("rule", ["coco"])
def test_food_scene_is_the_same_in_every_format(rule):
    lm = LabelMap.load(FOOD / "labelmap.yaml")
    masks = {}
    for fmt, src in SOURCES.items():
        ds = open_dataset(src)
        assert ds.format == fmt
        for sample in ds:
            assert sample.findings == [], (fmt, sample.findings)
            painted = paint(sample, lm, rule=rule)
            assert painted.findings == []
            masks.setdefault(sample.stem, {})[fmt] = painted.class_mask
    assert sorted(masks) == ["breakfast/table_03", "table_01", "table_02", "table_04"]
    for stem, by_format in masks.items():
        assert (by_format["coco"] == by_format["cvat"]).all(), stem
        assert (by_format["coco"] == by_format["labelme"]).all(), stem
