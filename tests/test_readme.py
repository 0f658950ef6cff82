"""README's claims that no other module's tests hold, each checked as a newcomer would meet it."""

import re
import shlex
from pathlib import Path

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text()


def first_command() -> list[str]:
    line = next(line for line in README.splitlines() if "segconv convert fixtures/food" in line)
    return shlex.split(line.split("&& .venv/bin/segconv", 1)[1])


def test_the_first_command_writes_the_masks_the_readme_names(tmp_path):
    args = first_command()
    assert args[0] == "convert" and args[args.index("-o") + 1] == "out"
    args[args.index("-o") + 1] = str(tmp_path / "out")
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "out" / "masks").rglob("*.png"))
    named = re.findall(r"`(out/masks/[^`]+\.png)`", README.split("```", 1)[0])
    assert named and set(named) <= set(written)
    assert written == ["out/masks/breakfast/table_03.png", "out/masks/table_01.png", "out/masks/table_02.png",
                       "out/masks/table_04.png"]  # one per image, named like it, its folder kept
    assert Path(ROOT / "fixtures/food/images/breakfast/table_03.jpg").exists()


def test_corpus_tests_are_skipped_without_the_corpus_and_say_which_file(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, SEGCONV_CORPUS=str(tmp_path / "no-corpus"))
    test = "tests/test_corpus_coco.py::test_cocoapi_results_list_is_refused_clearly"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider", test], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "1 skipped" in proc.stdout, proc.stdout
    assert re.search(r"SKIPPED \[1\] tests/conftest.py:\d+: corpus file cocoapi-results/results/"
                     r"instances_val2014_fakesegm100_results.json not available at " + re.escape(str(tmp_path)),
                     proc.stdout), proc.stdout
    assert "README" in (ROOT / ".ci" / "run").read_text() and "-ra" in (ROOT / "pyproject.toml").read_text()


def test_the_suite_is_about_as_large_as_readme_says():
    import subprocess
    import sys

    said = int(re.search(r"The suite \(about ([\d,]+) tests\)", README).group(1).replace(",", ""))
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    collected = int(re.search(r"(\d+) tests collected", proc.stdout).group(1))
    assert 0.8 * said <= collected <= 1.25 * said, collected


def library_block() -> str:
    return README.split("## Library", 1)[1].split("```python", 1)[1].split("```", 1)[0]


def test_the_library_example_runs_and_its_findings_are_the_clis(tmp_path, monkeypatch):
    """README's Library block, run as written (OUT moved to a temporary folder): `checked.findings` are the
    findings `segconv validate` reports for the same delivery, one for one."""
    import json

    monkeypatch.chdir(ROOT)
    code = library_block().replace('"out"', repr(str(tmp_path / "out")))
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["report"].exit_code() == 0 and (tmp_path / "out" / "masks" / "table_01.png").exists()
    checked = scope["checked"]
    proc = run_cli("validate", "fixtures/food/annotations.json", "--labels", "fixtures/food/labelmap.yaml",
                   "--json", tmp_path / "v.json")
    listed = json.loads((tmp_path / "v.json").read_text())["findings"]
    assert [f.to_dict() for f in checked.findings] == listed and len(listed) == 4
    assert checked.exit_code() == proc.returncode == 0


def test_validate_samples_finds_what_the_cli_finds_where_painting_alone_does_not(tmp_path):
    """labelme's own examples under the coco rule: the CLI's warnings come from the checks, which a sample's and
    a painting's findings do not hold (the README's earlier example showed those, and missed them)."""
    import json

    import convert
    from convert.api import resolve_labelmap

    from conftest import corpus

    src = corpus("labelme-examples/instance_segmentation/data_annotated")
    dataset = convert.open_dataset(src)
    labelmap, _ = resolve_labelmap(dataset, None)
    checked = convert.validate_samples(dataset, labelmap)
    run_cli("validate", src, "--json", tmp_path / "v.json")
    listed = json.loads((tmp_path / "v.json").read_text())["findings"]
    assert [f.to_dict() for f in checked.findings] == listed
    painting_only = [f for sample in dataset for f in sample.findings + convert.paint(sample, labelmap).findings]
    assert sum(f["severity"] != "info" for f in listed) > sum(f.severity.value != "info" for f in painting_only)


def test_the_fix_example_prints_what_readme_shows(tmp_path):
    """README's `segconv fix` run on labelme's example, as written (OUT and the report moved to tmp_path): its
    three summary lines, word for word; the picture beside it is in the repository; the formats named as
    written back without --to are."""
    from convert.formats.writers import own_writer

    from conftest import corpus

    block = README.split("## Repairing a delivery", 1)[1].split("\n$ ", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    args = shlex.split(command)
    assert args[:2] == ["segconv", "fix"]
    args[2] = str(corpus(args[2]))
    args[args.index("-o") + 1] = str(tmp_path / "fixed")
    args[args.index("--html") + 1] = str(tmp_path / "fix.html")
    proc = run_cli(*args[1:])
    assert proc.returncode == 0, proc.stderr
    printed = proc.stderr.splitlines()
    for line in shown:
        assert line in printed, proc.stderr
    assert "1,194 pixels" in README and "class changed</b>: 1,194 pixels" in (tmp_path / "fix.html").read_text()
    assert "](docs/fix.jpg)" in README and (ROOT / "docs" / "fix.jpg").stat().st_size > 10_000
    said = ("own format when segconv writes it (COCO, CVAT, LabelMe, VOC, COCO panoptic, YOLO, Label Studio, "
            "Kaggle CSVs, segconv's masks")
    assert said in " ".join(README.split())
    named = ("coco", "cvat", "labelme", "voc", "coco-panoptic", "yolo", "label-studio", "kaggle-rle")
    assert [own_writer(r) for r in named] == list(named) and own_writer("masks") == "png"
    assert own_writer("labelme-xml") is None


def test_the_diff_synopsis_lists_every_option_of_diff_help():
    """`--rule` (and `--images`, `--quiet`) were missing from README's `segconv diff` line."""
    from itertools import takewhile

    from convert.cli.commands import _command

    diff = _command().commands["diff"]
    options = {max(p.opts, key=len) for p in diff.params if p.param_type_name == "option"} - {"--help"}
    commands = README.split("## Commands", 1)[1].split("```", 2)[1]
    lines = commands.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("segconv diff "))
    synopsis = " ".join([lines[start], *takewhile(lambda line: line.startswith(" " * 16), lines[start + 1:])])
    assert options and {o for o in options if o not in synopsis} == set()
