"""What a repair changed, in words and numbers: per image and per rule, pixels from which class to which.

:func:`repair_entry` turns one image's :class:`~convert.painting.repair.Repaired` into the ``repair`` entry
of the JSON report's image (``schemas/report.schema.json``)::

    {"close_gaps": {"pixels": 40, "changes": [{"from": "void", "to": "plate", "pixels": 25}, ...]},
     "min_area": {"pixels": 3, "pieces": 2, "kept": 0, "changes": [{"from": "rice", "to": "plate", ...}]},
     "changed": {"pixels": 43, "changes": [...]}}

``close_gaps`` counts every bare pixel filled, also one that takes the value it showed before (a gap beside
an explicit region of the fill class, or, without one, of void: ``"from"`` and ``"to"`` are then the same,
said on the terminal and the page as ``unlabelled → void (explicit)``); ``min_area`` every pixel of a
merged piece, with the pieces merged and those kept for want of a neighbour; ``changed`` the pixels whose
class differs after both rules, which is what ``segconv diff SRC OUT`` reports.  :class:`RepairTally` adds
the entries of a run up, in the main process, and keeps the most repaired images for the terminal.
"""

from __future__ import annotations

import heapq
from collections import Counter
from typing import TYPE_CHECKING

from convert.model.labelmap import LabelMap

if TYPE_CHECKING:  # imported where a run repairs: a run without repair rules never loads the rules
    from convert.painting.repair import Repaired, RepairRules

RULES = ("close_gaps", "min_area")
TERMINAL_IMAGES = 20  # images listed one by one on the terminal; the JSON report has them all


def value_names(labelmap: LabelMap):
    """``value -> name``: the class of an index, ``void`` for the void value."""
    by_index = {c.index: c.name for c in labelmap.classes}

    def name(value: int) -> str:
        return "void" if value == labelmap.void else by_index.get(value, str(value))

    return name


def changes(pairs: dict, name) -> list[dict]:
    """``[{"from", "to", "pixels"}]``, most pixels first."""
    items = [{"from": name(a), "to": name(b), "pixels": n} for (a, b), n in pairs.items() if n]
    return sorted(items, key=lambda c: (-c["pixels"], c["from"], c["to"]))


def repair_entry(fixed: Repaired, rules: RepairRules, labelmap: LabelMap) -> dict:
    """The JSON report's ``repair`` entry of one image (see the module docstring)."""
    name = value_names(labelmap)
    entry: dict = {}
    if rules.close_gaps:
        entry["close_gaps"] = {"pixels": sum(fixed.gaps.values()), "changes": changes(fixed.gaps, name)}
    if rules.min_area:
        entry["min_area"] = {"pixels": sum(fixed.pieces.values()), "pieces": fixed.merged, "kept": fixed.kept,
                             "changes": changes(fixed.pieces, name)}
    entry["changed"] = {"pixels": sum(fixed.net.values()), "changes": changes(fixed.net, name)}
    return entry


def repaired(painted, labelmap: LabelMap, rules: RepairRules | None, account: dict) -> Repaired | None:
    """``painted`` repaired by ``rules``, its entry put into ``account["repair"]``; ``None`` without rules."""
    if not rules:
        return None
    from convert.painting.repair import repair

    fixed = repair(painted, labelmap, rules)
    account["repair"] = repair_entry(fixed, rules, labelmap)
    return fixed


def touched(entry: dict) -> int:
    """Pixels an image's entry says the rules filled or merged."""
    return sum(entry[rule]["pixels"] for rule in RULES if rule in entry)


def change_text(items: list[dict], limit: int = 3) -> str:
    """``void → plate 25, void → bowl 15`` (the first ``limit``, then how many more).  Gap pixels that keep
    their value (from = to) are said as what they were and are: bare pixels shown as void (unlabelled) or as
    the fill class, now drawn by an explicit region of that value.

    >>> change_text([{"from": "void", "to": "plate", "pixels": 2500}, {"from": "rice", "to": "plate", "pixels": 3}])
    'void → plate 2,500, rice → plate 3'
    >>> change_text([{"from": "void", "to": "void", "pixels": 6}, {"from": "grass", "to": "grass", "pixels": 2}])
    'unlabelled → void (explicit) 6, grass (fill) → grass (explicit) 2'
    """
    text = ", ".join(f"{_change_words(c)} {c['pixels']:,}" for c in items[:limit])
    if len(items) > limit:
        text += f", … {len(items) - limit} more"
    return text


def _change_words(c: dict) -> str:
    if c["from"] != c["to"]:
        return f"{c['from']} → {c['to']}"
    before = "unlabelled" if c["from"] == "void" else f"{c['from']} (fill)"
    return f"{before} → {c['to']} (explicit)"


