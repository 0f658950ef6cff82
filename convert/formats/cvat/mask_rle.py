"""CVAT's ``<mask>`` run lengths (``docs/formats.md``, "CVAT XML"): the pixels of the mask's box (``left``,
``top``, ``width``, ``height``, integers, the box inclusive of its last row and column) in **row-major**
order, as alternating runs that start with background (a first run of 0 when the box's first pixel is set),
written as integers joined by ``", "``, as CVAT itself writes them.

    >>> window = np.array([[0, 1, 1],
    ...                    [1, 1, 0]], dtype=bool)
    >>> counts = encode(window); counts
    [1, 4, 1]
    >>> text(counts)
    '1, 4, 1'
    >>> decode(parse(text(counts)), 3, 2).astype(int).tolist()
    [[0, 1, 1], [1, 1, 0]]
    >>> encode(np.array([[1, 0]], dtype=bool))
    [0, 1, 1]
"""

from __future__ import annotations

import numpy as np


def encode(window: np.ndarray) -> list[int]:
    """The run lengths of a boolean ``window[row, column]``, row-major, background first."""
    flat = window.reshape(-1).astype(np.int8)
    changes = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate(([0], changes, [flat.size]))
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts.insert(0, 0)
    return counts


def text(counts: list[int]) -> str:
    return ", ".join(map(str, counts))


def parse(value: str) -> np.ndarray:
    """The integers of an ``rle`` attribute (spaces around the commas allowed, as CVAT reads them)."""
    return np.array([int(v) for v in value.split(",")], dtype=np.int64)


def decode(counts: np.ndarray, width: int, height: int) -> np.ndarray:
    """The ``(height, width)`` booleans of run lengths that sum to ``width * height``."""
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    return np.repeat(values, counts).reshape(height, width)
