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
