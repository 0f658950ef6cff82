"""The Cityscapes label table (cityscapesScripts ``helpers/labels.py``, ``docs/formats.md``, "Cityscapes") and the
label maps derived from it.

Facts of the table, column for column: name, id (the value in ``*_labelIds.png``), trainId (255: not
trained, ignored), hasInstances, ignoreInEval, colour.  ``license plate`` has id -1: ``createLabelImage``
never draws it.

- ``ids=label`` (the default): the 34 labels at their ids, ``unlabeled`` (the canvas ``createLabelImage``
  starts from) the fill class, every label at one level so that file order decides, as the tool paints;
  ``isthing`` = hasInstances.  The table gives several labels one colour (ids 0-4 black, ``pole`` and
  ``polegroup``); a segconv label map keeps colours unique (colour-decoding readers could not tell such
  classes apart), so a label whose colour an earlier one holds takes the next free blue value: ``ego
  vehicle`` (0, 0, 1) ... ``static`` (0, 0, 4), ``polegroup`` (153, 153, 154).  The ``--to cityscapes``
  writer paints ``*_color.png`` with the table's own colours (:func:`official_color`).
- ``ids=train``: the 19 trained labels at their trainIds; the 15 labels with trainId 255 (ignoreInEval)
  are void (255), painting in file order with the classes as ``createLabelImage -t`` paints 255.

    >>> lm = labelmap("label")
    >>> lm["car"].index, lm["car"].isthing, lm["road"].isthing, lm.fill.name, len(lm)
    (26, True, False, 'unlabeled', 34)
    >>> lm["ego vehicle"].color, official_color("ego vehicle", 1, "label")
    ((0, 0, 1), (0, 0, 0))
    >>> train = labelmap("train")
    >>> train["car"].index, len(train), train.is_void("parking"), train.void
    (13, 19, True, 255)
"""

from __future__ import annotations

from typing import NamedTuple

from convert.formats.colours import free_colour
from convert.model.labelmap import LabelClass, LabelMap


class Label(NamedTuple):
    name: str
    id: int
    train_id: int
    has_instances: bool
    ignore_in_eval: bool
    color: tuple[int, int, int]


LABELS = [Label(*row) for row in (
    ("unlabeled", 0, 255, False, True, (0, 0, 0)),
    ("ego vehicle", 1, 255, False, True, (0, 0, 0)),
    ("rectification border", 2, 255, False, True, (0, 0, 0)),
    ("out of roi", 3, 255, False, True, (0, 0, 0)),
    ("static", 4, 255, False, True, (0, 0, 0)),
    ("dynamic", 5, 255, False, True, (111, 74, 0)),
    ("ground", 6, 255, False, True, (81, 0, 81)),
    ("road", 7, 0, False, False, (128, 64, 128)),
    ("sidewalk", 8, 1, False, False, (244, 35, 232)),
    ("parking", 9, 255, False, True, (250, 170, 160)),
    ("rail track", 10, 255, False, True, (230, 150, 140)),
    ("building", 11, 2, False, False, (70, 70, 70)),
    ("wall", 12, 3, False, False, (102, 102, 156)),
    ("fence", 13, 4, False, False, (190, 153, 153)),
    ("guard rail", 14, 255, False, True, (180, 165, 180)),
    ("bridge", 15, 255, False, True, (150, 100, 100)),
    ("tunnel", 16, 255, False, True, (150, 120, 90)),
    ("pole", 17, 5, False, False, (153, 153, 153)),
    ("polegroup", 18, 255, False, True, (153, 153, 153)),
    ("traffic light", 19, 6, False, False, (250, 170, 30)),
    ("traffic sign", 20, 7, False, False, (220, 220, 0)),
    ("vegetation", 21, 8, False, False, (107, 142, 35)),
    ("terrain", 22, 9, False, False, (152, 251, 152)),
    ("sky", 23, 10, False, False, (70, 130, 180)),
    ("person", 24, 11, True, False, (220, 20, 60)),
    ("rider", 25, 12, True, False, (255, 0, 0)),
    ("car", 26, 13, True, False, (0, 0, 142)),
    ("truck", 27, 14, True, False, (0, 0, 70)),
    ("bus", 28, 15, True, False, (0, 60, 100)),
    ("caravan", 29, 255, True, True, (0, 0, 90)),
    ("trailer", 30, 255, True, True, (0, 0, 110)),
    ("train", 31, 16, True, False, (0, 80, 100)),
    ("motorcycle", 32, 17, True, False, (0, 0, 230)),
    ("bicycle", 33, 18, True, False, (119, 11, 32)),
    ("license plate", -1, -1, False, True, (0, 0, 142)),
)]
BY_NAME = {label.name: label for label in LABELS}
BY_ID = {label.id: label for label in LABELS if label.id >= 0}
IDS = ("label", "train")
LEVEL = 1  # every label at one level: the file's order decides, as createLabelImage paints


