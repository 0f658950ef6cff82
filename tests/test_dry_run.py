"""--dry-run and --strict decide what the real run decides, writer included: a dry run is refused where the
real run is, and reports the writer's own findings; a strict run writes nothing when anything, the writer's
findings included, is a warning."""

import json

import pytest

from convert import api

from conftest import FOOD, run_cli

LABELS = ("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n  - {name: plate, index: 1, level: 1}\n"
          "void_aliases: [ignore]\n")


@pytest.fixture
def with_void(tmp_path):
    """An 8x8 image: a plate, and an 'ignore' region that is void (YOLO has no void: its rows lose it)."""
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 8, "height": 8}],
           "categories": [{"id": 1, "name": "plate"}, {"id": 2, "name": "ignore"}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]},
                           {"id": 2, "image_id": 1, "category_id": 2, "segmentation": [[4, 4, 8, 4, 8, 8, 4, 8]]}]}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    (tmp_path / "lm.yaml").write_text(LABELS)
    return tmp_path / "a.json", tmp_path / "lm.yaml"


def test_strict_writes_nothing_when_the_writer_finds_a_warning(tmp_path, with_void):
    src, lm = with_void
    proc = run_cli("convert", src, "--labels", lm, "-o", tmp_path / "o", "--to", "yolo", "--strict")
    assert proc.returncode == 1
    assert "--strict: nothing written" in proc.stderr and "written-pixels-differ" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_strict_writes_when_nothing_is_found(tmp_path, with_void):
    src, lm = with_void
    proc = run_cli("convert", src, "--labels", lm, "-o", tmp_path / "o", "--to", "png", "--strict")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "masks" / "a.png").is_file()


def test_dry_run_reports_the_writers_findings_and_writes_nothing(tmp_path, with_void):
    src, lm = with_void
    dry = run_cli("convert", src, "--labels", lm, "-o", tmp_path / "o", "--to", "yolo", "--dry-run")
    real = run_cli("convert", src, "--labels", lm, "-o", tmp_path / "real", "--to", "yolo")
    assert "written-pixels-differ" in dry.stderr and "16 void pixels" in dry.stderr
    assert dry.returncode == real.returncode
    assert not (tmp_path / "o").exists()


def test_dry_run_is_refused_where_the_real_run_is(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "mine.txt").write_text("mine")
    args = ["convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out]
    real, dry = run_cli(*args), run_cli(*args, "--dry-run")
    assert real.returncode == dry.returncode == 2
    assert "output folder exists and is not empty" in dry.stderr
    assert dry.stderr.splitlines()[-1] == real.stderr.splitlines()[-1]
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_dry_run_says_what_overwrite_would_remove(tmp_path):
    out = tmp_path / "o"
    args = ["convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out]
    assert run_cli(*args).returncode == 0
    (out / "mine.txt").write_text("mine")
    before = sorted(p.name for p in out.rglob("*"))
    dry = run_cli(*args, "--overwrite", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "--overwrite would remove 6 files an earlier segconv run wrote here and keep 1 other file" in dry.stderr
    assert sorted(p.name for p in out.rglob("*")) == before


def test_dry_run_finds_colliding_names(tmp_path):
    from test_outputs import LABELS as PLATE
    from test_outputs import cvat

    (tmp_path / "lm.yaml").write_text(PLATE)
    src = cvat(tmp_path / "twins.xml", [("a.jpg", 0, 0, 2, 2), ("a.png", 0, 0, 4, 4)])
    report = api.convert(src, tmp_path / "o", labels=tmp_path / "lm.yaml", dry_run=True)
    assert [f.image for f in report.findings if f.code == "duplicate-image"] == ["a.png"]
    assert report.written == 1 and not (tmp_path / "o").exists()


def test_dry_run_refuses_a_label_map_the_writer_cannot_hold(tmp_path):
    (tmp_path / "lm.yaml").write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                                      "  - {name: plate, index: 300, level: 1}\n")
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", tmp_path / "lm.yaml", "-o", tmp_path / "o",
                   "--to", "mmseg", "--dry-run")
    assert proc.returncode == 2 and "'plate' (300)" in proc.stderr
