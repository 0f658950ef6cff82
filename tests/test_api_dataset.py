"""The library's contract (issue 29): load, look, export, as a migration script uses them.

The API's masks and files are compared with what the command line writes for the same source, so the two
can never drift apart; two exports in one process, and in two threads, write the same bytes."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

import convert
from convert.errors import SegconvError, UsageError

from conftest import FOOD, ROOT, run_cli, tree_digest

CVAT = FOOD / "cvat" / "annotations.xml"
COCO = FOOD / "annotations.json"
LABELS = FOOD / "labelmap.yaml"
IMAGES = FOOD / "images"


def food(src=COCO, **settings) -> convert.Dataset:
    return convert.load(src, labels=LABELS, **settings)


def test_load_gives_a_dataset_that_says_what_it_holds():
    ds = food(CVAT, images=IMAGES)
    assert len(ds) == 4 and ds.format == "cvat" and not ds.labelmap_derived
    assert ds.labelmap["rice"].index == 5
    assert [s.name for s in ds] == ["table_01.jpg", "table_02.jpg", "breakfast/table_03.jpg", "table_04.jpg"]
    first = ds[0]
    assert (first.width, first.height, first.subset) == (640, 480, None)
    assert {r.label for r in first.regions} >= {"plate", "rice"}
    assert ds[-1].name == "table_04.jpg"
    with pytest.raises(IndexError, match="sample 4 of a dataset of 4"):
        ds[4]


def test_load_without_labels_derives_a_map_and_says_so():
    ds = convert.load(COCO)
    assert ds.labelmap_derived and "plate" in [c.name for c in ds.labelmap.classes]


def test_load_refuses_what_it_cannot_read_before_reading(tmp_path):
    with pytest.raises(SegconvError, match="no such file or folder"):
        convert.load(tmp_path / "nothing.json")
    with pytest.raises(TypeError, match="load\\(\\) has no setting 'to'"):
        convert.load(COCO, to="yolo")
    with pytest.raises(UsageError, match="unknown input format 'cvatt'"):
        convert.load(COCO, fmt="cvatt")


def test_findings_known_after_loading_are_the_readers(tmp_path):
    doc = json.loads(COCO.read_text())
    doc["annotations"][0]["image_id"] = 999  # an annotation of no image: the reader says so when it indexes
    src = tmp_path / "a.json"
    src.write_text(json.dumps(doc))
    ds = convert.load(src, labels=LABELS)
    assert [f.code for f in ds.findings] == ["dangling-image-id"]
    assert ds.findings[0].file == str(src)


def test_masks_equal_the_command_lines_png_masks(tmp_path):
    out = tmp_path / "cli"
    assert run_cli("convert", COCO, "-o", out, "--to", "png", "--labels", LABELS).returncode == 0
    ds = food()
    for sample in ds:
        mask = ds.mask(sample)
        written = np.asarray(Image.open((out / "masks" / sample.name).with_suffix(".png")))
        assert mask.dtype == np.uint8 and mask.shape == (sample.height, sample.width)
        assert np.array_equal(mask, written), sample.name
        assert len(np.unique(mask)) > 2  # a real picture, not a blank one


def test_a_mask_is_uint16_when_an_index_is_above_254():
    lm = convert.LabelMap.from_dict({"void": 65535, "classes": [
        {"name": "background", "index": 0, "level": 0, "fill": True}, {"name": "lane", "index": 300, "level": 1}]})
    ds = convert.from_masks({"a.png": np.array([[0, 300], [300, 300]], dtype=np.uint16)}, labels=lm)
    mask = ds.mask(ds[0])
    assert mask.dtype == np.uint16 and mask.tolist() == [[0, 300], [300, 300]]


def test_mask_with_instances_numbers_the_objects_that_show():
    ds = food()
    sample = ds[0]
    masks = ds.mask(sample, instances=True)
    assert np.array_equal(masks.classes, ds.mask(sample))
    objects = ds.objects(sample)
    assert [o.id for o in objects] == list(range(1, len(objects) + 1))
    assert set(np.unique(masks.instances)) == {0, *(o.id for o in objects)}
    for obj in objects:
        pixels = masks.instances == obj.id
        assert int(pixels.sum()) == obj.pixels
        assert (masks.classes[pixels] == obj.label.index).all()  # one class per object
    # where no object is: the fill class (or void), never a class of an object
    assert set(np.unique(masks.classes[masks.instances == 0])) <= {0, 255}


@pytest.mark.parametrize(("to", "extra"), [("png", []), ("voc", []), ("coco-rle", []),
                                           ("yolo", ["--split", "train=0.5,val=0.5", "--link"]),
                                           ("label-studio", [])])
def test_export_writes_the_same_bytes_as_the_command_line(tmp_path, to, extra):
    cli = tmp_path / "cli"
    done = run_cli("convert", CVAT, "-o", cli, "--to", to, "--labels", LABELS, "--images", IMAGES,
                   "--json", tmp_path / "cli.json", *extra)
    assert done.returncode == 0, done.stderr
    ds = food(CVAT, images=IMAGES)
    settings = {"split": {"train": 0.5, "val": 0.5}, "link": True} if to == "yolo" else {}
    report = ds.export(tmp_path / "api", to=to, json_path=tmp_path / "api.json", **settings)
    assert report.exit_code() == 0 and report.written == 4
    assert tree_digest(cli) == tree_digest(tmp_path / "api")
    assert (tmp_path / "api" / ".segconv-files.txt").is_file()  # the manifest, as the command writes it
    cli_report, api_report = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("cli", "api"))
    assert [f["code"] for f in api_report["findings"]] == [f["code"] for f in cli_report["findings"]]


def test_export_keeps_the_command_lines_rules_for_out(tmp_path):
    ds = food()
    ds.export(tmp_path / "out", to="png")
    with pytest.raises(SegconvError, match="not empty"):
        ds.export(tmp_path / "out", to="png")
    assert ds.export(tmp_path / "out", to="png", overwrite=True).written == 4
    with pytest.raises(UsageError, match="lie one inside the other"):
        ds.export(FOOD, to="png", overwrite=True)
    with pytest.raises(TypeError, match="has no setting 'labels'"):
        ds.export(tmp_path / "o2", labels=LABELS)
    dry = ds.export(tmp_path / "o3", to="voc", dry_run=True)
    assert dry.written == 4 and not (tmp_path / "o3").exists()


def test_export_refuses_a_writers_option_it_does_not_have(tmp_path):
    with pytest.raises(UsageError, match="-O palete"):
        food().export(tmp_path / "o", to="png", format_options={"palete": "voc"})
    assert not (tmp_path / "o").exists()


def test_convert_and_validate_are_load_then_export_and_validate(tmp_path):
    report = convert.convert(COCO, tmp_path / "a", labels=LABELS, to="png")
    food().export(tmp_path / "b", to="png")
    assert report.written == 4 and tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    options = convert.RunOptions(labels=LABELS, to="voc")
    assert convert.convert(COCO, tmp_path / "c", options).written == 4
    checked = convert.validate(COCO, labels=LABELS)
    assert checked.images == 4 and checked.written == 0
    assert [f.code for f in checked.findings] == [f.code for f in food().validate().findings]


def _export_twice(ds, root, to, parallel: bool):
    def one(i):
        return ds.export(root / f"{to}{i}", to=to, split={"train": 0.5, "val": 0.5}, seed=3)

    if parallel:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one, (1, 2)))
    else:
        one(1)
        one(2)
    return tree_digest(root / f"{to}1"), tree_digest(root / f"{to}2")


@pytest.mark.parametrize("to", ["yolo", "coco-rle", "voc"])
def test_two_exports_in_one_process_and_in_two_threads_write_the_same(tmp_path, to):
    ds = food(CVAT, images=IMAGES)
    one_after_other = _export_twice(ds, tmp_path / "seq", to, parallel=False)
    side_by_side = _export_twice(ds, tmp_path / "par", to, parallel=True)
    assert one_after_other[0] == one_after_other[1] == side_by_side[0] == side_by_side[1]
    assert len(one_after_other[0]) >= 3


def test_paint_is_still_callable_after_the_api_was_imported():
    code = ("import convert.api, convert, convert.api.loaded\n"
            "ds = convert.load('fixtures/food/annotations.json', labels='fixtures/food/labelmap.yaml')\n"
            "painted = convert.paint(ds[0], ds.labelmap)\n"
            "print(callable(convert.paint), painted.class_mask.shape, convert.convert is convert.api.convert)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout.split() == ["True", "(480,", "640)", "True"], done.stderr


def test_the_package_is_typed():
    assert (ROOT / "convert" / "py.typed").is_file()
    import inspect

    assert inspect.signature(convert.load).return_annotation in ("Dataset", convert.Dataset)


def test_convert_api_still_names_what_the_module_named():
    """convert/api.py became a package: what scripts reached through it is still there."""
    from convert import api
    from convert.errors import UsageError
    from convert.findings.severity import Severity

    assert api.Severity is Severity and api.UsageError is UsageError
    assert set(api.__all__) >= {"SegconvError", "Finding", "LabelMap", "resolve_labelmap", "Interrupted"}


def test_a_sample_is_built_anew_so_changing_it_changes_nothing_in_the_dataset():
    ds = food()
    sample = ds[0]
    before = ds.mask(ds[0])
    sample.regions.clear()
    assert ds[0].regions and np.array_equal(ds.mask(ds[0]), before)