def resolve_name(label: str) -> tuple[str, bool]:
    """The table's name a polygon's label means, and whether it named a group: a trailing ``group`` is
    stripped when the label itself is not in the table (``cargroup`` -> ``car``; ``polegroup`` is a label).

    >>> resolve_name("cargroup"), resolve_name("polegroup"), resolve_name("skygroup")
    (('car', True), ('polegroup', False), ('sky', True))
    """
    if label not in BY_NAME and label.endswith("group"):
        return label[: -len("group")], True
    return label, False


def official_color(name: str, index: int, ids: str) -> tuple[int, int, int] | None:
    """The table's colour of a class that is a label of the table at its own id (or trainId), else ``None``."""
    label = BY_NAME.get(name)
    if label is None or label.id < 0 or (label.train_id if ids == "train" else label.id) != index:
        return None
    return label.color


def label_colors_map(text: str, source: str) -> LabelMap:
    """Datumaro's and CVAT's ``label_colors.txt``: ``r g b name`` per line, the line's position the id (blank
    lines and ``#`` comments skipped).  Labels of the official table keep its ``isthing``; ``unlabeled`` (else
    ``background``) is the fill class.

    >>> lm = label_colors_map("0 0 0 background\\n124 134 2 elephant\\n", "label_colors.txt")
    >>> [(c.name, c.index, c.color, c.fill) for c in lm.classes]
    [('background', 0, (0, 0, 0), True), ('elephant', 1, (124, 134, 2), False)]
    """
    from convert.errors import SegconvError

    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(maxsplit=3)
        try:
            color = tuple(int(v) for v in fields[:3])
        except ValueError:
            color = ()
        if len(fields) != 4 or len(color) != 3 or not all(0 <= v <= 255 for v in color):
            raise SegconvError(f"expected 'r g b name' (values 0..255), got {line.strip()!r}", file=source,
                               element=f"line {n}", line=n)
        rows.append((fields[3].strip(), (color[0], color[1], color[2])))
    if not rows:
        raise SegconvError("the label table is empty", file=source)
    names = [name for name, _ in rows]
    fill = "unlabeled" if "unlabeled" in names else "background" if "background" in names else None
    taken: set[tuple[int, int, int]] = set()
    classes = []
    for index, (name, color) in enumerate(rows):
        if index == 255:
            continue  # 255 is void
        label = BY_NAME.get(name)
        classes.append(LabelClass(name, index, LEVEL, free_colour(color, taken), fill=name == fill,
                                  isthing=label.has_instances if label else None))
    return LabelMap._checked(classes, 255, (), source)


def labelmap(ids: str = "label") -> LabelMap:
    """The label map of the table under ``ids`` (``label`` or ``train``)."""
    taken: set[tuple[int, int, int]] = set()
    classes = []
    void_aliases = []
    for label in LABELS:
        if label.id < 0:
            continue
        index = label.train_id if ids == "train" else label.id
        if index == 255:
            void_aliases.append(label.name)
            continue
        classes.append(LabelClass(label.name, index, LEVEL, free_colour(label.color, taken),
                                  fill=(ids != "train" and label.id == 0), isthing=label.has_instances))
    source = f"the Cityscapes label table ({'trainIds' if ids == 'train' else 'labelIds'}, cityscapesScripts)"
    return LabelMap._checked(classes, 255, tuple(void_aliases), source, LEVEL if void_aliases else None)
