"""Reading a JSON source: its first bytes (for detection), the whole parse, the checks of JSON values.

The parse is orjson's; a file holding ``NaN`` or ``Infinity`` (Python's ``json.dump`` writes them) falls back
to the standard library, so those values become findings on the annotation that holds them instead of a
failed run.  A file that is not JSON is a :class:`~convert.errors.SegconvError` naming the file and line.

>>> is_int(3), is_int(True), as_size(640.0), as_size(-1), all_numbers([1, 2.5]), all_numbers([1, "2"])
(True, False, 640, None, True, False)
"""

from __future__ import annotations

import json
from numbers import Real
from pathlib import Path
from typing import TypeGuard

import orjson

from ..errors import SegconvError, read_source


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
            raise SegconvError(
                f"invalid JSON: {exc.msg} (column {exc.colno})", file=str(path), line=exc.lineno
            ) from None
        except RecursionError:
            raise SegconvError(f"invalid JSON: {first}", file=str(path)) from None


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


def all_numbers(values: list) -> bool:
    """Every value a number (not bool): the set of exact types, built in C, decides
    at once for what JSON parsers give; other types are looked at one by one."""
    return set(map(type, values)) <= NUMBER_TYPES or all(is_number(v) for v in values)
