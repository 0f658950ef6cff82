"""Hostile and broken input (tests/hostile/cases.json): the exact outcome for each case,
a message naming the file, no traceback, nothing outside OUT, memory bounded."""

import json
import os
import resource
import subprocess
import sys

import pytest

from conftest import ROOT, tree_digest

HOSTILE = ROOT / "tests" / "hostile"
CASES = json.loads((HOSTILE / "cases.json").read_text())
MEMORY_LIMIT = 3 << 30  # 3 GiB of address space: a run that tries to allocate a bomb fails loudly


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.parametrize("case", CASES, ids=[c["path"] for c in CASES])
def test_hostile_case(case, tmp_path):
    src = HOSTILE / case["path"]
    before = tree_digest(src) if src.is_dir() else {src.name: src.read_bytes()}
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    env = dict(os.environ, COLUMNS="250")
    proc = subprocess.run([sys.executable, "-m", "convert", "convert", str(src), "-o", str(out), *case["args"]],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, preexec_fn=limited)
    assert proc.returncode == case["exit"], proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert case["expect"] in proc.stderr, proc.stderr
    assert case["path"] in proc.stderr  # the message names the file
    if case["finding"]:
        assert f"[{case['finding']}]" in proc.stderr
    assert [p.name for p in work.iterdir()] in ([], ["out"])  # nothing written beside OUT
    if out.exists():
        for path in out.rglob("*"):
            assert os.path.realpath(path).startswith(os.path.realpath(out))
        assert not list(out.rglob("*.part"))
    if case["exit"] == 2:
        assert not out.exists()  # an unusable input writes nothing
    after = tree_digest(src) if src.is_dir() else {src.name: src.read_bytes()}
    assert after == before  # input never modified


def test_hostile_corpus_is_in_sync_with_its_generator(tmp_path):
    """cases.json lists every file of the corpus."""
    listed = {c["path"] for c in CASES}
    present = {p.name for p in HOSTILE.iterdir() if p.name not in ("cases.json", "make_hostile.py", "__pycache__")}
    assert listed == present
