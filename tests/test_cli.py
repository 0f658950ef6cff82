"""The segconv command as a user runs it: exit codes, messages, outputs, no traceback."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from convert.model.labelmap import LabelMap

from conftest import FOOD, ROOT, coco_doc, run_cli, tree_digest, write_json


def no_traceback(proc):
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


def test_readme_example_converts_the_food_fixture(tmp_path):
    before = tree_digest(FOOD)
    out = tmp_path / "out"
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out, "--to", "png")
    assert proc.returncode == 0, proc.stderr
    assert "wrote 4 masks" in proc.stderr
    masks = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert masks == ["masks/breakfast/table_03.png", "masks/table_01.png", "masks/table_02.png",
                     "masks/table_04.png"]
    m = np.asarray(Image.open(out / "masks/table_01.png"))
    assert m.shape == (480, 640) and set(np.unique(m)) <= {0, 1, 2, 4, 5, 6, 8}
    assert tree_digest(FOOD) == before  # the input is never modified


def test_food_levels_put_rice_over_its_plate_although_listed_first(tmp_path):
    out = tmp_path / "out"
    run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out)
    m = np.asarray(Image.open(out / "masks/table_01.png"))
    doc = json.loads((FOOD / "annotations.json").read_text())
    first = doc["annotations"][0]
    assert first["category_id"] == 8  # rice, listed before the plate
    x, y = 210, 250  # centre of the rice blob
    assert m[y, x] == LabelMap.load(FOOD / "labelmap.yaml")["rice"].index


def test_existing_output_is_refused_without_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = run_cli("convert", FOOD / "annotations.json", "-o", out)
    assert proc.returncode == 2 and "--overwrite" in proc.stderr
    no_traceback(proc)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    proc = run_cli("convert", FOOD / "annotations.json", "-o", out, "--overwrite")
    assert proc.returncode == 0 and (out / "masks/table_01.png").exists()


def test_derived_labelmap_is_announced_on_stderr(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o")
    assert proc.returncode == 0
    assert "derived from the source" in proc.stderr


def test_findings_give_exit_1_and_name_file_and_annotation(tmp_path):
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}],
                   [{"id": 77, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 3, 3]]}],
                   [{"id": 1, "name": "plate"}])
    src = write_json(tmp_path / "bad.json", doc)
    proc = run_cli("convert", src, "-o", tmp_path / "o")
    assert proc.returncode == 1
    assert "box-as-polygon" in proc.stderr and "bad.json" in proc.stderr and "annotation id=77" in proc.stderr
    no_traceback(proc)
    assert (tmp_path / "o/masks/a.png").exists()  # the rest is still converted


def test_strict_writes_nothing_on_findings(tmp_path):
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}],
                   [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": []}],
                   [{"id": 1, "name": "plate"}])
    src = write_json(tmp_path / "w.json", doc)
    proc = run_cli("convert", src, "-o", tmp_path / "o", "--strict")
    assert proc.returncode == 1 and "nothing written" in proc.stderr
    assert not (tmp_path / "o").exists()
    assert run_cli("convert", src, "-o", tmp_path / "o2").returncode == 0  # a warning alone fails nothing
    assert run_cli("convert", src, "-o", tmp_path / "o3", "--fail-on", "warning").returncode == 1


def test_dry_run_writes_nothing(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--dry-run")
    assert proc.returncode == 0 and "nothing written; 4 images would be written as png" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_unusable_input_exits_2_with_the_file_named(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"images": [\n{"id": 1,')
    proc = run_cli("convert", bad, "-o", tmp_path / "o")
    assert proc.returncode == 2 and "broken.json:2" in proc.stderr
    no_traceback(proc)
    assert not (tmp_path / "o").exists()
    proc = run_cli("convert", tmp_path / "missing.json", "-o", tmp_path / "o")
    assert proc.returncode == 2 and "missing.json" in proc.stderr
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--to", "jpeg")
    assert proc.returncode == 2 and "Invalid value for '--to'" in proc.stderr and "'coco-rle'" in proc.stderr
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--labels", tmp_path / "x.yaml")
    assert proc.returncode == 2 and "x.yaml" in proc.stderr


def test_undetectable_source_says_what_was_looked_for(tmp_path):
    src = tmp_path / "notes.txt"
    src.write_text("hello")
    proc = run_cli("convert", src, "-o", tmp_path / "o")
    assert proc.returncode == 2 and "matches no known format" in proc.stderr and "coco" in proc.stderr


def test_labels_prints_an_editable_map_that_loads(tmp_path):
    proc = run_cli("labels", FOOD / "annotations.json")
    assert proc.returncode == 0
    path = tmp_path / "labels.yaml"
    path.write_text(proc.stdout)
    lm = LabelMap.load(path)
    assert [c.name for c in lm.classes][:3] == ["background", "plate", "dish"]


def test_inspect_and_formats_print_to_stdout():
    proc = run_cli("inspect", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml")
    assert proc.returncode == 0 and "4 images" in proc.stdout and "plate, dish" in proc.stdout
    proc = run_cli("formats")
    assert proc.returncode == 0 and "coco" in proc.stdout and "png" in proc.stdout


def test_inspect_counts_a_class_once_per_image_whichever_of_its_names_it_uses(tmp_path):
    """One image holding 'plate' and its alias 'dish': plate is in 1 image (it said 2 of 1)."""
    write_json(tmp_path / "a.json", {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 8, "height": 6}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 3, 0, 3, 3, 0, 3]]},
                        {"id": 2, "image_id": 1, "category_id": 2, "segmentation": [[4, 0, 7, 0, 7, 3, 4, 3]]}],
        "categories": [{"id": 1, "name": "plate"}, {"id": 2, "name": "dish"}]})
    proc = run_cli("inspect", tmp_path / "a.json", "--labels", FOOD / "labelmap.yaml")
    [row] = [line for line in proc.stdout.splitlines() if line.split("│")[0].strip() == "plate"]
    assert [cell.strip() for cell in row.split("│")[4:]] == ["2", "1", "plate, dish"]


def test_validate_lists_findings_and_explains_codes(tmp_path):
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("validate", "--explain", "box-as-polygon")
    assert proc.returncode == 0 and "cocoapi#369" in proc.stdout
    proc = run_cli("validate", "--explain", "nope")
    assert proc.returncode == 2 and "unknown finding code" in proc.stderr


def test_findings_doc_is_in_sync_with_the_registry():
    from convert.findings.codes import markdown

    from conftest import ROOT

    assert (ROOT / "docs/findings.md").read_text() == markdown()


def test_output_never_lands_among_the_input(tmp_path):
    import shutil

    src = tmp_path / "delivery"
    shutil.copytree(FOOD, src)
    before = tree_digest(src)
    for source, out in ((src / "annotations.json", src),  # OUT is the folder holding the source file
                        (src / "annotations.json", tmp_path),  # ... or a folder above it
                        (src / "labelme", src / "labelme" / "out")):  # OUT inside a source folder
        proc = run_cli("convert", source, "-o", out, "--overwrite")
        assert proc.returncode == 2 and "never writes among its input" in proc.stderr
    assert tree_digest(src) == before


def test_usage_errors_are_not_internal_errors(tmp_path):
    (tmp_path / "adir").mkdir()
    for args in (["convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--jobs", "0"],
                 ["validate", FOOD / "annotations.json", "--json", tmp_path / "adir"],
                 ["convert", FOOD / "annotations.json", "--bogus"]):
        proc = run_cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- habits (#12)
def test_version_and_short_help():
    from convert import __version__

    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"segconv {__version__}"
    proc = run_cli("convert", "-h")
    assert proc.returncode == 0 and "--overwrite" in proc.stdout


def test_one_version_in_one_place():
    """pyproject.toml holds the version; the package metadata, convert.__version__ and the changelog agree."""
    import re

    from convert import __version__

    from conftest import ROOT

    project = (ROOT / "pyproject.toml").read_text().split("[project]", 1)[1].split("\n[", 1)[0]
    declared = re.search(r'^version = "([^"]+)"$', project, re.M).group(1)
    assert __version__ == declared
    assert re.search(rf"^## {re.escape(declared)} ", (ROOT / "CHANGELOG.md").read_text(), re.M)
    sources = "\n".join(p.read_text() for p in (ROOT / "convert").rglob("*.py"))
    assert declared not in sources  # written nowhere else


def test_help_shows_flags_as_flags_and_keeps_brackets():
    help_text = run_cli("convert", "--help").stdout
    assert "<bool>" not in help_text  # --overwrite, --strict, --link... take no value
    assert "segconv[dask]" in help_text.replace("\n", "").replace(" ", "").replace("│", "")


def test_choices_ignore_case_and_wrong_ones_name_the_option(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--to", "PNG", "--from", "COCO",
                   "--labels", FOOD / "labelmap.yaml")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("validate", FOOD / "annotations.json", "--fail-on", "warn")
    assert proc.returncode == 2 and "'--fail-on'" in proc.stderr and "'error', 'warning'" in proc.stderr


def test_a_misspelt_label_map_key_is_named(tmp_path):
    lm = tmp_path / "lm.yaml"
    lm.write_text("classes:\n  - {name: background, index: 0, levle: 0, fill: true}\n")
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", lm)
    assert proc.returncode == 2
    assert "classes[0]: unknown key 'levle'; did you mean 'level'?" in proc.stderr
    assert "more problem" not in proc.stderr  # the missing 'level' is the typo, not a second problem
    lm.write_text("classes:\n  - {name: background, index: 0, levle: 0, fill: true}\n"
                  "  - {name: plate, index: x, level: 1}\n  - {name: bowl, level: 1}\n")
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", lm)
    assert proc.returncode == 2
    assert ("classes[0]: unknown key 'levle'; did you mean 'level'? (known keys: aliases, color, fill, index, "
            "isthing, level, name, within) (and 2 more problems: classes[1].index: 'x' is not of type 'integer'; "
            "classes[2]: 'index' is a required property)") in proc.stderr  # each other problem, with its place


def test_counts_are_plural_only_when_plural(tmp_path):
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}],
                   [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}],
                   [{"id": 1, "name": "plate"}])
    src = write_json(tmp_path / "one.json", doc)
    proc = run_cli("convert", src, "-o", tmp_path / "o")
    assert "wrote 1 mask to" in proc.stderr and "in 1 image" in proc.stderr
    assert "1 masks" not in proc.stderr and "1 images" not in proc.stderr
    proc = run_cli("convert", src, "-o", tmp_path / "c", "--to", "coco-rle")
    assert "annotations.json: COCO instance annotations in compressed RLE, 1 image" in proc.stderr
    assert "1 annotation (" in proc.stderr and "mask" not in proc.stderr.split("annotations.json")[1]


def test_labels_prints_only_the_map():
    proc = run_cli("labels", FOOD / "annotations.json")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("# label map of ") and "--labels" not in proc.stdout


def test_severity_column_is_each_findings_own(tmp_path):
    """missing-image is a warning when some images are missing, and a note when none was found at all (a
    delivery of annotations only): the lines and the table show each finding's own severity."""
    import shutil

    shutil.copy(FOOD / "annotations.json", tmp_path / "annotations.json")
    proc = run_cli("validate", tmp_path / "annotations.json", "--labels", FOOD / "labelmap.yaml")
    [row] = [x for x in proc.stderr.splitlines() if x.strip().startswith("missing-image")]
    assert row.split()[2] == "info" and "info[missing-image]" in proc.stderr
    shutil.copy(FOOD / "images" / "table_01.jpg", tmp_path / "table_01.jpg")
    proc = run_cli("validate", tmp_path / "annotations.json", "--labels", FOOD / "labelmap.yaml")
    [row] = [x for x in proc.stderr.splitlines() if x.strip().startswith("missing-image")]
    assert row.split()[2] == "warning" and row.split()[4] == "3"
    assert proc.stderr.count("warning[missing-image]") == 3


