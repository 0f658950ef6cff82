"""Mapillary Vistas (docs/formats.md, "Mapillary Vistas"): fixtures/public/mapillary (fixtures/make_public.py)
read as the dataset's demo.py and Datumaro decode it: labels value = position in config['labels'],
instances value = position * 256 + instance; the config as the label map; v1.2 and the older flat layout."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.readers import detect_format, open_dataset
from convert.painting.paint import paint

from conftest import FIXTURES, run_cli

MAPILLARY = FIXTURES / "public" / "mapillary"
KEY = "M2kh294N9c72sICO990Uew"
LABELS = MAPILLARY / "training" / "v2.0" / "labels" / f"{KEY}.png"
INSTANCES = MAPILLARY / "training" / "v2.0" / "instances" / f"{KEY}.png"


def painted(src, **options):
    dataset = open_dataset(src, options=options or None)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    return {s.name: (s, paint(s, labelmap, instances=True)) for s in dataset}, labelmap


def test_detected_as_root_and_as_a_split():
    assert detect_format(MAPILLARY) == "mapillary"
    assert detect_format(MAPILLARY / "training") == "mapillary"


def test_the_config_is_the_label_map_at_its_positions():
    _, labelmap = painted(MAPILLARY)
    assert [(c.name, c.index, c.isthing) for c in sorted(labelmap.classes, key=lambda c: c.index)] == [
        ("construction--flat--road", 0, False), ("human--person--individual", 1, True),
        ("marking--continuous--solid", 2, False), ("marking--discrete--stop-line", 3, False),
        ("nature--sky", 4, False), ("object--vehicle--car", 5, True), ("void--unlabeled", 6, False)]
    assert labelmap["marking--continuous--solid"].color == (255, 255, 255)
    assert labelmap["marking--discrete--stop-line"].color == (255, 255, 254)   # shared white, made unique


def test_classes_are_the_labels_png_and_objects_the_instances_png():
    samples, _ = painted(MAPILLARY)
    sample, paint_ = samples[f"{KEY}.jpg"]
    assert sample.subset == "training" and sample.image_path.endswith(f"training/images/{KEY}.jpg")
    assert (paint_.class_mask == np.asarray(Image.open(LABELS))).all()
    cars = sorted(obj.pixels for obj in paint_.instances if obj.label and obj.label.name == "object--vehicle--car")
    people = [obj.pixels for obj in paint_.instances if obj.label and obj.label.name == "human--person--individual"]
    assert cars == [4, 6] and people == [4]   # car 0: 2 + 2 pixels, car 1: 3 + 3; the person 2 + 2
    val, paint_ = samples["__CRHa4_1ZpqmNtmUf1ZGw.jpg"]
    assert val.subset == "validation" and paint_.class_mask.tolist() == [[4, 4, 4, 4], [4, 5, 5, 4], [0, 0, 0, 0]]
    assert not [f for f in api.validate(MAPILLARY).findings if f.severity.value in ("error", "warning")]


def test_only_instances_give_classes_too(tmp_path):
    shutil.copytree(MAPILLARY, tmp_path / "m")
    (tmp_path / "m" / "training" / "v2.0" / "labels" / f"{KEY}.png").unlink()
    samples, _ = painted(tmp_path / "m")
    assert (samples[f"{KEY}.jpg"][1].class_mask == np.asarray(Image.open(LABELS))).all()


def test_instances_that_disagree_with_the_labels_are_counted(tmp_path):
    shutil.copytree(MAPILLARY, tmp_path / "m")
    instances = tmp_path / "m" / "training" / "v2.0" / "instances" / f"{KEY}.png"
    values = np.asarray(Image.open(instances)).astype(np.uint16)
    values[0, :3] = 5 * 256 + 7                # says car where labels say sky: 3 pixels
    Image.fromarray(values).save(instances)
    samples, _ = painted(tmp_path / "m")
    sample, paint_ = samples[f"{KEY}.jpg"]
    (mismatch,) = [f for f in sample.findings if f.code == "instance-class-mismatch"]
    assert mismatch.pixels == 3 and "the labels decide" in mismatch.message
    assert (paint_.class_mask[0, :3] == 4).all()


def test_a_value_beyond_the_labels_is_an_error_naming_file_and_count(tmp_path):
    shutil.copytree(MAPILLARY, tmp_path / "m")
    labels = tmp_path / "m" / "training" / "v2.0" / "labels" / f"{KEY}.png"
    values = np.asarray(Image.open(labels)).copy()
    values[5, :2] = 40
    Image.fromarray(values, "L").save(labels)
    proc = run_cli("validate", tmp_path / "m")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "value 40 is no label of config_v2.0.json (7 labels); 2 pixels read as void" in proc.stderr
    assert str(labels) in proc.stderr


@pytest.mark.parametrize("change,message", [
    (lambda d: d.pop("labels"), "no 'labels' list"),
    (lambda d: d["labels"][1].update(color=[1, 2]), "'color' must be [r, g, b] with integers 0..255, got [1, 2]"),
    (lambda d: d["labels"][2].update(name="nature--sky"), "label 'nature--sky' is listed twice"),
    (lambda d: d["labels"][0].pop("name"), "a label needs a 'name' string"),
])
def test_a_broken_config_is_an_error_naming_the_label(tmp_path, change, message):
    shutil.copytree(MAPILLARY, tmp_path / "m")
    config = tmp_path / "m" / "config_v2.0.json"
    doc = json.loads(config.read_text())
    change(doc)
    config.write_text(json.dumps(doc))
    with pytest.raises(SegconvError) as err:
        open_dataset(tmp_path / "m")
    assert message in str(err.value) and "config_v2.0.json" in str(err.value)


def test_v1_2_beside_v2_0_and_the_flat_layout(tmp_path):
    shutil.copytree(MAPILLARY, tmp_path / "m")
    training = tmp_path / "m" / "training"
    shutil.copytree(training / "v2.0", training / "v1.2")
    shutil.rmtree(training / "v1.2" / "instances")
    checked = api.validate(tmp_path / "m")
    assert any(f.code == "skipped-file" and "training/v1.2 is not read beside training/v2.0/" in f.message
               for f in checked.findings)
    with pytest.raises(SegconvError, match=r"-O version=v1.2: validation/ has no v1.2/ annotations \(it has v2.0\)"):
        open_dataset(tmp_path / "m", options={"version": "v1.2"})
    shutil.copytree(tmp_path / "m" / "validation" / "v2.0", tmp_path / "m" / "validation" / "v1.2")
    with pytest.raises(SegconvError, match="no config_v1.2.json for the v1.2 annotations"):
        open_dataset(tmp_path / "m", options={"version": "v1.2"})
    shutil.copy(tmp_path / "m" / "config_v2.0.json", tmp_path / "m" / "config_v1.2.json")
    samples, _ = painted(tmp_path / "m", version="v1.2")
    assert set(samples) == {f"{KEY}.jpg", "__CRHa4_1ZpqmNtmUf1ZGw.jpg"}
    flat = tmp_path / "flat"
    (flat / "training").mkdir(parents=True)
    shutil.copytree(training / "v2.0" / "labels", flat / "training" / "labels")
    shutil.copy(tmp_path / "m" / "config_v2.0.json", flat / "config.json")
    assert detect_format(flat) == "mapillary"
    samples, _ = painted(flat)
    assert (samples[f"{KEY}.jpg"][1].class_mask == np.asarray(Image.open(LABELS))).all()   # no photo: .jpg assumed


def test_converts_to_cityscapes_keeping_the_instances(tmp_path):
    report = api.convert(MAPILLARY, tmp_path / "out", to="cityscapes")
    assert report.exit_code() == 0
    ids = np.asarray(Image.open(next((tmp_path / "out").rglob(f"{KEY}_gtFine_instanceIds.png"))))
    assert sorted(set(ids[2].tolist())) == [4, 1000, 5000, 5001]   # sky, person 0, car 0, car 1


def test_the_v2_polygons_are_counted_as_not_read_and_a_tree_of_polygons_only_is_refused(tmp_path):
    shutil.copytree(MAPILLARY, tmp_path / "m")
    polygons = tmp_path / "m" / "training" / "v2.0" / "polygons"
    polygons.mkdir()
    (polygons / "M2kh294N9c72sICO990Uew.json").write_text('{"width": 8, "height": 6, "objects": []}')
    (note,) = [f for f in open_dataset(tmp_path / "m").findings if f.code == "skipped-file"]
    assert note.message == "training/v2.0/polygons/ (1 JSON file) not read: the labels and instances PNGs are"
    for kind in ("labels", "instances"):
        shutil.rmtree(tmp_path / "m" / "training" / "v2.0" / kind)
    assert detect_format(tmp_path / "m" / "training") == "mapillary"
    proc = run_cli("validate", tmp_path / "m" / "training")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "training/v2.0/ holds polygons/ only: segconv reads Mapillary Vistas from the labels/ and instances/ " \
           "PNGs" in proc.stderr and "v2.0/polygons" in proc.stderr
    with pytest.raises(SegconvError, match="matches no known format"):
        detect_format(polygons / "M2kh294N9c72sICO990Uew.json")
