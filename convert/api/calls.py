"""The command line's runs as calls: :func:`convert`, :func:`validate`, :func:`inspect`.

Each takes a :class:`~convert.api.options.RunOptions` (what ``segconv`` builds from its options) and/or
keyword arguments naming its fields:

    >>> from convert import api
    >>> report = api.convert("fixtures/food/annotations.json", "out",
    ...                      labels="fixtures/food/labelmap.yaml", to="png")   # doctest: +SKIP
    >>> report.written, report.exit_code()                                      # doctest: +SKIP
    (4, 0)
    >>> check = api.validate("fixtures/food/annotations.json",
    ...                      labels="fixtures/food/labelmap.yaml", json_path="report.json")  # doctest: +SKIP

:func:`convert` and :func:`validate` share one loop (:mod:`convert.pipeline.loop`); the output folder's
rules (refuse, overwrite, resume) are :mod:`convert.pipeline.outfolder`'s.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from inspect import signature
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convert.api.options import (
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
from convert.errors import SegconvError, UsageError
from convert.findings import Finding
from convert.findings.severity import Severity
from convert.formats.dataset import Dataset as Source
from convert.formats.dataset import resolve_labelmap
from convert.formats.options import parse_options, split_options
from convert.formats.readers import READERS, detect_format, open_dataset
from convert.formats.writers import WRITERS
from convert.model.labelmap import LabelMap
from convert.pipeline.environment import EnvironmentProblem
from convert.pipeline.loop import Interrupted, Progress, RunReport, run

if TYPE_CHECKING:
    from typing import Unpack

def _version() -> str:
    from convert import __version__

    return __version__




def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


def _check_report_paths(opts: RunOptions) -> None:
    for option, path in (("--json", opts.json_path), ("--html", opts.html_path)):
        if path is not None and Path(path).is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name")


def _open(src: PathLike, opts: RunOptions, reader_options: Mapping[str, object]) -> Source:
    fmt = opts.fmt or detect_format(src)
    return open_dataset(src, fmt, max_pixels=opts.max_pixels, images=opts.images, options=dict(reader_options))


def _reader_options(opts: RunOptions, reader_name: str) -> dict:
    reader_opts, _ = split_options(opts.format_options, READERS[reader_name].options if reader_name in READERS
                                   else {}, {}, reader_name, None)
    return reader_opts


def convert(src: PathLike, out: PathLike, options: RunOptions | None = None, *, progress: Progress | None = None,
            profile: dict | None = None, **changes: Unpack[ConvertSettings]) -> RunReport:
    """Convert ``src`` into the ``to`` layout under ``out``, running every check.

    ``options`` (a :class:`~convert.api.options.RunOptions`, the object ``segconv convert`` builds) holds
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
    _check_report_paths(opts)
    fail_on = opts.threshold()
    reports: dict[str, Any] = {"json_path": opts.json_path, "html_path": opts.html_path, "fail_on": fail_on}
    splitter = opts.splitter()
    src, out = Path(src), Path(out)
    if src.exists() and (_inside(out, src) or _inside(src, out)):
        raise UsageError(f"output folder {out} and the source {src} lie one inside the other; "
                         "segconv never writes among its input: choose another -o")
    to = opts.to
    writer_entry = WRITERS[to]
    reader_name = opts.fmt or (detect_format(src) if src.exists() else None)
    reader_opts, writer_opts = split_options(opts.format_options,
                                             READERS[reader_name].options if reader_name else {},
                                             writer_entry.options, reader_name or "?", to)
    writer_opts = parse_options(writer_opts, writer_entry.options, f"--to {to}")  # before anything is written
    writer_cls = writer_entry.target
    t_parse = time.perf_counter()
    dataset = _open(src, opts.replace(fmt=reader_name), reader_opts)
    labelmap, derived = resolve_labelmap(dataset, opts.labels)
    parse_time = time.perf_counter() - t_parse
    # a writer refuses a label map or options it cannot honour before anything is written
    check = getattr(writer_cls, "check_labelmap", None)
    if check is not None and len(signature(check).parameters) > 1:  # the writer's options decide too
        check(labelmap, writer_opts)
    elif check is not None:
        check(labelmap)
    images = opts.images
    settings = {"segconv": _version(), "source": os.path.realpath(src), "from": dataset.format,
                "reader_options": parse_options(reader_opts, READERS[dataset.format].options, "")
                if dataset.format in READERS else reader_opts,
                "images": os.path.realpath(images) if images else None, "max_pixels": opts.max_pixels,
                "labelmap": labelmap.to_dict(), "rule": opts.rule, "to": to,
                "coco_mode": opts.coco_mode if to == "coco-rle" else None, "link": opts.link,
                "split": splitter.to_dict() if splitter else None, "options": dict(writer_opts)}
    from convert.pipeline.outfolder import plan

    target = plan(out, settings, overwrite=opts.overwrite, resume=opts.resume)  # only looks: a dry run refuses alike
    connection = None
    if opts.dask:
        from convert.pipeline.cluster import Connection

        connection = Connection(opts.dask)  # before anything is written: an unreachable scheduler changes nothing
    from convert.pipeline.outputs import ignores_case

    strict, dry_run = opts.strict, opts.dry_run
    kwargs: dict[str, Any] = {"rule": opts.rule, "progress": progress, "jobs": opts.jobs, "dask": connection,
                              "split": splitter, **reports}
    writer_kwargs: dict[str, Any] = {"coco_mode": opts.coco_mode, "link": opts.link, "rule": opts.rule,
                                     "options": writer_opts}
    fold_case = ignores_case(out)
    try:
        if dry_run or strict:  # the writer runs, and decides what the real run would, writing nothing
            dry = writer_cls(out, labelmap, dry_run=True, skip_existing=target.resuming, **writer_kwargs)
            checked = run(dataset, labelmap, strict=strict, writer=dry, profile=profile if dry_run else None,
                          outputs=_outputs(None, dataset, fold_case), finish_reports=False, **kwargs)
            checked.labelmap_derived = derived
            checked.notes = [n for n in (target.dry_note(),) if n and dry_run] + dry.notes + checked.notes
            checked.refused = strict and any(f.severity >= Severity.WARNING for f in checked.findings)
            if dry_run or checked.refused:
                checked.pending.finish(checked)  # the reports, with the writer's findings: nothing else is run
                return checked
            checked.pending.abort()  # the reports come from the run that writes
        t0 = time.perf_counter()
        report = _write(dataset, labelmap, target, writer_cls, writer_kwargs, fold_case, derived, strict, profile,
                        kwargs)
    finally:
        if connection is not None:
            connection.close()
    if profile is not None:
        profile["parse"] = parse_time
        profile["wall"] = time.perf_counter() - t0 + parse_time
    return report


