"""What the writers of editable shapes keep from the source's regions of an object: its group, whether it is
occluded, who made it, its attributes and flags, whether it is a crowd.  An object may come from several
regions (a CVAT group, a labelme ``group_id``); the first region with a value gives it.

    >>> from convert.model.sample import Box, Origin, Region
    >>> o = Origin("a.xml")
    >>> r = Region("car", Box(0, 0, 1, 1), (0, 0), o, instance=("group", "4"),
    ...            attributes={"occluded": True, "source": "auto", "attribute:colour": "red"})
    >>> source_group([r]), occluded([r]), made_by([r]), cvat_attributes([r])
    (4, True, 'auto', {'colour': 'red'})
"""

from __future__ import annotations


def source_group(regions) -> int | None:
    """The source's group id of an object: CVAT's ``group_id``, labelme's ``group_id``."""
    for region in regions:
        instance = region.instance
        if isinstance(instance, tuple) and len(instance) == 2 and instance[0] == "group":
            try:
                return int(instance[1])
            except (TypeError, ValueError):
                continue
        group = region.attributes.get("group_id")
        if isinstance(group, int) and not isinstance(group, bool):
            return group
    return None


def occluded(regions) -> bool:
    return any(region.attributes.get("occluded") is True for region in regions)


def made_by(regions) -> str | None:
    """CVAT's ``source`` (``manual``, ``auto``, ``semi-auto``, ``file``...), when the source said."""
    return next((r.attributes["source"] for r in regions if isinstance(r.attributes.get("source"), str)), None)


def cvat_attributes(regions) -> dict[str, str]:
    """CVAT ``<attribute>`` values (``attribute:<name>`` on the regions), the first region's value of each."""
    out: dict[str, str] = {}
    for region in regions:
        for key, value in region.attributes.items():
            if key.startswith("attribute:"):
                out.setdefault(key[len("attribute:"):], str(value))
    return out


def crowd(regions) -> bool:
    return any(region.crowd for region in regions)


def labelme_flags(regions) -> dict:
    """labelme's shape ``flags`` (names to booleans), the first region's."""
    for region in regions:
        flags = region.attributes.get("flags")
        if isinstance(flags, dict) and all(isinstance(k, str) and isinstance(v, bool) for k, v in flags.items()):
            return dict(flags)
    return {}


def description(regions) -> str:
    """labelme's shape ``description``, the first region's."""
    return next((r.attributes["description"] for r in regions if isinstance(r.attributes.get("description"), str)),
                "")


def new_groups(taken: set[int]):
    """Group ids for objects that need one and have none: above every id the image's objects keep.

    >>> ids = new_groups({3, 7}); next(ids), next(ids)
    (8, 9)
    """
    k = max(taken, default=0)
    while True:
        k += 1
        yield k
