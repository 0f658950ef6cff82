"""COCO categories as the writers of COCO layouts give them: the source's ids and supercategories kept.

A label map taken from a COCO panoptic source has index = category id, so the ids are kept as they are
(17, 63, 184 stay 17, 63, 184).  COCO has no category 0 (Datumaro drops one): when a class has index 0 (a
derived or VOC label map puts the background there), every id is the index plus one, and the writer says
so.  A supercategory comes from the regions that were painted with the class (a COCO or panoptic source's
``categories``).

    >>> from convert.model.labelmap import LabelMap
    >>> two = [{"name": "cat", "index": 17, "level": 1}, {"name": "bed", "index": 63, "level": 1}]
    >>> category_ids(LabelMap.from_dict({"classes": two}))
    ({17: 17, 63: 63}, '')
    >>> ids, note = category_ids(LabelMap.derive(["cat"]))
    >>> ids, note
    ({0: 1, 1: 2}, "category ids made from the class indices plus one, as class 'background' has index 0, which \
no COCO category has")
"""

from __future__ import annotations

from convert.model.labelmap import LabelMap


def category_ids(labelmap: LabelMap) -> tuple[dict[int, int], str]:
    """``{class index: category id}`` and, when new ids were made, the words that say so."""
    classes = sorted(labelmap.classes, key=lambda c: c.index)
    zero = next((c for c in classes if c.index == 0), None)
    if zero is None:
        return {c.index: c.index for c in classes}, ""
    return ({c.index: c.index + 1 for c in classes},
            f"category ids made from the class indices plus one, as class {zero.name!r} has index 0, which no COCO "
            "category has")


def supercategories_of(regions, labelmap: LabelMap) -> dict[str, str]:
    """``{class name: supercategory}`` from the regions that carry one (the first of each class)."""
    out: dict[str, str] = {}
    for region in regions:
        found = region.attributes.get("supercategory")
        if isinstance(found, str) and found and region.label is not None:
            cls = labelmap.resolve(region.label)
            if cls is not None:
                out.setdefault(cls.name, found)
    return out
