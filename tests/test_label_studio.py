"""Label Studio in and out: the brush RLE against hand-worked vectors and an independent encoder, an export
written here (percent polygons, rotated rectangles, brushes) read to what pycocotools paints by level, the
annotation choice, image names, hostile exports, and the writer read back."""

import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from pycocotools import mask as cocomask

from convert import api
from convert.formats.label_studio import brush as brushrle
from convert.formats.label_studio.read import LabelStudioDataset, image_name
from convert.formats.readers import detect_format
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import FOOD, run_cli

LABELS = LabelMap.from_dict({"classes": [
    {"name": "background", "index": 0, "level": 0, "fill": True},
    {"name": "plate", "index": 1, "level": 1},
    {"name": "bowl", "index": 2, "level": 1},
    {"name": "rice", "index": 3, "level": 2}]})


# --------------------------------------------------------------------------- the brush RLE
def spec_bits(values, word=8, sizes=(3, 4, 8, 16), literal_group=1, sdk_padding=False):
    """An independent encoder, straight from the format's text: a string of bits.  Runs become run chunks;
    values that do not repeat are gathered in literal chunks of up to ``literal_group`` values (the editor
    writes long literal chunks; label-studio-sdk writes one value each)."""
    out = f"{len(values):032b}{word - 1:05b}" + "".join(f"{s - 1:04b}" for s in sizes)
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i]:
            j += 1
        if j - i > 1:
            n = min(j - i, 1 << sizes[3])
            k = next(k for k, s in enumerate(sizes) if n <= 1 << s)
            out += "1" + f"{k:02b}" + f"{n - 1:0{sizes[k]}b}" + f"{values[i]:0{word}b}"
            i += n
            continue
        group = [values[i]]
        i += 1
        while i < len(values) and len(group) < literal_group and (i + 1 >= len(values) or values[i + 1] != values[i]):
            group.append(values[i])
            i += 1
        k = next(k for k, s in enumerate(sizes) if len(group) <= 1 << s)
        out += "0" + f"{k:02b}" + f"{len(group) - 1:0{sizes[k]}b}" + "".join(f"{v:0{word}b}" for v in group)
    if sdk_padding and len(out) % 8 == 0:  # label-studio-sdk adds a whole zero byte when already aligned
        out += "0" * 8
    out += "0" * (-len(out) % 8)
    return [int(out[b:b + 8], 2) for b in range(0, len(out), 8)]


def test_hand_worked_vector_of_the_spec():
    """5 x 7 mask, rows 1-2, columns 2-4 set: runs of 36, 12, 16, 12, 64 values: 136 bits + a zero byte."""
    bits = "00000000000000000000000010001100" + "00111" + "0010" + "0011" + "0111" + "1111"
    bits += "1" "10" "00100011" "00000000"  # 36 zeros: size class 2 (8 bits)
    bits += "1" "01" "1011" "11111111"  # 12 x 255: size class 1 (4 bits)
    bits += "1" "01" "1111" "00000000"  # 16 zeros
    bits += "1" "01" "1011" "11111111"
    bits += "1" "10" "00111111" "00000000"  # 64 zeros
    expected = [int(bits[i:i + 8], 2) for i in range(0, 136, 8)] + [0]
    mask = np.zeros((5, 7), np.uint8)
    mask[1:3, 2:5] = 255
    assert brushrle.encode(mask) == expected and len(expected) == 18
    assert (brushrle.decode(expected, 7, 5)[..., 3] == mask).all()
    assert len(brushrle.encode(np.zeros((300, 300), np.uint8))) == 27  # the spec's other measured figure


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12), st.just(4)), elements=st.sampled_from(
    [0, 0, 0, 17, 128, 200, 255])), st.integers(1, 20), st.sampled_from([(3, 4, 8, 16), (1, 2, 5, 16), (4, 6, 9, 12)]))
def test_editor_style_streams_decode_exactly(rgba, group, sizes):
    """Coloured, anti-aliased RGBA with literal chunks of many values and other run sizes, as the editor
    writes them, decode to the image the independent encoder was given."""
    h, w, _ = rgba.shape
    rle = spec_bits(rgba.ravel().tolist(), sizes=sizes, literal_group=group)
    np.testing.assert_array_equal(brushrle.decode(rle, w, h), rgba)


