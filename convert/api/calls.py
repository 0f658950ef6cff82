"""The command line's runs as calls: :func:`convert`, :func:`validate`, :func:`inspect`.

Each takes a :class:`~convert.api.run_options.RunOptions` (what ``segconv`` builds from its options) and/or
keyword arguments naming its fields:

    >>> from convert import api
    >>> report = api.convert("fixtures/food/annotations.json", "out",
    ...                      labels="fixtures/food/labelmap.yaml", to="png")   # doctest: +SKIP
    >>> report.written, report.exit_code()                                      # doctest: +SKIP
    (4, 0)
    >>> check = api.validate("fixtures/food/annotations.json",
    ...                      labels="fixtures/food/labelmap.yaml", json_path="report.json")  # doctest: +SKIP

:func:`convert` is :func:`~convert.api.loading.load` then :meth:`Dataset.export
<convert.api.loaded.Dataset.export>`, :func:`validate` is ``load`` then ``Dataset.validate``: the command
line, a script's calls and a script's datasets run the same code (:mod:`convert.api.running`).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from convert.api.loading import load, open_loaded
from convert.api.places import Staging
from convert.api.run_options import (
    CHECKING,
    FIELDS,
    READING,
    ConvertSettings,
    PathLike,
    ReadSettings,
    RunOptions,
    ValidateSettings,
    settle,
)
from convert.api.running import check, check_report_paths, export, refuse_writing_among_input
from convert.errors import UsageError
from convert.files.remote.urls import is_url
from convert.findings import Finding
from convert.formats.options import parse_options, split_options
from convert.formats.readers import READERS, detect_format
from convert.formats.writers import WRITERS
from convert.model.labelmap import LabelMap
from convert.pipeline.loop import Progress, RunReport, run

if TYPE_CHECKING:
    from typing import Unpack


def convert(src: PathLike, out: PathLike, options: RunOptions | None = None, *, progress: Progress | None = None,
            profile: dict | None = None, **changes: Unpack[ConvertSettings]) -> RunReport:
    """Convert ``src`` into the ``to`` layout under ``out``, running every check: ``load(src, ...)`` then
    ``.export(out, ...)``.

    ``options`` (a :class:`~convert.api.run_options.RunOptions`, the object ``segconv convert`` builds) holds
    the settings; keyword arguments change single ones (``convert(src, out, to="yolo")``).
    Findings never stop the run; a :class:`SegconvError` (unusable input,
    refused output folder) does, before anything is written.  With ``strict``
    every sample is checked first and nothing is written if any finding is a
    warning or worse.  With ``dry_run`` everything is done but the writing.
    With ``resume`` an interrupted conversion into ``out`` is completed
    (every sample is checked again, outputs that exist are kept, the rest is
    written, to the same bytes an uninterrupted run writes); where there is
    none, the run starts afresh.  ``split`` (``"train=0.8,val=0.2"``) and
    ``seed`` split images without a subset of their own, by the groups
    ``split_by`` makes (:mod:`convert.pipeline.splits`); ``format_options`` are the
    reader's and the writer's ``-O`` options.  ``json_path`` and ``html_path``
    receive the reports ``validate`` writes, with every finding of the run
    (the writer's too), also when ``strict`` refused to write or ``dry_run``
    wrote nothing; ``fail_on`` is the severity their verdict fails at
    (``strict``: warning).  ``progress(done, total)`` is called as images are done; ``profile``, a
    dict, receives seconds per stage.  Ctrl-C raises :class:`~convert.pipeline.loop.Interrupted`
    with the findings so far, and writes no report.
    """
    opts = settle(options, changes, FIELDS, "convert()")
    check_report_paths(opts)
    staging = Staging(progress)
    with staging.naming():
        return _convert(staging.source(src), out, opts, staging, progress, profile)


def _convert(source: Path, out: PathLike, opts: RunOptions, staging: Staging, progress: Progress | None,
             profile: dict | None) -> RunReport:
    """:func:`convert` of a source on this machine (a URL's stand-in: ``staging``)."""
    if not staging.url_of(source) and not is_url(out):
        refuse_writing_among_input(source, Path(out))
    writer_entry = WRITERS[opts.to]
    reader = opts.fmt or (detect_format(source) if source.exists() else None)
    reader_opts, writer_opts = split_options(opts.format_options, READERS[reader].options if reader else {},
                                             writer_entry.options, reader or "?", opts.to)
    parse_options(writer_opts, writer_entry.options, f"--to {opts.to}")  # before anything is read
    t0 = time.perf_counter()
    dataset = open_loaded(source, opts.replace(fmt=reader, format_options=reader_opts), staging)
    return export(dataset, out, opts.replace(format_options=writer_opts), progress=progress, profile=profile,
                  parse_time=time.perf_counter() - t0)

def fix(src: PathLike, out: PathLike, options: RunOptions | None = None, *, progress: Progress | None = None,
        profile: dict | None = None, **changes: Unpack[ConvertSettings]) -> RunReport:
    """Repair ``src`` by the rules ``close_gaps`` and ``min_area`` (:mod:`convert.painting.repair`) and
    write it under ``out``: :func:`convert` with the rules.  ``to`` is by default the source's own format
    when segconv writes it (a repaired delivery goes back to the tool that made it), else ``png``; the
    report's first note says which, and why (``options.to`` is not used: pass ``to=``)."""
    to = changes.pop("to", None)
    opts = settle(options, changes, FIELDS, "fix()")
    if not opts.repair():
        raise UsageError("say what to repair: --close-gaps W (bare gaps of at most W pixels) and/or --min-area A "
                         "(pieces of fewer than A pixels)")
    note = None
    check_report_paths(opts)
    staging = Staging(progress)
    with staging.naming():
        source = staging.source(src)
        if to is None:
            from convert.formats.writers import own_writer

            reader = opts.fmt or detect_format(source)
            own = own_writer(reader)
            note = (f"no --to given: writing {own}, the source's own format" if own else
                    f"no --to given: segconv cannot write {reader}, the source's format; writing png "
                    "(choose with --to)")
            to = own or "png"
        report = _convert(source, out, opts.replace(to=to), staging, progress, profile)
    if note:
        report.notes.insert(0, note)
    return report


def validate(src: PathLike, options: RunOptions | None = None, *, progress: Progress | None = None,
             profile: dict | None = None, **changes: Unpack[ValidateSettings]) -> RunReport:
    """Check ``src`` without writing masks; write the JSON and HTML reports if asked: ``load(src, ...)``
    then ``.validate(...)``.  ``options`` and the keyword arguments are :func:`convert`'s; the settings of
    writing are not used."""
    opts = settle(options, changes, READING | CHECKING, "validate()")
    check_report_paths(opts)
    t0 = time.perf_counter()
    staging = Staging(progress)
    with staging.naming():
        dataset = open_loaded(staging.source(src), opts, staging)
    return check(dataset, opts, progress, profile, parse_time=time.perf_counter() - t0)


def validate_samples(dataset, labelmap: LabelMap, *, rule: str = "coco", progress: Progress | None = None) -> RunReport:
    """Check every sample of an opened dataset, writing nothing."""
    return run(dataset, labelmap, rule=rule, progress=progress)


@dataclass
class Inventory:
    """What ``segconv inspect`` prints."""

    format: str
    path: str
    images: int
    regions: int
    labelmap: LabelMap
    labelmap_derived: bool
    regions_per_label: Counter
    images_per_label: Counter
    findings: list[Finding]
    images_per_class: Counter = dataclasses.field(default_factory=Counter)  # a class's aliases counted once


def inspect(src: PathLike, options: RunOptions | None = None, **changes: Unpack[ReadSettings]) -> Inventory:
    """Count images, regions and classes of ``src`` without painting."""
    loaded = load(src, settle(options, changes, READING, "inspect()"))
    dataset, labelmap, derived = loaded.source, loaded.labelmap, loaded.labelmap_derived
    per_label: Counter = Counter()
    images_per_label: Counter = Counter()
    images_per_class: Counter = Counter()
    findings: list[Finding] = []
    n_regions = 0
    for sample in dataset:
        findings.extend(sample.findings)
        if not sample.usable:
            continue
        labels_here = set()
        for region in sample.regions:
            if region.label is None:
                continue
            per_label[region.label] += 1
            labels_here.add(region.label)
            n_regions += 1
        images_per_label.update(labels_here)
        images_per_class.update({cls.name for cls in map(labelmap.resolve, labels_here) if cls is not None})
    said = loaded.staging.said if loaded.staging is not None else str
    every = [dataclasses.replace(f, file=said(f.file) if f.file else f.file, message=said(f.message))
             for f in [*dataset.findings, *findings]]
    return Inventory(dataset.format, said(dataset.path), len(dataset), n_regions, labelmap, derived,
                     per_label, images_per_label, every, images_per_class)
