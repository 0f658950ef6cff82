"""The words of the HTML report: the verdict for a person, the findings with what to do, the pixel tables.

Everything shown is about the delivery, never about the machine that checked it: paths are relative to the
source (:class:`PagePaths`), so the page can go to the vendor as it is.

    >>> paths = PagePaths("/home/ana/deliveries/v3/annotations.json")
    >>> paths.file("/home/ana/deliveries/v3/images/a.jpg"), paths.file("/home/ana/labels.yaml")
    ('images/a.jpg', 'labels.yaml')
    >>> paths.file("derived from /home/ana/deliveries/v3/annotations.json")
    'derived from annotations.json'
    >>> paths.file("/home/ana/labels/data.yaml (without within rules: rows hold visible pixels)")
    '…/data.yaml (without within rules: rows hold visible pixels)'
    >>> paths.text("image file /home/ana/deliveries/v3/images/a.jpg: cannot identify it; see /tmp/x/y.log")
    'image file images/a.jpg: cannot identify it; see …/y.log'
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter
from pathlib import Path

from convert.findings import Finding
from convert.findings.codes import CODES
from convert.findings.severity import Severity
from convert.wording import plural, setting

NOTES_PER_CODE = 200  # notes listed per code (errors and warnings: all)
_ABSOLUTE = re.compile(r"(?<![\w.~/-])/(?:[^\s/'\"()<>,;:]+/)+([^\s/'\"()<>,;:]+)")


class PagePaths:
    """Paths as the page shows them: relative to the source's folder (the source file's folder, or the source
    folder), a file elsewhere by its name; absolute paths inside messages likewise, and any other absolute
    path cut to ``…/name``."""

    def __init__(self, source: str | Path):
        path = Path(os.path.abspath(source))
        self.name = path.name or str(path)
        self.root = path.parent if path.is_file() or path.suffix else path
        # the source as given too: a relative SRC (../deliveries/v3) names its files relative to the working folder
        given = os.path.normpath(source)
        given_root = os.path.dirname(given) if path != self.root else given
        relative = {given_root} if not os.path.isabs(given_root) and given_root not in ("", ".") else set()
        self.prefixes = sorted({str(self.root), os.path.realpath(self.root)} | relative, key=len, reverse=True)

    def file(self, path: str | None) -> str:
        if not path:
            return ""
        for prefix in self.prefixes:
            if path == prefix:
                return Path(prefix).name
            if path.startswith(prefix + os.sep):
                return path[len(prefix) + 1:].replace(os.sep, "/")
        if (os.path.isabs(path) or path.startswith("..")) and (" " not in path or os.path.exists(path)):
            return Path(path).name
        return self.text(path)  # words naming a path: a label map's origin ("derived from /home/ana/v3")

    def text(self, text: str | None) -> str:
        if not text:
            return ""
        for prefix in self.prefixes:
            text = text.replace(prefix + os.sep, "").replace(prefix, Path(prefix).name)
        return _ABSOLUTE.sub(lambda m: "…/" + m.group(1), text)


def verdict(summary: dict, fail_on: str, findings: list[Finding]) -> str:
    """"Accepted: no errors" or "Rejected: 3 errors (2 outside-container, 1 unknown-label)", and the rule below.

    >>> s = {"exit_code": 1, "errors": 3, "warnings": 1, "infos": 0}
    >>> fs = [Finding("outside-container", "."), Finding("outside-container", "."), Finding("unknown-label", ".")]
    >>> verdict(s, "error", fs).split("</p>")[0]
    "<p class='verdict fail'><b>Rejected</b>: 3 errors (2 outside-container, 1 unknown-label); each is listed below."
    """
    failing = [Severity.ERROR] + ([Severity.WARNING] if fail_on == "warning" else [])
    counts = Counter(f.severity for f in findings)
    by_code = Counter(f.code for f in findings if f.severity in failing)
    rule = ("a delivery is rejected when it has an error or a warning (<code>--strict</code>, or "
            "<code>--fail-on warning</code>); notes do not reject it" if fail_on == "warning" else
            "a delivery is rejected when it has an error; warnings and notes do not reject it, but say what "
            "to check")
    rule = (f"<p class='rule'>The rule: {rule}. segconv exits with code 1 when it rejects a delivery and 0 when "
            "it accepts it.</p>")
    if summary["exit_code"] == 0:
        review = [plural(summary[k], one) for k, one in (("warnings", "warning"), ("infos", "note")) if summary[k]]
        tail = f" ({' and '.join(review)} to review below)" if review else ""
        none = "errors or warnings" if fail_on == "warning" else "errors"
        return f"<p class='verdict ok'><b>Accepted</b>: no {none}{html.escape(tail)}.</p>" + rule
    what = " and ".join(plural(counts[s], s.value) for s in failing if counts[s]) or "nothing at the failing severity"
    codes = ", ".join(f"{n:,} {c}" for c, n in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0])))
    reason = f"{what} ({codes})" if codes else what
    return f"<p class='verdict fail'><b>Rejected</b>: {html.escape(reason)}; each is listed below.</p>" + rule


def _inline(text: str) -> str:
    """Escaped text with `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def what_to_do(code: str) -> str:
    info = CODES.get(code)
    if info is None:
        return ""
    return (f"<div class='todo'><p>{_inline(info.summary)}</p><p><b>What to do:</b> {_inline(info.fix)}</p>"
            "</div>")


def findings_section(findings: list[Finding], anchors: dict[str, str], paths: PagePaths) -> list[str]:
    e = html.escape
    if not findings:
        return ["<h2>Findings</h2><p>None.</p>"]
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.severity.value, f.code), []).append(f)
    order = sorted(groups, key=lambda k: (-Severity(k[0]).rank, -len(groups[k]), k[1]))
    codes = sorted({code for _, code in groups})
    parts = ["<h2>Findings</h2><p>Grouped by code; each group says what the code means and what to do. "
             "Paths are relative to the delivery.</p><form class='filter' onsubmit='return false'>"
             "<label><input type='checkbox' data-sev='error' checked> errors</label> "
             "<label><input type='checkbox' data-sev='warning' checked> warnings</label> "
             "<label><input type='checkbox' data-sev='info' checked> notes</label> "
             "<select id='code'><option value=''>every code</option>"
             + "".join(f"<option>{e(c)}</option>" for c in codes)
             + "</select> <input id='text' type='search' placeholder='filter by text'></form>"]
    for severity, code in order:
        group = groups[(severity, code)]
        listed = group if severity != "info" else group[:NOTES_PER_CODE]
        is_open = " open" if severity == "error" or (severity == "warning" and len(group) <= 30) else ""
        parts.append(f"<details class='group' data-sev='{severity}' data-code='{e(code)}'{is_open}>"
                     f"<summary><span class='{severity}'>{severity}</span> <code>{e(code)}</code> "
                     f"× {len(group):,}</summary>{what_to_do(code)}<table><tr><th>image</th><th>where</th>"
                     "<th>message</th><th>pixels</th></tr>")
        for f in listed:
            image = e(f.image or "")
            if f.image in anchors:
                image = f"<a href='#{anchors[f.image]}'>{image}</a>"
            file = paths.file(f.file)
            where = e(f"{file}:{f.line}" if file and f.line else file)
            if f.element:
                where += f"<br><code>{e(paths.text(f.element))}</code>"
            px = f"{f.pixels:,}" if f.pixels is not None else ""
            parts.append(f"<tr class='f' data-sev='{severity}' data-code='{e(code)}'><td>{image}</td>"
                         f"<td>{where}</td><td>{e(paths.text(f.message))}</td><td class='n'>{px}</td></tr>")
        parts.append("</table>")
        if len(listed) < len(group):
            parts.append(f"<p>… and {len(group) - len(listed):,} more notes of this code in the JSON report "
                         "(--json FILE).</p>")
        parts.append("</details>")
    return parts


def repairs_section(totals: dict, rules: dict, images: list[tuple[str, dict]], anchors: dict[str, str],
                    count_images: int) -> list[str]:
    """The repairs of a fix: the totals per rule (``summary.repairs`` of the JSON report, the terminal's lines),
    then a row per repaired image (``images[].repair``), in source order, each linked to its card if it has one.

    >>> entry = {"close_gaps": {"pixels": 30, "changes": [{"from": "void", "to": "plate", "pixels": 30}]},
    ...          "changed": {"pixels": 30, "changes": [{"from": "void", "to": "plate", "pixels": 30}]}}
    >>> page = "".join(repairs_section({"images": 1, **entry}, {"close_gaps": 3, "min_area": 0},
    ...                                [("a.jpg", entry)], {}, 2))
    >>> "<td>close_gaps=3</td><td class='n'>30</td>" in page, "<tr><td>a.jpg</td><td class='n'>30</td>" in page
    (True, True)
    """
    from convert.reports.repair_counts import RULES, change_text

    e = html.escape
    used = [r for r in RULES if rules.get(r)]
    flags = {r: setting(r, rules[r]) for r in used}  # --close-gaps 3 on the command line, close_gaps=3 in a script
    parts = [f"<h2>Repairs</h2><p>{plural(totals['images'], 'image')} of {count_images:,} repaired; "
             f"{plural(totals['changed']['pixels'], 'pixel')} changed class.</p>",
             "<table><tr><th>rule</th><th>pixels</th>"
             + ("<th>pieces merged</th><th>pieces kept</th>" if "min_area" in used else "")
             + "<th>from → to</th></tr>"]
    for rule, label in [*((r, flags[r]) for r in used), ("changed", "class changed")]:
        part = totals.get(rule, {"pixels": 0, "changes": []})
        pieces = [f"{part[k]:,}" if k in part else "" for k in ("pieces", "kept") if "min_area" in used]
        parts.append(f"<tr><td>{e(label)}</td><td class='n'>{part['pixels']:,}</td>"
                     + "".join(f"<td class='n'>{p}</td>" for p in pieces)
                     + f"<td>{e(change_text(part['changes'], 8))}</td></tr>")
    parts.append("</table>")
    if not images:
        return parts
    parts.append("<details class='repairs' open><summary>Per image (" + plural(len(images), "image")
                 + ")</summary><table><tr><th>image</th>"
                 + "".join(f"<th>{e(flags[r])}</th><th>from → to</th>" for r in used)
                 + "<th>class changed</th></tr>")
    for name, entry in images:
        cell = f"<a href='#{anchors[name]}'>{e(name)}</a>" if name in anchors else e(name)
        row = [f"<tr><td>{cell}</td>"]
        for rule in used:
            part = entry.get(rule, {"pixels": 0, "changes": []})
            extra = f" ({plural(part['pieces'], 'piece')})" if part.get("pieces") else ""
            row.append(f"<td class='n'>{part['pixels']:,}</td><td>{e(change_text(part['changes']) + extra)}</td>")
        row.append(f"<td class='n'>{entry['changed']['pixels']:,}</td></tr>")
        parts.append("".join(row))
    parts.append("</table></details>")
    return parts


def class_table(classes: dict, per_image: bool, void: dict | None = None) -> str:
    """Pixels per class in index order; ``void`` (``{"index", "pixels", "images"}``) as the last row: the
    "don't care" pixels, explicit or left unlabelled."""
    cols = ["index", "level", "pixels", "overwritten", "regions"] + ([] if per_image else ["images"])
    rows = ["<table><tr><th>class</th>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>"]
    for name, entry in sorted(classes.items(), key=lambda kv: kv[1]["index"]):
        rows.append(f"<tr><td>{html.escape(name)}</td>"
                    + "".join(f"<td class='n'>{entry[c]:,}</td>" for c in cols) + "</tr>")
    if void is not None and void["pixels"]:
        cells = {"index": f"{void['index']:,}", "pixels": f"{void['pixels']:,}",
                 "images": f"{void.get('images', 0):,}"}
        rows.append("<tr class='void'><td>void</td>"
                    + "".join(f"<td class='n'>{cells.get(c, '')}</td>" for c in cols) + "</tr>")
    rows.append("</table>")
    return "".join(rows)


def count(n: int, one: str, many: str) -> str:
    cls = {"errors": "error", "warnings": "warning"}.get(many, "info") if n else "zero"
    return f"<span class='{cls}'>{plural(n, one, many)}</span>"


HEAD = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title><style>"
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.4em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;"
    "vertical-align:top}td.n{text-align:right}.error{color:#b00}.warning{color:#a60}.info{color:#36c}"
    ".zero{color:#555}.verdict{font-size:1.1em;padding:.5em .8em;border-radius:4px}"
    ".verdict.fail{background:#fde8e8}.verdict.ok{background:#e6f4ea}"
    ".card{border:1px solid #ddd;border-radius:6px;padding:1em;margin:1.5em 0}"
    ".pics{display:flex;gap:1%;align-items:flex-start}.pics img{width:49.5%;height:auto;border:1px solid #ccc}"
    ".pics.three img{width:32.6%}"
    ".legend .key{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:1em;height:1em;"
    "vertical-align:middle;margin-right:.3em;border:1px solid #999}"
    "details.group{margin:.4em 0}summary{cursor:pointer}code{background:#f4f4f4;padding:0 3px}"
    ".filter{margin:.5em 0 1em}.hidden{display:none}"
    ".rule{color:#444;margin-top:-.3em}.todo{background:#f7f7f2;border-left:3px solid #bbb;padding:.1em .8em;"
    "margin:.4em 0;max-width:70em}.todo p{margin:.3em 0}h3.section{margin-top:1.5em}td code{white-space:nowrap}"
    "</style></head><body>"
)

SCRIPT = """<script>(function () {
  var form = document.querySelector('.filter');
  if (!form) return;
  function apply() {
    var sev = {};
    form.querySelectorAll('input[data-sev]').forEach(function (c) { sev[c.dataset.sev] = c.checked; });
    var code = document.getElementById('code').value;
    var text = document.getElementById('text').value.toLowerCase();
    document.querySelectorAll('details.group').forEach(function (group) {
      var show = sev[group.dataset.sev] && (!code || group.dataset.code === code);
      var any = false;
      group.querySelectorAll('tr.f').forEach(function (row) {
        var ok = show && (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
        row.classList.toggle('hidden', !ok);
        any = any || ok;
      });
      group.classList.toggle('hidden', !any);
      if (text && any) group.open = true;
    });
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
})();</script>"""
