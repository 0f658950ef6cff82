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
no COCO category may have")
    >>> category_ids(LabelMap.derive(["cat", "bed"]), {"bed": 63, "cat": 17})
    ({0: 64, 1: 17, 2: 63}, "category ids are the source's; class 'background' has no category there: id 64")
"""

from __future__ import annotations

from convert.model.labelmap import LabelMap


def category_ids(labelmap: LabelMap, source: dict[str, int | None] | None = None) -> tuple[dict[int, int], str]:
    """``{class index: category id}`` and, when new ids were made, the words that say so; ``source``: the
    source's ``{category name: id}``, ``None`` for a name its files give different ids."""
    classes = sorted(labelmap.classes, key=lambda c: c.index)
    if source:
        return _sources(classes, source)
    zero = next((c for c in classes if c.index == 0), None)
    if zero is None:
        return {c.index: c.index for c in classes}, ""
    return ({c.index: c.index + 1 for c in classes},
            f"category ids made from the class indices plus one, as class {zero.name!r} has index 0, which no COCO "
            "category may have")


def _sources(classes, source: dict[str, int | None]) -> tuple[dict[int, int], str]:
    """Each class the source's id of its name or of an alias (one class per id, never 0), the others new ids
    above, each with why.

        >>> _sources(LabelMap.derive(["a", "b", "c"]).classes, {"a": 0, "b": None, "c": 4})[1].split("; ")[1:]
        ["class 'background' has no category there: id 5", "class 'a' has category id 0, which no COCO category \
may have: id 6", "class 'b' has different ids in the source's files: id 7"]
    """
    ids: dict[int, int] = {}
    why: dict[int, str] = {}
    for c in classes:
        name = next((n for n in (c.name, *c.aliases) if n in source), None)
        found = source[name] if name is not None else None
        if name is None:
            why[c.index] = "has no category there"
        elif found is None:
            why[c.index] = "has different ids in the source's files"
        elif found <= 0:
            why[c.index] = f"has category id {found}, which no COCO category may have"
        elif found in ids.values():
            why[c.index] = f"shares category id {found} with another class"
        else:
            ids[c.index] = found
    new = [c for c in classes if c.index not in ids]
    head = "category ids are the source's" if ids else "no category id of the source's could be kept"
    top = max(ids.values(), default=0)
    ids.update({c.index: top + k for k, c in enumerate(new, 1)})
    said = "; ".join(f"class {c.name!r} {why[c.index]}: id {ids[c.index]}" for c in new[:3])
    more = f"; and {len(new) - 3} more" if len(new) > 3 else ""
    return dict(sorted(ids.items())), head + (f"; {said}{more}" if new else "")


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