def kept_value(changes: Counter) -> int:
    """Pixels a rule filled that kept their value (from = to): they changed no class."""
    return sum(n for (a, b), n in changes.items() if a == b)


class RepairTally:
    """A run's repairs: totals per rule and from→to, images repaired, and the ``keep`` most repaired images
    (by pixels the rules touched, then first in the source)."""

    def __init__(self, rules: RepairRules, keep: int = TERMINAL_IMAGES):
        self.rules = rules
        self.keep = keep
        self.images = 0  # images at least one rule changed
        self.totals: dict[str, Counter] = {rule: Counter() for rule in (*RULES, "changed")}
        self.pieces = 0
        self.kept = 0
        self._most: list = []
        self._position = 0

    def add(self, image: str, entry: dict) -> None:
        self._position += 1
        for rule in (*RULES, "changed"):
            for c in entry.get(rule, {}).get("changes", []):
                self.totals[rule][(c["from"], c["to"])] += c["pixels"]
        if "min_area" in entry:
            self.pieces += entry["min_area"]["pieces"]
            self.kept += entry["min_area"]["kept"]
        n = touched(entry)
        if not n:
            return
        self.images += 1
        item = (n, -self._position, image, entry)
        if len(self._most) < self.keep:
            heapq.heappush(self._most, item)
        elif item[:2] > self._most[0][:2]:
            heapq.heapreplace(self._most, item)

    def most_repaired(self) -> list[tuple[str, dict]]:
        """The most repaired images, most first: ``(image, entry)``."""
        return [(image, entry) for _, _, image, entry in sorted(self._most, reverse=True)]

    def pixels(self, rule: str) -> int:
        return sum(self.totals[rule].values())

    def to_dict(self) -> dict:
        """The JSON report's ``summary.repairs``."""
        def listed(counter: Counter) -> list[dict]:
            items = [{"from": a, "to": b, "pixels": n} for (a, b), n in counter.items()]
            return sorted(items, key=lambda c: (-c["pixels"], c["from"], c["to"]))

        out: dict = {"images": self.images}
        if self.rules.close_gaps:
            out["close_gaps"] = {"pixels": self.pixels("close_gaps"), "changes": listed(self.totals["close_gaps"])}
        if self.rules.min_area:
            out["min_area"] = {"pixels": self.pixels("min_area"), "pieces": self.pieces, "kept": self.kept,
                               "changes": listed(self.totals["min_area"])}
        out["changed"] = {"pixels": self.pixels("changed"), "changes": listed(self.totals["changed"])}
        return out


def print_repairs(console, tally: RepairTally | None, images: int) -> None:
    """The repairs on the terminal: the most repaired images, rule by rule, then the totals."""
    if tally is None:
        return
    from rich.markup import escape
    from rich.table import Table

    from convert.wording import plural

    rules = [r for r in RULES if getattr(tally.rules, r)]
    most = tally.most_repaired()
    if most:
        table = Table(title="repairs per image", show_edge=False)
        table.add_column("image")
        for rule in rules:
            table.add_column(f"--{rule.replace('_', '-')} {getattr(tally.rules, rule)}")
        table.add_column("changed", justify="right")
        for image, entry in most:
            cells = []
            for rule in rules:
                part = entry[rule]
                extra = f" ({plural(part['pieces'], 'piece')})" if rule == "min_area" and part["pieces"] else ""
                cells.append(escape(change_text(part["changes"]) + extra) if part["pixels"] else "")
            table.add_row(escape(image), *cells, f"{entry['changed']['pixels']:,}")
        console.print(table)
        if tally.images > len(most):
            console.print(f"… and {plural(tally.images - len(most), 'more image')} repaired; the JSON report "
                          "(--json FILE) lists every one")
    for rule in rules:
        flag = f"--{rule.replace('_', '-')} {getattr(tally.rules, rule)}"
        items = [{"from": a, "to": b, "pixels": n}
                 for (a, b), n in sorted(tally.totals[rule].items(), key=lambda kv: -kv[1])]
        line = f"{flag}: {plural(tally.pixels(rule), 'pixel')}"
        same = kept_value(tally.totals[rule])
        if same:
            line += f", {same:,} of them keeping their value"
        if rule == "min_area":
            line += f" in {plural(tally.pieces, 'piece')} merged"
            if tally.kept:
                line += f" ({plural(tally.kept, 'piece')} of fewer pixels kept: no neighbour outside the small pieces)"
        if items:
            line += f" ({change_text(items, 5)})"
        console.print(escape(line))
    console.print(f"repaired: {plural(tally.images, 'image')} of {images:,}; "
                  f"{plural(tally.pixels('changed'), 'pixel')} changed class")