@settings(max_examples=60, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 40), st.integers(1, 40))))
def test_round_trip_of_random_masks(mask):
    values = mask.astype(np.uint8) * 255
    rle = brushrle.encode(values)
    assert (brushrle.decode(rle, mask.shape[1], mask.shape[0])[..., 3] == values).all()
    assert rle == spec_bits(np.repeat(values.ravel(), 4).tolist(), sdk_padding=True)  # the SDK's own bytes


@settings(max_examples=40, deadline=None)
@given(st.lists(arrays(np.uint8, st.tuples(st.integers(1, 30), st.integers(1, 30)),
                       elements=st.sampled_from([0, 7, 255])), max_size=5))
def test_streams_encoded_together_equal_each_encoded_alone(masks):
    """The writer encodes every object of an image in one pass; each object's bytes are those the spec
    gives for it alone (its bits start on a byte of their own)."""
    streams = []
    for mask in masks:
        values = np.repeat(mask.ravel(), 4)
        cut = np.flatnonzero(values[1:] != values[:-1]) + 1
        starts = np.r_[0, cut]
        streams.append((np.diff(np.r_[starts, len(values)]), values[starts]))
    together = brushrle.encode_many(streams)
    assert together == [spec_bits(np.repeat(m.ravel(), 4).tolist(), sdk_padding=True) for m in masks]


@pytest.mark.parametrize("broken, reason", [
    (lambda r: [0, 0, 3, 232] + r[4:], "the header counts"),  # a count that is not width x height x 4
    (lambda r: [232, 212, 165, 16] + r[4:], "the header counts"),  # 3.9 billion values: never allocated
    (lambda r: r[:9], "truncated"),
    (lambda r: r[:3], "shorter than the header"),
    (lambda r: "abc", "list of integers"),
])
def test_broken_streams_are_errors_not_crashes(broken, reason):
    mask = np.zeros((20, 30), np.uint8)
    mask[5:15, 3:9] = 255
    with pytest.raises(brushrle.BrushError, match=reason):
        brushrle.decode(broken(brushrle.encode(mask)), 30, 20)


# --------------------------------------------------------------------------- reading an export
def brush_result(mask, label, width, height, **extra):
    rgba = np.zeros(mask.shape + (4,), np.uint8)
    rgba[mask] = (200, 30, 40, 255)  # coloured RGB, as the editor writes strokes
    return {"type": "brushlabels", "from_name": "tag", "to_name": "image", "original_width": width,
            "original_height": height, "value": {"format": "rle", "rle": spec_bits(rgba.ravel().tolist(),
                                                                                    literal_group=30),
                                                 "brushlabels": [label]}, **extra}


def polygon_result(points_px, label, width, height):
    return {"type": "polygonlabels", "from_name": "tag", "to_name": "image", "original_width": width,
            "original_height": height,
            "value": {"points": [[100 * x / width, 100 * y / height] for x, y in points_px], "polygonlabels": [label]}}


def rectangle_result(x, y, w, h, rotation, label, width, height):
    return {"type": "rectanglelabels", "from_name": "tag", "to_name": "image", "original_width": width,
            "original_height": height, "value": {"x": 100 * x / width, "y": 100 * y / height,
                                                 "width": 100 * w / width, "height": 100 * h / height,
                                                 "rotation": rotation, "rectanglelabels": [label]}}


