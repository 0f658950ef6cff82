"""mmsegmentation's layout read back (convert/formats/mmseg/read.py): segconv's own --to mmseg output, and a
layout with only mmsegmentation's config naming the classes (reduce_zero_label, palette, ignore_index)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.mmseg.read import config_metainfo
from convert.formats.readers import detect_format

from conftest import FOOD, run_cli


def own_layout(tmp_path):
    out = tmp_path / "mmseg"
    report = api.convert(FOOD / "annotations.json", out, to="mmseg", labels=FOOD / "labelmap.yaml")
    assert report.exit_code() == 0
    return out


def test_segconv_reads_its_own_mmseg_output_to_the_same_masks(tmp_path):
    out = own_layout(tmp_path)
    assert (out / "labelmap.json").is_file() and detect_format(out) == "mmseg"
    ds, png = api.load(out), api.load(FOOD / "annotations.json", labels=FOOD / "labelmap.yaml")
    assert len(ds) == len(png) == 4
    by_stem = {s.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]: ds.mask(s) for s in ds}
    for sample in png:
        np.testing.assert_array_equal(by_stem[sample.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]], png.mask(sample))
    proc = run_cli("validate", out)
    assert proc.returncode == 0 and "0 errors, 0 warnings" in proc.stdout + proc.stderr


def foreign(tmp_path, config: str, values: np.ndarray):
    """An mmseg tree as mmsegmentation's own tools lay it out: no labelmap.json, a config with metainfo."""
    root = tmp_path / "ade"
    (root / "ann_dir" / "val").mkdir(parents=True)
    (root / "img_dir" / "val").mkdir(parents=True)
    Image.fromarray(values.astype(np.uint8), "L").save(root / "ann_dir" / "val" / "x.png")
    Image.new("RGB", values.shape[::-1]).save(root / "img_dir" / "val" / "x.jpg")
    (root / "my_dataset.py").write_text(config)
    return root


def test_reduce_zero_label_makes_zero_void_and_shifts_every_class_down(tmp_path):
    values = np.array([[0, 1, 2], [2, 255, 1]])
    root = foreign(tmp_path, "metainfo = dict(classes=('wall', 'floor'), palette=[[1, 1, 1], [2, 2, 2]])\n"
                             "reduce_zero_label = True\n", values)
    ds = api.load(root)
    names = {c.index: c.name for c in ds.labelmap.classes}
    assert names == {0: "wall", 1: "floor"} and ds.labelmap.void == 255
    assert {c.name: c.color for c in ds.labelmap.classes} == {"wall": (1, 1, 1), "floor": (2, 2, 2)}
    [sample] = list(ds)
    assert sample.name == "x.jpg" and sample.subset == "val"
    np.testing.assert_array_equal(ds.mask(sample), [[255, 0, 1], [1, 255, 0]])


def test_values_are_positions_without_reduce_zero_label_and_ignore_index_is_void(tmp_path):
    values = np.array([[0, 1, 9], [2, 1, 0]])
    root = foreign(tmp_path, "metainfo = {'classes': ['sky', 'tree', 'road']}\nignore_index = 9\n", values)
    ds = api.load(root)
    np.testing.assert_array_equal(ds.mask(ds[0]), [[0, 1, 255], [2, 1, 0]])
    report = ds.validate()
    assert not [f for f in report.findings if f.severity in ("error", "warning")]


def test_a_value_no_class_names_is_counted_and_named(tmp_path):
    root = foreign(tmp_path, "metainfo = dict(classes=('sky', 'tree'))\n", np.array([[0, 1, 7, 7]]))
    report = api.load(root).validate()
    [f] = [f for f in report.findings if f.code == "unknown-mask-value"]
    assert f.pixels == 2 and "value 7 is no row of my_dataset.py's metainfo (2 classes)" in f.message


def test_the_config_is_read_never_run(tmp_path):
    marker = tmp_path / "ran"
    config = (f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
              "metainfo = dict(classes=('a', 'b'))\n")
    api.load(foreign(tmp_path, config, np.zeros((2, 2))))
    assert not marker.exists()


@pytest.mark.parametrize(("config", "words"), [
    ("metainfo = dict(classes=names)\n", "metainfo.classes must be a literal"),
    ("metainfo = dict(palette=[[0, 0, 0]])\n", "metainfo has no 'classes'"),
    ("metainfo = dict(classes=('a', 'b'), palette=[[0, 0, 0]])\n", "one [r, g, b] (0..255) per class (2)"),
    ("metainfo = dict(classes=(\n", "not a Python config"),
    ("metainfo = dict(classes=[])\n", "non-empty list of names"),
])
def test_broken_configs_are_errors_naming_the_file(tmp_path, config, words):
    root = foreign(tmp_path, config, np.zeros((2, 2)))
    with pytest.raises(SegconvError, match=words.replace("[", "\\[").replace("(", "\\(").replace(")", "\\)")) as caught:
        api.load(root)
    assert caught.value.file.endswith("my_dataset.py")
    proc = run_cli("validate", root)
    assert proc.returncode == 2 and "my_dataset.py" in proc.stderr and "Traceback" not in proc.stderr


def test_without_any_class_names_the_error_says_where_they_go(tmp_path):
    root = foreign(tmp_path, "print('no metainfo here')\n", np.zeros((2, 2)))
    (root / "my_dataset.py").unlink()
    with pytest.raises(SegconvError, match="no class names: neither labelmap.json nor a config with metainfo"):
        api.load(root, fmt="mmseg")


def test_metainfo_literal_parser():
    meta = config_metainfo("x = 1\nmetainfo = dict(classes=['a'], palette=[(9, 8, 7)])\nignore_index = 0\n", "c.py")
    assert (meta.classes, meta.palette, meta.reduce_zero_label, meta.ignore_index) == (["a"], [(9, 8, 7)], False, 0)
