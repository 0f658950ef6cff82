"""The numbers of a Label Studio result, read with words for what is wrong: a ``bad-value`` message says, in
the format's terms, which field or element holds what (``points[2][0] holds 'bad', not a number``), never
Python's or numpy's exception text.

    >>> points([[1, 2], [3, 4], [5, 6]]).shape
    (3, 2)
    >>> points([[1, 2], [3, "bad"], [5, 6]])
    Traceback (most recent call last):
    convert.formats.label_studio.values.Garbled: points[1][1] holds 'bad', not a number
    >>> points([[1, 2], [3, 4, 5], [5, 6]])
    Traceback (most recent call last):
    convert.formats.label_studio.values.Garbled: points[1] is not an [x, y] pair
    >>> number({"x": None}, "x")
    Traceback (most recent call last):
    convert.formats.label_studio.values.Garbled: x holds null, not a number
"""

from __future__ import annotations

import numpy as np


class Garbled(ValueError):
    """A field or element of a result that is not what the format says it is; the message names it."""


def shown(value: object, limit: int = 40) -> str:
    """A JSON value as a message shows it: a string quoted (cut at ``limit``), ``null``, "a list"."""
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else text[:limit - 2] + "…'"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _float(value: object, where: str) -> float:
    if isinstance(value, (list, dict)) or value is None:  # float() of these is Python's words
        raise Garbled(f"{where} holds {shown(value)}, not a number")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Garbled(f"{where} holds {shown(value)}, not a number") from None


def number(value: dict, key: str) -> float:
    """``value[key]`` as a float; missing, or not a number: :class:`Garbled` naming ``key``."""
    if key not in value:
        raise Garbled(f"'{key}' is missing")
    return _float(value[key], key)


def points(raw: object) -> np.ndarray:
    """``points`` ([[x, y], ...]; a flat [x, y, x, y, ...] too) as an (n, 2) float array; else
    :class:`Garbled` naming the first element that is not a pair or not a number."""
    try:
        return np.asarray(raw, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        pass  # said below in the format's words; the fast path above is the one a good file takes
    if not isinstance(raw, list):
        raise Garbled(f"points holds {shown(raw)}, not a list of [x, y] pairs")
    if not any(isinstance(p, (list, tuple)) for p in raw):  # flat
        for i, v in enumerate(raw):
            _float(v, f"points[{i}]")
        raise Garbled(f"points holds {len(raw)} numbers, not a list of [x, y] pairs")
    for i, p in enumerate(raw):
        if not isinstance(p, (list, tuple)) or len(p) != 2:
            raise Garbled(f"points[{i}] is not an [x, y] pair")
        for j, v in enumerate(p):
            _float(v, f"points[{i}][{j}]")
    raise Garbled("points is not a list of [x, y] pairs")
