"""The settings of a run, as one frozen object: what the command line's options say, and what a script passes.

``segconv convert`` and ``segconv validate`` build a :class:`RunOptions` from their options and hand it to
:func:`convert.convert` / :func:`convert.validate`; a script builds the same object, or passes its fields
as keyword arguments.  Everything that can be checked without reading a file is checked when the object
is made, so a wrong value fails before anything is read or written:

    >>> opts = RunOptions(to="yolo", labels="fixtures/food/labelmap.yaml", split={"train": 0.8, "val": 0.2})
    >>> opts.split, opts.to, opts.jobs
    ('train=0.8,val=0.2', 'yolo', 1)
    >>> opts.replace(jobs=4).jobs, opts.jobs                   # a changed copy; the object never changes
    (4, 1)
    >>> RunOptions(to="yollo")
    Traceback (most recent call last):
    convert.errors.UsageError: unknown output layout 'yollo'; known: png, voc, coco-rle, ...
    >>> opts.replace(lables="x.yaml")
    Traceback (most recent call last):
    TypeError: RunOptions has no field 'lables'; did you mean 'labels'?
    >>> RunOptions(labls="x.yaml")
    Traceback (most recent call last):
    TypeError: RunOptions has no field 'labls'; did you mean 'labels'?

The fields fall into groups, by what they decide (:data:`READING`, :data:`CHECKING`, :data:`WRITING`); each
call takes the keyword arguments of the groups it uses (``load`` reads, ``validate`` reads and checks,
``convert`` all three), and a :class:`RunOptions` object whole.  Messages name a setting as the command
line spells it (``--jobs``), since both are the same setting.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from convert.api.paths import PathLike
from convert.errors import UsageError
from convert.findings.severity import Severity
from convert.limits import DEFAULT_MAX_PIXELS

if TYPE_CHECKING:
    from convert.model.labelmap import LabelMap



class ReadSettings(TypedDict, total=False):
    """What is read and how it is painted: the keyword arguments of :func:`convert.load`."""

    fmt: str | None
    labels: PathLike | LabelMap | None
    images: PathLike | None
    max_pixels: int
    format_options: Mapping[str, object]
    rule: str


class CheckSettings(TypedDict, total=False):
    """How findings are judged, where the reports go, where the work runs."""

    strict: bool
    fail_on: Severity | str
    json_path: str | Path | None
    html_path: str | Path | None
    jobs: int
    dask: str | None


class WriteSettings(TypedDict, total=False):
    """What is written, and what happens to OUT."""

    to: str
    coco_mode: str
    link: bool
    split: str | Mapping[str, float] | None
    seed: int
    split_by: str
    overwrite: bool
    resume: bool
    dry_run: bool
    close_gaps: int
    min_area: int


class ValidateSettings(ReadSettings, CheckSettings, total=False):
    """The keyword arguments of :func:`convert.validate`."""


class ExportSettings(CheckSettings, WriteSettings, total=False):
    """The keyword arguments of :meth:`convert.Dataset.export`: ``format_options`` are the writer's ``-O``."""

    format_options: Mapping[str, object]


class ConvertSettings(ReadSettings, CheckSettings, WriteSettings, total=False):
    """The keyword arguments of :func:`convert.convert`: every field of :class:`RunOptions`."""


READING = frozenset(ReadSettings.__annotations__)
CHECKING = frozenset(CheckSettings.__annotations__)
WRITING = frozenset(WriteSettings.__annotations__)
EXPORTING = frozenset(ExportSettings.__annotations__)  # a loaded dataset: checking, writing, the writer's -O