def test_an_export_reads_to_what_pycocotools_paints_by_level(tmp_path):
    width, height = 64, 48
    brush = np.zeros((height, width), bool)
    brush[20:40, 30:60] = True
    results = [polygon_result([(5.2, 4.1), (40.7, 6.3), (38.2, 30.9), (8.8, 28.4)], "plate", width, height),
               brush_result(brush, "rice", width, height),
               rectangle_result(20.5, 10.25, 20.0, 12.5, 30.0, "bowl", width, height),
               {"type": "choices", "from_name": "c", "to_name": "image", "value": {"choices": ["ok"]}},
               {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right"}]
    tasks = [{"id": 1, "data": {"image": "/data/upload/7/0a1b2c3d-scene.jpg"},
              "annotations": [{"id": 1, "result": results, "created_at": "2026-01-01"}]}]
    (tmp_path / "export.json").write_text(json.dumps(tasks))
    assert detect_format(tmp_path / "export.json") == "label-studio"
    [sample] = list(LabelStudioDataset(tmp_path / "export.json"))
    assert sample.name == "scene.jpg"
    assert [f.code for f in sample.findings] == ["skipped-result"]
    expected = np.zeros((height, width), np.uint8)
    for _, result in sorted(enumerate(results[:3]), key=lambda r: LABELS[_label(r[1])].level):
        label = _label(result)
        if result["type"] == "brushlabels":
            m = brush
        else:
            if result["type"] == "polygonlabels":
                ring = [v for x, y in result["value"]["points"] for v in (x / 100 * width, y / 100 * height)]
            else:
                v = result["value"]
                x, y = v["x"] / 100 * width, v["y"] / 100 * height
                w, h = v["width"] / 100 * width, v["height"] / 100 * height
                t = math.radians(v["rotation"])
                ring = [c for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))
                        for c in (x + dx * math.cos(t) - dy * math.sin(t), y + dx * math.sin(t) + dy * math.cos(t))]
            m = cocomask.decode(cocomask.merge(cocomask.frPyObjects([ring], height, width))).astype(bool)
        expected[m] = LABELS[label].index
    np.testing.assert_array_equal(paint(sample, LABELS).class_mask, expected)


def _label(result):
    value = result["value"]
    return next(value[k][0] for k in ("polygonlabels", "brushlabels", "rectanglelabels") if k in value)


def task_file(tmp_path, tasks):
    (tmp_path / "t.json").write_text(json.dumps(tasks))
    return tmp_path / "t.json"


def test_which_annotation_is_read(tmp_path):
    square = polygon_result([(0, 0), (10, 0), (10, 10), (0, 10)], "plate", 20, 20)
    other = polygon_result([(10, 10), (20, 10), (20, 20), (10, 20)], "bowl", 20, 20)
    tasks = [{"data": {"image": "a.jpg"}, "annotations": [
                {"result": [square], "created_at": "2026-03-01"},
                {"result": [other], "created_at": "2026-02-01", "ground_truth": True}]},  # ground truth wins
             {"data": {"image": "b.jpg"}, "annotations": [
                {"result": [square], "created_at": "2026-03-01", "was_cancelled": True},
                {"result": [other], "created_at": "2026-02-01"}]},  # the newest that was not cancelled
             {"data": {"image": "c.jpg"}, "annotations": [{"result": [square], "was_cancelled": True}],
              "predictions": [{"result": [other], "model_version": "m1"}]}]
    ds = LabelStudioDataset(task_file(tmp_path, tasks))
    samples = list(ds)
    assert [[r.label for r in s.regions] for s in samples] == [["bowl"], ["bowl"], []]
    assert [s.usable for s in samples] == [True, True, False]  # c is unlabelled: not painted, not background
    assert [f.code for f in samples[2].findings] == ["unlabelled-task"]
    ds = LabelStudioDataset(task_file(tmp_path, tasks), options={"use": "prediction"})
    samples = list(ds)
    assert [s.usable for s in samples] == [False, False, True]  # a and b: no prediction
    assert [r.label for r in samples[2].regions] == ["bowl"]
    assert samples[2].attributes == {"model_version": "m1"}
    ds = LabelStudioDataset(task_file(tmp_path, tasks), options={"use": "auto"})
    assert [[r.label for r in s.regions] for s in ds] == [["bowl"], ["bowl"], ["bowl"]]
    assert [f.code for f in ds.findings] == ["prediction-read"]
    assert ds.findings[0].message == ("1 task without an annotation read from its newest prediction "
                                      "(-O use=auto): tasks[2]")


def test_image_names_and_sizes_from_files(tmp_path):
    assert image_name("/data/upload/12/deadbeef-my photo.jpg") == "my photo.jpg"
    assert image_name("gs://b/x/y.png") == "y.png" and image_name("plain.jpg") == "plain.jpg"
    Image.new("RGB", (30, 20)).save(tmp_path / "z.png")
    result = polygon_result([(0, 0), (10, 0), (10, 10)], "plate", 30, 20)
    del result["original_width"], result["original_height"]
    [sample] = list(LabelStudioDataset(task_file(tmp_path, [{"data": {"image": "/data/local-files/?d=z.png"},
                                                             "annotations": [{"result": [result]}]}])))
    assert (sample.width, sample.height, sample.name) == (30, 20, "z.png") and sample.regions


