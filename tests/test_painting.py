"""Painting by level: levels beat file order, fill, void, partition, and pycocotools parity."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as cocomask

from convert.formats.coco.instances import CocoDataset
from convert.model.labelmap import LabelMap
from convert.model.sample import Box, Origin, Polygon, Region, Sample
from convert.painting.paint import paint
from convert.painting.painted import Stretches
from convert.painting.rasterize import rasterize

from conftest import reference_masks, write_json

ORIGIN = Origin("test")
FOOD = LabelMap.from_dict({"classes": [
    {"name": "background", "index": 0, "level": 0, "fill": True},
    {"name": "plate", "index": 1, "level": 1},
    {"name": "bowl", "index": 2, "level": 1},
    {"name": "rice", "index": 4, "level": 2},
], "void_aliases": ["__ignore__"]})


def region(label, box, order):
    return Region(label, Box(*box), (order,), ORIGIN)


def test_higher_level_wins_whatever_the_file_order():
    s = Sample("a", 4, 2, [region("rice", (1, 0, 3, 2), 0), region("plate", (0, 0, 4, 2), 1)], ORIGIN)
    assert paint(s, FOOD).class_mask.tolist() == [[1, 4, 4, 1], [1, 4, 4, 1]]


def test_the_stretches_a_mask_is_drawn_from_are_called_stretches():
    """``Painted.stretches`` is a ``Stretches``: the column-major stretches (0..1 in column 0, rice on
    pixels 2..5, plate after) with the class of the region on top of each; the mask is drawn from them."""
    s = Sample("a", 4, 2, [region("rice", (1, 0, 3, 2), 0), region("plate", (0, 0, 4, 2), 1)], ORIGIN)
    painted = paint(s, FOOD)
    st = painted.stretches
    assert type(st) is Stretches and not hasattr(painted, "runs")
    assert list(zip(st.starts.tolist(), st.ends.tolist(), st.per_stretch(st.values, st.empty).tolist())) == [
        (0, 2, 1), (2, 6, 4), (6, 8, 1)]
    assert (st.image(st.values, st.empty, (2, 4)) == painted.class_mask).all()


def test_inside_a_level_the_source_order_decides():
    first = Sample("a", 3, 1, [region("plate", (0, 0, 2, 1), 0), region("bowl", (1, 0, 3, 1), 1)], ORIGIN)
    assert paint(first, FOOD).class_mask.tolist() == [[1, 2, 2]]
    swapped = Sample("a", 3, 1, [region("plate", (0, 0, 2, 1), 1), region("bowl", (1, 0, 3, 1), 0)], ORIGIN)
    assert paint(swapped, FOOD).class_mask.tolist() == [[1, 1, 2]]


def test_void_regions_win_and_unknown_labels_are_reported_not_painted():
    s = Sample("a", 3, 1, [region("__ignore__", (0, 0, 1, 1), 0), region("rice", (0, 0, 3, 1), 1),
                           region("Rice", (2, 0, 3, 1), 2)], ORIGIN)
    out = paint(s, FOOD)
    assert out.class_mask.tolist() == [[255, 4, 4]]
    [finding] = out.findings
    assert finding.code == "unknown-label" and "did you mean 'rice'" in finding.message


def test_without_fill_uncovered_pixels_are_void_and_counted():
    lm = LabelMap.from_dict({"classes": [{"name": "plate", "index": 1, "level": 1}]})
    out = paint(Sample("a.jpg", 4, 2, [region("plate", (0, 0, 1, 2), 0)], ORIGIN), lm)
    assert out.class_mask.tolist() == [[1, 255, 255, 255]] * 2
    [finding] = out.findings
    assert finding.code == "unlabelled-pixels" and finding.pixels == 6 and finding.image == "a.jpg"
    assert finding.message.startswith("6 pixels are covered by no region")
    [many] = paint(Sample("b.jpg", 100, 50, [region("plate", (0, 0, 1, 50), 0)], ORIGIN), lm).findings
    assert many.message.startswith("4,950 pixels are covered by no region")  # was "4950 pixels"
    [one] = paint(Sample("c.jpg", 2, 1, [region("plate", (0, 0, 1, 1), 0)], ORIGIN), lm).findings
    assert one.message.startswith("1 pixel is covered by no region")


def test_instances_are_numbered_in_painting_order_and_count_visible_pixels():
    s = Sample("a", 4, 1, [region("rice", (1, 0, 3, 1), 0), region("plate", (0, 0, 4, 1), 1)], ORIGIN)
    out = paint(s, FOOD, instances=True)
    assert out.instance_mask.tolist() == [[1, 2, 2, 1]]
    assert [(i.label.name, i.pixels) for i in out.instances] == [("plate", 2), ("rice", 2)]


@settings(max_examples=40, deadline=None)
@given(nx=st.integers(1, 6), ny=st.integers(1, 6), seed=st.integers(0, 2**32 - 1),
       decimals=st.sampled_from([None, 1, 2]))
def test_polygons_sharing_edges_partition_the_pixels(nx, ny, seed, decimals):
    """Tile the image with jittered quads: every pixel covered exactly once."""
    rng = np.random.default_rng(seed)
    w, h = 8 * nx, 6 * ny
    xs = np.linspace(0, w, nx + 1)[None, :].repeat(ny + 1, 0)
    ys = np.linspace(0, h, ny + 1)[:, None].repeat(nx + 1, 1)
    jx = rng.uniform(-3, 3, xs.shape)
    jy = rng.uniform(-2.2, 2.2, ys.shape)
    jx[:, [0, -1]] = 0
    jy[[0, -1], :] = 0
    xs, ys = xs + jx, ys + jy
    if decimals is not None:
        xs, ys = xs.round(decimals), ys.round(decimals)
    total = np.zeros((h, w), int)
    for j in range(ny):
        for i in range(nx):
            quad = np.array([[xs[j, i], ys[j, i]], [xs[j, i + 1], ys[j, i + 1]],
                             [xs[j + 1, i + 1], ys[j + 1, i + 1]], [xs[j + 1, i], ys[j + 1, i]]])
            total += rasterize(Polygon((quad,)), h, w)
    assert total.min() == 1 and total.max() == 1


# ----------------------------------------------------------------- pycocotools parity
LEVELS = {"background": 0, "plate": 1, "bowl": 1, "rice": 2, "salad": 2, "sauce": 3}
NAMES = list(LEVELS)[1:]
CAT_IDS = dict(zip(NAMES, [3, 7, 8, 15, 90]))  # gappy ids


coord = st.integers(-60, 460).map(lambda v: v / 10)


@st.composite
def coco_documents(draw):
    images, anns = [], []
    for image_id in range(1, draw(st.integers(1, 3)) + 1):
        w, h = draw(st.integers(1, 40)), draw(st.integers(1, 40))
        images.append({"id": image_id, "file_name": f"im{image_id}.jpg", "width": w, "height": h})
        for _ in range(draw(st.integers(0, 6))):
            name = draw(st.sampled_from(NAMES))
            kind = draw(st.sampled_from(["poly", "poly", "rle-str", "rle-list"]))
            rings = draw(st.lists(st.lists(st.tuples(coord, coord), min_size=3, max_size=8), min_size=1, max_size=3))
            seg = [[v for xy in r for v in xy] for r in rings]
            if kind != "poly":
                rle = cocomask.merge(cocomask.frPyObjects(seg, h, w))
                if kind == "rle-str":
                    seg = {"size": [h, w], "counts": rle["counts"].decode()}
                else:
                    flat = cocomask.decode(rle).ravel(order="F")
                    change = np.flatnonzero(np.diff(flat)) + 1
                    runs = np.diff(np.concatenate(([0], change, [flat.size]))).tolist()
                    seg = {"size": [h, w], "counts": ([0] + runs) if flat[0] else runs}
            anns.append({"id": len(anns) + 1, "image_id": image_id, "category_id": CAT_IDS[name],
                         "segmentation": seg, "iscrowd": int(kind != "poly")})
    cats = [{"id": cid, "name": name} for name, cid in CAT_IDS.items()]
    return {"images": images, "annotations": draw(st.permutations(anns)), "categories": cats}


LEVELLED = LabelMap.from_dict({"classes": [
    {"name": n, "index": i, "level": lvl, **({"fill": True} if n == "background" else {})}
    for i, (n, lvl) in enumerate(LEVELS.items())]})


@settings(max_examples=120, deadline=None)
@given(doc=coco_documents())
def test_class_masks_are_bit_identical_to_pycocotools_painted_by_level(doc, tmp_path_factory):
    path = write_json(tmp_path_factory.mktemp("coco") / "a.json", doc)
    expected = reference_masks(doc, LEVELLED)
    dataset = CocoDataset(path)
    assert len(dataset) == len(doc["images"])
    for sample in dataset:
        assert sample.findings == []
        assert (paint(sample, LEVELLED).class_mask == expected[sample.name]).all()


def test_an_image_without_pixels_paints_an_empty_mask():
    for width, height in ((0, 0), (5, 0), (0, 5)):
        s = Sample("a", width, height, [region("plate", (0, 0, 1, 1), 0)], ORIGIN)
        out = paint(s, FOOD, trace=True, instances=True)
        assert out.class_mask.shape == out.instance_mask.shape == (height, width)
        assert out.trace.visible.tolist() == [0]
