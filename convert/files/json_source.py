"""Reading a JSON source: its first bytes (for detection), the whole parse, the checks of JSON values.

The parse is orjson's; a file holding ``NaN`` or ``Infinity`` (Python's ``json.dump`` writes them) falls back
to the standard library, so those values become findings on the annotation that holds them instead of a
failed run.  A file that is not JSON is a :class:`~convert.errors.SegconvError` naming the file and line.

>>> is_int(3), is_int(True), as_size(640.0), as_size(-1), all_numbers([1, 2.5]), all_numbers([1, "2"])
(True, False, 640, None, True, False)
"""

from __future__ import annotations

import json
import math
import re
from numbers import Real
from pathlib import Path
from typing import TypeGuard

import orjson

from convert.errors import SegconvError, read_source


def head(path: Path, size: int = 1 << 22) -> bytes:
    """The first ``size`` bytes of ``path``, enough to recognise a format without parsing it."""
    with open(path, "rb") as fh:
        return fh.read(size)


def load_json(path: Path, data: bytes | None = None):
    """Parse ``path``; errors name the file and line.  Files with NaN/Infinity
    (written by Python's ``json.dump``) are accepted so that those values become
    per-annotation findings rather than a failed run."""
    data = read_source(path) if data is None else data
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as first:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SegconvError(
                f"not valid UTF-8 at byte {exc.start}", file=str(path)
            ) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            message, line = json_error(exc)
            raise SegconvError(message, file=str(path), line=line) from None
        except RecursionError:
            raise SegconvError(f"invalid JSON: {first}", file=str(path)) from None


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[][{}:,]')  # a string (closed, or cut by the end), a sign
_SCANNED_AT_MOST = 256 << 20  # characters; a longer cut file is named by line and column only


def ends_early(exc: json.JSONDecodeError) -> bool:
    """Whether the parse failed because the text stopped (a file cut short), not because of a wrong character:
    the error is at the end of the text (nothing but blanks after it), or a string runs to the end."""
    return exc.msg.startswith("Unterminated string") or not exc.doc[exc.pos:].strip()


def open_path(text: str) -> str:
    """Where a cut JSON text stops: the path of the innermost value left open, ``annotations[1].segmentation[0]``
    (indices from 0); empty when the text stops in the outermost value.

    >>> open_path('{"images": [], "annotations": [{"id": 1}, {"id": 2, "segmentation": [[1, 2,')
    'annotations[1].segmentation[0]'
    """
    stack: list[list] = []  # per open value: [bracket, the key or index of its child being read, last string]
    for token in _TOKEN.finditer(text):
        t = token.group()
        if t in "{[":
            stack.append([t, 0 if t == "[" else None, None])
        elif t in "}]":
            if stack:
                stack.pop()
        elif t == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
        elif t == ":":
            if stack:
                stack[-1][1] = stack[-1][2]
        elif stack:
            stack[-1][2] = t
    parts = []
    for kind, at, _ in stack[:-1]:  # each open value names the child that is open inside it
        if kind == "[":
            parts.append(f"[{at}]")
        elif at is not None:
            parts.append(("." if parts else "") + str(json.loads(at if at.endswith('"') else at + '"')))
    return "".join(parts)


def json_error(exc: json.JSONDecodeError) -> tuple[str, int]:
    """What is wrong with a text that is not JSON, for a person, and the line to name: a cut file is named as
    one, with where it stops (its last line) and the value left open; any other error is the parser's words
    and the column of the line where it is."""
    if not ends_early(exc):
        return f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno
    text = exc.doc
    line = text.count("\n") + 1
    column = len(text) - (text.rfind("\n") + 1) + 1
    inside = open_path(text) if len(text) <= _SCANNED_AT_MOST else ""
    return (f"the file ends early: the JSON stops at the end of the file (line {line:,}, column {column}, "
            f"character {len(text):,})" + (f" inside {inside}" if inside else " with a value unfinished")
            + "; it was cut short (an interrupted download, copy or export?): get the whole file again"), line


def is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def as_size(v) -> int | None:
    """A positive integer size, accepting integral floats such as ``640.0``."""
    if is_int(v):
        return v if v > 0 else None
    if isinstance(v, float) and v.is_integer() and v > 0:
        return int(v)
    return None


NUMBER_TYPES = frozenset((int, float))


def is_number(v: object) -> TypeGuard[float]:
    """int or float (JSON numbers), not bool; exact types keep this fast on millions of coordinates."""
    return type(v) in NUMBER_TYPES or (isinstance(v, Real) and not isinstance(v, bool))


def finite(v: float) -> bool:
    """A number that is finite as a float: not NaN, not infinite, and not an integer too large for a float
    (JSON has no limit: ``1`` followed by 400 zeros is a valid number, and Python reads it as an int).

        >>> finite(3), finite(float("nan")), finite(10 ** 400), finite(10 ** 20)
        (True, False, False, True)
    """
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def all_numbers(values: list) -> bool:
    """Every value a number (not bool): the set of exact types, built in C, decides
    at once for what JSON parsers give; other types are looked at one by one."""
    return set(map(type, values)) <= NUMBER_TYPES or all(is_number(v) for v in values)
