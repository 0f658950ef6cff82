"""Errors that stop a run (exit code 2).

A :class:`SegconvError` means the input as a whole cannot be used: a file that
does not parse, a label map that contradicts itself, an output folder that
already exists.  Problems confined to one image or one annotation are not
errors but :class:`~convert.findings.Finding` objects, so that one bad polygon
never stops a delivery of a million images.

Every error names the file and, where there is one, the element and line::

    >>> str(SegconvError("counts must be a list", file="a.json", element="annotation id=7"))
    'a.json: annotation id=7: counts must be a list'
"""

from __future__ import annotations

from pathlib import Path


class SegconvError(Exception):
    """An input or usage problem that makes the whole run impossible (exit code 2)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        element: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.element = element
        self.line = line

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.element:
            where.append(self.element)
        return ": ".join(where + [self.message])


class UsageError(SegconvError):
    """The command line asks for something impossible (exit code 2)."""


def read_source(path) -> bytes:
    """The bytes of an input file; missing, unreadable or empty files are errors naming it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SegconvError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise SegconvError("is a folder, not a file", file=str(path)) from None
    except OSError as exc:
        raise SegconvError(f"cannot read: {exc.strerror}", file=str(path)) from None
    if not data.strip():
        raise SegconvError("file is empty", file=str(path))
    return data
