"""YOLO rows as Ultralytics trains on them.  Ultralytics reads a row as float32, resamples it to 1,000 points
(``resample_segments``), scales it by the image size, truncates it to int32 and fills it with
``cv2.fillPoly`` (``polygon2mask``), smaller rows on top (``polygons2masks_overlap``).  Those steps are
restated here with OpenCV itself, independently of segconv, and:

- segconv's emulation of ``fillPoly`` equals OpenCV's;
- the default rows (``rows=ultralytics``) of the bundled example and of a generated scene read back through
  OpenCV to the ``png`` masks but for at most 0.1 % of the objects' pixels, the very count the summary gives,
  where the pycocotools-exact rows (``rows=pycocotools``) lose far more;
- the YOLO reader paints rows that way by default, so segconv reads back what it wrote."""

import re

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.formats.yolo.centre_rows import centre_text
from convert.model.labelmap import LabelMap
from convert.pixels.ultralytics_fill import fill_poly

from conftest import FOOD, generated_delivery

cv2 = pytest.importorskip("cv2")


def resample_segments(segments, n=1000):
    """Ultralytics' ``ultralytics/utils/ops.py`` ``resample_segments`` as it is today, restated."""
    out = []
    for s in segments:
        if len(s) == n:
            out.append(s)
            continue
        s = np.concatenate((s, s[0:1, :]), axis=0)
        x = np.linspace(0, len(s) - 1, n - len(s) if len(s) < n else n)
        xp = np.arange(len(s))
        x = np.insert(x, np.searchsorted(x, xp), xp) if len(s) < n else x
        out.append(np.concatenate([np.interp(x, xp, s[:, i]) for i in range(2)], dtype=np.float32).reshape(2, -1).T)
    return out


def as_ultralytics_trains(label_file, width, height, classes):
    """The class mask Ultralytics trains on for one label file (``overlap_mask``), through OpenCV."""
    rows = [line.split() for line in label_file.read_text().splitlines() if line.strip()]
    segments = resample_segments([np.array(r[1:], dtype=np.float32).reshape(-1, 2) for r in rows])
    masks = []
    for segment in segments:
        mask = np.zeros((height, width), dtype=np.uint8)
        points = (segment * np.array([width, height], dtype=np.float32)).astype(np.int32)
        cv2.fillPoly(mask, [points.reshape(-1, 2)], color=1)
        masks.append(mask)
    areas = np.array([m.sum() for m in masks])
    out = np.full((height, width), classes["fill"], dtype=np.int64)
    for i in np.argsort(-areas):  # larger first, smaller on top
        out[masks[i] == 1] = classes[int(rows[i][0])]
    return out


def measured(yolo_out, png_out, labelmap):
    """(pixels where the rows, filled by OpenCV as Ultralytics does, differ from the png masks; object pixels)."""
    classes = {k: c.index for k, c in enumerate(c for c in sorted(labelmap.classes, key=lambda c: c.index)
                                                if not c.fill)}
    classes["fill"] = labelmap.fill.index
    differ = objects = 0
    for label in sorted((yolo_out / "labels").rglob("*.txt")):
        stem = label.relative_to(yolo_out / "labels").with_suffix("").parts[1:]
        mask = np.asarray(Image.open(next((png_out / "masks").rglob("/".join(stem) + ".png"))))
        trained = as_ultralytics_trains(label, mask.shape[1], mask.shape[0], classes)
        differ += int((trained != mask).sum())
        objects += int((mask != labelmap.fill.index).sum())
    return differ, objects


def figure(summary, rule):
    """The pixel count a writer summary gives under one rule."""
    part = summary.split("as Ultralytics trains on them" if rule == "ultralytics" else "by pycocotools' rule")[1]
    found = re.match(r"[^;]*?(?:0 pixels differ|on ([\d,]+) pixels?)", part)
    return int(found.group(1).replace(",", "")) if found.group(1) else 0


def test_the_fill_equals_opencvs_for_vertices_inside_the_image():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        width, height = (int(v) for v in rng.integers(4, 40, 2))
        count = int(rng.integers(1, 10))
        points = np.stack([rng.integers(0, width, count), rng.integers(0, height, count)], axis=1)
        theirs = np.zeros((height, width), np.uint8)
        cv2.fillPoly(theirs, [points.astype(np.int32)], 1)
        ours = np.zeros((height, width), np.uint8)
        fill_poly(ours, points.astype(np.int64))
        np.testing.assert_array_equal(ours, theirs, err_msg=str(points.tolist()))


