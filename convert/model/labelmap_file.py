"""Reading a label map file: its text, and the document its JSON or YAML holds.

Errors name the file and, for a syntax error, the line.  A YAML map this machine found valid before is
taken as it parsed then (:func:`convert.model.schemas.remembered_document`), so the YAML parser is not
even imported; ``.txt`` label lists are parsed by :meth:`LabelMap.from_txt`.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels.json"
    >>> _ = path.write_text('{"classes": []}')
    >>> read_labelmap_file(path)
    ('{"classes": []}', {'classes': []})
"""

from __future__ import annotations

import json
from pathlib import Path

from convert.errors import SegconvError
from convert.model import schemas

LABELMAP_SUFFIXES = (".yaml", ".yml", ".json", ".txt")  # what --labels reads


def read_labelmap_file(path: Path) -> tuple[str, object]:
    """``(text, document)`` of a ``.json``, ``.yaml`` or ``.yml`` label map; for a ``.txt`` label list,
    ``(text, None)`` (the caller parses it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        from convert.suggest import nearby_file

        raise SegconvError("label map file not found" + nearby_file(path, LABELMAP_SUFFIXES),
                           file=str(path)) from None
    except IsADirectoryError:
        raise SegconvError("is a folder, not a label map file", file=str(path)) from None
    except OSError as exc:  # its strerror: the path is said once, in front
        raise SegconvError(f"cannot read label map: {exc.strerror or exc}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SegconvError(f"cannot read label map: {exc}", file=str(path)) from None
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return text, None
    if suffix == ".json":
        try:
            return text, json.loads(text)
        except json.JSONDecodeError as exc:
            from convert.files.json_source import json_error

            message, line = json_error(exc)
            raise SegconvError(message, file=str(path), line=line) from None
    known = schemas.remembered_document(text, "labelmap")  # a YAML map this machine parsed before
    if known is not None:
        return text, known
    import yaml  # here: a remembered map needs no YAML parser (its import is a tenth of a small run)

    try:
        return text, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SegconvError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=str(path),
                           line=mark.line + 1 if mark else None) from None