def test_faint_brush_pixels_are_counted_at_the_stated_threshold(tmp_path):
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[2:8, 2:8, 3] = 255
    rgba[1, 1:9, 3] = 60  # an anti-aliased edge
    result = {"type": "brushlabels", "to_name": "image", "original_width": 10, "original_height": 10,
              "value": {"format": "rle", "rle": spec_bits(rgba.ravel().tolist()), "brushlabels": ["rice"]}}
    src = task_file(tmp_path, [{"data": {"image": "a.jpg"}, "annotations": [{"result": [result]}]}])
    [sample] = list(LabelStudioDataset(src))
    [f] = sample.findings
    assert (f.code, f.pixels) == ("faint-brush-pixels", 8)
    [sample] = list(LabelStudioDataset(src, options={"alpha": 50}))
    assert not sample.findings and sample.regions[0].geometry.mask.sum() == 44


def test_hostile_exports(tmp_path):
    huge = {"type": "brushlabels", "to_name": "image", "original_width": 10, "original_height": 10,
            "value": {"format": "rle", "rle": [232, 212, 165, 16, 0, 0, 0, 0], "brushlabels": ["rice"]}}
    far = polygon_result([(0, 0), (10, 0), (10, 10)], "plate", 20, 20)
    far["value"]["points"] = [[1e308, 0], [0, 1e308], [5, 5]]
    src = task_file(tmp_path, [{"data": {"image": "a.jpg"}, "annotations": [{"result": [huge, far]}]}])
    report = api.validate(src)
    codes = {f.code for f in report.findings}
    assert {"rle-invalid", "coordinates-too-large"} <= codes
    (tmp_path / "wrong.json").write_text(json.dumps({"tasks": []}))
    proc = run_cli("convert", tmp_path / "wrong.json", "--from", "label-studio", "-o", tmp_path / "o")
    assert proc.returncode == 2 and "list of tasks" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- the writer
def test_written_tasks_read_back_to_the_png_masks(tmp_path):
    out = tmp_path / "ls"
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out,
                   "--to", "label-studio")
    assert proc.returncode == 0, proc.stderr
    tasks = json.loads((out / "tasks.json").read_text())
    assert tasks[0]["data"]["image"].startswith("/data/local-files/?d=") and "annotations" in tasks[0]
    config = ET.parse(out / "labeling-config.xml").getroot()
    names = [label.get("value") for label in config.iter("Label")]
    assert names == [c.name for c in sorted(LabelMap.load(FOOD / "labelmap.yaml").classes, key=lambda c: c.index)
                     if not c.fill]
    png = tmp_path / "png"
    assert run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", png).returncode == 0
    back = tmp_path / "back"
    proc = run_cli("convert", out / "tasks.json", "--labels", FOOD / "labelmap.yaml", "-o", back)
    assert proc.returncode == 0, proc.stderr
    for mask in (png / "masks").rglob("*.png"):
        rel = mask.relative_to(png / "masks")
        np.testing.assert_array_equal(np.asarray(Image.open(mask)), np.asarray(Image.open(back / "masks" / rel)))


def test_predictions_and_image_root(tmp_path):
    out = tmp_path / "ls"
    api.convert(FOOD / "annotations.json", out, to="label-studio", labels=FOOD / "labelmap.yaml",
                format_options={"target": "predictions", "image-root": "s3://bucket/food/"})
    task = json.loads((out / "tasks.json").read_text())[0]
    assert "annotations" not in task and task["predictions"][0]["model_version"] == "segconv"
    assert task["data"]["image"].startswith("s3://bucket/food/")


