"""One finding code's documentation: what it means, an example, what to do."""

from __future__ import annotations

from dataclasses import dataclass

from convert.findings.severity import Severity


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    family: str
    severity: Severity
    summary: str
    example: str
    fix: str


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741 - the severities, by initial
