"""A folder that matches no format names the sources below it (convert/formats/found_below.py)."""

from __future__ import annotations

import json

import pytest

from convert.errors import SegconvError
from convert.formats import readers
from convert.formats.found_below import MAX_DEPTH, sources_below
from convert.formats.readers import detect_format

from conftest import FOOD, corpus, run_cli

CVAT = '<?xml version="1.0"?>\n<annotations><version>1.1</version></annotations>\n'


def test_the_folders_and_files_below_that_match_are_named_nearest_first(tmp_path):
    (tmp_path / "export" / "task").mkdir(parents=True)
    (tmp_path / "export" / "task" / "annotations.xml").write_text(CVAT)
    (tmp_path / "vendor" / "batch1").mkdir(parents=True)
    (tmp_path / "vendor" / "batch1" / "food.json").write_text((FOOD / "annotations.json").read_text())
    (tmp_path / "README.txt").write_text("a delivery")
    with pytest.raises(SegconvError) as caught:
        detect_format(tmp_path)
    message = str(caught.value)
    assert "matches no known format itself; below it: export/task (cvat), vendor/batch1/food.json (coco)." \
        in message
    assert "looked for" not in message  # the list of every layout is for when nothing below matches either
    proc = run_cli("validate", tmp_path)
    assert proc.returncode == 2 and "below it: export/task (cvat)" in proc.stderr and "Traceback" not in proc.stderr


def test_a_folder_that_matches_is_not_looked_into_and_depth_is_bounded(tmp_path):
    (tmp_path / "a" / "inner").mkdir(parents=True)
    (tmp_path / "a" / "annotations.xml").write_text(CVAT)
    (tmp_path / "a" / "inner" / "annotations.xml").write_text(CVAT)
    deep = tmp_path.joinpath("b", *["d"] * MAX_DEPTH)
    deep.mkdir(parents=True)
    (deep / "annotations.xml").write_text(CVAT)
    found = sources_below(tmp_path, lambda p: [n for n, r in readers.READERS.items() if r.detect(p)])
    assert [(p.as_posix(), names) for p, names in found] == [("a", ["cvat"])]


def test_nothing_below_either_lists_what_was_looked_for(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.json").write_text(json.dumps({"todo": []}))
    with pytest.raises(SegconvError, match="matches no known format \\(looked for coco: .*Use --from to force one"):
        detect_format(tmp_path)


def test_the_cvat_documentation_example_from_its_top_folder():
    root = corpus("cvat-docs-example")
    with pytest.raises(SegconvError, match="itself; in it: for_images \\(cvat\\), for_video \\(cvat\\)\\."):
        detect_format(root)


def test_a_file_that_vanishes_while_the_layouts_are_looked_at_is_an_error_naming_it(tmp_path, monkeypatch):
    gone = tmp_path / "gone"

    def vanished(path):
        raise FileNotFoundError(2, "No such file or directory", str(gone))

    monkeypatch.setattr(readers.READERS["labelme"].module, "detect", vanished)
    with pytest.raises(SegconvError) as caught:
        detect_format(tmp_path)
    assert caught.value.file == str(gone)
    assert "could not be read while detecting the format: No such file or directory" in str(caught.value)


def test_a_file_in_the_folder_is_said_to_be_in_it_not_below_it(tmp_path):
    (tmp_path / "food.json").write_text((FOOD / "annotations.json").read_text())
    (tmp_path / "export" / "task").mkdir(parents=True)
    (tmp_path / "export" / "task" / "annotations.xml").write_text(CVAT)
    with pytest.raises(SegconvError) as caught:
        detect_format(tmp_path)
    assert "matches no known format itself; in it: food.json (coco); below it: export/task (cvat)." \
        in str(caught.value)


def test_a_folder_of_several_formats_names_every_source_in_it():
    """New-user trial: fixtures/food holds six formats; the message named the three its folder matched
    (coco-panoptic, labelme, yolo) and not the COCO JSON, CVAT XML and Label Studio files."""
    with pytest.raises(SegconvError) as caught:
        detect_format(FOOD)
    message = str(caught.value)
    assert "matches several formats: coco-panoptic (" in message
    assert ". Sources in it: annotations.json (coco), cvat (cvat), data.yaml (yolo), label-studio (label-studio), " \
           "labelme (labelme), panoptic (coco-panoptic). Pass one of them as the source, or use --from to choose." \
        in message
