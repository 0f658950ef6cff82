"""Pixels back into rings: :func:`trace` (a mask's rings) and :func:`join_rings` (one ring that paints them).

A traced ring runs along pixel edges, its vertices on pixel corners, so it passes through no pixel centre:
under the ``coco`` rule (pycocotools: a pixel is inside when its centre is) it contains exactly the
centres of the pixels it was traced around.  Outer rings run clockwise on screen (``y`` down), holes
counter-clockwise; pixels that touch only at a corner belong to different rings, so every ring is simple.

    >>> import numpy as np
    >>> mask = np.array([[1, 1, 1],
    ...                  [1, 0, 1],
    ...                  [1, 1, 1]], dtype=bool)
    >>> [ring.tolist() for ring in trace(mask)]
    [[[0, 0], [3, 0], [3, 3], [0, 3]], [[1, 2], [2, 2], [2, 1], [1, 1]]]

pycocotools fills one polygon even-odd, and unions several (so a hole given as a ring of its own would be
filled): :func:`join_rings` gives the one ring, joined by bridges walked there and back, that paints the
mask exactly, holes included:

    >>> from convert.model.sample import Polygon
    >>> from convert.painting.rasterize import rasterize
    >>> bool((rasterize(Polygon((join_rings(trace(mask)),)), 3, 3) == mask).all())
    True
"""

from __future__ import annotations

import numpy as np

from convert.pixels import trace as tracer


def trace(mask: np.ndarray) -> list[np.ndarray]:
    """The rings of the non-zero pixels of the 2-D array ``mask``: each an ``(n, 2)`` int64 array of
    ``(x, y)`` pixel corners, outer rings first (clockwise on screen), then holes (counter-clockwise)."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"trace takes a 2-D mask, not an array of shape {mask.shape}")
    outer, holes = tracer.trace_parts((mask != 0).astype(np.uint8)).get(1, ([], []))
    return outer + holes


def trace_objects(ids: np.ndarray) -> dict[int, list[np.ndarray]]:
    """:func:`trace` of every object of an id image (an instance mask, a class mask: 0 is nothing):
    ``{id: rings}``, in increasing id order."""
    ids = np.asarray(ids)
    if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"trace_objects takes a 2-D integer array, not {ids.dtype} of shape {ids.shape}")
    return {key: outer + holes for key, (outer, holes) in sorted(tracer.trace_parts(ids).items())}


def join_rings(rings: list[np.ndarray]) -> np.ndarray:
    """One ring that paints, filled even-odd (pycocotools, OpenCV's ``fillPoly``), what ``rings`` paint
    together, holes kept: every other ring is reached from the first ring's first vertex and left the same
    way back, so each bridge is crossed twice and adds no pixel."""
    if not rings:
        raise ValueError("join_rings needs at least one ring")
    return tracer.bridged(list(rings))
