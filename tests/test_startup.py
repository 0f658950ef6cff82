"""The fixed cost of a run (#34 goal 1): a command imports only what it needs, and the garbage collector
stays off while segconv starts.  Each check runs ``segconv`` in a fresh interpreter, as a user does."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from convert.pixels.distinct import distinct

from conftest import FIXTURES, ROOT

EXAMPLE = [str(FIXTURES / "food" / "annotations.json")]
LABELS = ["--labels", str(FIXTURES / "food" / "labelmap.yaml")]

# Runs segconv's entry point with the arguments given, then prints (on the last line of stdout) the modules
# it imported, and what the garbage collector was doing when typer (the command line) was imported,
# when the run's work began (api.validate), and once main() returned.
PROBE = r"""
import gc, json, sys

seen = {}


class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "typer" and "parse" not in seen:
            seen["parse"] = gc.isenabled()
        return None


sys.meta_path.insert(0, Watch())
import convert.api.calls as calls

original = calls.validate


def validate(*args, **kwargs):
    seen["work"] = [gc.isenabled(), gc.get_freeze_count() > 0]
    return original(*args, **kwargs)


calls.validate = validate
from convert.cli import main

sys.argv = ["segconv", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    seen["exit"] = exc.code
seen["after"] = [gc.isenabled(), gc.get_freeze_count()]
print()
print(json.dumps({"modules": sorted(sys.modules), **seen}))
"""


def probe(*args: str, light: bool = False) -> dict:
    """The probe's findings; ``light``: run the entry point alone (no api import beforehand)."""
    code = PROBE if not light else ("import json, sys\nfrom convert.cli import main\nsys.argv = ['segconv', "
                                     "*sys.argv[1:]]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
                                     "print()\nprint(json.dumps({'modules': sorted(sys.modules)}))\n")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_version_alone_builds_no_command_line():
    found = probe("--version", light=True)
    assert not {"typer", "rich", "numpy", "pydantic"} & set(found["modules"])


def test_validate_imports_only_what_it_uses():
    """Without --labels, --html, --json: no jsonschema (the label map's checker), no HTML report (its drawing
    with Pillow), no diff or tracing modules, no numpy.ma (numpy's np.unique imports it on first call), no
    pydantic (typer 0.29 builds a pydantic TypeAdapter per parameter: pyproject.toml keeps typer below it)."""
    modules = set(probe("validate", *EXAMPLE, "-q")["modules"])
    assert not {"jsonschema", "convert.reports.html_report", "convert.reports.json_report", "PIL.ImageDraw",
                "numpy.ma", "convert.pipeline.diff", "convert.api.tracing", "convert.api.comparing",
                "pydantic"} & modules
    assert "convert.checks.validator" in modules  # it did check
    # detecting a COCO file looks only at the readers of .json files (formats/readers.py, Reader.files)
    assert not {"convert.formats.cvat.read", "convert.formats.kaggle_rle.read", "convert.formats.voc.read",
                "convert.formats.cityscapes.read", "convert.formats.yolo.read", "defusedxml"} & modules
    assert {"convert.formats.coco.read", "convert.formats.label_studio.read", "convert.formats.labelme.read"} \
        <= modules


def test_the_label_map_is_still_checked_by_its_schema(tmp_path):
    bad = tmp_path / "labels.yaml"
    bad.write_text("classes:\n  - {name: plate, index: 1, levle: 2}\n")
    proc = subprocess.run([sys.executable, "-m", "convert", "validate", *EXAMPLE, "--labels", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "levle" in proc.stderr and str(bad) in proc.stderr


def test_the_collector_is_off_while_segconv_starts_and_on_for_the_work():
    found = probe("validate", *EXAMPLE, *LABELS, "-q")
    assert found["exit"] == 0
    assert found["parse"] is False  # the command line is built with the collector off
    assert found["work"] == [True, True]  # the run collects as usual; start-up's objects are frozen
    assert found["after"] == [True, 0]  # main() leaves the collector as it found it


@pytest.mark.parametrize("seed", range(5))
def test_distinct_is_np_unique(seed):
    rng = np.random.default_rng(seed)
    for size in (0, 1, 2, 17, 1000):
        values = rng.integers(-5, 40, size=size).astype(np.int64)
        assert np.array_equal(distinct(values), np.unique(values))
        assert distinct(values).dtype == np.unique(values).dtype


def test_the_version_is_read_where_it_lies(tmp_path):
    """``convert.__version__`` without importlib.metadata: the source tree's pyproject.toml here (an
    editable install), an installed wheel's METADATA beside the package; both what pip recorded."""
    import importlib.metadata
    import shutil
    import subprocess
    import sys

    import convert

    assert convert._version() == importlib.metadata.version("segconv")
    site = tmp_path / "site"
    (site / "convert").mkdir(parents=True)
    shutil.copy(ROOT / "convert" / "__init__.py", site / "convert" / "__init__.py")
    (site / "segconv-9.8.7.dist-info").mkdir()
    (site / "segconv-9.8.7.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.3\nName: segconv\nVersion: 9.8.7\n\nVersion: 1.0 is in the description\n")
    code = f"import sys; sys.path.insert(0, {str(site)!r}); import convert; print(convert.__version__)"
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert got == "9.8.7"