@pytest.mark.parametrize("name", ["a b.jpg", "tray #2.jpg", "x+y&z?.jpg", "100%.jpg", "Käse/teller 1.png"])
def test_image_names_are_url_encoded_after_the_image_root(tmp_path, name):
    """A space, '#' (a fragment), '+' (a space in a query), '&', '?' or '%' in a name reach Label Studio as they
    are: its local-files storage reads the name from the ?d= parameter, other storages from the URL path."""
    from urllib.parse import parse_qs, unquote, urlsplit

    doc = {"images": [{"id": 1, "file_name": name, "width": 4, "height": 4}], "categories": [{"id": 1, "name": "p"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}]}
    src = tmp_path / "a.json"
    src.write_text(json.dumps(doc))
    api.convert(src, tmp_path / "local", to="label-studio")
    url = json.loads((tmp_path / "local" / "tasks.json").read_text())[0]["data"]["image"]
    assert parse_qs(urlsplit(url).query)["d"] == [name] and " " not in url and "#" not in url
    api.convert(src, tmp_path / "s3", to="label-studio", format_options={"image-root": "https://host/bucket/"})
    url = json.loads((tmp_path / "s3" / "tasks.json").read_text())[0]["data"]["image"]
    parts = urlsplit(url)
    assert unquote(parts.path) == f"/bucket/{name}" and not parts.query and not parts.fragment
    from convert.formats.readers import open_dataset

    [sample] = list(open_dataset(tmp_path / "local" / "tasks.json"))  # segconv reads it back by its name
    assert sample.name == name


def test_segconvs_tasks_read_back_with_their_label_map_and_every_image(tmp_path):
    """--to label-studio writes labelmap.json (without within rules: a brush holds visible pixels) beside the
    tasks, so they read back with the source's indices; an image without objects carries its size in its
    task's data and reads back too, though no image is beside the tasks."""
    doc = json.loads((FOOD / "annotations.json").read_text())
    doc["images"].append({"id": 99, "file_name": "empty.jpg", "width": 32, "height": 24})
    src = tmp_path / "a.json"
    src.write_text(json.dumps(doc))
    labels = tmp_path / "lm.yaml"
    labels.write_text((FOOD / "labelmap.yaml").read_text().replace(
        "{name: rice,       index: 5,  level: 2}", "{name: rice,       index: 5,  level: 2, within: [plate, bowl]}"))
    out = tmp_path / "ls"
    api.convert(src, out, to="label-studio", labels=labels, images=FOOD / "images")
    tasks = json.loads((out / "tasks.json").read_text())
    empty = next(t for t in tasks if t["data"]["image"].endswith("empty.jpg"))
    assert empty["data"]["original_width"] == 32 and empty["data"]["original_height"] == 24
    assert all("original_width" not in t["data"] for t in tasks if t is not empty)  # results carry it there
    written = json.loads((out / "labelmap.json").read_text())
    assert [(c["name"], c["index"]) for c in written["classes"]] == \
        [(c.name, c.index) for c in LabelMap.load(labels).classes]
    assert not any("within" in c for c in written["classes"])
    back = LabelStudioDataset(out)
    assert back.source_labelmap.to_dict()["classes"] == written["classes"]
    report = api.validate(out)
    assert report.images == 5 and not [f for f in report.findings if f.severity.value in ("error", "warning")]
    [sample] = [s for s in back if s.name.endswith("empty.jpg")]
    assert (sample.width, sample.height, sample.regions) == (32, 24, [])


def test_a_photo_that_is_not_found_is_said_as_in_every_other_reader(tmp_path):
    """A task's photo is looked for; one not found is a missing-image warning when others were found, and one
    note when none was (the sizes then come from original_width/height unchecked)."""
    square = polygon_result([(0, 0), (10, 0), (10, 10), (0, 10)], "plate", 20, 20)
    tasks = [{"id": n, "data": {"image": f"/data/local-files/?d={n}.png"}, "annotations": [{"result": [square]}]}
             for n in ("a", "b")]
    (tmp_path / "ls").mkdir()
    src = task_file(tmp_path / "ls", tasks)
    none_found = [f for f in api.validate(src).findings if f.code == "missing-image"]
    assert [(f.severity.value, f.image) for f in none_found] == [("info", None)]
    assert none_found[0].message.startswith("no image file was found beside the annotations (2 images looked for)")
    Image.new("RGB", (20, 20)).save(tmp_path / "ls" / "a.png")
    [one] = [f for f in api.validate(src).findings if f.code == "missing-image"]
    assert (one.severity.value, one.image, one.element) == ("warning", "b.png", None)
    assert one.message == "image file not found (pass --images DIR); its size is not checked"
