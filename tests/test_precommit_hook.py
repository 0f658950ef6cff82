"""The pre-commit hook (.pre-commit-hooks.yaml) runs `segconv validate` the way pre-commit does: its
`entry`, then the `args` a dataset repository gives, no file names; it passes a clean delivery and fails
a broken one with the finding on screen.  (Checked once with pre-commit itself too: see CHANGELOG.)"""

import json
import shlex
import shutil
import subprocess
import sys

import yaml

from conftest import FOOD, ROOT


def hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["segconv-validate"]
    return hooks[0]


def run_hook(repo, *args):
    entry = shlex.split(hook()["entry"])
    assert entry[0] == "segconv"  # the console script the package installs
    command = [sys.executable, "-m", "convert", *entry[1:], *args]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True)


def test_hook_is_declared_for_a_python_install_without_file_names():
    h = hook()
    assert h["language"] == "python" and h["pass_filenames"] is False
    assert "--quiet" not in h["entry"]  # a failing hook must show why


def test_hook_passes_a_clean_delivery_and_fails_a_broken_one(tmp_path):
    repo = tmp_path / "dataset"
    repo.mkdir()
    shutil.copy(FOOD / "annotations.json", repo)
    shutil.copy(FOOD / "labelmap.yaml", repo)
    shutil.copytree(FOOD / "images", repo / "images")
    args = ["annotations.json", "--labels", "labelmap.yaml"]
    assert run_hook(repo, *args).returncode == 0
    doc = json.loads((repo / "annotations.json").read_text())
    doc["annotations"][0]["category_id"] = 999
    (repo / "annotations.json").write_text(json.dumps(doc))
    proc = run_hook(repo, *args)
    assert proc.returncode == 1
    assert "error[unknown-category-id] annotations.json: table_01.jpg: annotation id=100" in proc.stderr
