"""Findings: problems confined to one image or one annotation, the vocabulary every layer reports in.

Layer: readers, painting, the validator and the writers all produce findings, so this package sits low: it
may import only the bottom modules (``convert.suggest`` for "did you mean").  The codes and their severities
are in :mod:`convert.findings.codes`, one module per family.

A finding never stops a run.  It carries a stable ``code`` (documented in
:mod:`convert.findings.codes`, ``segconv validate --explain CODE``), a severity, where it
is, a one-line message and, for pixel problems, how many pixels::

    >>> f = Finding("odd-coordinate-count", "ring 0 has 7 numbers",
    ...             file="instances.json", image="a.jpg", element="annotation id=3")
    >>> f.severity
    <Severity.ERROR: 'error'>
    >>> str(f)
    'error[odd-coordinate-count] instances.json: a.jpg: annotation id=3: ring 0 has 7 numbers'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from convert.findings.codes import CODES
from convert.findings.severity import Severity


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, with everything needed to find it in the source.

    ``severity`` defaults to the one registered for ``code`` in
    :data:`convert.findings.codes.CODES`.
    """

    code: str
    message: str
    file: str | None = None
    image: str | None = None
    element: str | None = None
    line: int | None = None
    pixels: int | None = None
    severity: Severity = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered finding code {self.code!r}")
        if self.severity is None:
            object.__setattr__(self, "severity", CODES[self.code].severity)
        elif not isinstance(self.severity, Severity):
            object.__setattr__(self, "severity", Severity(self.severity))

    @property
    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.image:
            parts.append(self.image)
        if self.element:
            parts.append(self.element)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.location
        text = f"{self.severity.value}[{self.code}] "
        text += f"{where}: {self.message}" if where else self.message
        return text

    def to_dict(self) -> dict:
        """JSON-ready form, keys in a fixed order, ``None`` fields left out."""
        out = {"code": self.code, "severity": self.severity.value, "message": self.message}
        for key in ("file", "image", "element", "line", "pixels"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def worst(findings) -> Severity | None:
    """The highest severity among ``findings``, or ``None`` if there are none."""
    best: Severity | None = None
    for f in findings:
        if best is None or f.severity > best:
            best = f.severity
    return best


def located(region, sample, **fields) -> dict:
    """The fields of a :class:`Finding` about ``region`` of ``sample``: its file,
    image, element and line, plus ``fields`` (``pixels=...``)."""
    origin = region.origin
    return dict(file=origin.file, image=sample.name, element=origin.element, line=origin.line, **fields)
