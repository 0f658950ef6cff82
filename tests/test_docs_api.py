"""docs/api.md's examples run as written, and print what the page says they print (issue 29)."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from conftest import ROOT

PAGE = (ROOT / "docs" / "api.md").read_text()
EXAMPLES = re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)```", PAGE, re.S)


def test_every_example_shows_its_output():
    assert len(EXAMPLES) == PAGE.count("```python") >= 3


@pytest.mark.parametrize("code, printed", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_the_example_prints_what_the_page_says(tmp_path, monkeypatch, code, printed):
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")  # run from a root of its own: OUT lands there
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/api.md", "exec"), {"__name__": "__main__"})
    assert out.getvalue() == printed


def test_the_migration_examples_wrote_what_they_say(tmp_path, monkeypatch):
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    monkeypatch.chdir(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        for code, _ in EXAMPLES[:2]:
            exec(compile(code, "docs/api.md", "exec"), {"__name__": "__main__"})
    yolo = tmp_path / "out" / "yolo"
    labels = sorted(p.relative_to(yolo) for p in (yolo / "labels").rglob("*.txt"))
    assert [str(p) for p in labels] == ["labels/train/table_02.txt", "labels/train/table_04.txt",
                                        "labels/val/breakfast/table_03.txt", "labels/val/table_01.txt"]
    assert (yolo / "images" / "val" / "table_01.jpg").is_symlink()  # link=True
    assert (tmp_path / "out" / "coco" / "annotations.json").is_file()


def test_readmes_library_section_links_to_the_page():
    library = (ROOT / "README.md").read_text().split("## Library", 1)[1].split("\n## ", 1)[0]
    assert "docs/api.md" in library
