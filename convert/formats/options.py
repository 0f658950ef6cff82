"""Options of one reader or writer (``-O KEY=VALUE`` on the command line).

Each reader and writer declares its own options, so adding a format never
adds a command-line flag: ``segconv formats`` lists them, and a key no reader
or writer of the run knows is an error that names the known ones.

    >>> opt = Option("holes", "bridge", "how holes are written", choices=("bridge", "fill"))
    >>> opt.parse("fill"), opt.parse("FILL")
    ('fill', 'fill')
    >>> parse_options({"holes": "fill"}, {"holes": opt}, "--to yolo")
    {'holes': 'fill'}
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from convert.errors import UsageError


@dataclass(frozen=True)
class Option:
    """A ``-O KEY=VALUE`` option of one reader or writer: its default and either its choices or a type."""

    key: str
    default: object
    help: str
    choices: tuple[str, ...] = ()
    type: Callable = str
    bounds: tuple[int, int] | None = None  # a number's smallest and largest allowed value

    def parse(self, text: str):
        if self.choices:
            value = text.strip().lower()
            if value not in self.choices:
                raise UsageError(f"-O {self.key}={text}: must be one of {', '.join(self.choices)}")
            return value
        try:
            value = self.type(text)
        except (TypeError, ValueError):
            raise UsageError(f"-O {self.key}={text}: not a valid {self.type.__name__}") from None
        return self.check(value)

    def check(self, value):
        """``value`` if it lies within ``bounds``; a usage error naming them otherwise.

        >>> Option("alpha", 128, "", type=int, bounds=(1, 255)).check(0)
        Traceback (most recent call last):
        convert.errors.UsageError: -O alpha=0: must be from 1 to 255
        """
        if self.bounds is not None:
            low, high = self.bounds
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise UsageError(f"-O {self.key}={value}: must be from {low} to {high}")
        return value


def parse_options(given: Mapping[str, object] | None, declared: dict[str, Option], what: str) -> dict:
    """``given`` (text values from the command line, or values from a script) checked against
    ``declared``, defaults filled in; an unknown key is an error naming ``what`` and its options."""
    values = {key: opt.default for key, opt in declared.items()}
    for key, value in (given or {}).items():
        if key not in declared:
            raise UsageError(unknown_key(key, declared, what))
        option = declared[key]
        values[key] = option.parse(value) if isinstance(value, str) else option.check(value)
    return values


def unknown_key(key: str, declared, what: str) -> str:
    known = ", ".join(sorted(declared)) or "none"
    close = difflib.get_close_matches(key, list(declared), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"-O {key}: {what} has no option {key!r}{hint} (its options: {known})"


def split_options(given: Mapping[str, object] | None, reader: dict[str, Option], writer: dict[str, Option],
                  reader_name: str, writer_name: str | None) -> tuple[dict, dict]:
    """Route ``-O`` keys to the reader and the writer that declare them."""
    to_reader, to_writer = {}, {}
    for key, value in (given or {}).items():
        if key not in reader and key not in writer:
            both = {**reader, **writer}
            names = f"--from {reader_name}" + (f" and --to {writer_name}" if writer_name else "")
            raise UsageError(unknown_key(key, both, names))
        if key in reader:
            to_reader[key] = value
        if key in writer:
            to_writer[key] = value
    return to_reader, to_writer