def _outputs(out, dataset, fold_case: bool, manifest=None):
    from convert.pipeline.outputs import Outputs

    return Outputs(out, manifest=manifest, name_of=lambda i: dataset[i].name, fold_case=fold_case)


def _write(dataset, labelmap: LabelMap, target, writer_cls, writer_kwargs: dict, fold_case: bool, derived: bool,
           strict: bool, profile: dict | None, kwargs: dict) -> RunReport:
    """The writing run: OUT prepared as planned, every image written and placed, the set's files last, the
    run state removed.  Stopped by Ctrl-C, a lost cluster or the machine (:class:`EnvironmentProblem`), what was
    written stays whole and listed, the run's temporary files are removed, and ``--resume`` finishes it."""
    from convert.pipeline.outfolder import RUN_STATE, Manifest, temporary_files

    out = target.out
    manifest = None
    notes: list[str] = []
    try:
        note = target.apply()
        if note:
            notes.append(note)
        writer = writer_cls(out, labelmap, skip_existing=target.resuming, owner=target.token, **writer_kwargs)
        manifest = writer.manifest = Manifest(out, target.token)
        report = run(dataset, labelmap, strict=strict, writer=writer, profile=profile,
                     outputs=_outputs(out, dataset, fold_case, manifest), finish_reports=False, **kwargs)
        try:
            manifest.add(writer.finish() or [])
        except BaseException:
            report.pending.abort()
            raise
        manifest.close(finished=True)
        (out / RUN_STATE).unlink(missing_ok=True)
    except (Interrupted, SegconvError, OSError) as stop:
        if isinstance(stop, Interrupted):
            stop.report.notes = notes + stop.report.notes
            stop.report.labelmap_derived = derived
        if manifest is not None:
            manifest.close(finished=False)
        if isinstance(stop, OSError):
            raise EnvironmentProblem.of(stop, out) from None  # an OSError of no known cause is raised as it is
        raise
    finally:
        for path in temporary_files(out, target.token) if out.is_dir() else []:  # of workers stopped mid-write
            try:
                path.unlink()
            except OSError:
                pass
    report.labelmap_derived = derived
    report.notes = notes + writer.notes + report.notes
    report.resumed = target.resuming
    report.summary = writer.summary(report.written)
    report.findings += getattr(writer, "findings", [])
    report.pending.finish(report)  # the reports last, with every finding, the writer's too
    return report


def validate(src: PathLike, options: RunOptions | None = None, *, progress: Progress | None = None,
             profile: dict | None = None, **changes: Unpack[ValidateSettings]) -> RunReport:
    """Check ``src`` without writing masks; write the JSON and HTML reports if asked.  ``options`` and the
    keyword arguments are :func:`convert`'s; the settings of writing are not used."""
    opts = settle(options, changes, READING | CHECKING, "validate()")
    _check_report_paths(opts)
    t0 = time.perf_counter()
    reader_name = opts.fmt or detect_format(src)
    dataset = _open(src, opts.replace(fmt=reader_name), _reader_options(opts, reader_name))
    labelmap, derived = resolve_labelmap(dataset, opts.labels)
    parse_time = time.perf_counter() - t0
    try:
        report = run(dataset, labelmap, rule=opts.rule, strict=opts.strict, json_path=opts.json_path,
                     html_path=opts.html_path, fail_on=opts.threshold(), progress=progress, jobs=opts.jobs,
                     dask=opts.dask, profile=profile)
    except Interrupted as stop:
        stop.report.labelmap_derived = derived
        raise
    except OSError as exc:  # writing a report: the machine's doing, said plainly (exit 3)
        raise EnvironmentProblem.of(exc, ".", resumable=False, doing="write", elsewhere="write it elsewhere") from None
    if profile is not None:
        profile["parse"] = parse_time
        profile["wall"] = time.perf_counter() - t0
    report.labelmap_derived = derived
    return report


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


def inspect(src: PathLike, options: RunOptions | None = None, **changes: Unpack[ReadSettings]) -> Inventory:
    """Count images, regions and classes of ``src`` without painting."""
    opts = settle(options, changes, READING, "inspect()")
    reader_name = opts.fmt or detect_format(src)
    dataset = _open(src, opts.replace(fmt=reader_name), _reader_options(opts, reader_name))
    labelmap, derived = resolve_labelmap(dataset, opts.labels)
    per_label: Counter = Counter()
    images_per_label: Counter = Counter()
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
    return Inventory(dataset.format, dataset.path, len(dataset), n_regions, labelmap, derived,
                     per_label, images_per_label, list(dataset.findings) + findings)
