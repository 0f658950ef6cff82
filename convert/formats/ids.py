"""COCO ids in the output: the source's own where they can be kept, new ones above them otherwise.

A COCO output that keeps the source's image and annotation ids still joins with the user's other COCO
files (captions, keypoints, earlier predictions).  An id is kept when it is an integer not used yet; the
others get placeholders while the run streams, numbered above the largest kept id when it ends.

    >>> ids = Ids()
    >>> a, b, c = ids.take(7), ids.take("x"), ids.take(7)
    >>> a, ids.final(b), ids.final(c)
    (7, 8, 9)
"""

from __future__ import annotations


class Ids:
    """Ids of one kind (images, or annotations) of one output file."""

    def __init__(self) -> None:
        self.kept: set[int] = set()
        self.new = 0

    def take(self, source_id) -> int | dict:
        """``source_id`` if it can be kept, else a placeholder ``{"new": k}`` for :meth:`final`."""
        if isinstance(source_id, int) and not isinstance(source_id, bool) and source_id not in self.kept:
            self.kept.add(source_id)
            return source_id
        self.new += 1
        return {"new": self.new}

    def final(self, value) -> int:
        """The id a value of :meth:`take` ends as."""
        if isinstance(value, dict):
            return max(self.kept, default=0) + value["new"]
        return value
