"""The rows of a Kaggle run-length CSV, indexed once: the image of each row, its class, and where its text
lies in the file, so that building a sample reads that image's rows only (the run-length text of a whole
competition, hundreds of megabytes, is never held at once).

Rows come in three forms, all read alike: one per image (Carvana), one per object (Airbus: several rows
name one image), one per image and class (Severstal).  A row whose run-length cell is empty, ``-1`` or
``-`` says the image has no object (of that class); the image is still part of the set.

    >>> import io, tempfile, os
    >>> from convert.formats.kaggle_rle.columns import read_header
    >>> folder = tempfile.mkdtemp(); path = Path(folder, "t.csv")
    >>> _ = path.write_text("ImageId,EncodedPixels\\na.jpg,1 3\\nb.jpg,\\na.jpg,7 2\\n")
    >>> table = Table(path, read_header(path), [])
    >>> [(e.name, [r.line for r in e.rows]) for e in table.entries]
    [('a.jpg', [2, 4]), ('b.jpg', [])]
    >>> table.cells(table.entries[0].rows[1])[1]
    '7 2'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from convert.findings import Finding
from convert.formats.kaggle_rle.columns import Header
from convert.formats.kaggle_rle.rle_strings import is_empty
from convert.model.names import normalize_name, unsafe_reason

MAX_ROW_BYTES = 64 << 20  # a row beyond this is no run list of one object: reported, not read


@dataclass(frozen=True, slots=True)
class Row:
    """One row with runs: its line (from 1), where its bytes are, and its class (``None`` without a class
    column)."""

    line: int
    offset: int
    size: int
    klass: str | None


@dataclass(slots=True)
class Entry:
    """One image: its name as the CSV writes it, its rows with runs, its size where the CSV gives one."""

    name: str
    line: int
    rows: list[Row] = field(default_factory=list)
    size: tuple[int, int] | None = None  # (width, height) from the width and height columns


class Table:
    """The CSV's images in the order they first appear, each with its rows."""

    def __init__(self, path: Path, header: Header, findings: list[Finding]):
        self.path = path
        self.header = header
        self.entries: list[Entry] = []
        self.classes: dict[str, None] = {}  # in the order they first appear
        self._findings = findings
        by_name: dict[str, Entry] = {}
        needed = 1 + max(i for i in (header.image, header.rle, header.klass, header.width, header.height)
                         if i is not None)
        with open(path, "rb") as fh:
            fh.readline(MAX_ROW_BYTES)  # the header
            line = 1
            while True:
                offset = fh.tell()
                raw = fh.readline(MAX_ROW_BYTES + 1)
                if not raw:
                    break
                line += 1
                if len(raw) > MAX_ROW_BYTES:
                    while raw and not raw.endswith(b"\n"):
                        raw = fh.readline(1 << 20)
                    self._problem("bad-value", f"a row of more than {MAX_ROW_BYTES >> 20} MB: no run list of one "
                                               "object is that long; not read", line)
                    continue
                cells = self._cells(raw, line)
                if cells is None:
                    continue
                if len(cells) < needed:
                    self._problem("bad-value", f"{len(cells)} cells where the header has {len(header.names)}; "
                                               "the row is not read", line)
                    continue
                self._add(cells, line, offset, len(raw), by_name)

    def _problem(self, code: str, message: str, line: int, image: str | None = None) -> None:
        self._findings.append(Finding(code, message, file=str(self.path), line=line, image=image))

    def _cells(self, raw: bytes, line: int) -> list[str] | None:
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            self._problem("bad-value", f"not UTF-8 text ({exc.reason} at byte {exc.start}); the row is not read",
                          line)
            return None
        if not text.strip():
            return None  # a blank line (the end of a file)
        try:
            return next(csv.reader([text]))
        except csv.Error as exc:
            self._problem("bad-value", f"not a CSV row ({exc}); not read", line)
            return None

    def _add(self, cells: list[str], line: int, offset: int, size: int, by_name: dict[str, Entry]) -> None:
        h = self.header
        name, klass = cells[h.image].strip(), cells[h.klass].strip() if h.klass is not None else None
        if h.combined:
            name, sep, klass = name.rpartition("_")
            if not sep or not name or not klass:
                self._problem("bad-value", f"{cells[h.image]!r} is not '<image>_<class>' as {h.names[h.image]!r} "
                                           "holds; the row is not read", line)
                return
        reason = unsafe_reason(name)
        if reason:
            self._problem("unsafe-path", f"image {name!r} {reason}; not converted", line, image=name)
            return
        name = normalize_name(name)
        entry = by_name.get(name)
        if entry is None:
            entry = by_name[name] = Entry(name, line)
            self.entries.append(entry)
        if h.width is not None and h.height is not None:
            self._size(entry, cells, line)
        if is_empty(cells[h.rle]):
            return
        if klass == "":
            column = h.names[h.klass if h.klass is not None else h.image]
            self._problem("bad-value", f"runs without a class ({column!r} is empty); not painted", line, image=name)
            return
        if klass is not None:
            self.classes.setdefault(klass, None)
        entry.rows.append(Row(line, offset, size, klass))

    def _size(self, entry: Entry, cells: list[str], line: int) -> None:
        h = self.header
        assert h.width is not None and h.height is not None
        texts = cells[h.width].strip(), cells[h.height].strip()
        if not any(texts):
            return
        try:
            width, height = int(texts[0]), int(texts[1])
        except ValueError:
            width = height = 0
        if width <= 0 or height <= 0:
            self._problem("bad-value", f"width {texts[0]!r} and height {texts[1]!r} are no image size; not used",
                          line, image=entry.name)
        elif entry.size is None:
            entry.size = (width, height)
        elif entry.size != (width, height):
            self._problem("image-size-mismatch", f"size {width}x{height}, where line {entry.line} of this image "
                                                 f"says {entry.size[0]}x{entry.size[1]}; the first is used", line,
                          image=entry.name)

    def cells(self, row: Row) -> list[str]:
        """The cells of one row, read again from the file."""
        with open(self.path, "rb") as fh:
            return self.cells_from(fh, row)

    @staticmethod
    def cells_from(fh, row: Row) -> list[str]:
        fh.seek(row.offset)
        return next(csv.reader([fh.read(row.size).decode("utf-8").rstrip("\r\n")]))
