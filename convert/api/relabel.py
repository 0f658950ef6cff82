"""Label changes a script makes: rename, merge, drop, paint as void, or a whole new label map.

A change is written ``{old: new}``.  ``old`` is a class of the label map (its regions are those whose label
the map resolves to it: its name and its aliases) or one of the source's own labels; ``new`` is

- a name that is no class: the class is renamed (index, level, colour and aliases kept);
- a class (by name or alias): the regions are painted as that class, and ``old``'s class leaves the map
  (merged: its index is no longer written);
- ``None``: the regions are dropped (not painted: the pixels show what lies beneath), the class leaves the map;
- :data:`VOID`: the regions are painted as void (``labelmap.void``, "don't care"), the class leaves the map.

Indices of the other classes never change (a new numbering is a new label map).  Every change is a finding
(``label-renamed``, ``label-dropped``), which the run's reports list with the rest:

    >>> from convert.model.labelmap import LabelMap
    >>> lm = LabelMap.derive(["plate", "bowl", "cup"])
    >>> change = LabelChange.of({"plate": "dish", "bowl": "dish", "cup": None}, lm, ["plate", "bowl", "cup"])
    >>> [(c.name, c.index) for c in change.after.classes]
    [('background', 0), ('dish', 1)]
    >>> change.new_label("bowl"), change.new_label("cup") is DROP, change.new_label("background")
    ('dish', True, 'background')
    >>> [f.message for f in change.findings][1]
    "class 'bowl' (index 2) merged into 'dish' (index 1): its regions are painted as 'dish'"
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from convert.errors import UsageError
from convert.findings import Finding
from convert.model.labelmap import LabelClass, LabelMap
from convert.suggest import did_you_mean


class _Void:
    """The value of :data:`VOID`: regions painted as void."""

    _instance: _Void | None = None

    def __new__(cls) -> _Void:  # one value, also after pickling (worker processes)
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "convert.VOID"

    def __reduce__(self):
        return (_Void, ())


VOID = _Void()
DROP = object()  # internal: the region is removed (``{old: None}``)
Target = str | _Void | None


@dataclass(frozen=True)
class LabelChange:
    """One ``{old: new}`` step: the label map ``after`` it, what each source label becomes
    (:meth:`new_label`), and its findings."""

    before: LabelMap
    after: LabelMap
    mapping: tuple[tuple[str, Target], ...]
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, mapping: Mapping[str, Target], labelmap: LabelMap, source_labels: Iterable[str]) -> LabelChange:
        """Check ``mapping`` against ``labelmap`` and the source's labels and work out the new label map."""
        if not isinstance(mapping, Mapping) or not mapping:
            raise UsageError("relabel: give {old: new} pairs (or a label map)")
        known = list(dict.fromkeys([*source_labels, *(c.name for c in labelmap.classes),
                                    *(a for c in labelmap.classes for a in c.aliases)]))
        classes = {c.name: c for c in labelmap.classes}
        findings: list[Finding] = []
        removed: dict[str, str | None] = {}  # class leaving the map -> the class it went into (merge) or None
        renamed: dict[str, str] = {}
        dropped_aliases: set[str] = set()
        where = f"relabel {dict(mapping)!r}"
        for old, new in mapping.items():
            if not isinstance(old, str) or not (new is None or isinstance(new, (str, _Void))):
                raise UsageError(f"relabel: {old!r}: {new!r}: a label name maps to a name, None (drop) or "
                                 "convert.VOID")
            if old not in known:
                raise UsageError(f"relabel: {old!r} is neither a label of the source nor a class of the label map"
                                 f"{did_you_mean(old, known)}")
            klass = classes.get(old)
            owner = klass or labelmap.resolve(old)  # the class whose regions (or some of them) change
            what = f"class {old!r} (index {klass.index})" if klass else f"label {old!r}" + (
                f" (class {owner.name!r})" if owner else "")
            if klass is None and owner is not None:
                dropped_aliases.add(old)
            if new is None or isinstance(new, _Void):
                if klass:
                    removed[old] = None
                done = ("dropped: its regions are not painted (the pixels show what lies beneath)" if new is None
                        else f"painted as void ({labelmap.void}): its pixels are \"don't care\"")
                findings.append(Finding("label-dropped", f"{what} {done}", file=labelmap.source, element=where))
                continue
            if new == old:
                raise UsageError(f"relabel: {old!r} is mapped to itself")
            into = labelmap.resolve(new)
            if into is not None and into.name not in mapping:
                if klass:
                    removed[old] = into.name
                findings.append(Finding("label-renamed", f"{what} merged into {into.name!r} (index {into.index}): "
                                        f"its regions are painted as {into.name!r}", file=labelmap.source,
                                        element=where))
                continue
            if klass is None:
                raise UsageError(f"relabel: {old!r} is not a class, and {new!r} is no class to paint it as; "
                                 "rename its class, or give a label map that has one")
            if new in renamed.values():  # two classes renamed to one new name: a merge, said as such
                first = next(k for k, v in renamed.items() if v == new)
                removed[old] = first
                findings.append(Finding("label-renamed", f"{what} merged into {new!r} (index "
                                        f"{classes[first].index}): its regions are painted as {new!r}",
                                        file=labelmap.source, element=where))
                continue
            renamed[old] = new
            findings.append(Finding("label-renamed", f"{what} renamed {new!r} (index, level and colour kept)",
                                    file=labelmap.source, element=where))
        after = _changed_map(labelmap, renamed, removed, dropped_aliases)
        targets = {old: renamed.get(old, new) if isinstance(new, str) else new for old, new in mapping.items()}
        for old, went in removed.items():
            if went is not None:
                targets[old] = renamed.get(went, went)
        return cls(labelmap, after, tuple(targets.items()), tuple(findings))

    @functools.cached_property
    def _targets(self) -> dict[str, Target]:
        return dict(self.mapping)

    def new_label(self, label: str) -> str | object | None:
        """What a region labelled ``label`` becomes: a label, ``None`` (void) or :data:`DROP`."""
        mapping = self._targets
        if label in mapping:
            target = mapping[label]
        else:
            cls = self.before.resolve(label)
            if cls is None or cls.name not in mapping:
                return label
            target = mapping[cls.name]
        if target is None:
            return DROP
        return None if isinstance(target, _Void) else target