def test_rows_resampled_at_once_are_ultralytics_own():
    """``stacked_vertices`` (every row of an image resampled and scaled in one pass) gives the integer vertices
    of Ultralytics' own steps, restated above, row by row: rows shorter than, of, and longer than 1,000
    points, one and two points, several rows at once."""
    from convert.pixels.ultralytics_fill import stacked_vertices

    rng = np.random.default_rng(11)
    for case in range(400):
        width, height = (int(v) for v in rng.integers(1, 2000, 2))
        lengths = rng.choice([1, 2, 3, 7, 500, 997, 998, 999, 1000, 1001, 1700], int(rng.integers(1, 4)))
        rows = [(rng.random((int(k), 2)) * rng.choice([1.0, 1.3])).astype(np.float32) for k in lengths]
        want = np.concatenate([(segment * np.array([width, height], dtype=np.float32)).astype(np.int32)
                               for segment in resample_segments(rows)])
        got = stacked_vertices(rows, width, height)
        assert got.dtype == np.int64 and np.array_equal(got, want), case


def test_centre_coordinates_truncate_to_their_pixel():
    """0.664062 · 640 = 424.9997 was column 424 (6-decimal rounding of the corner 425/640); the centre
    (424 + ½) / 640 written as 0.663281 reads back as 424.4998 in float32."""
    table, read = centre_text(640)
    assert table[424].tobytes() == b"0.663281"
    for size in (1, 7, 640, 1080, 4000, 12345):
        _, read = centre_text(size)
        scaled = np.array([f"{v:.9g}" for v in read], dtype=np.float32) * np.float32(size)
        assert (scaled.astype(np.int32) == np.arange(size)).all()


def convert_both(src, labels, tmp_path, **options):
    png, yolo = tmp_path / "png", tmp_path / "yolo"
    api.convert(src, png, labels=labels)
    report = api.convert(src, yolo, to="yolo", labels=labels, format_options=options or {})
    return png, yolo, report


def test_food_rows_are_exact_as_ultralytics_fills_them_and_the_summary_says_so(tmp_path):
    labelmap = LabelMap.load(FOOD / "labelmap.yaml")
    png, yolo, report = convert_both(FOOD / "annotations.json", FOOD / "labelmap.yaml", tmp_path)
    differ, objects = measured(yolo, png, labelmap)
    assert differ == figure(report.summary, "ultralytics") == 1 <= 0.001 * objects  # a bridge between parts
    pco_png, pco_yolo, pco = convert_both(FOOD / "annotations.json", FOOD / "labelmap.yaml", tmp_path / "p",
                                          rows="pycocotools")
    lost, _ = measured(pco_yolo, pco_png, labelmap)
    assert figure(pco.summary, "pycocotools") == 0 and lost == figure(pco.summary, "ultralytics")
    assert lost == 7682 > 0.01 * objects  # the pycocotools-exact rows lose 1.9 % under Ultralytics' fill
    split_png, split_yolo, split = convert_both(FOOD / "annotations.json", FOOD / "labelmap.yaml",
                                                tmp_path / "s", multipart="split")
    assert measured(split_yolo, split_png, labelmap)[0] == 0 == figure(split.summary, "ultralytics")


def test_a_generated_scene_loses_at_most_a_thousandth_under_ultralytics_fill(tmp_path):
    src, labels = generated_delivery(tmp_path / "gen", 4, 640, 480)
    labelmap = LabelMap.load(labels)
    png, yolo, report = convert_both(src, labels, tmp_path)
    differ, objects = measured(yolo, png, labelmap)
    assert differ == figure(report.summary, "ultralytics") <= 0.001 * objects
    rows = [len(line.split()) // 2 for f in (yolo / "labels").rglob("*.txt") for line in f.read_text().splitlines()]
    assert max(rows) <= 1000  # Ultralytics re-samples a longer row


def test_segconv_reads_its_yolo_rows_back_as_ultralytics_fills_them(tmp_path):
    png, yolo, report = convert_both(FOOD / "annotations.json", FOOD / "labelmap.yaml", tmp_path,
                                     multipart="split")
    back = api.convert(yolo, tmp_path / "back")  # detected; -O fill=ultralytics is the reader's default
    assert back.exit_code() == 0
    for mask in (png / "masks").rglob("*.png"):
        again = next((tmp_path / "back" / "masks").rglob(mask.name))
        np.testing.assert_array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(mask)))


