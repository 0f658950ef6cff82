"""The class names of the full ADE20K release (``docs/formats.md``, "ADE20K"): ``objects.txt``, never the
pickle ``index_ade20k.pkl``.

``*_seg.png`` stores a class value k >= 1 (0: nothing annotated) that is the k-th name of the release's
class list: index_ade20k.pkl's ``objectnames[k - 1]`` (CSAILVision/ADE20K issue #15: value 165 is
``objectnames[164]``, "bed"), the per-image JSON's ``name_ndx``.  ``objects.txt`` lists the same classes, one
a line, tab-separated, after a header line; segconv takes the k-th line after the header as class k and its
name from the first column whose header says ``name`` (not ``Wordnet name``), else the first column.  A name
is its first WordNet synonym (``car, auto, automobile`` -> ``car``), the whole list where two lines share a
first synonym, and ``<name> (<k>)`` where whole lists repeat too.  The file is UTF-8, else read as Latin-1.

    >>> rows = parse_objects_txt("Object Names\\tWordnet name\\nwall\\twall.n.01\\ncar, auto\\tcar.n.01\\n", "o.txt")
    >>> [(r.index, r.name) for r in rows]
    [(1, 'wall'), (2, 'car')]

The pickle is not read: unpickling runs whatever code the file names, so a pickle from elsewhere is as
unsafe as a program from elsewhere.  Where only the pickle is found, the error says so and asks for
``objects.txt``.
"""

from __future__ import annotations

from pathlib import Path

from convert.errors import SegconvError
from convert.formats.ade20k.read import first_synonym
from convert.formats.color_masks.class_tables import Row

NAMES_FILE = "objects.txt"
PICKLE = "index_ade20k.pkl"
RELEASE = "ADE20K_2021_17_01"
UP = 5  # how many folders above SRC are looked at for objects.txt


def _name_column(header: list[str]) -> int:
    lowered = [h.strip().lower() for h in header]
    for preferred in ("object names", "objectnames", "ade names", "name", "names"):
        if preferred in lowered:
            return lowered.index(preferred)
    return next((i for i, h in enumerate(lowered) if "name" in h and "wordnet" not in h), 0)


def parse_objects_txt(text: str, source: str) -> list[Row]:
    """The classes of ``objects.txt`` as ``Row(name, k)``, k from 1 in line order."""
    lines = [(n, line.split("\t")) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) < 2:
        raise SegconvError("expected a header line and one line a class, tab-separated", file=source)
    at = _name_column(lines[0][1])
    names: list[tuple[int, str]] = []
    for n, fields in lines[1:]:
        name = fields[at].strip() if len(fields) > at else ""
        if not name:
            raise SegconvError(f"line {n} has no name in column {at + 1}: {fields!r}", file=source,
                               element=f"line {n}", line=n)
        names.append((n, name))
    firsts = [first_synonym(name) for _, name in names]
    wholes = [name for _, name in names]
    rows: list[Row] = []
    for k, ((n, name), first) in enumerate(zip(names, firsts), 1):
        shown = first if firsts.count(first) == 1 else name if wholes.count(name) == 1 else f"{name} ({k})"
        rows.append(Row(shown, k, None, n))
    return rows


def find_names(src: Path) -> tuple[Path | None, Path | None]:
    """(objects.txt, index_ade20k.pkl) found in SRC, its ``ADE20K_2021_17_01/``, or a folder above SRC."""
    folders = [src, src / RELEASE, *list(src.resolve().parents)[:UP]]
    names = next((f / NAMES_FILE for f in folders if (f / NAMES_FILE).is_file()), None)
    pickle = next((f / PICKLE for f in folders if (f / PICKLE).is_file()), None)
    return names, pickle


def load_names(src: Path) -> tuple[list[Row], Path]:
    """The classes of the release SRC belongs to, and the file they came from."""
    names, pickle = find_names(src)
    if names is None:
        if pickle is not None:
            raise SegconvError(f"the class names are only in {PICKLE}, a Python pickle, which segconv does not "
                               f"unpickle (unpickling runs code the file names: unsafe for a file from "
                               f"elsewhere); put the release's {NAMES_FILE} (ADE20K_2021_17_01/{NAMES_FILE}) "
                               f"beside it", file=str(pickle))
        raise SegconvError(f"no {NAMES_FILE}: the class values of *_seg.png are lines of the release's "
                           f"{NAMES_FILE} (ADE20K_2021_17_01/{NAMES_FILE}); give the folder holding it, or put "
                           f"it in this folder or one above", file=str(src))
    data = names.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_objects_txt(text, str(names)), names
