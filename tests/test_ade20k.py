"""ADE20K SceneParsing (docs/formats.md, "ADE20K"): fixtures/public/ade20k (fixtures/make_public.py), values
1-150 kept as class indices, 0 ("other objects", not evaluated) void, names from objectInfo150."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.readers import detect_format, open_dataset
from convert.painting.paint import paint

from conftest import FIXTURES

ADE = FIXTURES / "public" / "ade20k"
ROOT = ADE / "ADEChallengeData2016"


def class_masks(src):
    dataset = open_dataset(src)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    return {s.name: (s, paint(s, labelmap).class_mask) for s in dataset}, labelmap


def test_detected_as_the_folder_and_its_parent():
    assert detect_format(ADE) == "ade20k" and detect_format(ROOT) == "ade20k"


def test_values_are_the_classes_and_0_is_void():
    masks, labelmap = class_masks(ADE)
    assert [(c.name, c.index) for c in sorted(labelmap.classes, key=lambda c: c.index)] == [
        ("wall", 1), ("building", 2), ("sky", 3), ("floor", 4), ("tree", 5), ("ceiling", 6), ("road", 7), ("bed", 8)]
    assert labelmap.void == 255 and labelmap.void_aliases == ("other",)   # '5 ' and 'bed ' stripped
    train, mask = masks["ADE_train_00000001.jpg"]
    assert train.subset == "training" and train.image_path.endswith("images/training/ADE_train_00000001.jpg")
    assert mask.tolist() == [[3, 3, 3, 3, 5, 5], [2, 2, 3, 3, 5, 5], [2, 2, 255, 255, 5, 5], [7] * 6]
    val, mask = masks["ADE_val_00000001.jpg"]
    assert val.subset == "validation" and mask[2].tolist() == [4, 4, 4, 255]
    assert not [f for f in api.validate(ADE).findings if f.severity.value in ("error", "warning")]


def test_to_mmseg_the_indices_are_kept(tmp_path):
    assert api.convert(ADE, tmp_path / "out", to="mmseg").exit_code() == 0
    (written,) = (tmp_path / "out").rglob("ADE_train_00000001.png")
    assert np.asarray(Image.open(written))[2].tolist() == [2, 2, 255, 255, 5, 5]


def test_without_names_the_classes_are_named_by_value_and_unknown_values_counted(tmp_path):
    shutil.copytree(ADE, tmp_path / "a")
    root = tmp_path / "a" / "ADEChallengeData2016"
    (root / "objectInfo150.txt").unlink()
    masks, labelmap = class_masks(tmp_path / "a")
    assert len(labelmap.classes) == 150 and labelmap["class_7"].index == 7
    mask = root / "annotations" / "training" / "ADE_train_00000001.png"
    values = np.asarray(Image.open(mask)).copy()
    values[0, :4] = 151
    Image.fromarray(values, "L").save(mask)
    (found,) = [f for f in api.validate(tmp_path / "a").findings if f.code == "unknown-mask-value"]
    assert found.pixels == 4 and "value 151 is no row of the 150 classes (classes 1-150, 0 other)" in found.message


@pytest.mark.parametrize("text,message", [
    ("Index\tName\n1\twall\n", "expected a header with Idx and Name"),
    ("Idx\tRatio\tTrain\tVal\tName\nx\t0\t0\t0\twall\n", "Idx must be an integer 1..255"),
    ("Idx\tRatio\tTrain\tVal\tName\n1\t0\t0\t0\t\n", "expected Idx 1..255 and a Name"),
])
def test_a_broken_object_info_is_an_error_naming_the_line(tmp_path, text, message):
    shutil.copytree(ADE, tmp_path / "a")
    (tmp_path / "a" / "ADEChallengeData2016" / "objectInfo150.txt").write_text(text)
    with pytest.raises(SegconvError) as err:
        open_dataset(tmp_path / "a")
    assert message in str(err.value) and "objectInfo150.txt" in str(err.value)


def test_the_csv_names_file(tmp_path):
    shutil.copytree(ADE, tmp_path / "a")
    root = tmp_path / "a" / "ADEChallengeData2016"
    (root / "objectInfo150.txt").unlink()
    (root / "objectInfo150.csv").write_text('Idx,Ratio,Train,Val,Stuff,Name\n1,0.1576,11664,1172,1,wall\n'
                                            '2,0.1072,6046,612,1,building;edifice\n3,0.08,1,1,1,sky\n'
                                            '4,0.06,1,1,1,floor;flooring\n5,0.05,1,1,0,tree\n6,0.04,1,1,1,ceiling\n'
                                            '7,0.04,1,1,1,road;route\n8,0.02,1,1,0,bed\n')
    _, labelmap = class_masks(tmp_path / "a")
    assert labelmap["building"].index == 2 and labelmap["road"].index == 7
