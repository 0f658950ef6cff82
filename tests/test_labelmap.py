"""The label map: schema, the rules a schema cannot express, derivation, outputs."""

import json

import numpy as np
import pytest

from convert.errors import SegconvError
from convert.model.labelmap import LabelMap, voc_color

BASE = [
    {"name": "background", "index": 0, "level": 0, "fill": True},
    {"name": "plate", "index": 1, "level": 1, "aliases": ["dish"]},
    {"name": "rice", "index": 4, "level": 2},
]


def test_voc_colormap_matches_devkit_values():
    assert [voc_color(i) for i in (0, 1, 2, 3, 4, 15, 20, 255)] == [
        (0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128), (192, 128, 128), (0, 64, 128),
        (224, 224, 192)]


def test_resolves_names_and_aliases_and_knows_fill():
    lm = LabelMap.from_dict({"classes": BASE})
    assert lm.resolve("dish").name == "plate"
    assert lm.resolve("rice").index == 4
    assert lm.resolve("Rice") is None
    assert lm.suggest("Rice ") == "rice"
    assert lm.fill.name == "background"
    assert lm.dtype == np.uint8 and lm.levels() == [0, 1, 2]


@pytest.mark.parametrize("change, message, element", [
    (lambda c: c.append({"name": "plate", "index": 9, "level": 1}), "duplicate class name 'plate'", "classes[3]"),
    (lambda c: c.append({"name": "bowl", "index": 1, "level": 1}), "index 1 is already used by 'plate'", "classes[3]"),
    (lambda c: c.append({"name": "bowl", "index": 2, "level": 1, "aliases": ["dish"]}),
     "alias 'dish' already names class 'plate'", "classes[3]"),
    (lambda c: c.append({"name": "dish", "index": 2, "level": 1}), "alias 'dish' already names class 'dish'",
     "classes[1]"),
    (lambda c: c.append({"name": "sky", "index": 2, "level": 0, "fill": True}), "more than one fill class",
     "classes[3]"),
    (lambda c: c.append({"name": "bowl", "index": 255, "level": 1}), "void", "classes[3]"),
    (lambda c: c.append({"name": "bowl", "index": 2, "level": 1, "color": [128, 0, 0]}),
     "colour (128, 0, 0) is already used by 'plate'", "classes[3]"),
])
def test_semantic_errors_name_the_class(change, message, element):
    classes = [dict(c) for c in BASE]
    change(classes)
    with pytest.raises(SegconvError) as err:
        LabelMap.from_dict({"classes": classes}, source="lm.yaml")
    assert message in str(err.value)
    assert err.value.file == "lm.yaml" and err.value.element.startswith(element)


@pytest.mark.parametrize("doc, element", [
    ({"classes": [{"name": "a", "index": 0, "level": -1}]}, "classes[0].level"),
    ({"classes": [{"name": "a", "index": 70000, "level": 0}]}, "classes[0].index"),
    ({"classes": [{"name": "a", "index": 1}]}, "classes[0]"),
    ({"classes": [{"name": "a:b", "index": 1, "level": 0}]}, "classes[0].name"),
    ({"classes": [{"name": "a", "index": 1, "level": 0, "colour": [1, 2, 3]}]}, "classes[0]"),
    ({"clases": []}, "(top level)"),
])
def test_schema_errors_name_the_json_path(doc, element):
    with pytest.raises(SegconvError) as err:
        LabelMap.from_dict(doc, source="lm.json")
    assert err.value.element == element


def test_loads_yaml_and_json_and_hex_colours(tmp_path):
    (tmp_path / "a.yaml").write_text("classes:\n  - {name: bg, index: 0, level: 0, fill: true, color: '#102030'}\n")
    (tmp_path / "b.json").write_text(json.dumps({"void": 254, "classes": [{"name": "bg", "index": 0, "level": 0}]}))
    assert LabelMap.load(tmp_path / "a.yaml")["bg"].color == (16, 32, 48)
    assert LabelMap.load(tmp_path / "b.json").void == 254


def test_broken_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("classes:\n  - {name: bg, index: 0\n  - oops: [\n")
    with pytest.raises(SegconvError) as err:
        LabelMap.load(path)
    assert err.value.file == str(path) and err.value.line is not None


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SegconvError, match="not found"):
        LabelMap.load(tmp_path / "nope.yaml")


def test_derive_puts_background_first_and_categories_at_level_1():
    lm = LabelMap.derive(["plate", "rice", "plate"])
    assert [(c.name, c.index, c.level, c.fill) for c in lm.classes] == [
        ("background", 0, 0, True), ("plate", 1, 1, False), ("rice", 2, 1, False)]
    # a source 'background' category is the fill class, never duplicated
    lm = LabelMap.derive(["rice", "background"])
    assert [(c.name, c.index) for c in lm.classes] == [("background", 0), ("rice", 1)]


def test_derive_skips_the_void_value_and_goes_16_bit():
    lm = LabelMap.derive([f"c{i}" for i in range(300)])
    assert 255 not in {c.index for c in lm.classes}
    assert lm.max_index == 301 and lm.dtype == np.uint16


def test_yaml_output_round_trips(tmp_path):
    lm = LabelMap.from_dict({"classes": BASE})
    path = tmp_path / "x.yaml"
    path.write_text(lm.to_yaml())
    assert LabelMap.load(path).classes == lm.classes


def test_labelmap_txt_fills_index_gaps_for_cvat_and_datumaro():
    lines = LabelMap.from_dict({"classes": BASE}).to_labelmap_txt().splitlines()
    assert lines[1:] == ["background:0,0,0::", "plate:128,0,0::", "_unused_2_:0,128,0::",
                         "_unused_3_:128,128,0::", "rice:0,0,128::", "ignored:224,224,192::"]


def test_labelmap_txt_round_trips_and_its_void_line_is_not_a_class():
    lm = LabelMap.from_dict({"classes": BASE})
    back = LabelMap.from_txt(lm.to_labelmap_txt())
    assert [(c.name, c.index, c.color) for c in back.classes] == [(c.name, c.index, c.color) for c in lm.classes]


def test_palette_puts_class_colours_at_their_index():
    lm = LabelMap.from_dict({"classes": [{"name": "bg", "index": 0, "level": 0, "color": [1, 2, 3]}]})
    pal = lm.palette()
    assert len(pal) == 768 and pal[:3] == [1, 2, 3] and pal[255 * 3:] == list(voc_color(255))
