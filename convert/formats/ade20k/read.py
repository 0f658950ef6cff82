"""ADE20K's SceneParsing layout, ``ADEChallengeData2016`` (``docs/formats.md``, "ADE20K")::

    objectInfo150.txt (or objectInfo150.csv)   the 150 classes: Idx, Ratio, Train, Val, (Stuff,) Name
    images/training/ADE_train_00000001.jpg     (validation/ alike)
    annotations/training/ADE_train_00000001.png   8-bit, value = class 1-150, 0 = "other objects"

SRC is that folder (or a folder holding ``ADEChallengeData2016/``).  Value 0 is void: the dataset's README says
0 "refers to 'other objects'. We do not consider those pixels in our evaluation."  The classes keep their
values as indices (1-150); a class's name is the first of its WordNet synonyms (``person, individual,
someone, ...`` -> ``person``), the whole list where the first repeats.  Without the names file the classes
are named by value (``class_7``).  A value above the table's last is ``unknown-mask-value`` (void, counted).

    >>> rows = parse_object_info("Idx\\tRatio\\tTrain\\tVal\\tName\\n1\\t0.15\\t11664\\t1172\\twall\\n"
    ...                          "2 \\t0.1\\t6046\\t612\\tbuilding, edifice\\n", "objectInfo150.txt")
    >>> [(r.index, r.name) for r in rows]
    [(1, 'wall'), (2, 'building')]
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from convert.errors import SegconvError
from convert.formats.color_masks import mask_folders as layout
from convert.formats.color_masks.class_tables import Row, Table
from convert.formats.color_masks.read import ColorMasksDataset
from convert.formats.dataset import IndexedDataset
from convert.limits import DEFAULT_MAX_PIXELS

NAME = "ade20k"
NAMES_FILES = ("objectInfo150.txt", "objectInfo150.csv")
FOLDER = "ADEChallengeData2016"
CLASSES = 150
OTHER = "other"


def find_root(path: Path) -> Path | None:
    """The SceneParsing folder: SRC itself, or its ``ADEChallengeData2016/``."""
    for root in (path, path / FOLDER):
        if (root / "annotations").is_dir() and (root / "images").is_dir() and (
                root.name == FOLDER or any((root / n).is_file() for n in NAMES_FILES)):
            return root
    return None


def detect(path: Path) -> str | None:
    root = find_root(path) if path.is_dir() else None
    if root is None:
        return None
    first = next((root / "annotations").rglob("*.png"), None)
    if first is None:
        return None
    return f"ADE20K SceneParsing ({first.relative_to(path).as_posix()})"


def first_synonym(name: str) -> str:
    """ADE20K's class names are WordNet synonym lists; the first names the class (also in the full release).

    >>> first_synonym("person, individual, someone")
    'person'
    """
    return re.split(r"[,;]", name, maxsplit=1)[0].strip()


def parse_object_info(text: str, source: str) -> list[Row]:
    """The rows of ``objectInfo150.txt`` (tab-separated, as CSAILVision/sceneparsing ships it; fields may carry
    spaces) or ``objectInfo150.csv`` (a ``Name`` column), as ``Row(name, Idx)``."""
    if source.lower().endswith(".csv"):
        lines = list(csv.reader(io.StringIO(text)))
    else:
        lines = [line.split("\t") for line in text.splitlines()]
    lines = [[f.strip() for f in fields] for fields in lines if any(f.strip() for f in fields)]
    if not lines:
        raise SegconvError("the class table has no rows", file=source)
    header = [f.lower() for f in lines[0]]
    if "idx" not in header or "name" not in header:
        raise SegconvError(f"expected a header with Idx and Name, got {lines[0]!r}", file=source, element="line 1",
                           line=1)
    at_idx, at_name = header.index("idx"), header.index("name")
    rows: list[Row] = []
    firsts = [first_synonym(f[at_name]) if len(f) > at_name else "" for f in lines[1:]]
    for n, fields in enumerate(lines[1:], 2):
        try:
            index = int(fields[at_idx])
        except (ValueError, IndexError):
            raise SegconvError(f"Idx must be an integer 1..255, got {fields!r}", file=source, element=f"line {n}",
                               line=n) from None
        if not 1 <= index <= 255 or len(fields) <= at_name or not fields[at_name]:
            raise SegconvError(f"expected Idx 1..255 and a Name, got {fields!r}", file=source, element=f"line {n}",
                               line=n)
        first = first_synonym(fields[at_name])
        rows.append(Row(first if firsts.count(first) == 1 else fields[at_name], index, None, n))
    return rows


class Ade20kDataset(ColorMasksDataset):
    """One sample per ``annotations/<split>/*.png``; the classes from ``objectInfo150``."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        src = Path(path)
        root = find_root(src)
        if root is None:
            raise SegconvError(f"not ADE20K SceneParsing: no annotations/ and images/ with {' or '.join(NAMES_FILES)}"
                               f" (or a folder named {FOLDER})", file=str(src))
        self.root = root
        names = next((root / n for n in NAMES_FILES if (root / n).is_file()), None)
        if names is not None:
            try:
                text = names.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise SegconvError(f"cannot read the class table: {exc}", file=str(names)) from None
            rows = parse_object_info(text, str(names))
            source = str(names)
        else:
            rows = [Row(f"class_{i}", i, None, 0) for i in range(1, CLASSES + 1)]
            source = f"ADE20K SceneParsing's 150 classes, named by value (no {NAMES_FILES[0]} in {root})"
        self.table = Table([Row(OTHER, 0, None, 0), *rows], source, OTHER)
        self.colours = False
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        self.entries = [m for m in layout.masks(root) if m.file.is_relative_to(root / "annotations")]
        self.key_names: dict[int, str | None] = {}
        if not self.entries:
            raise SegconvError("no masks: annotations/ holds no *.png", file=str(root))
        self.own_labelmap = self.table.labelmap()
        last = max(r.index for r in rows)
        self.rows_text = f"{names.name if names else 'the 150 classes'} (classes 1-{last}, 0 other)"
        self.value_names = {r.index: (None if r.name == OTHER else r.name) for r in self.table.rows}
        IndexedDataset.__init__(self, str(root), [], self.own_labelmap)
