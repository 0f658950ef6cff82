"""A conversion killed with SIGKILL leaves only whole files; --resume completes it to
the bytes of an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, generated_delivery, run_cli, tree_digest


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    return generated_delivery(tmp_path_factory.mktemp("resume"), 120, 640, 480)


@pytest.mark.parametrize("to", ["png", "voc"])
def test_kill_then_resume_gives_the_uninterrupted_result(delivery, tmp_path, to):
    src, labels = delivery
    whole = tmp_path / "whole"
    assert run_cli("convert", src, "--labels", labels, "-o", whole, "--to", to, "-q").returncode == 0
    expected = tree_digest(whole)

    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "convert", "convert", str(src), "--labels", str(labels),
                             "-o", str(out), "--to", to, "-q"], cwd=ROOT)
    masks = out / ("masks" if to == "png" else "SegmentationClass")
    deadline = time.time() + 60
    while time.time() < deadline and len(list(masks.glob("*.png"))) < 20:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = list(masks.glob("*.png"))
    assert 20 <= len(written) < 120, "the kill must land mid-way"
    from PIL import Image

    for png in written:  # every visible file is whole
        Image.open(png).load()
    assert (out / ".segconv-run.json").exists()

    refused = run_cli("convert", src, "--labels", labels, "-o", out, "--to", to, "-q")
    assert refused.returncode == 2 and "interrupted conversion" in refused.stderr and "--resume" in refused.stderr
    other = run_cli("convert", src, "-o", out, "--to", to, "--resume", "-q")  # another label map
    assert other.returncode == 2 and "other settings" in other.stderr

    kept = sum(1 for p in out.rglob("*.png") if not p.name.startswith("."))
    resumed = run_cli("convert", src, "--labels", labels, "-o", out, "--to", to, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert tree_digest(out) == expected
    files = 120 if to == "png" else 240  # voc: class and object PNGs (the generator writes no photos)
    assert f"resumed: {kept:,} of the {files} files for the images were already there (kept); " \
           f"{files - kept:,} written now" in resumed.stderr
    again = run_cli("convert", src, "--labels", labels, "-o", out, "--to", to, "--resume")
    assert again.returncode == 2 and "--resume: there is no interrupted run here" in again.stderr
    assert tree_digest(out) == expected
