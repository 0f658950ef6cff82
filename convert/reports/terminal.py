"""What a person reads on the terminal: findings, counts by code, the worst images.

Errors and warnings are listed one per line, worst first, up to a limit;
repeated notes (info) are grouped, one line per code with the names they are
about; whatever is not shown is counted, and the JSON report has everything.
Every line shows the finding's own severity, and so does the table.

    >>> from convert.findings import Finding
    >>> fs = [Finding("class-unused", "...", element=f"class c{i}") for i in range(5)]
    >>> [line for _, line in finding_lines(fs)]
    ['info[class-unused] 5 notes: class c0, class c1, class c2, class c3, class c4']
    >>> fs = [Finding("outside-image", "...", image=i, element=f"annotation id={n}")
    ...       for n, i in enumerate(["a.jpg", "a.jpg", "b.jpg", "c.jpg"])]
    >>> print(finding_lines(fs)[0][1])
    info[outside-image] 4 notes in 3 images: a.jpg: annotation id=0, annotation id=1; b.jpg:
    annotation id=2; c.jpg: annotation id=3
"""

from __future__ import annotations

from collections import Counter

from convert.findings import Finding
from convert.findings.severity import Severity
from convert.wording import plural

MAX_LISTED = 50  # error and warning lines
GROUP_AT = 4  # notes of one code from this many on are one line
NAMES_SHOWN = 8
COLOURS = {"error": "red", "warning": "yellow", "info": "blue"}
NOUNS = {"error": ("error", "errors"), "warning": ("warning", "warnings"), "info": ("note", "notes")}


def severity_counts(findings) -> str:
    """'1 error, 0 warnings, 3 notes'."""
    c = Counter(f.severity for f in findings)
    return ", ".join(plural(c[s], *NOUNS[s.value]) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))


def finding_lines(findings: list[Finding], limit: int = MAX_LISTED) -> list[tuple[str, str]]:
    """``(severity, text)`` lines: errors and warnings one by one (worst first, at most ``limit``), notes
    grouped by code when there are ``GROUP_AT`` or more of one code, then a line saying what was left out."""
    ordered = sorted(findings, key=lambda f: -f.severity.rank)
    loud = [f for f in ordered if f.severity > Severity.INFO]
    quiet = [f for f in ordered if f.severity == Severity.INFO]
    lines = [(f.severity.value, f"{f.severity.value}[{f.code}] {_where(f)}{f.message}") for f in loud[:limit]]
    by_code: dict[str, list[Finding]] = {}
    for f in quiet:
        by_code.setdefault(f.code, []).append(f)
    for code, group in by_code.items():
        if len(group) < GROUP_AT:
            lines += [("info", f"info[{code}] {_where(f)}{f.message}") for f in group]
            continue
        lines.append(("info", f"info[{code}] {plural(len(group), 'note')}{_grouped_places(group)}"))
    if len(loud) > limit:
        left = Counter(f.severity for f in loud[limit:])
        what = " and ".join(plural(left[s], *NOUNS[s.value]) for s in (Severity.ERROR, Severity.WARNING) if left[s])
        lines.append(("info", f"… {what} more not shown here; the JSON report (--json FILE) lists all "
                              f"{plural(len(findings), 'finding')}"))
    return lines


def _grouped_places(group: list[Finding]) -> str:
    """Where a group of notes is, image by image: ``in 2 images: a.jpg: annotation id=3, annotation id=4;
    b.jpg: annotation id=9``; at most ``NAMES_SHOWN`` places, then how many more."""
    by_image: dict[str, list[str]] = {}
    for f in group:
        place = f.element if f.image else (f.element or f.file or "")
        by_image.setdefault(f.image or "", [])
        if place and place not in by_image[f.image or ""]:
            by_image[f.image or ""].append(place)
    total = sum(max(1, len(places)) for places in by_image.values())
    shown, parts = 0, []
    for image, places in by_image.items():
        if shown >= NAMES_SHOWN:
            break
        take = places[:NAMES_SHOWN - shown]
        shown += max(1, len(take))
        parts.append(": ".join(x for x in (image, ", ".join(take)) if x))
    images = [image for image in by_image if image]
    head = f" in {plural(len(images), 'image')}: " if images else ": "
    more = f"; … and {total - shown} more" if total > shown else ""
    return head + "; ".join(p for p in parts if p) + more


def _where(f: Finding) -> str:
    where = f.location
    return f"{where}: " if where else ""


def code_table(findings: list[Finding]) -> list[tuple[str, str, int]]:
    """``(code, severity, count)`` per code and severity the findings actually have, most first."""
    counts = Counter((f.code, f.severity.value) for f in findings)
    return [(code, severity, n) for (code, severity), n in
            sorted(counts.items(), key=lambda kv: (-Severity(kv[0][1]).rank, -kv[1], kv[0][0]))]


def print_findings(console, findings: list[Finding]) -> None:
    """The findings and the table of codes, on ``console`` (a rich Console on stderr)."""
    if not findings:
        return
    from rich.markup import escape
    from rich.table import Table

    for _severity, text in finding_lines(findings):
        head, _, rest = text.partition("[")
        colour = COLOURS.get(head, "")
        if colour and head in COLOURS:
            console.print(f"[{colour}]{head}[/{colour}]" + escape("[" + rest))
        else:
            console.print(escape(text))
    table = Table(title="findings by code", show_edge=False)
    table.add_column("code")
    table.add_column("severity")
    table.add_column("count", justify="right")
    for code, severity, n in code_table(findings):
        table.add_row(code, severity, f"{n:,}")
    console.print(table)


def print_worst(console, worst: list) -> None:
    if not worst:
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="worst images", show_edge=False)
    table.add_column("image")
    table.add_column("errors", justify="right")
    table.add_column("warnings", justify="right")
    for errors, warnings, name in worst[:5]:
        table.add_row(escape(name), str(errors), str(warnings))
    console.print(table)
