"""Single-channel 8-bit label images (mmseg's ``ann_dir``, hf's ``label`` column): what a label map must fit,
and what void becomes.  One check, shared by every writer of such images.

- A class index above 254 cannot be written: the writer refuses the label map before anything is
  written, naming the classes (255 is void's, and 8 bits end there).
- Void is written as the writer's fixed void value when it has one (mmseg: 255, its ``ignore_index``);
  else as the label map's void when that fits in 8 bits; else as 255.  Whenever that is not the label
  map's void (``void: 300`` would wrap to 44 and read as a class), the run says so in a note, and the
  writer's own description of the set (mmseg's config, hf's dataset card) names the value written.

    >>> from convert.model.labelmap import LabelMap
    >>> lm = LabelMap.from_dict({"void": 300, "classes": [{"name": "plate", "index": 1, "level": 1}]})
    >>> plan = eight_bit(lm, "hf")
    >>> plan.void
    255
    >>> print(plan.note)
    --to hf: void is written as 255 in the 8-bit label images (the label map's void, 300, does not fit in 8 bits)
    >>> to_8bit(np.array([[1, 300]], dtype=np.uint16), lm, plan).tolist()
    [[1, 255]]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convert.errors import UsageError
from convert.formats.layout_writer import LayoutWriter
from convert.model.labelmap import MAX_INDEX_8BIT, LabelMap
from convert.pixels.png_encode import encode_png


@dataclass(frozen=True)
class EightBit:
    """How a label map is written as 8-bit label images: the value of void, and the note when it is not the
    label map's void."""

    void: int
    note: str | None = None


def eight_bit(labelmap: LabelMap, layout: str, *, fixed_void: int | None = None, why: str = "") -> EightBit:
    """Check ``labelmap`` for the 8-bit label images of ``--to layout``; ``fixed_void`` is the value the layout
    gives void (``why``: its reason), if any.  Raises :class:`UsageError` for classes above 254."""
    too_large = sorted((c for c in labelmap.classes if c.index > MAX_INDEX_8BIT), key=lambda c: c.index)
    if too_large:
        names = ", ".join(f"{c.name!r} ({c.index})" for c in too_large[:10])
        more = f" and {len(too_large) - 10} more" if len(too_large) > 10 else ""
        raise UsageError(f"--to {layout} writes 8-bit label images and these classes have an index above "
                         f"{MAX_INDEX_8BIT}: {names}{more}; 8 bits would read them mod 256. Renumber them in the "
                         "label map")
    void = labelmap.void
    if fixed_void is not None:
        target = fixed_void
        reason = why or f"--to {layout}'s void"
    elif void <= 255:
        return EightBit(void)
    else:
        target, reason = 255, f"the label map's void, {void}, does not fit in 8 bits"
    if target == void:
        return EightBit(void)
    return EightBit(target, f"--to {layout}: void is written as {target} in the 8-bit label images ({reason})")


def to_8bit(mask: np.ndarray, labelmap: LabelMap, plan: EightBit) -> np.ndarray:
    """A class mask as 8-bit values: class indices as they are, void as ``plan.void``."""
    if plan.void == labelmap.void:
        return mask.astype(np.uint8, copy=False)
    out = mask.astype(np.uint8)
    out[mask == labelmap.void] = plan.void
    return out


class EightBitWriter(LayoutWriter):
    """A writer of 8-bit label images (mmseg, hf, cityscapes): its ``check_labelmap`` (:func:`eight_bit` with
    the layout's void) runs before anything is written, the plan is kept as ``eight`` and its note goes to the
    run's summary; ``label_png(class_mask)`` is one image's label PNG."""

    @staticmethod
    def check_labelmap(labelmap: LabelMap) -> EightBit:  # pragma: no cover - each layout says its void
        raise NotImplementedError

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.eight = self.check_labelmap(labelmap)
        if self.eight.note:
            self.notes.append(self.eight.note)

    def label_values(self, class_mask: np.ndarray) -> np.ndarray:
        """The class mask as 8-bit values: class indices, void as ``eight.void`` (for a layout's other images
        of the same values, Cityscapes' instanceIds and color)."""
        return to_8bit(class_mask, self.labelmap, self.eight)

    def label_png(self, class_mask: np.ndarray) -> bytes:
        """The class mask as a single-channel 8-bit PNG: class indices, void as ``eight.void``."""
        return encode_png(self.label_values(class_mask))
