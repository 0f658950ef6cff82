"""Label Studio's own files as its editor and its export write them: one task saved as an object, an export
whose first task puts ``annotations`` (a brush past 4 MiB) before ``data``, tasks with predictions but no
annotation (unlabelled: never painted as background), ``-O alpha=`` outside 1..255, predictions written
back with their scores and model, and segconv's own ``label-studio`` output read back without ``--from``."""

import json

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.files.json_shape import shape
from convert.formats.label_studio import brush as brushrle
from convert.formats.label_studio.read import LabelStudioDataset
from convert.formats.readers import detect_format

from conftest import FOOD, run_cli


def square(label, x0, y0, x1, y1, width=20, height=20, **extra):
    """A polygon result in percent of the image, as Label Studio stores it."""
    points = [[100 * x / width, 100 * y / height] for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    return {"type": "polygonlabels", "from_name": "tag", "to_name": "image", "original_width": width,
            "original_height": height, "value": {"points": points, "polygonlabels": [label]}, **extra}


def write(path, doc):
    path.write_text(json.dumps(doc))
    return path


def test_one_task_saved_as_an_object_is_read(tmp_path):
    """The editor's "export this task": ``{"data": …, "annotations": […]}``; it was taken for a broken COCO
    file ("no 'images' list"), and --from label-studio refused it ("a list of tasks, not dict")."""
    src = write(tmp_path / "task.json", {"id": 7, "annotations": [{"result": [square("plate", 0, 0, 10, 10)]}],
                                         "data": {"image": "/data/upload/1/0a1b2c3d-a.jpg"}})
    assert detect_format(src) == "label-studio"
    (sample,) = list(LabelStudioDataset(src))
    assert (sample.name, sample.width, [r.label for r in sample.regions]) == ("a.jpg", 20, ["plate"])
    out = tmp_path / "out"
    proc = run_cli("convert", src, "-o", out)
    assert proc.returncode == 0, proc.stderr
    mask = np.asarray(Image.open(out / "masks" / "a.png"))
    assert int((mask == 1).sum()) == 100 and int((mask == 0).sum()) == 300  # plate 10x10, background the rest


def test_an_export_with_annotations_first_and_a_brush_past_4_mib_is_detected_from_its_structure(tmp_path):
    rng = np.random.default_rng(0)
    mask = rng.random((1000, 1100)) < 0.5  # noise: the brush RLE is mostly literal values
    rgba = np.zeros(mask.shape + (4,), np.uint8)
    rgba[mask] = 255
    rle = brushrle.encode(rgba.ravel())
    brush = {"type": "brushlabels", "from_name": "tag", "to_name": "image", "original_width": 1100,
             "original_height": 1000, "value": {"format": "rle", "rle": list(rle), "brushlabels": ["rice"]}}
    tasks = [{"annotations": [{"id": 1, "result": [brush]}], "data": {"image": f"/data/upload/1/0a1b2c3d-{i}.jpg"},
              "id": i} for i in range(3)]
    src = write(tmp_path / "export.json", tasks)
    assert src.stat().st_size > 3 * 4 * 2**20  # each task's brush alone is past 4 MiB
    assert src.read_bytes()[:4 << 20].count(b'"data"') == 0  # no 'data' in the first 4 MiB
    assert detect_format(src) == "label-studio"
    assert shape(src).bytes_read < src.stat().st_size / 2  # detection read the first task's start, not the file
    first = LabelStudioDataset(src)[0]
    assert int(first.regions[0].geometry.mask.sum()) == int(mask.sum())


def test_structure_not_bytes_decides(tmp_path):
    """COCO with a first annotation of panoptic form after megabytes of images is panoptic, not instances;
    a results list and a labelme file are no tasks; a task list whose first task holds only predictions is."""
    images = [{"id": i, "file_name": f"{i:012d}.jpg", "width": 640, "height": 480} for i in range(60000)]
    pan = write(tmp_path / "pan.json", {"images": images, "annotations": [
        {"image_id": 0, "file_name": "0.png", "segments_info": []}], "categories": []})
    assert pan.stat().st_size > 4 << 20
    from convert.formats.readers import READERS

    claims = {name for name, reader in READERS.items() if reader.detect(pan)}
    assert claims == {"coco-panoptic"}
    results = write(tmp_path / "results.json", [{"image_id": 1, "category_id": 1, "segmentation": {}}])
    assert not READERS["label-studio"].detect(results)
    only_predictions = write(tmp_path / "p.json", [{"predictions": [{"result": []}], "data": {"image": "a.jpg"}}])
    assert detect_format(only_predictions) == "label-studio"


def test_tasks_with_predictions_but_no_annotation_are_unlabelled_not_background(tmp_path):
    tasks = [{"id": 1, "data": {"image": "a.jpg"}, "annotations": [{"result": [square("plate", 0, 0, 10, 10)]}]},
             {"id": 2, "data": {"image": "b.jpg"}, "annotations": [],
              "predictions": [{"model_version": "m1", "result": [square("bowl", 5, 5, 15, 15)]}]}]
    src = write(tmp_path / "tasks.json", tasks)
    report = api.convert(src, tmp_path / "out")
    (unlabelled,) = [f for f in report.findings if f.code == "unlabelled-task"]
    assert unlabelled.severity.value == "warning" and unlabelled.image == "b.jpg" \
        and unlabelled.element == "task id=2"
    assert unlabelled.message == ("the task has no annotation, and it has 1 prediction: unlabelled, not painted "
                                  "(never as background); -O use=auto reads its newest prediction")
    assert report.written == 1 and not (tmp_path / "out" / "masks" / "b.png").exists()  # true: not painted
    auto = api.convert(src, tmp_path / "auto", format_options={"use": "auto"})
    assert auto.written == 2 and "bowl" in {c.name for c in auto.labelmap.classes}  # its class is kept
    b = np.asarray(Image.open(tmp_path / "auto" / "masks" / "b.png"))
    assert int((b == auto.labelmap["bowl"].index).sum()) == 100
    assert [f.code for f in auto.findings if f.code in ("prediction-read", "unlabelled-task")] == ["prediction-read"]


@pytest.mark.parametrize("alpha", ["0", "-1", "256", "1000"])
def test_alpha_outside_1_to_255_is_a_usage_error(tmp_path, alpha):
    task = {"data": {"image": "a.jpg"}, "annotations": [{"result": [square("x", 0, 0, 4, 4)]}]}
    src = write(tmp_path / "t.json", [task])
    proc = run_cli("convert", src, "-o", tmp_path / "out", "-O", f"alpha={alpha}")
    assert proc.returncode == 2 and f"-O alpha={alpha}: must be from 1 to 255" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_predictions_keep_their_scores_and_model_version(tmp_path):
    tasks = [{"id": 1, "data": {"image": "a.jpg"}, "predictions": [
        {"model_version": "sam-vit-h", "score": 0.8, "result": [square("plate", 0, 0, 10, 10, score=0.91),
                                                                square("bowl", 12, 12, 18, 18, score=0.42)]}]}]
    src = write(tmp_path / "pred.json", tasks)
    out = tmp_path / "ls"
    report = api.convert(src, out, to="label-studio", format_options={"use": "prediction", "target": "predictions"})
    assert report.exit_code() == 0
    (task,) = json.loads((out / "tasks.json").read_text())
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "sam-vit-h" and prediction["score"] == 0.8
    assert {r["value"]["brushlabels"][0]: r["score"] for r in prediction["result"]} == {"plate": 0.91, "bowl": 0.42}
    plain = tmp_path / "plain"
    api.convert(FOOD / "annotations.json", plain, to="label-studio", format_options={"target": "predictions"})
    first = json.loads((plain / "tasks.json").read_text())[0]["predictions"][0]
    assert first["model_version"] == "segconv" and "score" not in first  # a source without them: none invented


def test_segconvs_label_studio_output_is_read_back_without_from(tmp_path):
    out = tmp_path / "ls"
    api.convert(FOOD / "annotations.json", out, to="label-studio", labels=FOOD / "labelmap.yaml")
    assert detect_format(out) == "label-studio"  # the folder, as written
    png, back = tmp_path / "png", tmp_path / "back"
    api.convert(FOOD / "annotations.json", png, labels=FOOD / "labelmap.yaml")
    proc = run_cli("convert", out, "--labels", FOOD / "labelmap.yaml", "-o", back)
    assert proc.returncode == 0, proc.stderr
    for mask in (png / "masks").rglob("*.png"):
        np.testing.assert_array_equal(np.asarray(Image.open(mask)),
                                      np.asarray(Image.open(back / "masks" / mask.relative_to(png / "masks"))))


@pytest.mark.parametrize("key", ["annotations", "predictions"])
@pytest.mark.parametrize("value", [True, 3, {"result": []}])
def test_annotations_or_predictions_that_are_not_a_list_name_the_task(tmp_path, key, value):
    """Found by bench/fuzz.py: ``"predictions": true`` was a TypeError traceback.  The task is reported and
    not converted; the other tasks are."""
    tasks = [{"id": 1, "data": {"image": "a.jpg"}, "annotations": [{"result": [square("plate", 0, 0, 10, 10)]}]},
             {"id": 2, "data": {"image": "b.jpg"}, "annotations": [{"result": [square("plate", 0, 0, 5, 5)]}],
              key: value}]
    src = write(tmp_path / "tasks.json", tasks)
    report = api.convert(src, tmp_path / "out")
    (bad,) = [f for f in report.findings if f.code == "bad-value"]
    assert (bad.element, bad.message) == (
        f"task id=2.{key}", f"'{key}' must be a list, not {type(value).__name__}; the task is not converted")
    assert report.written == 1 and not (tmp_path / "out" / "masks" / "b.png").exists()


@pytest.mark.parametrize("value, words", [
    ({"points": "bad"}, "a polygon result: points holds 'bad', not a list of [x, y] pairs"),
    ({"points": [[0, 0], [50, 0], [50, "bad"], [0, 50]]}, "a polygon result: points[2][1] holds 'bad', not a number"),
    ({"points": [[0, 0], [50, 0, 3], [50, 50]]}, "a polygon result: points[1] is not an [x, y] pair"),
    ({"points": [[0, 0], [50], [50, 50]]}, "a polygon result: points[1] is not an [x, y] pair"),
    ({"points": [[0, 0], None, [50, 50]]}, "a polygon result: points[1] is not an [x, y] pair"),
    ({"points": [0, 0, 50, "x", 50, 50]}, "a polygon result: points[3] holds 'x', not a number"),
    ({}, "a polygon result without 'points'"),
    ({"x": 1, "y": "ten", "width": 5, "height": 5}, "a rectangle result: y holds 'ten', not a number"),
    ({"x": 1, "y": 2, "width": None, "height": 5}, "a rectangle result: width holds null, not a number"),
    ({"x": 1, "y": 2, "width": 5}, "a rectangle result: 'height' is missing"),
    ({"x": 1, "y": 2, "radiusX": 5, "radiusY": [1]}, "an ellipse result: radiusY holds a list, not a number"),
])
def test_a_garbled_value_is_said_in_the_formats_words(tmp_path, value, words):
    """Python's and numpy's exception text ("could not convert string to float", "setting an array element
    with a sequence. The requested array has an inhomogeneous shape…") was the message; it names the field
    or the element, and what it holds."""
    kind = "rectangle" if "width" in value else "ellipse" if "radiusX" in value else "polygon"
    label = f"{kind}labels"
    result = {"type": label, "original_width": 20, "original_height": 20, "value": {**value, label: ["plate"]}}
    src = write(tmp_path / "tasks.json", [{"id": 1, "data": {"image": "a.jpg"}, "annotations": [{"result": [result]}]}])
    report = api.validate(src)
    (bad,) = [f for f in report.findings if f.code == "bad-value"]
    assert bad.message.startswith(words) and bad.message.endswith("; not painted")
    assert "convert" not in bad.message and "sequence" not in bad.message
