"""Polygons for ``*_gtFine_polygons.json`` that cityscapesScripts' ``createLabelImage`` paints back to a class
mask (``docs/formats.md``, "Cityscapes").

Every piece of the mask (a visible object, or a class's connected pixels) is traced along pixel edges
(:mod:`convert.pixels.trace`, 4-connected) and each outer ring moved onto the centres of its boundary pixels
(:func:`convert.formats.yolo.centre_rows.centre_ring`): Pillow's polygon fill paints outline and inside of
such a ring, which is exactly the piece with its holes filled (checked on 7,880 rings of random masks).
Holes are what later polygons paint: pieces are written largest filled area first, and a piece inside
another's hole has the smaller area, so it comes later and shows.  Pieces of the fill class are written only
where a larger piece would cover them (the tool's canvas, ``unlabeled``, shows elsewhere); void pixels can
only be written through a label the label map makes void.  :func:`paint_back` paints the polygons as the
tool does, so the writer measures what the file says against the mask.

    >>> pieces = np.array([[1, 1, 1], [1, 2, 1], [1, 1, 1]])
    >>> [(key, ring.tolist()) for key, ring, _ in outlines(pieces)]
    [(1, [[0, 0], [2, 0], [2, 2], [0, 2]]), (2, [[1, 1], [1, 1]])]
"""

from __future__ import annotations

import numpy as np

from convert.formats.yolo.centre_rows import centre_ring
from convert.model.sample import Polygon
from convert.painting.rasterize import pillow_runs
from convert.pixels import runs
from convert.pixels.trace import signed_area, trace_parts


def outlines(pieces: np.ndarray) -> list[tuple[int, np.ndarray, float]]:
    """``(piece, centre ring, filled area)`` of every outer ring of every piece (> 0) of ``pieces``, largest
    filled area first (the order they paint in); a one-pixel ring repeats its point (Pillow needs two)."""
    found = []
    for key, (outer, _holes) in trace_parts(pieces).items():
        for ring in outer:
            centre = centre_ring(ring)
            if len(centre) == 1:
                centre = np.concatenate([centre, centre])
            found.append((int(key), centre, signed_area(ring)))
    found.sort(key=lambda item: -item[2])
    return found


def paint_back(polygons: list[tuple[int, np.ndarray]], canvas: int, height: int, width: int,
               dtype=np.int64) -> np.ndarray:
    """The ``(height, width)`` mask ``createLabelImage`` paints: ``canvas`` everywhere, then each ``(value,
    ring)`` filled by Pillow in order."""
    flat = np.full(height * width, canvas, dtype=dtype)  # column-major, as runs are
    for value, ring in polygons:
        starts, ends = pillow_runs(Polygon((ring.astype(np.float64),), rule="pillow"), height, width)
        for s, e in zip(starts.tolist(), ends.tolist()):
            flat[s:e] = value
    return flat.reshape(width, height).T


def runs_of(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of a boolean mask (for callers that select pixels)."""
    starts, ends, values = runs.from_label_image(mask.astype(np.uint8))
    keep = values == 1
    return starts[keep], ends[keep]
