"""COCO categories as the writers of COCO layouts give them: the source's ids and supercategories kept.

A COCO instances source names its categories' ids (``Dataset.category_ids``): a class of that name (or alias)
keeps its id, and a class the source has no category for (the fill class of a derived label map) gets a new id
above them, said by the writer.  Otherwise a label map taken from a COCO panoptic source has index = category
id, so the ids are kept as they are (17, 63, 184 stay 17, 63, 184).  COCO has no category 0 (Datumaro drops
one): when a class has index 0 (a derived or VOC label map puts the background there), every id is the index
plus one, and the writer says so.  A supercategory comes from the regions that were painted with the class (a
COCO or panoptic source's ``categories``).

    >>> from convert.model.labelmap import LabelMap
    >>> two = [{"name": "cat", "index": 17, "level": 1}, {"name": "bed", "index": 63, "level": 1}]
    >>> category_ids(LabelMap.from_dict({"classes": two}))
    ({17: 17, 63: 63}, '')
    >>> ids, note = category_ids(LabelMap.derive(["cat"]))
    >>> ids, note
    ({0: 1, 1: 2}, "category ids made from the class indices plus one, as class 'background' has index 0, which \
no COCO category has")
    >>> category_ids(LabelMap.derive(["cat", "bed"]), {"bed": 63, "cat": 17})
    ({0: 64, 1: 17, 2: 63}, "category ids are the source's; class 'background' has no category there: id 64")
"""

from __future__ import annotations

from convert.model.labelmap import LabelMap


def category_ids(labelmap: LabelMap, source: dict[str, int] | None = None) -> tuple[dict[int, int], str]:
    """``{class index: category id}`` and, when new ids were made, the words that say so; ``source``: the
    source's ``{category name: id}``."""
    classes = sorted(labelmap.classes, key=lambda c: c.index)
    if source:
        return _sources(classes, source)
    zero = next((c for c in classes if c.index == 0), None)
    if zero is None:
        return {c.index: c.index for c in classes}, ""
    return ({c.index: c.index + 1 for c in classes},
            f"category ids made from the class indices plus one, as class {zero.name!r} has index 0, which no COCO "
            "category has")


def _sources(classes, source: dict[str, int]) -> tuple[dict[int, int], str]:
    """Each class the source's id of its name or of an alias (one class per id), the others new ids above."""
    ids: dict[int, int] = {}
    for c in classes:
        found = next((source[n] for n in (c.name, *c.aliases) if n in source), None)
        if found is not None and found not in ids.values():
            ids[c.index] = found
    new = [c for c in classes if c.index not in ids]
    top = max(ids.values(), default=0)
    ids.update({c.index: top + k for k, c in enumerate(new, 1)})
    said = "; ".join(f"class {c.name!r} has no category there: id {ids[c.index]}" for c in new[:3])
    more = f"; and {len(new) - 3} more" if len(new) > 3 else ""
    return dict(sorted(ids.items())), "category ids are the source's" + (f"; {said}{more}" if new else "")


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
