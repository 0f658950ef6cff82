"""Class-index arrays in, rings out (issue 29): ``convert.from_masks`` and ``convert.trace``.

Round trips are checked against another implementation: COCO RLE written by segconv is decoded by
pycocotools, traced rings are filled by pycocotools' polygon rasterizer (the ``coco`` rule)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pycocotools import mask as mask_utils

import convert
from convert.errors import UsageError

from conftest import FOOD

LABELS = FOOD / "labelmap.yaml"


def _arrays(seed: int) -> dict[str, np.ndarray]:
    """Blobs of classes 1..9 over background 0, on a few image sizes (odd ones too)."""
    rng = np.random.default_rng(seed)
    out = {}
    for i, (h, w) in enumerate([(5, 7), (32, 24), (17, 40)]):
        a = np.zeros((h, w), np.uint8)
        for _ in range(6):
            y, x = rng.integers(0, h), rng.integers(0, w)
            a[y:y + rng.integers(1, h), x:x + rng.integers(1, w)] = rng.integers(1, 10)
        out[f"sub/img_{i}.png" if i == 1 else f"img_{i}.png"] = a
    return out


def _decoded(folder, labelmap) -> dict[str, np.ndarray]:
    """What a user gets from the COCO RLE file with pycocotools: each annotation decoded and painted with
    its category's index (the class index) over the fill class."""
    doc = json.loads((folder / "annotations.json").read_text())
    names = {img["id"]: img["file_name"] for img in doc["images"]}
    out = {img["file_name"]: np.full((img["height"], img["width"]), labelmap.fill.index, np.uint8)
           for img in doc["images"]}
    for ann in doc["annotations"]:
        pixels = mask_utils.decode(ann["segmentation"]).astype(bool)
        out[names[ann["image_id"]]][pixels] = ann["category_id"]
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("mode", ["instance", "semantic"])
def test_from_masks_to_coco_rle_decodes_back_to_the_arrays(tmp_path, seed, mode):
    arrays = _arrays(seed)
    ds = convert.from_masks(arrays, labels=LABELS)
    report = ds.export(tmp_path / "out", to="coco-rle", coco_mode=mode)
    assert report.written == 3 and report.exit_code() == 0
    decoded = _decoded(tmp_path / "out", ds.labelmap)
    assert decoded.keys() == arrays.keys()
    for name, array in arrays.items():
        assert np.array_equal(decoded[name], array), name
        assert np.array_equal(ds.mask(ds[list(arrays).index(name)]), array)


def test_from_masks_holds_copies_and_reports_values_that_are_no_class():
    a = np.array([[0, 5, 42], [255, 5, 5]], dtype=np.uint8)
    ds = convert.from_masks({"a.png": a}, labels=LABELS, subsets={"a.png": "val"})
    a[:] = 1  # the caller's array changes afterwards: the dataset does not
    sample = ds[0]
    assert (sample.name, sample.width, sample.height, sample.subset) == ("a.png", 3, 2, "val")
    assert ds.mask(sample).tolist() == [[0, 5, 255], [255, 5, 5]]  # 42 is no class: void, and said
    assert [(f.code, f.pixels) for f in sample.findings] == [("unknown-mask-value", 1)]
    assert "value 42 is no class" in sample.findings[0].message and sample.findings[0].image == "a.png"
    assert len(ds) == 1 and ds.format == "arrays"


def test_from_masks_refuses_what_is_no_mask():
    with pytest.raises(UsageError, match="from_masks: 'a.png' is an array of shape \\(2, 2, 3\\)"):
        convert.from_masks({"a.png": np.zeros((2, 2, 3), np.uint8)}, labels=LABELS)
    with pytest.raises(UsageError, match="holds float64 values"):
        convert.from_masks({"a.png": np.zeros((2, 2))}, labels=LABELS)
    with pytest.raises(UsageError, match="holds negative values"):
        convert.from_masks({"a.png": np.full((2, 2), -1)}, labels=LABELS)
    with pytest.raises(UsageError, match="names are relative paths"):
        convert.from_masks({"../a.png": np.zeros((2, 2), np.uint8)}, labels=LABELS)
    with pytest.raises(UsageError, match="subsets names 'b.png', which is no key"):
        convert.from_masks({"a.png": np.zeros((2, 2), np.uint8)}, labels=LABELS, subsets={"b.png": "val"})


def test_from_masks_exports_png_masks_equal_to_the_arrays(tmp_path):
    from PIL import Image

    arrays = _arrays(4)
    convert.from_masks(arrays, labels=LABELS).export(tmp_path / "png", to="png")
    for name, array in arrays.items():
        assert np.array_equal(np.asarray(Image.open(tmp_path / "png" / "masks" / name)), array)


def test_what_a_script_made_is_recorded_for_resume_so_other_arrays_never_resume_it():
    first = convert.from_masks({"a.png": np.zeros((2, 2), np.uint8)}, labels=LABELS)
    same = convert.from_masks({"a.png": np.zeros((2, 2), np.uint8)}, labels=LABELS)
    other = convert.from_masks({"a.png": np.ones((2, 2), np.uint8)}, labels=LABELS)
    assert first.fingerprint() == same.fingerprint() != other.fingerprint()
    loaded = convert.load(FOOD / "annotations.json", labels=LABELS)
    assert loaded.fingerprint() is None  # its path and settings are recorded
    kept = loaded.filter(lambda s: s.name != "table_02.jpg")
    assert kept.fingerprint() not in (None, loaded.relabel({"cup": None}).fingerprint())


def _painted_back(rings, shape) -> np.ndarray:
    """The rings filled by pycocotools (even-odd within one polygon), joined into one ring."""
    h, w = shape
    joined = convert.api.join_rings(rings)
    rle = mask_utils.frPyObjects([joined.astype(float).ravel().tolist()], h, w)
    return mask_utils.decode(mask_utils.merge(rle)).astype(bool)


@pytest.mark.parametrize("seed", range(6))
def test_trace_gives_rings_that_paint_back_exactly(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((23, 31)) < 0.45  # speckle: holes, corners touching, pixels alone
    rings = convert.trace(mask)
    assert rings and all(r.ndim == 2 and r.shape[1] == 2 for r in rings)
    assert np.array_equal(_painted_back(rings, mask.shape), mask)


def test_trace_of_a_ring_with_a_hole():
    mask = np.ones((3, 3), bool)
    mask[1, 1] = False
    outer, hole = convert.trace(mask)
    assert outer.tolist() == [[0, 0], [3, 0], [3, 3], [0, 3]]
    assert sorted(map(tuple, hole.tolist())) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert convert.trace(np.zeros((2, 2), bool)) == []
    with pytest.raises(ValueError, match="2-D mask"):
        convert.trace(np.zeros((2, 2, 2)))


def test_each_painted_objects_rings_paint_its_visible_pixels():
    ds = convert.load(FOOD / "annotations.json", labels=LABELS)
    sample = ds[0]
    objects = ds.objects(sample)
    assert len(objects) >= 5
    for obj in objects:
        assert np.array_equal(_painted_back(obj.rings(), (sample.height, sample.width)), obj.mask()), obj.label