def test_corners_left_out_along_any_slope_keep_every_pixel_of_the_fill():
    """``_any_slope`` checks each corner on the rows it can change only, against the ring's fill drawn
    once: the shorter ring fills exactly the pixels the long one did (a tilted ellipse's staircase)."""
    from convert.formats.yolo.centre_rows import _any_slope, centre_ring
    from convert.pixels.trace import trace_parts
    from convert.pixels.ultralytics_fill import fill_poly

    ys, xs = np.mgrid[0:90, 0:140]
    u, v = (xs - 70) * 0.8 + (ys - 45) * 0.6, -(xs - 70) * 0.6 + (ys - 45) * 0.8
    ring = centre_ring(trace_parts(((u / 60) ** 2 + (v / 25) ** 2 <= 1).astype(int))[1][0][0])
    shorter = _any_slope(ring, 10)
    assert len(shorter) < len(ring) * 0.7
    lo = ring.min(axis=0)
    shape = tuple(int(v) for v in ring.max(axis=0)[::-1] - lo[::-1] + 1)
    before, after = np.zeros(shape, dtype=np.uint8), np.zeros(shape, dtype=np.uint8)
    fill_poly(before, ring - lo)
    fill_poly(after, shorter - lo)
    assert np.array_equal(before, after) and before.sum() > 2000


def test_runs_of_a_band_are_the_dense_fills_rows():
    """``fill_runs`` (the edges that reach a band, no mask) gives the very pixels ``fill_poly`` paints on
    those rows, which equals OpenCV's fill (above)."""
    from convert.pixels.ultralytics_fill import fill_runs, mask_runs

    rng = np.random.default_rng(11)
    for _ in range(500):
        width, height = (int(v) for v in rng.integers(4, 40, 2))
        count = int(rng.integers(2, 12))
        points = np.stack([rng.integers(0, width, count), rng.integers(0, height, count)], axis=1).astype(np.int64)
        dense = np.zeros((height, width), np.uint8)
        fill_poly(dense, points)
        top = int(rng.integers(0, height))
        bottom = int(rng.integers(top, height))
        rows, first, last = mask_runs(dense[top:bottom + 1])
        got = fill_runs(points, np.roll(points, -1, axis=0), top, bottom)
        assert [v.tolist() for v in got] == [(rows + top).tolist(), first.tolist(), last.tolist()], points.tolist()


def test_rows_composed_from_runs_are_the_windows_composed():
    """``compose_rows`` (each row's fill as runs, composed by one running XOR of the rows' bits) gives the image
    ``compose`` makes of the rows' dense windows: random rows, equal sizes (the stable order decides), vertices
    outside the image and more than 52 rows (both composed through the windows)."""
    from convert.pixels.ultralytics_fill import compose, compose_rows, row_window

    rng = np.random.default_rng(5)
    for case in range(300):
        width, height = (int(v) for v in rng.integers(3, 30, 2))
        count = int(rng.integers(0, 60 if case % 10 == 0 else 8))  # 0: an image without rows
        rows = []
        for _ in range(count):
            k = int(rng.integers(1, 9))
            pixels = np.stack([rng.integers(0, width, k), rng.integers(0, height, k)], axis=1)
            if case % 7 == 0:
                pixels = pixels + rng.integers(-3, 4, pixels.shape)
            rows.append(((pixels + 0.5) / [width, height]).astype(np.float32))
        if case % 5 == 0 and count > 1:
            rows[1] = rows[0].copy()  # equal areas
        classes = [int(c) for c in rng.integers(1, 5, count)]
        want = compose([row_window(r, width, height) for r in rows], classes, 0, (height, width))
        assert np.array_equal(compose_rows(rows, classes, 0, (height, width)), want), case


def test_corners_checked_in_batches_go_as_one_by_one():
    """``_any_slope`` checks corners many at once; the corners that go are those the one-by-one rule (each
    checked against the ring as the earlier ones left it) leaves out, whatever the batch size."""
    import convert.formats.yolo.centre_rows as rows_module
    from convert.formats.yolo.centre_rows import _any_slope, centre_ring
    from convert.pixels.trace import trace_parts

    ys, xs = np.mgrid[0:60, 0:90]
    u, v = (xs - 45) * 0.6 + (ys - 30) * 0.8, -(xs - 45) * 0.8 + (ys - 30) * 0.6
    ring = centre_ring(trace_parts(((u / 40) ** 2 + (v / 18) ** 2 <= 1).astype(int))[1][0][0])
    size = rows_module._BATCH
    try:
        rows_module._BATCH = 1  # one corner a batch: the rule itself
        one_by_one = _any_slope(ring, 10)
        for batch in (2, 5, 32):
            rows_module._BATCH = batch
            assert np.array_equal(_any_slope(ring, 10), one_by_one)
    finally:
        rows_module._BATCH = size
    assert len(one_by_one) < len(ring) * 0.7
