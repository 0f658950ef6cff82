"""data.yaml always has ``train`` and ``val`` (Ultralytics' ``check_det_dataset`` refuses one without ``train``):
subsets are mapped by name case-insensitively (``Validation`` → val), else the largest is train; what was
mapped is said in the file and the summary, and the file claims no missing val split when there is one."""

import yaml
from test_panoptic_layouts import mapillary, write_scene

from convert import api

from conftest import corpus


def data_yaml(out):
    text = (out / "data.yaml").read_text()
    return yaml.safe_load(text), text


def test_cvat_train_validation_test_subsets(tmp_path):
    report = api.convert(corpus("datumaro-openvino-assets/cvat_dataset/for_images/export_project"), tmp_path / "y",
                         to="yolo")
    doc, text = data_yaml(tmp_path / "y")
    assert (doc["train"], doc["val"], doc["test"]) == ("images/Train", "images/Validation", "images/Test")
    assert "Train" not in doc and "Validation" not in doc  # it had Train:, Validation:, Test: and val: images/Test
    assert "# Subsets as Ultralytics' splits: Train → train, Validation → val, Test → test." in text
    assert "no val" not in text
    assert report.summary.endswith("; data.yaml: Train → train, Validation → val, Test → test")


def test_one_subset_of_another_name_is_train_and_val_points_at_it(tmp_path):
    src = tmp_path / "annotations" / "panoptic_examples.json"
    write_scene(src, src.with_suffix(""), tmp_path / "images")
    report = api.convert(src, tmp_path / "y", to="yolo")
    doc, text = data_yaml(tmp_path / "y")
    assert (doc["train"], doc["val"]) == ("images/examples", "images/examples") and "examples" not in doc
    assert "There is no val subset: 'val' points at the training images" in text
    assert "examples → train (the largest subset), val → examples (no val subset)" in report.summary


def test_names_are_matched_whatever_their_case_and_training_is_train(tmp_path):
    api.convert(mapillary(tmp_path / "m").parent, tmp_path / "y", to="yolo")
    doc, text = data_yaml(tmp_path / "y")
    assert doc["train"] == "images/training" and doc["val"] == "images/training"
    assert "training → train, val → training (no val subset)" in text
