"""Loading the JSON Schemas of ``schemas/`` and validating documents against them.

The schemas live in the repository's top-level ``schemas/`` folder; the wheel
carries them as ``convert/schemas/``.  Validation errors name the file and the
JSON path of the offending element::

    classes[2].level: -1 is less than the minimum of 0

A document found valid is remembered (:func:`known_valid`): a small file in the
user's cache folder named by the hash of the schema and the document.  The next
run given the same label map skips jsonschema altogether (its import and the
meta-schemas it loads are a tenth of a small run); a changed document or schema
has another hash, and an invalid document is never remembered, so every error
still comes from jsonschema.  The text of a valid YAML label map is remembered
with what it parses to (:func:`remembered_document`), so the next run does not
import the YAML parser either.  ``SEGCONV_CACHE=off`` turns this off.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import sys
from pathlib import Path

from convert.errors import SegconvError
from convert.wording import plural

_PACKAGE = Path(__file__).resolve().parent.parent  # convert/
_CANDIDATES = (_PACKAGE / "schemas", _PACKAGE.parent / "schemas")  # installed wheel; source tree


def schema_path(name: str) -> Path:
    """Path of ``schemas/<name>.schema.json`` (installed or in the source tree)."""
    for folder in _CANDIDATES:
        path = folder / f"{name}.schema.json"
        if path.is_file():
            return path
    raise FileNotFoundError(f"schema {name!r} not found in {[str(c) for c in _CANDIDATES]}")


@functools.cache
def _schema_bytes(name: str) -> bytes:
    """The schema file's bytes, read once per process (both cache keys hash them)."""
    return schema_path(name).read_bytes()


@functools.cache
def load_schema(name: str) -> dict:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


def json_path(parts) -> str:
    """``['classes', 2, 'level']`` → ``'classes[2].level'``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@functools.cache
def validator_of(name: str):
    """The validator of schema ``name``, built on first use and kept for the process: jsonschema (its
    import, the meta-schemas it loads, the validator) is paid for once, and only by runs that validate."""
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(name))


def cache_folder() -> Path | None:
    """Where documents found valid are remembered: ``$SEGCONV_CACHE`` if it is a folder path,
    ``$XDG_CACHE_HOME/segconv`` or ``~/.cache/segconv`` (``%LOCALAPPDATA%`` on Windows); ``None`` when
    ``SEGCONV_CACHE=off``."""
    given = os.environ.get("SEGCONV_CACHE", "")
    if given.lower() in ("off", "0", "no", "false"):
        return None
    if given:
        return Path(given)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "segconv" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "segconv"


def _fingerprint(document, name: str) -> str:
    """The hash naming ``document`` valid under schema ``name``: the schema's text and the document's
    ``repr`` (which keeps types apart: the YAML date 2024-01-02 and the string "2024-01-02" differ).

        >>> same = _fingerprint({"a": 1}, "labelmap") == _fingerprint({"a": 1}, "labelmap")
        >>> same, _fingerprint({"a": 1}, "labelmap") == _fingerprint({"a": "1"}, "labelmap")
        (True, False)
    """
    digest = hashlib.sha256(_schema_bytes(name))
    digest.update(b"\0" + repr(document).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def known_valid(document, name: str) -> str | None:
    """``None`` if ``document`` was found valid under schema ``name`` before (nothing to check), else the
    fingerprint to :func:`remember` once it is found valid."""
    folder = cache_folder()
    if folder is None:
        return ""
    key = _fingerprint(document, name)
    return None if (folder / "valid" / key).is_file() else key


def remember(key: str) -> None:
    """Remember the fingerprint ``key`` as valid; a cache folder that cannot be written is no error (the
    next run validates again)."""
    folder = cache_folder()
    if folder is None or not key:
        return
    try:
        (folder / "valid").mkdir(parents=True, exist_ok=True)
        (folder / "valid" / key).touch()
    except OSError:
        pass


def _text_key(text: str, name: str) -> str:
    digest = hashlib.sha256(_schema_bytes(name))
    digest.update(b"\0text\0" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def remembered_document(text: str, name: str):
    """What ``text`` parsed to when it was found valid under schema ``name`` before (see
    :func:`remember_document`), or ``None``."""
    folder = cache_folder()
    if folder is None:
        return None
    try:
        data = (folder / "parsed" / _text_key(text, name)).read_bytes()
    except OSError:
        return None
    try:
        return json.loads(data)
    except ValueError:  # a damaged entry: parse the text again
        return None


def remember_document(text: str, name: str, document) -> None:
    """Remember that ``text`` parses to ``document``, found valid under schema ``name``; only a document
    that JSON gives back unchanged (no dates, no keys that are not strings, no NaN) is remembered.  The file
    appears whole or not at all (a concurrent run reads the old state or the new one)."""
    folder = cache_folder()
    if folder is None:
        return
    try:
        data = json.dumps(document, allow_nan=False)
        if json.loads(data) != document:
            return
    except (TypeError, ValueError):
        return
    key = _text_key(text, name)
    try:
        (folder / "parsed").mkdir(parents=True, exist_ok=True)
        part = folder / "parsed" / f".{key}.{os.getpid()}.part"
        part.write_text(data, encoding="utf-8")
        os.replace(part, folder / "parsed" / key)
    except OSError:
        pass


def validate(document, name: str, *, file: str | None = None) -> None:
    """Raise :class:`SegconvError` naming ``file`` and the element if ``document`` is invalid."""
    fingerprint = known_valid(document, name)
    if fingerprint is None:
        return
    validator = validator_of(name)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        remember(fingerprint)
        return
    # an unknown key explains the "required" error beside it (a misspelt 'level'): say it first, and
    # leave out the missing key it stands for
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    meant = {(json_path(e.absolute_path), key) for e in unknown for key in _meant(e)}
    errors = [e for e in errors if not (e.validator == "required" and
                                        (json_path(e.absolute_path), _missing(e)) in meant)]
    first = unknown[0] if unknown else errors[0]
    rest = [e for e in errors if e is not first]
    more = ""
    if rest:
        listed = "; ".join(f"{json_path(e.absolute_path)}: {_message(e)}" for e in rest[:MORE_LISTED])
        left = f"; … and {len(rest) - MORE_LISTED} more" if len(rest) > MORE_LISTED else ""
        more = f" (and {plural(len(rest), 'more problem')}: {listed}{left})"
    raise SegconvError(
        f"{_message(first)}{more}",
        file=file,
        element=json_path(first.absolute_path),
    )


MORE_LISTED = 5


def _meant(error) -> list[str]:
    """The known keys an unknown-key error's keys are probably meant to be."""
    if not isinstance(error.instance, dict):
        return []
    known = sorted(error.schema.get("properties", {}))
    return [close[0] for key in error.instance if key not in known
            for close in [difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)] if close]


def _missing(error) -> str | None:
    """The property a ``required`` error says is missing."""
    missing = [key for key in error.validator_value if key not in error.instance] \
        if isinstance(error.instance, dict) else []
    return missing[0] if len(missing) == 1 else None


def _message(error) -> str:
    """jsonschema's message, or for unknown keys: which key, and the known key it is probably meant to be.

    >>> import jsonschema
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
