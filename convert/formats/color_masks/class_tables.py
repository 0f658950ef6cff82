"""The class tables that come with colour-coded and index mask folders, each row a class at its position
(row 0 is index 0; ``docs/formats.md``, "Colour-coded masks"):

- ``class_dict.csv`` (CamVid as Kaggle ships it, many Kaggle sets): a header ``name,r,g,b``, then one row a
  class; fields are stripped (CamVid has ``Bicyclist,0,128, 192``).
- ``label_colors.txt`` (Datumaro's and CVAT's Cityscapes and CamVid exports): ``r g b name`` per line.
- ``labelmap.txt`` (Datumaro, CVAT): ``name:r,g,b:parts:actions`` per line.
- a names file, ``classes.txt``, ``class_names.txt``, ``names.txt``, ``labels.txt`` or ``codes.txt`` (fastai's
  CamVid): one name a line, no colours; for index masks (SegNet's CamVid, values 0-11).

Blank lines and ``#`` comments are skipped.  A row named ``void``, ``unlabelled``, ``unlabeled``, ``ignore``,
``ignored`` or ``__ignore__`` (any case) is void, unless ``-O void=`` names another row or ``none``: its
pixels are "don't care", the other rows keep their positions as indices.

    >>> t = parse("name,r,g,b\\nSky,128,128,128\\nVoid,0,0,0\\nWall,64,192, 0\\n", "class_dict.csv")
    >>> [(r.name, r.index, r.color) for r in t.rows], t.void_rows()
    ([('Sky', 0, (128, 128, 128)), ('Void', 1, (0, 0, 0)), ('Wall', 2, (64, 192, 0))], ['Void'])
    >>> lm = t.labelmap()
    >>> [(c.name, c.index) for c in lm.classes], lm.void, lm.void_aliases
    ([('Sky', 0), ('Wall', 2)], 255, ('Void',))
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from convert.errors import SegconvError
from convert.model.labelmap import LabelClass, LabelMap, voc_color

COLOUR_TABLES = ("class_dict.csv", "label_colors.txt", "labelmap.txt")
NAMES_FILES = ("classes.txt", "class_names.txt", "names.txt", "labels.txt", "codes.txt")
VOID_NAMES = ("void", "unlabelled", "unlabeled", "ignore", "ignored", "__ignore__")
LEVEL = 1


@dataclass(frozen=True)
class Row:
    name: str
    index: int
    color: tuple[int, int, int] | None
    line: int


@dataclass
class Table:
    """The rows of one table file; ``void`` is the ``-O void=`` choice (``auto``, ``none`` or a row name)."""

    rows: list[Row]
    source: str
    void: str = "auto"

    @property
    def has_colours(self) -> bool:
        return all(r.color is not None for r in self.rows)

    def void_rows(self) -> list[str]:
        if self.void == "none":
            return []
        if self.void != "auto":
            return [r.name for r in self.rows if r.name == self.void]
        return [r.name for r in self.rows if r.name.lower() in VOID_NAMES]

    def void_value(self) -> int:
        """The label map's void: 255 while the rows fit 8 bits beneath it, else 65535."""
        return 255 if len(self.rows) <= 255 else 65535

    def labelmap(self) -> LabelMap:
        """Every row not void at its position, one level (masks do not overlap), colours the table's."""
        void = set(self.void_rows())
        classes = [LabelClass(r.name, r.index, LEVEL, r.color if r.color is not None else voc_color(r.index))
                   for r in self.rows if r.name not in void]
        return LabelMap._checked(classes, self.void_value(), tuple(sorted(void)), self.source)

    def by_colour(self) -> dict[tuple[int, int, int], str | None]:
        """Colour → class name (``None``: void)."""
        void = set(self.void_rows())
        return {r.color: (None if r.name in void else r.name) for r in self.rows if r.color is not None}

    def by_value(self) -> dict[int, str | None]:
        """Mask value (the row) → class name (``None``: void); the label map's void value is void too, as in
        VOC and mmseg masks (255 below 256 rows)."""
        void = set(self.void_rows())
        values: dict[int, str | None] = {self.void_value(): None}
        values.update({r.index: (None if r.name in void else r.name) for r in self.rows})
        return values


def _error(message: str, source: str, line: int, text: str | None = None) -> SegconvError:
    shown = f": {text.strip()!r}" if text is not None else ""
    return SegconvError(f"{message}{shown}", file=source, element=f"line {line}", line=line)


def _colour(values, source: str, line: int, text: str) -> tuple[int, int, int]:
    try:
        rgb = tuple(int(v.strip()) for v in values)
    except ValueError:
        rgb = ()
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise _error("expected three colour values 0..255", source, line, text)
    return (rgb[0], rgb[1], rgb[2])


def _lines(text: str):
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield n, line


def parse(text: str, source: str, void: str = "auto") -> Table:
    """The table in ``text``, its syntax chosen by the file name of ``source``."""
    kind = Path(source).name.lower()
    rows: list[tuple[str, tuple[int, int, int] | None, int]] = []
    if kind.endswith(".csv"):
        reader = csv.reader(io.StringIO(text))
        header = None
        for n, fields in enumerate(reader, 1):
            if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [f.strip().lower() for f in fields]
                if header[:4] != ["name", "r", "g", "b"]:
                    raise _error("expected the header 'name,r,g,b'", source, n, ",".join(fields))
                continue
            if len(fields) < 4:
                raise _error("expected 'name,r,g,b'", source, n, ",".join(fields))
            rows.append((fields[0].strip(), _colour(fields[1:4], source, n, ",".join(fields)), n))
    elif kind == "label_colors.txt":
        for n, line in _lines(text):
            fields = line.split(maxsplit=3)
            if len(fields) != 4:
                raise _error("expected 'r g b name'", source, n, line)
            rows.append((fields[3].strip(), _colour(fields[:3], source, n, line), n))
    elif kind == "labelmap.txt":
        for n, line in _lines(text):
            fields = line.split(":")
            if len(fields) < 2 or not fields[1].strip():
                raise _error("expected 'name:r,g,b:parts:actions'", source, n, line)
            rows.append((fields[0].strip(), _colour(fields[1].split(","), source, n, line), n))
    else:
        rows = [(line.strip(), None, n) for n, line in _lines(text)]
    if not rows:
        raise SegconvError("the class table has no rows", file=source)
    seen: dict[str, int] = {}
    colours: dict[tuple[int, int, int], tuple[str, int]] = {}
    table = Table([Row(name, i, color, n) for i, (name, color, n) in enumerate(rows)], source, void)
    void_names = set(table.void_rows())
    for row in table.rows:
        if not row.name:
            raise _error("a row without a name", source, row.line)
        if row.name in seen:
            raise _error(f"class {row.name!r} is named twice (line {seen[row.name]} too)", source, row.line)
        seen[row.name] = row.line
        if row.color is not None:
            other = colours.get(row.color)
            if other is not None and not (row.name in void_names and other[0] in void_names):
                raise _error(f"colour {row.color} is given to {other[0]!r} (line {other[1]}) and {row.name!r}: a "
                             "mask pixel of that colour could be either", source, row.line)
            colours[row.color] = (row.name, row.line)
    if void not in ("auto", "none") and void not in seen:
        raise SegconvError(f"-O void={void}: no row of the class table is named so (rows: "
                           f"{', '.join(list(seen)[:8])}{', ...' if len(seen) > 8 else ''})", file=source)
    return table


def load(path: Path, void: str = "auto") -> Table:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SegconvError(f"cannot read the class table: {exc}", file=str(path)) from None
    return parse(text, str(path), void)
