"""Severities of findings, ordered: ``INFO < WARNING < ERROR``.

    >>> Severity.WARNING >= Severity.INFO, Severity("error").rank
    (True, 2)
"""

from __future__ import annotations

import enum


class Severity(str, enum.Enum):
    """How bad a finding is.  Ordered: ``INFO < WARNING < ERROR``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]

    def __ge__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank >= other.rank

    def __gt__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank > other.rank

    def __le__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank <= other.rank

    def __lt__(self, other: Severity) -> bool:  # type: ignore[override]
        return self.rank < other.rank
