"""Unique class colours for label maps built from dataset tables that give several classes one colour
(Cityscapes' ids 0-4 black, Mapillary Vistas v2.0's lane markings white): a segconv label map keeps colours
unique, since colour-decoding readers could not tell such classes apart.

    >>> taken = set()
    >>> free_colour((0, 0, 0), taken), free_colour((0, 0, 0), taken), free_colour((0, 0, 255), taken)
    ((0, 0, 0), (0, 0, 1), (0, 0, 255))
    >>> free_colour((0, 0, 255), taken), free_colour((255, 255, 255), taken), free_colour((255, 255, 255), taken)
    ((0, 1, 0), (255, 255, 255), (255, 255, 254))
"""

from __future__ import annotations


def free_colour(color: tuple[int, int, int], taken: set) -> tuple[int, int, int]:
    """``color``, or the nearest free colour above it (blue first, carrying into green and red), below it past
    white; the result is added to ``taken``."""
    key = (color[0] << 16) | (color[1] << 8) | color[2]
    used = {(r << 16) | (g << 8) | b for r, g, b in taken}
    step = 1
    found = key
    while found in used:
        found = key + step if key + step <= 0xFFFFFF else key - (step - (0xFFFFFF - key))
        step += 1
    rgb = (found >> 16, (found >> 8) & 255, found & 255)
    taken.add(rgb)
    return rgb
