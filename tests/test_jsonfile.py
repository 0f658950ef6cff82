"""A JSON source that does not parse: a file cut short is named as one, with where it stops and the value
left open; any other error keeps the parser's words and column. A file no reader recognises because it does
not parse gets that error, not the list of formats (whose advice, --from, would only meet the same end)."""

import json

import pytest

from convert.errors import SegconvError
from convert.files.json_source import json_error, load_json, open_path

from conftest import FOOD, corpus, run_cli


@pytest.mark.parametrize("text, inside", [
    ('{"images": [', "images"),
    ('{"images": [{"id": 1, "file_name": "a', "images[0]"),
    ('{"images": [], "annotations": [{"id": 1}, {"id": 2, "segmentation": [[1, 2,', "annotations[1].segmentation[0]"),
    ('[{"image_id": 1, "segmentation": {"counts": "P[]]\\\\"Y', "[0].segmentation"),  # brackets inside a string
    ('{"a": {"b": {"c', "a.b"),  # a key cut in the middle: the open value is the object holding it
    ('{"images"', ""),
])
def test_where_a_cut_text_stops(text, inside):
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert open_path(text) == inside


def test_a_cut_file_says_it_ends_early_and_where(tmp_path):
    whole = (FOOD / "annotations.json").read_bytes()
    cut = tmp_path / "annotations.json"
    cut.write_bytes(whole[:3000])
    proc = run_cli("validate", cut)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = whole[:3000].decode().split("\n")
    assert len(lines) == 230 and len(lines[-1]) == 5  # the claim below, counted by hand
    assert (f"{cut}:230: the file ends early: the JSON stops at the end of the file (line 230, column 6, "
            "character 3,000) inside annotations[1].segmentation[0]; it was cut short") in proc.stderr
    # and it is true: the cut text holds two annotations' segmentations, the second's first ring not closed
    text = whole[:3000].decode()
    annotations = text[text.index('"annotations"'):]
    assert annotations.count('"segmentation"') == 2
    last = annotations.rsplit('"segmentation"', 1)[1]
    assert "".join(last.split()).startswith(":[[") and "]" not in last


def test_a_wrong_character_is_not_called_a_cut(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [1, 2] x, "annotations": []}')
    with pytest.raises(SegconvError) as err:
        load_json(bad)
    assert err.value.message == "invalid JSON: Expecting ',' delimiter (column 19)" and err.value.line == 1


def test_blanks_after_the_cut_are_still_the_end(tmp_path):
    try:
        json.loads('{"images": [1,\n   \n')
    except json.JSONDecodeError as exc:
        message, line = json_error(exc)
    assert message.startswith("the file ends early: the JSON stops at the end of the file (line 3, column 1, "
                              "character 19) inside images;") and line == 3


def test_a_cut_results_list_gets_the_cut_not_the_format_advice(tmp_path):
    results = corpus("cocoapi-results/results/instances_val2014_fakesegm100_results.json")
    cut = tmp_path / "results.json"
    cut.write_bytes(results.read_bytes()[:2000])
    detected, forced = run_cli("validate", cut), run_cli("validate", cut, "--from", "coco")
    for proc in (detected, forced):
        assert proc.returncode == 2
        assert "the file ends early: the JSON stops at the end of the file (line 1, column 2001, character 2,000)" \
            in proc.stderr
    assert "--from" not in detected.stderr and "matches no known format" not in detected.stderr
    # the same words whether detected or forced: the advice no longer leads to another error
    assert detected.stderr.split("ends early")[1] == forced.stderr.split("ends early")[1]


def test_a_whole_results_list_is_named_without_advice_that_fails(tmp_path):
    results = tmp_path / "results.json"
    results.write_text('[{"image_id": 1, "category_id": 1, "segmentation": {}, "score": 0.5}]')
    proc = run_cli("validate", results)
    assert proc.returncode == 2 and "this is a COCO results list (a bare array of detections), not a dataset" \
        in proc.stderr
    assert "--from" not in proc.stderr


def test_a_cut_label_map_says_so(tmp_path):
    labels = tmp_path / "labels.json"
    labels.write_text('{"classes": [{"name": "plate", "index": 1}, {"name": "bo')
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", labels)
    assert proc.returncode == 2
    assert f"{labels}:1: the file ends early: the JSON stops at the end of the file (line 1, column 57, " \
           "character 56) inside classes[1]" in proc.stderr