def test_many_notes_are_one_line_per_code(tmp_path):
    cats = [{"id": i, "name": f"class{i}"} for i in range(1, 68)]
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}],
                   [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}], cats)
    proc = run_cli("validate", write_json(tmp_path / "many.json", doc))
    unused = [x for x in proc.stderr.splitlines() if "class-unused" in x]
    assert len(unused) == 2  # the grouped line and the table row
    assert "info[class-unused] 66 notes: class class2, class class3" in unused[0] and "and 58 more" in unused[0]


def test_a_long_list_says_what_it_leaves_out(tmp_path):
    anns = [{"id": i, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 1, 1]]} for i in range(1, 61)]
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}], anns, [{"id": 1, "name": "p"}])
    proc = run_cli("validate", write_json(tmp_path / "sixty.json", doc))
    assert proc.stderr.count("error[box-as-polygon]") == 50
    assert "… 10 errors more not shown here; the JSON report (--json FILE) lists all 62 findings" in proc.stderr


# --------------------------------------------------------------------------- usage (#16.7)
def test_images_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--images", tmp_path / "nope")
    assert proc.returncode == 2 and "--images" in proc.stderr and "nope does not exist" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_forcing_the_wrong_reader_writes_nothing(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "--from", "labelme", "-o", tmp_path / "o")
    assert proc.returncode == 2 and "not a LabelMe file" in proc.stderr and "COCO" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_a_coco_file_among_labelme_files_is_not_a_broken_labelme_file(tmp_path):
    import shutil

    folder = tmp_path / "labelme"
    shutil.copytree(FOOD / "labelme", folder)
    shutil.copy(FOOD / "annotations.json", folder / "annotations.json")
    proc = run_cli("inspect", folder)
    assert "labelme, 4 images" in proc.stdout  # the 4 LabelMe files, not 5
    proc = run_cli("validate", folder, "--labels", FOOD / "labelmap.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "info[skipped-file]" in proc.stderr and "annotations.json" in proc.stderr
    assert "unreadable-file" not in proc.stderr


def test_the_bundled_example_passes_strict(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", tmp_path / "o",
                   "--strict")
    assert proc.returncode == 0, proc.stderr
    assert "unlabelled-pixels" not in proc.stderr and (tmp_path / "o/masks/table_01.png").exists()


@pytest.mark.parametrize("columns", ["80", "60", "200"])
def test_formats_wraps_every_option_whole_at_the_terminal_width(columns):
    """Nothing is cut: every reader's and writer's description and every -O option with its help are in the
    output word for word, and no line is wider than the terminal."""
    from convert.formats.readers import READERS
    from convert.formats.writers import WRITERS

    env = dict(os.environ, COLUMNS=columns)
    proc = subprocess.run([sys.executable, "-m", "convert", "formats"], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert proc.returncode == 0 and "…" not in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= int(columns)
    flat = " ".join(proc.stdout.split())
    for direction, registry in (("--from", READERS), ("--to", WRITERS)):
        assert f"({direction} NAME):" in flat
        for entry in registry.values():
            assert f"{entry.name} {' '.join(entry.description.split())}" in flat
            for o in entry.options.values():
                values = "|".join(o.choices) if o.choices else o.type.__name__
                assert f"-O {o.key}={values} (default {o.default}): {' '.join(o.help.split())}" in flat


def test_grouped_notes_name_each_annotation_with_its_image(tmp_path):
    report = tmp_path / "r.json"
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "--json", report)
    notes = [f for f in json.loads(report.read_text())["findings"] if f["code"] == "outside-image"]
    by_image: dict = {}
    for f in notes:
        by_image.setdefault(f["image"], []).append(f["element"])
    assert len(notes) == 4 and len(by_image) == 2  # the claim below, from the JSON report
    places = "; ".join(f"{image}: {', '.join(elements)}" for image, elements in by_image.items())
    assert f"info[outside-image] 4 notes in 2 images: {places}\n" in proc.stderr


@pytest.mark.parametrize("typed, meant", [("levl-overlap", "level-overlap"), ("unlabeled-pixels", "unlabelled-pixels"),
                                          ("Self-Intersection", None)])
def test_explain_suggests_the_code_meant(typed, meant):
    proc = run_cli("validate", "--explain", typed)
    if meant is None:  # any case is the code itself
        assert proc.returncode == 0 and proc.stdout.startswith("self-intersection (geometry, warning)")
        return
    assert proc.returncode == 2 and f"unknown finding code {typed!r}; did you mean {meant!r}?" in proc.stderr
    assert run_cli("validate", "--explain", meant).returncode == 0


def test_a_label_map_with_the_other_yaml_suffix_is_suggested(tmp_path):
    (tmp_path / "labelmap.yaml").write_text((FOOD / "labelmap.yaml").read_text())
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", tmp_path / "labelmap.yml")
    assert proc.returncode == 2
    assert f"{tmp_path / 'labelmap.yml'}: label map file not found; did you mean 'labelmap.yaml' (in the same " \
           "folder)?" in proc.stderr
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", tmp_path / "classes.yaml")
    assert proc.stderr.strip().endswith("label map file not found")  # nothing close: no guess


def test_a_folder_given_as_label_map_is_said_to_be_a_folder(tmp_path):
    """It was "cannot read label map: [Errno 21] Is a directory: '…'", the path said twice."""
    (tmp_path / "labels").mkdir()
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", tmp_path / "labels")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path / 'labels'}: is a folder, not a label map file"


# --------------------------------------------------------------------------- convert --json / --html (#27.4)
def test_convert_writes_the_reports_validate_writes(tmp_path):
    """The sixty-finding delivery: convert's terminal points to its JSON report, and that report lists all the
    findings it counts (as validate's does), valid by the schema; the HTML report is written beside it."""
    import jsonschema

    from convert.model.schemas import load_schema

    anns = [{"id": i, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 1, 1]]} for i in range(1, 61)]
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}], anns, [{"id": 1, "name": "p"}])
    src = write_json(tmp_path / "sixty.json", doc)
    converted = run_cli("convert", src, "-o", tmp_path / "o", "--json", tmp_path / "c.json", "--html",
                        tmp_path / "c.html")
    assert converted.returncode == 1
    assert "… 10 errors more not shown here; the JSON report (--json FILE) lists all 62 findings" in converted.stderr
    assert f"JSON report: {tmp_path / 'c.json'}" in converted.stderr
    assert f"HTML report: {tmp_path / 'c.html'}" in converted.stderr
    report = json.loads((tmp_path / "c.json").read_text())
    jsonschema.validate(report, load_schema("report"))
    assert len(report["findings"]) == 62 and report["summary"]["exit_code"] == 1
    validated = run_cli("validate", src, "--json", tmp_path / "v.json")
    assert validated.returncode == 1
    assert report["findings"] == json.loads((tmp_path / "v.json").read_text())["findings"]
    assert "<html" in (tmp_path / "c.html").read_text()[:200].lower()
    assert (tmp_path / "o" / "masks" / "a.png").exists()