def _changed_map(lm: LabelMap, renamed: dict[str, str], removed: dict[str, str | None],
                 dropped_aliases: set[str]) -> LabelMap:
    """``lm`` with classes renamed, removed classes gone (``within`` pointing at them redirected to the class
    they went into, or left out), and aliases that now name nothing dropped."""

    def name(n: str) -> str | None:
        if n in removed:
            n2 = removed[n]
            return None if n2 is None else renamed.get(n2, n2)
        return renamed.get(n, n)

    classes: list[LabelClass] = []
    for c in lm.classes:
        if c.name in removed:
            continue
        within = tuple(dict.fromkeys(w for w in (name(x) for x in c.within) if w is not None and w != name(c.name)))
        aliases = tuple(a for a in c.aliases if a not in dropped_aliases and a != renamed.get(c.name))
        classes.append(replace(c, name=renamed.get(c.name, c.name), within=within, aliases=aliases))
    if not classes:
        raise UsageError("relabel: no class would be left in the label map")
    return LabelMap._checked(classes, lm.void, lm.void_aliases, lm.source, lm.void_level,
                             lm.every_pixel_drawn and any(c.fill for c in classes))


def replaced_map(before: LabelMap, after: LabelMap, source_labels: Iterable[str]) -> Finding:
    """The ``labelmap-replaced`` finding of a new label map: what it changes, and the source's labels it does
    not know (painted as void and reported as ``unknown-label``).

    >>> old, new = LabelMap.derive(["plate", "cup"]), LabelMap.derive(["cup", "rice"])
    >>> print(replaced_map(old, new, ["plate", "cup"]).message)  # doctest: +NORMALIZE_WHITESPACE
    label map replaced: re-indexed cup 2→1; left out plate; new rice; source labels it does not know
    (painted as void, reported as unknown-label): plate
    """
    parts = []
    old = {c.name: c for c in before.classes}
    new = {c.name: c for c in after.classes}
    moved = [f"{n} {old[n].index}→{new[n].index}" for n in new if n in old and old[n].index != new[n].index]
    if moved:
        parts.append("re-indexed " + ", ".join(moved))
    gone = [n for n in old if n not in new]
    if gone:
        parts.append("left out " + ", ".join(gone))
    added = [n for n in new if n not in old]
    if added:
        parts.append("new " + ", ".join(added))
    unknown = [n for n in dict.fromkeys(source_labels) if after.resolve(n) is None and not after.is_void(n)]
    if unknown:
        parts.append("source labels it does not know (painted as void, reported as unknown-label): "
                     + ", ".join(unknown))
    return Finding("labelmap-replaced", "label map replaced" + (": " + "; ".join(parts) if parts else
                                                                 " (the same classes and indices)"),
                   file=after.source)
