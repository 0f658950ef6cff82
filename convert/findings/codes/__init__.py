"""The registry of finding codes: one entry per code, with its documentation.

Codes are stable, lower-case and hyphenated; they are what a CI job greps for
and what ``segconv validate --explain CODE`` prints.  Each family has its own
module (``labels``, ``completeness``, ``levels``, ``geometry``, ``files``); a new code goes
in its family's ``TABLE``.  ``docs/findings.md`` is generated from these tables
(``python -m convert.findings.codes > docs/findings.md``) and a test keeps the two in sync.
"""

from __future__ import annotations

from convert.findings.codes import completeness, files, geometry, labels, levels, repair_words
from convert.findings.codes.info import CodeInfo

_TABLE = [*labels.TABLE, *completeness.TABLE, *levels.TABLE, *geometry.TABLE, *files.TABLE]

CODES: dict[str, CodeInfo] = {c.code: c for c in _TABLE}


def explain(code: str) -> str:
    """The documentation of ``code`` as plain text (for ``--explain``)."""
    info = CODES.get(code.strip().lower())
    if info is None:
        from convert.suggest import did_you_mean

        hint = did_you_mean(code.strip().lower(), CODES)
        known = ", ".join(sorted(CODES))
        raise KeyError(f"unknown finding code {code!r}{hint} (known codes: {known})")
    repaired = "".join(f"\nRepaired by {line}\n" for line in repair_words.repaired_by(info.code))
    return (
        f"{info.code} ({info.family}, {info.severity.value})\n\n"
        f"{info.summary}\n\n"
        f"Example: {info.example}\n\n"
        f"What to do: {info.fix}\n"
        + repaired
    )


def markdown() -> str:
    """``docs/findings.md``: every code, grouped by family."""
    lines = [
        "# Finding codes",
        "",
        "Generated from `convert/findings/codes/` by `python -m convert.findings.codes > docs/findings.md`.",
        "Every finding segconv reports carries one of these codes. "
        "`segconv validate --explain CODE` prints one entry.",
        "",
    ]
    families: dict[str, list[CodeInfo]] = {}
    for info in _TABLE:
        families.setdefault(info.family, []).append(info)
    for family, infos in families.items():
        lines += [f"## {family}", ""]
        for info in infos:
            lines += [
                f"### `{info.code}` ({info.severity.value})",
                "",
                info.summary,
                "",
                f"- Example: {info.example}",
                f"- What to do: {info.fix}",
                *(f"- Repaired by {line}" for line in repair_words.repaired_by(info.code)),
                "",
            ]
    lines += repair_words.markdown()
    return "\n".join(lines)
