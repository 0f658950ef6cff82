"""The dataset a script holds: a delivery's samples, its label map, its subsets and what was found, to look
at, change and export.

:func:`convert.load` and :func:`convert.from_masks` make one; it wraps the reader's source (a
:class:`convert.formats.dataset.Dataset`) or the arrays, and never changes it: :meth:`Dataset.filter`,
:meth:`Dataset.subset` and :meth:`Dataset.relabel` return new datasets over the same source, so every
dataset stays what it was when it was made.

    >>> import convert
    >>> ds = convert.load("fixtures/food/cvat/annotations.xml", labels="fixtures/food/labelmap.yaml")
    >>> len(ds), ds.format, ds.labelmap["rice"].index
    (4, 'cvat', 5)
    >>> sample = ds[0]
    >>> sample.name, (sample.width, sample.height), ds.mask(sample).dtype
    ('table_01.jpg', (640, 480), dtype('uint8'))
    >>> len(ds.filter(lambda s: any(r.label == "cup" for r in s.regions)))
    2

A dataset is what the run loop (:mod:`convert.pipeline.loop`) reads: :meth:`export` and :meth:`validate`
run the command line's loop over it, with its findings and reports.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast, overload

import numpy as np

from convert.api.relabel import DROP, LabelChange, Target, replaced_map
from convert.api.run_options import CHECKING, EXPORTING, READING, RunOptions, settle
from convert.errors import UsageError
from convert.findings import Finding
from convert.formats.dataset import Dataset as Source
from convert.formats.dataset import resolve_labelmap
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.paint import paint
from convert.painting.painted import Painted
from convert.pipeline.loop import Progress, RunReport

if TYPE_CHECKING:
    from typing import Unpack

    from convert.api.painted_objects import PaintedObject
    from convert.api.run_options import ExportSettings


class Masks(NamedTuple):
    """``ds.mask(sample, instances=True)``: the class mask and the instance mask (objects numbered 1..K as
    :meth:`Dataset.objects` lists them, 0 where no object is: the fill class, void, nothing)."""

    classes: np.ndarray
    instances: np.ndarray


class Dataset:
    """A delivery loaded for a script (see the module docstring).  Made by :func:`convert.load` and
    :func:`convert.from_masks`, not directly."""

    def __init__(self, source: Source, labelmap: LabelMap, options: RunOptions, *, derived: bool = False,
                 picked: tuple[int, ...] | None = None, changes: tuple[LabelChange, ...] = (),
                 notes: tuple[Finding, ...] = (), given: Path | None = None, staging: Any = None) -> None:
        self.source = source
        self.given = given  # the path load() was given (None: arrays); what --resume records as the source
        self.staging = staging  # the local stand-ins of the URLs it was loaded from (convert.api.places.Staging)
        self.labelmap = labelmap
        self.labelmap_derived = derived  # no label map was given: the source's own or one derived from it
        self.options = options  # the reading settings it was loaded with (fmt, labels, images, rule...)
        self._picked = picked  # positions in the source, when filtered
        self._changes = changes  # label changes, applied in order
        self._notes = notes  # findings of the changes

    # ------------------------------------------------------------------ what the run loop reads
    @property
    def format(self) -> str:
        """The reader's name (``cvat``, ``coco``...), ``arrays`` for :func:`convert.from_masks`."""
        return self.source.format

    @property
    def path(self) -> str:
        """The source's path (what the reports name)."""
        return self.source.path

    @property
    def rule(self) -> str:
        """The pixel rule its samples are painted by (``coco`` or ``labelme``)."""
        return self.options.rule

    @property
    def images_given(self) -> str | None:
        return self.source.images_given

    @property
    def photos_where(self) -> str:
        return self.source.photos_where

    @property
    def category_ids(self) -> dict[str, int | None] | None:
        return self.source.category_ids

    @property
    def max_pixels(self) -> int:
        return self.options.max_pixels

    def __len__(self) -> int:
        return len(self.source) if self._picked is None else len(self._picked)

    def __getitem__(self, i: int) -> Sample:
        """The ``i``-th sample, built on demand, label changes applied (a new object each time: changing it
        changes nothing here)."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"sample {i} of a dataset of {len(self)}")
        i %= len(self)
        sample = self.source[i if self._picked is None else self._picked[i]]
        for change in self._changes:
            sample = _relabelled(sample, change)
        return sample

    def __iter__(self) -> Iterator[Sample]:
        for i in range(len(self)):
            yield self[i]

    def names(self) -> list[str]:
        """Every sample's image name, in order."""
        names = self.source.names()
        return names if self._picked is None else [names[i] for i in self._picked]

    @property
    def findings(self) -> list[Finding]:
        """What reading found (about the whole source, or about an image of this dataset) and what its label
        changes did.  Painting, checking and writing find more: :meth:`paint`'s, :meth:`validate`'s and
        :meth:`export`'s results hold those."""
        own = self.source.findings
        if self._picked is not None:
            kept = self._kept_names
            own = [f for f in own if f.image is None or f.image in kept]
        return list(own) + list(self._notes)

    @functools.cached_property
    def _kept_names(self) -> frozenset[str]:
        return frozenset(self.names())

    def fingerprint(self) -> str | None:
        """What a script made of its source (arrays, a filter, label changes), as a digest ``--resume``
        records so that a changed script never resumes another's output; ``None`` for a dataset as loaded."""
        own = self.source.fingerprint()
        if own is None and self._picked is None and not self._changes:
            return None
        view = repr((own, self._picked, [change.mapping for change in self._changes]))
        return hashlib.sha256(view.encode()).hexdigest()

    def __repr__(self) -> str:
        return f"<convert.Dataset {self.format} {self.path}: {len(self)} samples, {len(self.labelmap)} classes>"

    # ------------------------------------------------------------------ looking
    @functools.cached_property
    def subsets(self) -> dict[str | None, int]:
        """Samples per subset the source gives (``None``: no subset), in order of first appearance."""
        return dict(Counter(sample.subset for sample in self))

    def paint(self, sample: Sample, *, instances: bool = False) -> Painted:
        """``sample`` painted through the label map by the dataset's rule: the class mask, the painter's
        findings and, with ``instances``, every object (:func:`convert.paint`)."""
        return paint(sample, self.labelmap, rule=self.rule, instances=instances)

    @overload
    def mask(self, sample: Sample, *, instances: Literal[False] = ...) -> np.ndarray: ...

    @overload
    def mask(self, sample: Sample, *, instances: Literal[True]) -> Masks: ...

    def mask(self, sample: Sample, *, instances: bool = False) -> np.ndarray | Masks:
        """The ``(height, width)`` class mask of ``sample``: class indices, ``uint8`` (``uint16`` when an index
        is above 254), the bytes ``--to png`` writes.  With ``instances``, :class:`Masks` (classes, instance ids)."""
        if not instances:
            return self.paint(sample).class_mask
        from convert.formats.objects import visible_objects

        painted = self.paint(sample, instances=True)
        return Masks(painted.class_mask, visible_objects(painted, self.labelmap)[1])

    def objects(self, sample: Sample) -> list[PaintedObject]:
        """The objects of ``sample`` that show after layering, numbered 1..K in painting order (their ids in
        ``mask(sample, instances=True).instances``), with their visible pixels; the fill class, void and
        objects other classes hide entirely are not among them."""
        from convert.api.painted_objects import painted_objects

        return painted_objects(self.paint(sample, instances=True), self.labelmap)

    # ------------------------------------------------------------------ changing
    def _view(self, **changes: Any) -> Dataset:
        fields = {"labelmap": self.labelmap, "options": self.options, "derived": self.labelmap_derived,
                  "picked": self._picked, "changes": self._changes, "notes": self._notes, "given": self.given,
                  "staging": self.staging, **changes}
        labelmap, options = fields.pop("labelmap"), fields.pop("options")
        return Dataset(self.source, labelmap, options, **fields)

    def filter(self, keep: Callable[[Sample], bool]) -> Dataset:
        """The samples for which ``keep(sample)`` is true, in order (every sample is built once, now)."""
        positions = range(len(self.source)) if self._picked is None else self._picked
        return self._view(picked=tuple(p for p, sample in zip(positions, self) if keep(sample)))

    def subset(self, name: str) -> Dataset:
        """The samples of the source's subset ``name`` (a CVAT subset, a COCO file per subset...).  A name no
        sample has is an error that lists the subsets there are."""
        subsets = self.subsets
        if name not in subsets:
            from convert.suggest import did_you_mean

            there = ", ".join(f"{k} ({n})" for k, n in subsets.items() if k is not None) or "none"
            raise UsageError(f"no sample is in subset {name!r}{did_you_mean(name, [k for k in subsets if k])} "
                             f"(subsets: {there})")
        return self.filter(lambda sample: sample.subset == name)

    def relabel(self, change: Mapping[str, Target] | LabelMap | str | Path) -> Dataset:
        """A dataset with labels changed: ``{old: new}`` pairs (:mod:`convert.api.relabel`: rename, merge,
        ``None`` drops, ``convert.VOID`` paints void), or a whole new label map (a :class:`LabelMap` or a
        file).  Each change is a finding (``label-renamed``, ``label-dropped``, ``labelmap-replaced``)."""
        if isinstance(change, (LabelMap, str, Path)):  # as --labels: the source's own void labels stay void
            labelmap, _ = resolve_labelmap(self.source, change)
            note = replaced_map(self.labelmap, labelmap, self.source.label_names)
            return self._view(labelmap=labelmap, derived=False, notes=self._notes + (note,))
        step = LabelChange.of(change, self.labelmap, self.source.label_names)
        return self._view(labelmap=step.after, changes=self._changes + (step,), notes=self._notes + step.findings)

    # ------------------------------------------------------------------ running
    def validate(self, options: RunOptions | None = None, *, progress: Progress | None = None,
                 profile: dict | None = None, **changes: Any) -> RunReport:
        """Every check ``segconv validate`` runs, over this dataset; ``options`` and the keyword arguments
        are the settings of checking (``strict``, ``fail_on``, ``json_path``, ``html_path``, ``jobs``, ``dask``)."""
        from convert.api.running import check

        return check(self, self._settings(options, changes, CHECKING, "Dataset.validate()"), progress, profile)

    def export(self, out: str | Path, options: RunOptions | None = None, *, progress: Progress | None = None,
               profile: dict | None = None, **changes: Unpack[ExportSettings]) -> RunReport:
        """Write the dataset in the ``to`` layout under ``out``, with the command line's rules (OUT refused
        unless empty, ``overwrite``, ``resume``, ``strict``, ``dry_run``), checks and report.  ``split`` may
        be a mapping, ``{"train": 0.8, "val": 0.2}``; ``format_options`` are the writer's ``-O`` options."""
        from convert.api.running import export

        return export(self, out, self._settings(options, changes, EXPORTING, "Dataset.export()"),
                      progress=progress, profile=profile)

    def _settings(self, options: RunOptions | None, changes: Mapping[str, Any], allowed, what: str) -> RunOptions:
        """``options`` with ``changes``; reading settings, if given, must be the dataset's own (it is loaded)."""
        opts = settle(options, changes, allowed, what)
        for name in sorted(READING - {"format_options"}):
            given, mine = getattr(opts, name), getattr(self.options, name)
            if given != getattr(RunOptions(), name) and given != mine and not (name == "fmt" and given is None):
                raise UsageError(f"{what}: {name}={given!r}, but the dataset was loaded with {name}={mine!r}; "
                                 "a loaded dataset is changed with relabel, filter and subset")
        return opts


def _relabelled(sample: Sample, change: LabelChange) -> Sample:
    regions = []
    for region in sample.regions:
        if region.label is None:
            regions.append(region)
            continue
        label = change.new_label(region.label)
        if label is DROP:
            continue
        regions.append(region if label == region.label else dataclasses.replace(region, label=cast(str | None, label)))
    return dataclasses.replace(sample, regions=regions)
