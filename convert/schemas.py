"""Loading the JSON Schemas of ``schemas/`` and validating documents against them.

The schemas live in the repository's top-level ``schemas/`` folder; the wheel
carries them as ``convert/schemas/``.  Validation errors name the file and the
JSON path of the offending element::

    classes[2].level: -1 is less than the minimum of 0
"""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path

import jsonschema

from .errors import SegconvError
from .wording import plural

_HERE = Path(__file__).resolve().parent
_CANDIDATES = (_HERE / "schemas", _HERE.parent / "schemas")


def schema_path(name: str) -> Path:
    """Path of ``schemas/<name>.schema.json`` (installed or in the source tree)."""
    for folder in _CANDIDATES:
        path = folder / f"{name}.schema.json"
        if path.is_file():
            return path
    raise FileNotFoundError(f"schema {name!r} not found in {[str(c) for c in _CANDIDATES]}")


@functools.cache
def load_schema(name: str) -> dict:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def json_path(parts) -> str:
    """``['classes', 2, 'level']`` → ``'classes[2].level'``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def validate(document, name: str, *, file: str | None = None) -> None:
    """Raise :class:`SegconvError` naming ``file`` and the element if ``document`` is invalid."""
    schema = load_schema(name)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        # an unknown key explains the "required" error beside it (a misspelt 'level'): say it first
        unknown = [e for e in errors if e.validator == "additionalProperties"]
        first = unknown[0] if unknown else errors[0]
        more = f" (and {plural(len(errors) - 1, 'more problem')})" if len(errors) > 1 else ""
        raise SegconvError(
            f"{_message(first)}{more}",
            file=file,
            element=json_path(first.absolute_path),
        )


def _message(error) -> str:
    """jsonschema's message, or for unknown keys: which key, and the known key it is probably meant to be.

    >>> schema = {"type": "object", "properties": {"level": {}}, "additionalProperties": False}
    >>> _message(next(jsonschema.Draft202012Validator(schema).iter_errors({"levle": 1})))
    "unknown key 'levle'; did you mean 'level'? (known keys: level)"
    """
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return error.message
    known = sorted(error.schema.get("properties", {}))
    extra = [k for k in error.instance if k not in known]
    parts = []
    for key in extra:
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        parts.append(f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
    return "; ".join(parts) + f" (known keys: {', '.join(known)})"
