"""The library API: what the command line does, callable from a script.

    >>> from convert import api
    >>> report = api.convert("fixtures/food/annotations.json", "out",
    ...                      labels="fixtures/food/labelmap.yaml", to="png")   # doctest: +SKIP
    >>> report.written, report.exit_code()                                      # doctest: +SKIP
    (4, 0)
    >>> check = api.validate("fixtures/food/annotations.json",
    ...                      labels="fixtures/food/labelmap.yaml", json_path="report.json")  # doctest: +SKIP

Smaller steps for one-off scripts: :func:`open_dataset` (load a source),
iterate its samples, :func:`~convert.painting.paint` one, and a writer from
:data:`~convert.exporters.WRITERS` to write it.  :func:`convert` and
:func:`validate` share one loop (:mod:`convert.run`); the output folder's
rules (refuse, overwrite, resume) are :mod:`convert.outfolder`'s.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SegconvError, UsageError
from .exporters import WRITERS
from .findings import Finding
from .importers import READERS, detect_format, open_dataset
from .labelmap import LabelMap
from .limits import DEFAULT_MAX_PIXELS
from .options import parse_options, split_options
from .rasterizing import RULES
from .run import Interrupted, Progress, RunReport, run
from .severity import Severity
from .splits import Split

__all__ = ["Interrupted", "Inventory", "RunReport", "convert", "inspect", "resolve_labelmap", "validate",
           "validate_samples"]


def resolve_labelmap(dataset, labels: str | Path | None) -> tuple[LabelMap, bool]:
    """The label map from ``labels``, or the source's own, or one derived from
    the source's label names (the flag says it was not given)."""
    if labels is not None:
        return LabelMap.load(labels), False
    if dataset.source_labelmap is not None:
        return dataset.source_labelmap, True
    return LabelMap.derive(dataset.label_names, source=f"derived from {dataset.path}"), True


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


def _check_common(rule: str, jobs: int) -> None:
    if rule not in RULES:
        raise UsageError(f"unknown pixel rule {rule!r}; known: {', '.join(RULES)}")
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")


def _check_report_paths(json_path, html_path) -> None:
    for option, path in (("--json", json_path), ("--html", html_path)):
        if path is not None and Path(path).is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name")


def _open(src, fmt, images, max_pixels, reader_options):
    if fmt is not None and fmt not in READERS:
        raise UsageError(f"unknown input format {fmt!r}; known: {', '.join(sorted(READERS))}")
    fmt = fmt or detect_format(src)
    return open_dataset(src, fmt, max_pixels=max_pixels, images=images, options=reader_options)


