"""Kaggle's run-length strings, ``"start length start length ..."``, and the traps in them.

The standard form (the evaluation pages of Airbus, TGS, Severstal, HuBMAP): whole numbers in pairs, each
pair one run, its first pixel counted from 1 and its length; pairs sorted, no pixel twice.  Which way the
pixels are counted, row- or column-major, the string does not say (:mod:`convert.pixels.scan`):

    >>> decoded = decode("1 3 10 5", 20)
    >>> decoded.starts.tolist(), decoded.ends.tolist(), decoded.problems
    ([0, 9], [3, 14], [])
    >>> encode(decoded.starts, decoded.ends)
    '1 3 10 5'

SIIM-ACR's organisers wrote each start as the number of background pixels since the previous run ended,
counted from 0 (``relative=True``):

    >>> decode("5 2 5 1", 16, relative=True).starts.tolist()
    [5, 12]

Whatever is wrong in a string is a problem ``(code, message)``, never an exception, and nothing is
allocated by the size of a number: numbers past the image are clipped to it before any arithmetic.

    >>> [code for code, _ in decode("5 2 0 2 9 3 4", 10).problems]
    ['rle-odd-count', 'rle-start-zero', 'rle-past-end', 'rle-unsorted']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from convert.wording import plural

EMPTY_MARKS = ("", "-1", "-")  # no object: blank (Airbus, TGS), -1 (SIIM), - (Contrails)
MAX_DIGITS = 18  # 10**18 pixels: no image is that large, and int64 holds it
_NOT_DIGIT = re.compile(r"[^0-9\s]")
_TOO_LONG = re.compile(r"[0-9]{19,}")  # more than MAX_DIGITS
_TOKEN = re.compile(r"\S+")
EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class Decoded:
    """The pixels of one run-length string: sorted, disjoint runs ``[starts, ends)`` of the flat index (from
    0, in the order the string counts in), and what was wrong with it; ``readable`` is False when the
    string could not be read at all (nothing is painted)."""

    starts: np.ndarray
    ends: np.ndarray
    problems: list[tuple[str, str]] = field(default_factory=list)
    readable: bool = True

    @property
    def pixels(self) -> int:
        return int((self.ends - self.starts).sum())


def is_empty(text: str) -> bool:
    """A cell that says "no object": blank, ``-1`` (SIIM writes ``' -1'``) or ``-``.

    >>> is_empty(" -1"), is_empty(""), is_empty("1 3")
    (True, True, False)
    """
    return text.strip() in EMPTY_MARKS


def numbers(text: str) -> np.ndarray | str:
    """The whole numbers of a string, or why it holds something else (a sign, a decimal point, a letter, a
    number of more than 18 digits).

    >>> numbers("1 3\\t10 5").tolist(), numbers("1 3.5 2")
    ([1, 3, 10, 5], "number 2 ('3.5') is not a whole number of 0 or more")
    """
    body = text.strip()
    if not body:
        return EMPTY
    for pattern, why in ((_NOT_DIGIT, "is not a whole number of 0 or more"),
                         (_TOO_LONG, "has more than 18 digits: no image has that many pixels")):
        found = pattern.search(body)
        if found:
            begin = max(body.rfind(" ", 0, found.start()), body.rfind("\t", 0, found.start())) + 1
            token = _TOKEN.match(body, begin)
            shown = token.group()[:24] if token else body[begin:begin + 24]
            index = sum(1 for _ in _TOKEN.finditer(body, 0, begin)) + 1
            return f"number {index} ({shown!r}) {why}"
    return np.fromstring(body, dtype=np.int64, sep=" ")


def decode(text: str, total: int, *, relative: bool = False, base: int = 1) -> Decoded:
    """The runs of ``text`` in an image of ``total`` pixels.  Absolute starts count from ``base`` (1, Kaggle's
    standard; 0 for files written counting from 0); ``relative`` starts count the pixels since the previous
    run ended (SIIM's organisers' encoding).  Runs past the image are clipped, unsorted and overlapping runs
    painted once in pixel order; each is a problem."""
    values = numbers(text)
    if isinstance(values, str):
        return Decoded(EMPTY, EMPTY, [("bad-value", f"{values}; the row is not painted")], readable=False)
    problems: list[tuple[str, str]] = []
    if len(values) % 2:
        problems.append(("rle-odd-count", f"{len(values):,} numbers, an odd count: the last ({values[-1]}) has no "
                                          "length and is ignored"))
        values = values[:-1]
    cap = total + 1  # any number beyond the image is as good as this one, and cannot overflow a sum
    firsts, lengths = np.minimum(values[0::2], cap), np.minimum(values[1::2], cap)
    zero = np.flatnonzero(lengths == 0)
    if len(zero):
        problems.append(("bad-value", f"{plural(len(zero), 'run')} of length 0 (run {zero[0] + 1} first): Kaggle's "
                                      "metric wants positive numbers; nothing to paint"))
    if relative:
        starts = np.cumsum(firsts) + np.cumsum(lengths) - lengths
        ends = starts + lengths
    else:
        starts = firsts - base
        ends = starts + lengths
        before = np.flatnonzero((starts < 0) & (lengths > 0))
        if len(before):
            problems.append(("rle-start-zero", f"{plural(len(before), 'run')} start at 0 (run {before[0] + 1} "
                                               f"first), but pixels count from {base}: the pixel before the first "
                                               "is not painted (-O base=0 reads a file that counts from 0)"))
        starts = np.maximum(starts, 0)
        ends = np.maximum(ends, starts)
    past = np.flatnonzero(ends > total)
    if len(past):
        i = past[0]
        problems.append(("rle-past-end", f"{plural(len(past), 'run')} reach past the image's last pixel ({total:,}): "
                                         f"run {i + 1} first ('{values[2 * i]} {values[2 * i + 1]}' in the file); "
                                         "the pixels past the end are not painted"))
        ends = np.minimum(ends, total)
        starts = np.minimum(starts, total)
    keep = ends > starts
    positions = np.flatnonzero(keep)
    starts, ends = starts[keep], ends[keep]
    down = np.flatnonzero(starts[1:] < starts[:-1])
    if len(down):
        i, j = positions[down[0]], positions[down[0] + 1]
        hint = ""
        if int(firsts.sum()) + int(lengths.sum()) <= total:
            hint = "; read as SIIM's relative starts (-O starts=relative) the numbers give sorted runs inside the image"
        problems.append(("rle-unsorted", f"the runs are not sorted: run {j + 1} starts before run {i + 1}; Kaggle's "
                                         f"metric refuses unsorted pairs; painted in pixel order{hint}"))
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
    starts, ends, twice = merge(starts, ends)
    if twice:
        problems.append(("rle-run-overlap", f"{plural(twice, 'pixel')} lie in more than one run: Kaggle's metric "
                                            "refuses duplicated pixels; each is painted once"))
    return Decoded(starts, ends, problems)


def merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Runs sorted by start made disjoint: ``(starts, ends, pixels covered more than once)``.

    >>> [r.tolist() if hasattr(r, "tolist") else r for r in merge(np.array([0, 2, 3]), np.array([4, 3, 6]))]
    [[0], [6], 2]
    """
    if not len(starts):
        return starts, ends, 0
    reach = np.maximum.accumulate(ends)
    fresh = np.empty(len(starts), dtype=bool)
    fresh[0] = True
    np.greater(starts[1:], reach[:-1], out=fresh[1:])
    last = np.r_[fresh[1:], True]
    merged_starts, merged_ends = starts[fresh], reach[last]
    twice = int((ends - starts).sum() - (merged_ends - merged_starts).sum())
    return merged_starts, merged_ends, twice


def encode(starts: np.ndarray, ends: np.ndarray) -> str:
    """The Kaggle string of sorted, disjoint runs (from 0): starts counted from 1, then lengths.

    >>> encode(np.array([0, 9]), np.array([3, 14]))
    '1 3 10 5'
    """
    pairs = np.empty(2 * len(starts), dtype=np.int64)
    pairs[0::2] = starts + 1
    pairs[1::2] = ends - starts
    return " ".join(map(str, pairs.tolist()))
