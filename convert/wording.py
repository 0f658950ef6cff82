"""Counting words in messages: "1 image", "2 images", "12,345 pixels".

    >>> plural(1, "image"), plural(2, "image"), plural(12345, "pixel"), plural(3, "class", "classes")
    ('1 image', '2 images', '12,345 pixels', '3 classes')
"""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` and ``noun``, the plural (``many``, default noun + "s") unless ``n`` is 1; thousands separated."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"