def convert(
    src: str | Path,
    out: str | Path,
    *,
    to: str = "png",
    fmt: str | None = None,
    labels: str | Path | None = None,
    rule: str = "coco",
    overwrite: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    images: str | Path | None = None,
    coco_mode: str = "instance",
    link: bool = False,
    jobs: int = 1,
    dask: str | None = None,
    resume: bool = False,
    split: str | None = None,
    seed: int = 0,
    options: dict | None = None,
    profile: dict | None = None,
    progress: Progress | None = None,
    json_path: str | Path | None = None,
    html_path: str | Path | None = None,
    fail_on: Severity = Severity.ERROR,
) -> RunReport:
    """Convert ``src`` into the ``to`` layout under ``out``, running every check.

    Findings never stop the run; a :class:`SegconvError` (unusable input,
    refused output folder) does, before anything is written.  With ``strict``
    every sample is checked first and nothing is written if any finding is a
    warning or worse.  With ``dry_run`` everything is done but the writing.
    With ``resume`` an interrupted conversion into ``out`` is completed
    (every sample is checked again, outputs that exist are kept, the rest is
    written, to the same bytes an uninterrupted run writes); where there is
    none, the run starts afresh.  ``split`` (``"train=0.8,val=0.2"``) and
    ``seed`` split images without a subset of their own; ``options`` are the
    reader's and the writer's ``-O`` options.  ``json_path`` and ``html_path``
    receive the reports ``validate`` writes, with every finding of the run
    (the writer's too), also when ``strict`` refused to write or ``dry_run``
    wrote nothing; ``fail_on`` is the severity their verdict fails at
    (``strict``: warning).  Ctrl-C raises :class:`~convert.run.Interrupted`
    with the findings so far, and writes no report.
    """
    if to not in WRITERS:
        raise UsageError(f"unknown output layout {to!r}; known: {', '.join(WRITERS)}")
    _check_common(rule, jobs)
    if coco_mode not in ("instance", "semantic"):
        raise UsageError(f"unknown --coco-mode {coco_mode!r}; known: instance, semantic")
    _check_report_paths(json_path, html_path)
    fail_on = Severity.WARNING if strict else fail_on
    reports: dict[str, Any] = {"json_path": json_path, "html_path": html_path, "fail_on": fail_on}
    splitter = Split.parse(split, seed) if split else None
    src, out = Path(src), Path(out)
    if src.exists() and (_inside(out, src) or _inside(src, out)):
        raise UsageError(f"output folder {out} and the source {src} lie one inside the other; "
                         "segconv never writes among its input: choose another -o")
    writer_entry = WRITERS[to]
    reader_name = fmt or (detect_format(src) if src.exists() else None)
    reader_opts, writer_opts = split_options(options, READERS[reader_name].options if reader_name else {},
                                             writer_entry.options, reader_name or "?", to)
    writer_opts = parse_options(writer_opts, writer_entry.options, f"--to {to}")  # before anything is written
    writer_cls = writer_entry.target
    t_parse = time.perf_counter()
    dataset = _open(src, reader_name, images, max_pixels, reader_opts)
    labelmap, derived = resolve_labelmap(dataset, labels)
    parse_time = time.perf_counter() - t_parse
    # a writer refuses a label map or options it cannot honour before anything is written
    check = getattr(writer_cls, "check_labelmap", None)
    if check is not None:
        check(labelmap)

    connection = None
    if dask:
        from .distributed import Connection

        connection = Connection(dask)  # before anything is written: an unreachable scheduler changes nothing
    from .outfolder import Manifest, prepare, remove_partial_files

    manifest = None
    notes: list[str] = []
    try:
        if strict:
            checked = run(dataset, labelmap, rule=rule, strict=True, progress=progress, jobs=jobs, dask=connection,
                          finish_reports=False, **reports)
            if any(f.severity >= Severity.WARNING for f in checked.findings):
                checked.refused = True
                checked.labelmap_derived = derived
                checked.pending.finish(checked)
                return checked
            checked.pending.abort()  # the reports come from the run that writes, with the writer's findings
        params = {"source": str(Path(os.path.realpath(src))), "to": to, "rule": rule, "coco_mode": coco_mode,
                  "labelmap": labelmap.to_dict(), "split": splitter.to_dict() if splitter else None,
                  "options": dict(writer_opts)}
        writer = None
        if not dry_run:
            plan = prepare(out, params, overwrite=overwrite, resume=resume)
            if plan.note:
                notes.append(plan.note)
            writer = writer_cls(out, labelmap, coco_mode=coco_mode, link=link, skip_existing=plan.resuming, rule=rule,
                                options=writer_opts)
            manifest = Manifest(out)
        t0 = time.perf_counter()
        report = run(dataset, labelmap, rule=rule, strict=strict, writer=writer, progress=progress, jobs=jobs,
                     dask=connection, profile=profile, split=splitter, manifest=manifest, finish_reports=False,
                     **reports)
    except (Interrupted, SegconvError) as stop:  # Ctrl-C, the cluster lost: what was written stays listed,
        if isinstance(stop, Interrupted):  # and --resume finishes it
            stop.report.notes = notes
            stop.report.labelmap_derived = derived
        if manifest is not None:
            manifest.close(finished=False)
        raise
    finally:
        if connection is not None:
            connection.close()
    if not dry_run:
        remove_partial_files(out)  # temporary files of workers that died mid-write
    report.labelmap_derived = derived
    report.notes = notes + report.notes
    report.resumed = bool(writer is not None and writer.skip_existing)
    if writer is not None and manifest is not None:
        try:
            manifest.add(writer.finish() or [])
        except BaseException:
            report.pending.abort()
            raise
        manifest.close(finished=True)
        (out / ".segconv-run.json").unlink(missing_ok=True)
        report.summary = writer.summary(report.written)
        report.findings += getattr(writer, "findings", [])
    report.pending.finish(report)
    if profile is not None:
        profile["parse"] = parse_time
        profile["wall"] = time.perf_counter() - t0 + parse_time
    return report


def validate(
    src: str | Path,
    *,
    fmt: str | None = None,
    labels: str | Path | None = None,
    rule: str = "coco",
    strict: bool = False,
    fail_on: Severity = Severity.ERROR,
    json_path: str | Path | None = None,
    html_path: str | Path | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    images: str | Path | None = None,
    jobs: int = 1,
    dask: str | None = None,
    options: dict | None = None,
    profile: dict | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Check ``src`` without writing masks; write the JSON and HTML reports if asked."""
    _check_common(rule, jobs)
    _check_report_paths(json_path, html_path)
    t0 = time.perf_counter()
    reader_name = fmt or detect_format(src)
    reader_opts, _ = split_options(options, READERS[reader_name].options if reader_name in READERS else {}, {},
                                   reader_name, None)
    dataset = _open(src, reader_name, images, max_pixels, reader_opts)
    labelmap, derived = resolve_labelmap(dataset, labels)
    parse_time = time.perf_counter() - t0
    try:
        report = run(dataset, labelmap, rule=rule, strict=strict, json_path=json_path, html_path=html_path,
                     fail_on=Severity.WARNING if strict else fail_on, progress=progress, jobs=jobs, dask=dask,
                     profile=profile)
    except Interrupted as stop:
        stop.report.labelmap_derived = derived
        raise
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


def inspect(src: str | Path, *, fmt: str | None = None, labels: str | Path | None = None,
            max_pixels: int = DEFAULT_MAX_PIXELS, images: str | Path | None = None,
            options: dict | None = None) -> Inventory:
    """Count images, regions and classes of ``src`` without painting."""
    reader_name = fmt or detect_format(src)
    reader_opts, _ = split_options(options, READERS[reader_name].options if reader_name in READERS else {}, {},
                                   reader_name, None)
    dataset = _open(src, reader_name, images, max_pixels, reader_opts)
    labelmap, derived = resolve_labelmap(dataset, labels)
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
