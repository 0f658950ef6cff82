"""The label map: which classes exist, their pixel value, colour and level.

A class's ``index`` is the value written into masks, its ``level`` says what
paints over what (higher over lower), ``aliases`` are source label names that
mean it, at most one ``fill`` class covers whatever nothing else covers, and
``within`` names the classes a class must lie on ("food within plate, bowl";
the validator counts the pixels outside).
``void`` (default 255) marks "don't care" pixels and is never a class.

    >>> lm = LabelMap.from_dict({"classes": [
    ...     {"name": "background", "index": 0, "level": 0, "fill": True},
    ...     {"name": "plate", "index": 1, "level": 1, "aliases": ["dish"]},
    ...     {"name": "rice", "index": 4, "level": 2}]})
    >>> lm.resolve("dish").name, lm.resolve("rice").level, lm.fill.name
    ('plate', 2, 'background')
    >>> lm.resolve("Rice") is None
    True
    >>> lm["rice"].color          # default: the VOC colormap of the index
    (0, 0, 128)
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convert.errors import SegconvError
from convert.model import schemas
from convert.model.labelmap_file import read_labelmap_file

MAX_INDEX_8BIT = 254
MAX_INDEX_16BIT = 65534


def voc_color(index: int) -> tuple[int, int, int]:
    """Pascal VOC colormap (devkit ``VOClabelcolormap.m``).

    >>> voc_color(0), voc_color(1), voc_color(15), voc_color(255)
    ((0, 0, 0), (128, 0, 0), (192, 128, 128), (224, 224, 192))
    """
    r = g = b = 0
    c = index
    for j in range(7, -1, -1):
        r |= ((c >> 0) & 1) << j
        g |= ((c >> 1) & 1) << j
        b |= ((c >> 2) & 1) << j
        c >>= 3
    return (r, g, b)


def _parse_color(value) -> tuple[int, int, int]:
    if isinstance(value, str):
        return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
    return (int(value[0]), int(value[1]), int(value[2]))




@dataclass(frozen=True, slots=True)
class LabelClass:
    """One class of the label map."""

    name: str
    index: int
    level: int
    color: tuple[int, int, int]
    aliases: tuple[str, ...] = ()
    fill: bool = False
    within: tuple[str, ...] = ()  # classes this one must lie on ("food within plate, bowl")
    isthing: bool | None = None  # COCO panoptic thing (True) or stuff (False); None: decided from the source

    def to_dict(self) -> dict:
        out = {"name": self.name, "index": self.index, "level": self.level, "color": list(self.color)}
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if self.fill:
            out["fill"] = True
        if self.within:
            out["within"] = list(self.within)
        if self.isthing is not None:
            out["isthing"] = self.isthing
        return out


@dataclass(frozen=True)
class LabelMap:
    """An immutable, validated set of classes.  Build it with :meth:`from_dict`,
    :meth:`load` or :meth:`derive`."""

    classes: tuple[LabelClass, ...]
    void: int = 255
    void_aliases: tuple[str, ...] = ()
    source: str | None = None
    void_level: int | None = None  # None: void regions paint above every level
    every_pixel_drawn: bool = False  # pixels only the fill class covers are findings
    _lookup: dict = field(default_factory=dict, repr=False, compare=False)  # filled by __post_init__

    # ---------------------------------------------------------------- build
    @classmethod
    def from_dict(cls, data, *, source: str | None = None) -> LabelMap:
        """Validate ``data`` against ``schemas/labelmap.schema.json`` and the rules
        a schema cannot express (unique names, indices, aliases and colours, one
        fill class, no class on the void value)."""
        schemas.validate(data, "labelmap", file=source)
        void = int(data.get("void", 255))
        classes = []
        for _i, c in enumerate(data["classes"]):
            color = _parse_color(c["color"]) if "color" in c else voc_color(c["index"])
            classes.append(
                LabelClass(
                    name=c["name"],
                    index=c["index"],
                    level=c["level"],
                    color=color,
                    aliases=tuple(c.get("aliases", ())),
                    fill=bool(c.get("fill", False)),
                    within=tuple(c.get("within", ())),
                    isthing=c.get("isthing"),
                )
            )
        return cls._checked(classes, void, tuple(data.get("void_aliases", ())), source, data.get("void_level"),
                            bool(data.get("every_pixel_drawn", False)))

    @classmethod
    def _checked(cls, classes, void, void_aliases, source, void_level=None, every_pixel_drawn=False) -> LabelMap:
        def fail(msg, i):
            raise SegconvError(msg, file=source, element=f"classes[{i}] ({classes[i].name})")

        names: dict[str, int] = {}
        indices: dict[int, int] = {}
        colors: dict[tuple, int] = {}
        fills = []
        for i, c in enumerate(classes):
            if c.name in names:
                fail(f"duplicate class name {c.name!r} (also classes[{names[c.name]}])", i)
            names[c.name] = i
            if c.index in indices:
                other = classes[indices[c.index]].name
                fail(f"index {c.index} is already used by {other!r}", i)
            indices[c.index] = i
            if c.index == void:
                fail(f"index {c.index} is the void value; void is never a class", i)
            if c.color in colors:
                other = classes[colors[c.color]].name
                fail(
                    f"colour {c.color} is already used by {other!r}; colour-based readers "
                    "(Datumaro, CVAT) could not tell the classes apart",
                    i,
                )
            colors[c.color] = i
            if c.fill:
                fills.append(i)
        if len(fills) > 1:
            fail(f"more than one fill class: {[classes[i].name for i in fills]}", fills[1])
        owner: dict[str, str] = {c.name: c.name for c in classes}
        for i, c in enumerate(classes):
            for alias in c.aliases:
                if alias in owner and owner[alias] != c.name:
                    fail(f"alias {alias!r} already names class {owner[alias]!r}", i)
                owner[alias] = c.name
        for i, c in enumerate(classes):
            for name in c.within:
                if name not in names:
                    fail(f"'within' names {name!r}, which is not a class", i)
                if name == c.name:
                    fail("'within' names the class itself", i)
        for alias in void_aliases:
            if alias in owner:
                raise SegconvError(
                    f"void alias {alias!r} already names class {owner[alias]!r}",
                    file=source,
                    element="void_aliases",
                )
        if every_pixel_drawn and not any(c.fill for c in classes):
            raise SegconvError("every_pixel_drawn needs a fill class (without one, uncovered pixels are void "
                               "and always reported)", file=source, element="every_pixel_drawn")
        return cls(tuple(classes), void, tuple(void_aliases), source, void_level, every_pixel_drawn)

    @classmethod
    def load(cls, path: str | Path) -> LabelMap:
        """Read a label map from a ``.json``, ``.yaml`` or ``.yml`` file."""
        path = Path(path)
        text, data = read_labelmap_file(path)
        if path.suffix.lower() == ".txt":
            return cls.from_txt(text, source=str(path))
        labelmap = cls.from_dict(data, source=str(path))
        if path.suffix.lower() != ".json":
            schemas.remember_document(text, "labelmap", data)  # the next run needs no YAML parser
        return labelmap

    @classmethod
    def from_txt(cls, text: str, *, source: str | None = None) -> LabelMap:
        """A label map from a ``.txt`` label list, in either syntax:

        - Datumaro / CVAT ``labelmap.txt`` (lines ``name:r,g,b:parts:actions``):
          the line position is the index, the colour is kept, the class
          coloured (0, 0, 0) -- or else the one named ``background`` -- is the
          fill class at level 0, the others are at level 1.
        - labelme ``labels.txt`` (one name per line): ``__ignore__`` is void,
          ``_background_`` index 0 and the fill class, the others 1, 2, ... at
          level 1, void painting in file order with them (``void_level`` 1), as
          ``labelme2voc`` does.

        >>> lm = LabelMap.from_txt("__ignore__\\n_background_\\ncat\\ndog\\n")
        >>> [(c.name, c.index) for c in lm.classes], lm.void_aliases
        ([('_background_', 0), ('cat', 1), ('dog', 2)], ('__ignore__',))
        >>> LabelMap.from_txt("background:0,0,0::\\nplate:9,9,9::\\n")["plate"].color
        (9, 9, 9)
        """
        lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
        lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
        if not lines:
            raise SegconvError("label list is empty", file=source)
        if any(":" in line for _, line in lines):
            return cls._from_datumaro_txt(lines, source)
        classes, void_aliases, index = [], [], 0
        for _n, name in lines:
            if name == "__ignore__":
                void_aliases.append(name)
                continue
            is_bg = name == "_background_"
            classes.append(LabelClass(name, index, 0 if is_bg else 1, voc_color(index), fill=is_bg))
            index += 1
            if index == 255:
                index += 1
        return cls._checked(classes, 255, tuple(void_aliases), source, 1 if void_aliases else None)

    @classmethod
    def _from_datumaro_txt(cls, lines, source) -> LabelMap:
        parsed = []
        for n, line in lines:
            fields = line.split(":")
            if len(fields) != 4:
                raise SegconvError(f"expected 'name:r,g,b:parts:actions', got {line!r}", file=source,
                                   element=f"line {n}", line=n)
            name, color_text = fields[0].strip(), fields[1].strip()
            color = None
            if color_text:
                try:
                    color = tuple(int(v) for v in color_text.split(","))
                except ValueError:
                    color = ()
                if len(color) != 3 or not all(0 <= v <= 255 for v in color):
                    raise SegconvError(f"colour must be 'r,g,b' with values 0..255, got {color_text!r}",
                                       file=source, element=f"line {n} ({name})", line=n)
            parsed.append((name, color))
        background = next((i for i, (_, c) in enumerate(parsed) if c == (0, 0, 0)), None)
        if background is None:
            background = next((i for i, (nm, _) in enumerate(parsed) if nm == "background"), None)
        classes = []
        for i, (name, color) in enumerate(parsed):
            if name.startswith("_unused_") and name.endswith("_"):
                continue  # gap fillers written by segconv and CVAT
            if name == "ignored" and color == voc_color(255):
                continue  # Datumaro's void marker
            is_bg = i == background
            rgb = (color[0], color[1], color[2]) if color else voc_color(i)
            classes.append(LabelClass(name, i, 0 if is_bg else 1, rgb, fill=is_bg))
        return cls._checked(classes, 255, (), source)

    @classmethod
    def derive(cls, names: Iterable[str], *, source: str | None = None) -> LabelMap:
        """The label map used when the user gives none: ``background`` (index 0,
        level 0, fill) and every source category at level 1, in source order.
        labelme's conventions hold: ``__ignore__`` is void and ``_background_``
        is the fill class, as in ``labelme2voc`` (void then paints in file order with the classes of
        level 1, ``void_level: 1``, as there).

        >>> [ (c.name, c.index, c.level) for c in LabelMap.derive(["plate", "rice"]).classes]
        [('background', 0, 0), ('plate', 1, 1), ('rice', 2, 1)]
        >>> lm = LabelMap.derive(["__ignore__", "_background_", "cat"])
        >>> [c.name for c in lm.classes], lm.void_aliases
        (['_background_', 'cat'], ('__ignore__',))
        """
        names = list(dict.fromkeys(names))
        void_aliases = tuple(n for n in names if n == "__ignore__")
        background = "_background_" if "_background_" in names else "background"
        classes = [LabelClass(background, 0, 0, voc_color(0), fill=True)]
        index = 1
        for name in names:
            if name in (background, "__ignore__"):
                continue
            if index == 255:  # keep 255 free for void
                index += 1
            classes.append(LabelClass(name, index, 1, voc_color(index)))
            index += 1
        return cls._checked(classes, 255, void_aliases, source, 1 if void_aliases else None)

    # ---------------------------------------------------------------- use
    def __post_init__(self) -> None:
        lookup = {}
        for c in self.classes:
            lookup[c.name] = c
            for alias in c.aliases:
                lookup[alias] = c
        object.__setattr__(self, "_lookup", lookup)

    def __getitem__(self, name: str) -> LabelClass:
        return self._lookup[name]

    def __len__(self) -> int:
        return len(self.classes)

    def __iter__(self):
        return iter(self.classes)

    def resolve(self, label: str) -> LabelClass | None:
        """The class that ``label`` (a name or an alias) means, or ``None``."""
        return self._lookup.get(label)

    def is_void(self, label: str) -> bool:
        return label in self.void_aliases

    def with_void_aliases(self, names) -> LabelMap:
        """This map reading ``names`` as void too, those it does not know already: a source's own void labels
        (labelme's ``__ignore__``, the void shapes segconv's writers add) under a label map given for it.

        >>> lm = LabelMap.derive(["plate"]).with_void_aliases(["__ignore__", "plate"])
        >>> lm.void_aliases, lm.resolve("plate").name
        (('__ignore__',), 'plate')
        """
        extra = tuple(dict.fromkeys(n for n in names if self.resolve(n) is None and n not in self.void_aliases))
        if not extra:
            return self
        return LabelMap._checked(list(self.classes), self.void, self.void_aliases + extra, self.source,
                                 self.void_level, self.every_pixel_drawn)

    def suggest(self, label: str) -> str | None:
        """The known name ``label`` probably means: equal up to case and spaces, else a close spelling.

        >>> LabelMap.derive(["plate", "bowl"]).suggest("plat"), LabelMap.derive(["plate"]).suggest(" Plate")
        ('plate', 'plate')
        """
        key = label.strip().casefold()
        for name in self._lookup:
            if name.strip().casefold() == key:
                return name
        folded = {name.casefold(): name for name in self._lookup}
        close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.75)
        return folded[close[0]] if close else None

    @property
    def fill(self) -> LabelClass | None:
        for c in self.classes:
            if c.fill:
                return c
        return None

    @property
    def max_index(self) -> int:
        return max(c.index for c in self.classes)

    @property
    def dtype(self) -> np.dtype:
        """``uint8`` while every index and void fit in 0..255, else ``uint16``."""
        if self.max_index <= MAX_INDEX_8BIT and self.void <= 255:
            return np.dtype(np.uint8)
        return np.dtype(np.uint16)

    def levels(self) -> list[int]:
        return sorted({c.level for c in self.classes})

    @functools.cached_property
    def _palette(self) -> tuple[int, ...]:
        colors = [voc_color(i) for i in range(256)]
        for c in self.classes:
            if c.index < 256:
                colors[c.index] = c.color
        return tuple(v for rgb in colors for v in rgb)

    def palette(self) -> list[int]:
        """A 768-entry PIL palette: class colours at their index, VOC colours elsewhere."""
        return list(self._palette)

    # ---------------------------------------------------------------- write
    def to_dict(self) -> dict:
        out: dict = {"void": self.void}
        if self.void_aliases:
            out["void_aliases"] = list(self.void_aliases)
        if self.void_level is not None:
            out["void_level"] = self.void_level
        if self.every_pixel_drawn:
            out["every_pixel_drawn"] = True
        out["classes"] = [c.to_dict() for c in sorted(self.classes, key=lambda c: c.index)]
        return out

    def to_yaml(self) -> str:
        """YAML with one class per line, ready for a person to edit levels."""
        lines = [f"void: {self.void}"]
        if self.void_aliases:
            lines.append(f"void_aliases: {json.dumps(list(self.void_aliases))}")
        if self.void_level is not None:
            lines.append(f"void_level: {self.void_level}")
        if self.every_pixel_drawn:
            lines.append("every_pixel_drawn: true")
        lines.append("classes:")
        for c in sorted(self.classes, key=lambda c: c.index):
            fields = [
                f"name: {json.dumps(c.name)}",
                f"index: {c.index}",
                f"level: {c.level}",
                f"color: {list(c.color)}",
            ]
            if c.aliases:
                fields.append(f"aliases: {json.dumps(list(c.aliases))}")
            if c.fill:
                fields.append("fill: true")
            if c.within:
                fields.append(f"within: {json.dumps(list(c.within))}")
            if c.isthing is not None:
                fields.append(f"isthing: {'true' if c.isthing else 'false'}")
            lines.append("  - {" + ", ".join(fields) + "}")
        return "\n".join(lines) + "\n"

    def to_labelmap_txt(self) -> str:
        """Datumaro / CVAT ``labelmap.txt``: ``name:r,g,b::`` per line, the line
        number being the index.  Gaps between indices are filled with
        ``_unused_<i>_`` lines, as CVAT's "Segmentation mask" format requires,
        and a last ``ignored`` line declares the void colour, as Datumaro's own
        VOC label map does (read back, it is void, not a class)."""
        by_index = {c.index: c for c in self.classes}
        lines = ["# label:color_rgb:parts:actions"]
        for i in range(self.max_index + 1):
            c = by_index.get(i)
            name, color = (c.name, c.color) if c else (f"_unused_{i}_", voc_color(i))
            lines.append(f"{name}:{color[0]},{color[1]},{color[2]}::")
        if self.void < 256 and "ignored" not in self._lookup:
            # Datumaro's convention for void: without it, void pixels are an "Undeclared color"
            r, g, b = voc_color(self.void)
            lines.append(f"ignored:{r},{g},{b}::")
        return "\n".join(lines) + "\n"