def _known(name: str, choices, what: str) -> None:
    if name not in choices:
        raise UsageError(f"unknown {what} {name!r}; known: {', '.join(choices)}")


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """Every setting of a run, each as the command line's option of the same name sets it (``fmt`` is
    ``--from``, ``format_options`` the ``-O KEY=VALUE`` pairs of the reader and the writer).  Defaults are
    the command line's.  Frozen: :meth:`replace` gives a changed copy."""

    # what is read (READING)
    fmt: str | None = None
    labels: str | Path | LabelMap | None = None
    images: str | Path | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    format_options: Mapping[str, object] = field(default_factory=dict, hash=False)
    rule: str = "coco"
    # how findings are judged, where the reports go, where the work runs (CHECKING)
    strict: bool = False
    fail_on: Severity = Severity.ERROR
    json_path: str | Path | None = None
    html_path: str | Path | None = None
    jobs: int = 1
    dask: str | None = None
    # what is written (WRITING)
    to: str = "png"
    coco_mode: str = "instance"
    link: bool = False
    split: str | None = None  # "train=0.8,val=0.2"; a mapping {"train": 0.8, "val": 0.2} is written so
    seed: int = 0
    split_by: str = "sequence"
    overwrite: bool = False
    resume: bool = False
    dry_run: bool = False
    close_gaps: int = 0  # --close-gaps W: repair rule 1 (convert.painting.repair), 0 = off
    min_area: int = 0  # --min-area A: repair rule 2, 0 = off

    def __new__(cls, *args: Any, **kwargs: Any) -> RunOptions:
        """A name that is no field is a :class:`TypeError` that names the closest, as in :meth:`replace`."""
        _check_names(kwargs, FIELDS, "RunOptions")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        from convert.formats.readers import READERS
        from convert.formats.writers import WRITERS
        from convert.painting.rasterize import RULES

        if self.fmt is not None:
            _known(self.fmt, sorted(READERS), "input format")
        _known(self.to, list(WRITERS), "output layout")
        _known(self.rule, RULES, "pixel rule")
        _known(self.coco_mode, ("instance", "semantic"), "--coco-mode")
        for name in ("jobs", "max_pixels", "seed", "close_gaps", "min_area"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise UsageError(f"--{name.replace('_', '-')} must be a whole number, not {value!r}")
        for name in ("close_gaps", "min_area"):
            if getattr(self, name) < 0:
                raise UsageError(f"--{name.replace('_', '-')} must be a whole number of pixels, 1 or more "
                                 f"(0: off); got {getattr(self, name)!r}")
        if self.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if self.max_pixels < 1:
            raise UsageError("--max-pixels must be at least 1")
        try:
            object.__setattr__(self, "fail_on", Severity(self.fail_on))
        except ValueError:
            raise UsageError(f"--fail-on {self.fail_on!r}: one of error, warning, info") from None
        if not isinstance(self.format_options, Mapping):
            raise UsageError(f"format_options (-O) is a mapping of KEY to VALUE, not {self.format_options!r}")
        object.__setattr__(self, "format_options", types.MappingProxyType(dict(self.format_options)))
        split: Any = self.split
        if isinstance(split, Mapping):
            split = ",".join(f"{name}={share}" for name, share in split.items())
            object.__setattr__(self, "split", split)
        if split is not None or self.split_by != "sequence":  # splits.py (and hashlib) only for runs that split
            from convert.pipeline.splits import Split, check_rule

            if split is not None:
                Split.parse(split, self.seed, self.split_by)
            check_rule(self.split_by)

    def replace(self, **changes: Any) -> RunOptions:
        """A copy with ``changes``; a name that is no field is a :class:`TypeError` that names the closest."""
        _check_names(changes, FIELDS, "RunOptions")
        return dataclasses.replace(self, **changes) if changes else self

    def __reduce__(self):
        """Pickled (a dataset sent to ``--jobs`` workers that start by ``spawn``) as its fields, made again."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["format_options"] = dict(self.format_options)
        return (_remade, (fields,))

    def splitter(self):
        """The :class:`~convert.pipeline.splits.Split` of ``split``, ``seed`` and ``split_by``, or ``None``."""
        from convert.pipeline.splits import Split

        return Split.parse(self.split, self.seed, self.split_by) if self.split else None

    def repair(self):
        """The :class:`~convert.painting.repair.RepairRules` of ``close_gaps`` and ``min_area``, or ``None``
        when both are off."""
        from convert.painting.repair import RepairRules

        rules = RepairRules(self.close_gaps, self.min_area)
        return rules if rules else None

    def threshold(self) -> Severity:
        """The severity a run fails at: ``fail_on``, or warning with ``strict``."""
        return Severity.WARNING if self.strict else self.fail_on


FIELDS = frozenset(f.name for f in dataclasses.fields(RunOptions))


def _remade(fields: dict[str, Any]) -> RunOptions:
    return RunOptions(**fields)


def _check_names(given: Mapping[str, object], allowed, what: str) -> None:
    for name in given:
        if name not in allowed:
            from convert.suggest import did_you_mean

            where = "field" if what == "RunOptions" else "setting"
            hint = did_you_mean(name, allowed)
            if not hint and name in FIELDS:
                hint = f"; it is a setting of {_owner(name)}, not of {what}"
            raise TypeError(f"{what} has no {where} {name!r}{hint}")


def _owner(name: str) -> str:
    if name in WRITING:
        return "writing (convert.convert, Dataset.export)"
    if name in READING:
        return "reading (convert.load, convert.validate, convert.convert)"
    return "a run (convert.validate, convert.convert, Dataset.export)"


def settle(options: RunOptions | None, changes: Mapping[str, Any], allowed, what: str) -> RunOptions:
    """``options`` (default: the defaults) with ``changes``, which may only name ``allowed`` fields:
    what a call taking ``options`` and keyword arguments runs with.

    >>> settle(None, {"jobs": 2}, CHECKING, "validate()").jobs
    2
    >>> settle(None, {"to": "voc"}, READING | CHECKING, "validate()")
    Traceback (most recent call last):
    TypeError: validate() has no setting 'to'; it is a setting of writing (convert.convert, ...), not of validate()
    """
    if options is not None and not isinstance(options, RunOptions):
        raise TypeError(f"{what}: options must be a RunOptions, not {type(options).__name__} (the -O pairs of "
                        "the reader and writer are format_options=)")
    _check_names(changes, allowed, what)
    return (options or RunOptions()).replace(**changes)
