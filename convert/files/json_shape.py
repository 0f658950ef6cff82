"""The shape of a JSON file, read lazily from its start: which keys sit where, without parsing values.

Detection must not guess from a fixed window of bytes: a Label Studio export may put ``annotations``
(holding a brush result of many megabytes) before ``data``, and COCO puts a list of 100,000 ``images``
before its first annotation.  :func:`shape` walks the structure instead: it reports every key of every
object, descending into the *first* element of each list only, down to :data:`DEPTH` levels, and skips
everything else (strings, numbers, later list elements) with a regular expression over 1 MiB chunks, so
memory stays flat.  It is lazy and shared: a detector reads events until it can decide, and the next
detector of the same file reuses what was read (nothing is read twice).

Events are ``(path, kind)``: ``kind`` is ``"key"`` for a key at ``path`` (``(0, "annotations")``: the key
``annotations`` of the first element of a top-level list), ``"end"`` when the container at ``path`` closes.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
    ...     _ = f.write(b'[{"annotations": [{"result": [1, 2]}, {"x": 1}], "data": {"image": "a"}}, {}]')
    >>> s = Shape(f.name)
    >>> s.top, [p for p, kind in s.events() if kind == "key"]
    ('list', [(0, 'annotations'), (0, 'annotations', 0, 'result'), (0, 'data'), (0, 'data', 'image')])
    >>> s.keys_of((0,)), s.keys_of((0, "annotations", 0))
    (['annotations', 'data'], ['result'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import orjson

DEPTH = 4  # keys deeper than this are skipped: detection never needs them
CHUNK = 1 << 20
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_FILLER = re.compile(rb'[^"\[\]{}:,]*')
_FLAT = rb'(?:[^"\[\]{}]+|"[^"\\]*(?:\\.[^"\\]*)*")*'  # numbers, literals, punctuation and strings
_SKIP_FILLER = re.compile(rb"(?:" + _FLAT + rb"|\{" + _FLAT + rb"\}|\[" + _FLAT + rb"\])*")  # flat objects too
_SPACE = b" \t\r\n"

Path_ = tuple  # (key or 0, ...)


class Shape:
    """The lazily read structure of one JSON document (see the module docstring)."""

    def __init__(self, path: str | Path):
        self._path = path
        self._offset = 0
        self._buf = b""
        self._pos = 0
        self._eof = False
        self._seen: list[tuple[Path_, str]] = []
        self._gen: Iterator[tuple[Path_, str]] | None = None
        first = self._peek()
        self.top = {b"{": "object", b"[": "list"}.get(first, "other" if first else "empty")
        if self.top in ("object", "list"):
            self._gen = self._walk()

    @property
    def bytes_read(self) -> int:
        """How much of the file was read so far."""
        return self._offset

    # ------------------------------------------------------------------ questions
    def events(self) -> Iterator[tuple[Path_, str]]:
        """Every event, from the start (those read already first, then on, reading as asked)."""
        i = 0
        while True:
            if i < len(self._seen):
                yield self._seen[i]
                i += 1
                continue
            if self._gen is None:
                return
            try:
                event = next(self._gen)
            except (StopIteration, _Malformed):
                self._gen = None
                return
            self._seen.append(event)

    def keys_of(self, path: Path_) -> list[str]:
        """The keys of the object at ``path``, in order (reads until it closes)."""
        keys = []
        for at, kind in self.events():
            if kind == "key" and at[:-1] == path:
                keys.append(at[-1])
            elif kind == "end" and at == path:
                break
        return keys

    def first_key_among(self, path: Path_, wanted) -> str | None:
        """The first key of the object at ``path`` that is in ``wanted``; reads only until one is met, or
        until that object (or one around it) closes."""
        for at, kind in self.events():
            if kind == "key" and at[:-1] == path and at[-1] in wanted:
                return at[-1]
            if kind == "end" and at == path[:len(at)]:
                return None
        return None

    def has(self, path: Path_) -> bool:
        """Whether the key at ``path`` exists; reads until it is met or its object closes."""
        return self.first_key_among(path[:-1], (path[-1],)) is not None

    # ------------------------------------------------------------------ reading
    def _fill(self) -> bool:
        if self._eof:
            return False
        with open(self._path, "rb") as fh:
            fh.seek(self._offset)
            more = fh.read(max(CHUNK, len(self._buf) - self._pos))  # doubles while one string outgrows it
        if not more:
            self._eof = True
            return False
        self._offset += len(more)
        self._buf = self._buf[self._pos:] + more
        self._pos = 0
        return True

    def _peek(self) -> bytes:
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _SPACE:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos:self._pos + 1]
            if not self._fill():
                return b""

    def _token(self, skipping: bool) -> bytes:
        """The next string or bracket (and, unless ``skipping``, ``:`` and ``,``); numbers, literals and
        spaces between them are passed over in one step."""
        filler = _SKIP_FILLER if skipping else _FILLER
        while True:
            passed = filler.match(self._buf, self._pos)  # matches the empty string at worst
            self._pos = passed.end() if passed else self._pos
            if self._pos < len(self._buf):
                if self._buf[self._pos] != 0x22:  # not a quote: one byte
                    self._pos += 1
                    return self._buf[self._pos - 1:self._pos]
                string = _STRING.match(self._buf, self._pos)
                if string is not None:
                    self._pos = string.end()
                    return string.group()
            if not self._fill():  # a string that goes on past the buffer, or the end of the file
                raise _Malformed

    def _skip(self, depth: int = 1) -> None:
        """Pass over the rest of a value ``depth`` containers deep, to its closing bracket."""
        while depth:
            token = self._token(skipping=True)
            if token in (b"{", b"["):
                depth += 1
            elif token in (b"}", b"]"):
                depth -= 1

    def _walk(self) -> Iterator[tuple[Path_, str]]:
        """Events in document order, keeping a stack of the open containers: (path, whether an object)."""
        stack: list[tuple[Path_, bool]] = []
        expect_key = False
        key = ""
        while True:
            token = self._token(skipping=False)
            if token in (b"{", b"["):
                if stack and len(stack[-1][0]) >= DEPTH:
                    self._skip()  # no deeper than DEPTH
                    continue
                path = () if not stack else stack[-1][0] + ((key,) if stack[-1][1] else (0,))
                stack.append((path, token == b"{"))
                expect_key = token == b"{"
            elif token in (b"}", b"]"):
                yield stack.pop()[0], "end"
                if not stack:
                    return
                expect_key = False
            elif token == b",":
                path, is_object = stack[-1]
                if is_object:
                    expect_key = True
                    continue
                self._skip()  # a list's later elements: passed over whole, to its "]"
                stack.pop()
                yield path, "end"
                if not stack:
                    return
            elif token == b":":
                expect_key = False
            elif expect_key:  # a key
                key = _decode(token)
                yield stack[-1][0] + (key,), "key"
                expect_key = False



class _Malformed(Exception):
    """The file ends inside the structure: the events read so far stand."""


def _decode(token: bytes) -> str:
    """A key as the parsed document has it (escapes resolved)."""
    try:
        key = orjson.loads(token)
    except orjson.JSONDecodeError:
        return ""
    return key if isinstance(key, str) else ""


@lru_cache(maxsize=8)
def _shape(path: str, size: int, mtime: int) -> Shape:
    return Shape(path)


def shape(path: Path) -> Shape:
    """The shared :class:`Shape` of ``path`` (one per file version, so every detector reads it once)."""
    stat = path.stat()
    return _shape(str(path), stat.st_size, stat.st_mtime_ns)
