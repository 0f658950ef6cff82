"""Reading a written file back under its consumer's own rule, and counting the pixels it loses.

A writer that turns the layered mask into shapes (polygons, RLE, masks) reads what it wrote back — from the
written numbers, not from the arrays it started with — paints it as the consumer of the format paints it, with
*no* label levels (the consumer knows none: CVAT orders by ``z_order`` then the document, COCO and labelme by
the file), and compares that with the layered mask.  The difference is a ``written-pixels-differ`` finding per
image and a total, with its share of the objects' pixels and the rule it was measured under, in the summary.

    >>> loss = Loss("by pycocotools' rule")
    >>> loss.add(differ=0, objects=400); loss.add(differ=3, objects=100)
    >>> loss.words()
    "read back by pycocotools' rule, they differ from the layered masks on 3 pixels (0.600 % of the objects' \
500 pixels) in 1 image"
"""

from __future__ import annotations

from dataclasses import dataclass

from convert.findings import Finding
from convert.model.labelmap import LabelMap
from convert.model.sample import Origin, Region, Sample
from convert.painting.paint import Painted, paint
from convert.pixels import runs
from convert.wording import plural


def flat(labelmap: LabelMap) -> LabelMap:
    """``labelmap`` without levels: every class (and void) at level 1, the fill class beneath at 0, no
    ``within`` rules, so the order of the shapes alone decides, as in a tool that knows no levels.

    >>> from convert.model.labelmap import LabelMap
    >>> lm = LabelMap.from_dict({"classes": [{"name": "bg", "index": 0, "level": 0, "fill": True},
    ...                                      {"name": "rice", "index": 3, "level": 4, "within": ["bg"]}]})
    >>> [(c.name, c.level, c.within) for c in flat(lm).classes], flat(lm).void_level
    ([('bg', 0, ()), ('rice', 1, ())], 1)
    """
    doc = labelmap.to_dict()
    doc["classes"] = [{key: value for key, value in dict(c, level=0 if c.get("fill") else 1).items()
                       if key != "within"} for c in doc["classes"]]
    doc["void_level"] = 1
    return LabelMap.from_dict(doc, source=labelmap.source)


def without_within(labelmap: LabelMap) -> dict:
    """The label map as ``labelmap.json`` beside shapes of visible pixels: its ``within`` rules left out (a
    shape holds its object's visible pixels only, so no container lies beneath it)."""
    doc = labelmap.to_dict()
    doc["classes"] = [{k: v for k, v in c.items() if k != "within"} for c in doc["classes"]]
    return doc


def painted_back(sample: Sample, regions: list[Region], labelmap: LabelMap, rule: str = "coco") -> Painted:
    """The written shapes of one image painted by ``rule``, with the flat label map, in their order."""
    return paint(Sample(sample.name, sample.width, sample.height, regions, Origin("read back")), labelmap,
                 rule=rule)


def differing(a: Painted, b: Painted, void: int) -> tuple[int, int]:
    """The pixels whose class differs between two paintings of one image, and how many of them are void in
    ``a``, from their stretches (both cover the column-major pixel order without a gap).

    >>> import numpy as np
    >>> from convert.painting.paint import Stretches
    >>> a = Painted(np.zeros((1, 1)), drawn_from=Stretches(np.array([0, 4]), np.array([4, 10]), np.array([-1, 0]),
    ...                                                   np.array([255]), 0))
    >>> b = Painted(np.zeros((1, 1)), drawn_from=Stretches(np.array([0, 6]), np.array([6, 10]), np.array([-1, 0]),
    ...                                                   np.array([3]), 0))
    >>> differing(a, b, 255)
    (6, 6)
    """
    sa, sb = a.stretches, b.stretches
    starts, ends, class_a, class_b = runs.overlay(sa.starts, sa.ends, sa.per_stretch(sa.values, sa.empty),
                                                  sb.starts, sb.ends, sb.per_stretch(sb.values, sb.empty))
    lengths = ends - starts
    changed = class_a != class_b
    return int(lengths[changed].sum()), int(lengths[changed & (class_a == void)].sum())


@dataclass
class Loss:
    """The pixels a writer's shapes lose under one rule, summed over the images (in the main process)."""

    rule: str  # how they were read back: "by pycocotools' rule (annToMask)"
    differ: int = 0
    images: int = 0
    objects: int = 0  # visible pixels of the objects written: what the share is of

    def add(self, differ: int, objects: int) -> None:
        self.differ += differ
        self.images += bool(differ)
        self.objects += objects

    def words(self) -> str:
        """What the summary says: the total, its share and the rule."""
        if not self.differ:
            return f"read back {self.rule}, they give exactly the layered masks (0 pixels differ)"
        share = (f"{100 * self.differ / self.objects:.3f} % of the objects' {self.objects:,} pixels"
                 if self.objects else "the objects have no pixel")
        return (f"read back {self.rule}, they differ from the layered masks on {plural(self.differ, 'pixel')} "
                f"({share}) in {plural(self.images, 'image')}")


def loss_finding(differ: int, void: int, what: str, rule: str, file: str, image: str) -> Finding:
    """``written-pixels-differ`` for one image: ``what`` (``"the written shapes"``) read back ``rule``."""
    lost = f" ({plural(void, 'void pixel')} among them)" if void else ""
    return Finding("written-pixels-differ", f"{what}, read back {rule}, differ from the layered mask on "
                   f"{plural(differ, 'pixel')}{lost}", file=file, image=image, pixels=differ)
