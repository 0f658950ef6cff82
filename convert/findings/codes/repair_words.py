"""What ``segconv fix``'s rules repair, by finding code: the words of ``docs/findings.md``'s "Repairs" section
and of ``--explain`` for the codes named (the rules themselves: :mod:`convert.painting.repair`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Repair:
    flag: str
    rule: str
    resolves: dict[str, str]  # code -> which of its pixels the rule takes away


REPAIRS = [
    Repair(
        "--close-gaps W",
        "Fills each bare pixel (one no region covers) whose bare stretch along its row or column is at most W "
        "pixels long and bounded at both ends by covered pixels (a stretch reaching the image border is an open "
        "inlet, left bare); the shorter stretch decides, the row on a tie; the pixel takes what the nearer end "
        "shows; equally near, the end of the higher level, then the lower class index.",
        {"unlabelled-pixels": "the bare pixels of every gap it closes: the slivers annotation tools leave between "
                              "adjacent polygons; bare areas wider than W, and inlets open to the border, stay "
                              "and are still reported"},
    ),
    Repair(
        "--min-area A",
        "After the gaps are closed, each 4-connected piece of one class of fewer than A pixels (void excepted) "
        "takes the class it shares the longest border with, counted only against pixels outside every such "
        "piece and not void; on a tie the higher level, then the lower index; a piece with no such neighbour "
        "stays. All pieces are decided at once.",
        {"unlabelled-pixels": "under `every_pixel_drawn`, holes of the fill class of fewer than A pixels inside "
                              "an object (they are drawn with the object's class now); without a fill class the "
                              "bare pixels are void, and void is never merged"},
    ),
]


def repaired_by(code: str) -> list[str]:
    """``--flag: what it repairs`` for every rule that takes pixels of ``code`` away."""
    return [f"`segconv fix {r.flag}`: {r.resolves[code]}" for r in REPAIRS if code in r.resolves]


def markdown() -> list[str]:
    """The "Repairs" section of ``docs/findings.md``."""
    lines = ["## Repairs (`segconv fix`)", "",
             "`segconv fix SRC -o OUT --close-gaps W --min-area A` (and `convert` with the same flags) repairs what "
             "these rules name and nothing else; the terminal, `--json` and `--html` count every pixel each rule "
             "filled or merged, from which class to which, and the pixels whose class changed. A gap pixel beside "
             "an explicit region of the value it already showed (the fill class, or void without one) is filled "
             "and keeps its value: `unlabelled → void (explicit)`, `background (fill) → background (explicit)`; "
             "it is counted as filled, not as changed. Findings are about the source as it was: validate the output to "
             "see what is left.", ""]
    for r in REPAIRS:
        lines += [f"### `{r.flag}`", "", r.rule, ""]
        lines += [f"- Resolves `{code}`: {what}." for code, what in r.resolves.items()]
        lines.append("")
    lines += ["No rule repairs the other codes: unknown labels and the source's void stay void, overlaps and "
              "`within` rules are decided by the levels as always, and file problems are the source's.", ""]
    return lines