@pytest.mark.parametrize("mode", ["--strict", "--dry-run"])
def test_convert_reports_also_when_nothing_is_written(tmp_path, mode):
    src = FOOD / "annotations.json"  # 4 outside-image notes; an unknown label makes an error under --strict
    doc = json.loads(src.read_text())
    doc["categories"][0]["name"] = "plat"
    bad = write_json(tmp_path / "a.json", doc)
    proc = run_cli("convert", bad, "--labels", FOOD / "labelmap.yaml", "-o", tmp_path / "o", mode,
                   "--json", tmp_path / "r.json")
    assert proc.returncode == 1, proc.stderr
    assert not (tmp_path / "o").exists()
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["errors"] >= 1 and "unknown-label" in report["summary"]["by_code"]
    assert report["strict"] is (mode == "--strict") and report["fail_on"] == ("warning" if mode == "--strict"
                                                                              else "error")


def test_convert_refuses_a_report_path_that_is_a_folder_before_writing(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--json", tmp_path)
    assert proc.returncode == 2 and f"--json {tmp_path} is a folder; give a file name" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_an_interrupted_convert_leaves_no_report_and_no_part_file(tmp_path):
    from convert import api

    def stop(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(api.Interrupted):
        api.convert(FOOD / "annotations.json", tmp_path / "o", labels=FOOD / "labelmap.yaml", progress=stop,
                    json_path=tmp_path / "r.json", html_path=tmp_path / "r.html")
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "r.html").exists()
    assert not list(tmp_path.glob(".r.json*"))
