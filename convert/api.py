"""The library API: what the command line does, callable from a script.

    >>> from convert import api
    >>> report = api.convert("fixtures/food/annotations.json", "out",
    ...                      labels="fixtures/food/labelmap.yaml", to="png")   # doctest: +SKIP
    >>> report.written, report.exit_code()                                      # doctest: +SKIP
    (4, 0)
    >>> check = api.validate("fixtures/food/annotations.json",
    ...                      labels="fixtures/food/labelmap.yaml", json_path="report.json")  # doctest: +SKIP

Smaller steps for one-off scripts: :func:`open_dataset` (load a source),
iterate its samples, :func:`~convert.paint.paint` one, and a writer from
:data:`~convert.exporters.WRITERS` to write it.

Both :func:`convert` and :func:`validate` run the same loop: import a sample,
paint it with a trace, run :func:`~convert.checks.check_sample`, write it (when
converting), and feed the reports.  One sample at a time: memory does not grow
with the number of images (apart from the findings themselves).
"""

from __future__ import annotations

import heapq
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .checks import CheckOptions, check_sample
from .errors import SegconvError, UsageError
from .exporters import WRITERS
from .findings import Finding, Severity
from .images import ImageProblem, oriented_size
from .importers import open_dataset
from .importers.coco import DEFAULT_MAX_PIXELS
from .labelmap import LabelMap
from .paint import paint
from .rasterize import RULES

Progress = Callable[[int, int], None]  # (done, total)
WORST_KEPT = 10


@dataclass
class RunReport:
    """What a run did and found."""

    format: str
    labelmap: LabelMap
    labelmap_derived: bool
    source: str = ""
    rule: str = "coco"
    images: int = 0
    written: int = 0
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False  # --strict found problems and nothing was written
    classes: dict = field(default_factory=dict)  # pixel accounting summed over images
    worst: list = field(default_factory=list)  # [(errors, warnings, image)], worst first

    def counts(self) -> Counter:
        return Counter(f.severity for f in self.findings)

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        """0 when no finding reaches ``fail_on``, else 1."""
        return 1 if self.refused or any(f.severity >= fail_on for f in self.findings) else 0


def resolve_labelmap(dataset, labels: str | Path | None) -> tuple[LabelMap, bool]:
    """The label map from ``labels``, or the source's own, or one derived from
    the source's label names (the flag says it was not given)."""
    if labels is not None:
        return LabelMap.load(labels), False
    if dataset.source_labelmap is not None:
        return dataset.source_labelmap, True
    return LabelMap.derive(dataset.label_names, source=f"derived from {dataset.path}"), True


def prepare_output(out: Path, *, overwrite: bool) -> None:
    """Refuse an existing, non-empty ``out`` unless ``overwrite``; never touch the input."""
    if out.exists() and not out.is_dir():
        raise SegconvError("output path exists and is not a folder", file=str(out))
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise SegconvError("output folder exists and is not empty; pass --overwrite to write into it",
                           file=str(out))


RUN_STATE = ".segconv-run.json"  # present in OUT while a conversion is unfinished


def _run_params(src: Path, to: str, rule: str, labelmap: LabelMap, coco_mode: str) -> dict:
    return {"source": str(Path(os.path.realpath(src))), "to": to, "rule": rule, "coco_mode": coco_mode,
            "labelmap": labelmap.to_dict()}


def _remove_partial_files(out: Path) -> int:
    """Delete the temporary files a killed run left behind (``.*.part``)."""
    removed = 0
    for part in out.rglob(".*.part"):
        part.unlink()
        removed += 1
    return removed


def _resume_check(out: Path, params: dict) -> None:
    state = out / RUN_STATE
    if not out.is_dir():
        raise UsageError(f"--resume: {out} does not exist; there is nothing to resume")
    if not state.is_file():
        raise SegconvError("--resume: no interrupted conversion here (no .segconv-run.json): the output is "
                           "complete or was not written by segconv; use --overwrite to convert again",
                           file=str(out))
    try:
        previous = json.loads(state.read_text())
    except (OSError, json.JSONDecodeError):
        raise SegconvError("--resume: the run state file is unreadable; use --overwrite", file=str(state)) from None
    if previous != params:
        changed = sorted(k for k in params if previous.get(k) != params[k])
        raise SegconvError(f"--resume: the interrupted run used other settings ({', '.join(changed)}); "
                           "resume with the same ones, or use --overwrite", file=str(state))


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


def _check_options(rule: str) -> None:
    if rule not in RULES:
        raise UsageError(f"unknown pixel rule {rule!r}; known: {', '.join(RULES)}")


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
    profile: dict | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Convert ``src`` into the ``to`` layout under ``out``, running every check.

    Findings never stop the run; a :class:`SegconvError` (unusable input,
    refused output folder) does, before anything is written.  With ``strict``
    every sample is checked first and nothing is written if any finding is a
    warning or worse.  With ``dry_run`` everything is done but the writing.
    With ``resume`` an interrupted conversion into ``out`` is completed:
    every sample is checked again, outputs that exist are kept, the rest is
    written, to the same bytes an uninterrupted run writes.
    """
    if to not in WRITERS:
        raise UsageError(f"unknown output layout {to!r}; known: {', '.join(sorted(WRITERS))}")
    _check_options(rule)
    if coco_mode not in ("instance", "semantic"):
        raise UsageError(f"unknown --coco-mode {coco_mode!r}; known: instance, semantic")
    src, out = Path(src), Path(out)
    if src.exists() and (_inside(out, src) or _inside(src, out)):
        raise UsageError(f"output folder {out} and the source {src} lie one inside the other; "
                         "segconv never writes among its input: choose another -o")
    t_parse = time.perf_counter()
    dataset = open_dataset(src, fmt, max_pixels=max_pixels, images=images)
    labelmap, derived = resolve_labelmap(dataset, labels)
    parse_time = time.perf_counter() - t_parse

    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    connection = None
    if dask:
        from .distributed import Connection

        connection = Connection(dask)  # before anything is written: an unreachable scheduler changes nothing
    try:
        if strict:
            check = run(dataset, labelmap, rule=rule, strict=True, progress=progress, jobs=jobs, dask=connection)
            if any(f.severity >= Severity.WARNING for f in check.findings):
                check.refused = True
                check.labelmap_derived = derived
                return check

        params = _run_params(src, to, rule, labelmap, coco_mode)
        if not dry_run:
            if resume:
                _resume_check(out, params)
            else:
                prepare_output(out, overwrite=overwrite)
            out.mkdir(parents=True, exist_ok=True)
            _remove_partial_files(out)
            (out / RUN_STATE).write_text(json.dumps(params))
        writer = None if dry_run else WRITERS[to].create(out, labelmap, coco_mode=coco_mode, link=link,
                                                          skip_existing=resume)
        t0 = time.perf_counter()
        report = run(dataset, labelmap, rule=rule, strict=strict, writer=writer, progress=progress, jobs=jobs,
                     dask=connection, profile=profile)
    finally:
        if connection is not None:
            connection.close()
    if not dry_run:
        _remove_partial_files(out)  # temporary files of workers that died mid-write
    report.labelmap_derived = derived
    if writer is not None:
        writer.finish()
        (out / RUN_STATE).unlink()
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
    profile: dict | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Check ``src`` without writing masks; write the JSON and HTML reports if asked."""
    _check_options(rule)
    for option, path in (("--json", json_path), ("--html", html_path)):
        if path is not None and Path(path).is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name")
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    t0 = time.perf_counter()
    dataset = open_dataset(src, fmt, max_pixels=max_pixels, images=images)
    labelmap, derived = resolve_labelmap(dataset, labels)
    parse_time = time.perf_counter() - t0
    report = run(dataset, labelmap, rule=rule, strict=strict, json_path=json_path, html_path=html_path,
                 fail_on=Severity.WARNING if strict else fail_on, progress=progress, jobs=jobs, dask=dask,
                 profile=profile)
    if profile is not None:
        profile["parse"] = parse_time
        profile["wall"] = time.perf_counter() - t0
    report.labelmap_derived = derived
    return report


def validate_samples(dataset, labelmap: LabelMap, *, rule: str = "coco", progress: Progress | None = None) -> RunReport:
    """Check every sample of an opened dataset, writing nothing."""
    return run(dataset, labelmap, rule=rule, progress=progress)


def _image_file_findings(sample) -> tuple[list[Finding], bool]:
    """Compare the declared size with the image file (EXIF applied), for importers
    that did not; returns (findings, whether the image was found)."""
    if sample.size_checked:
        return [], True
    if not sample.image_path:
        return [], False
    try:
        real = oriented_size(Path(sample.image_path))
    except (ImageProblem, OSError) as exc:
        return [Finding("missing-image", f"{sample.image_path}: {exc}", image=sample.name,
                        file=sample.origin.file, element=sample.origin.element)], True
    if real != (sample.width, sample.height):
        return [Finding("image-size-mismatch",
                        f"declared {sample.width}x{sample.height}, but {Path(sample.image_path).name} is "
                        f"{real[0]}x{real[1]} (EXIF orientation applied); masks follow the declared size",
                        image=sample.name, file=sample.origin.file, element=sample.origin.element,
                        line=sample.origin.line)], True
    return [], True


# --------------------------------------------------------------------------- the loop
_STATE: dict = {}  # what a worker needs; set before the pool forks, so workers share it


def _work(sample, st: dict) -> dict:
    """Paint, check and write one sample: the per-image work, run in a worker
    process (``--jobs``) or on a Dask worker (``--dask``).  Returns only small
    things: findings, accounting, the writer's record and timings; never masks."""
    clock = time.perf_counter
    t1 = clock()
    out = {"name": sample.name, "findings": list(sample.findings), "account": None, "record": None,
           "html": None, "found": True, "usable": sample.usable, "origin": sample.origin.file}
    times = {}
    if sample.usable:
        labelmap, rule = st["labelmap"], st["rule"]
        writer = st["writer"]
        painted = paint(sample, labelmap, rule=rule, instances=bool(getattr(writer, "needs_instances", False)),
                        trace=True)
        t2 = clock()
        checked, account = check_sample(sample, labelmap, painted, st["options"])
        file_findings, out["found"] = _image_file_findings(sample)
        out["findings"] += painted.findings + checked + file_findings
        t3 = clock()
        if writer is not None:
            written, out["record"] = writer.write(sample, painted)
            out["findings"] += written
        t4 = clock()
        out["account"] = account
        if st["html"]:
            from .html_report import render_entry

            trace = painted.trace
            highlight = trace.offending_mask()
            if highlight is None:
                highlight = np.zeros(painted.class_mask.shape, bool)
            if labelmap.fill is None or st["options"].strict:
                highlight |= trace.bare_mask()
            out["html"] = render_entry(sample, painted, out["findings"], account, highlight, labelmap)
        times.update({"paint": t2 - t1, "check": t3 - t2, "write": t4 - t3})
    out["times"] = times
    return out


def _process(i: int) -> dict:
    """Sample ``i`` of the dataset shared with forked workers."""
    t0 = time.perf_counter()
    sample = _STATE["dataset"][i]
    out = _work(sample, _STATE)
    out["times"]["import"] = time.perf_counter() - t0 - sum(out["times"].values())
    return out


def process_batch(samples: list, state: dict) -> list[dict]:
    """A Dask task: the per-image work on a batch of samples the client built."""
    return [_work(sample, state) for sample in samples]


def run(dataset, labelmap: LabelMap, *, rule: str = "coco", strict: bool = False, writer=None,
        json_path: str | Path | None = None, html_path: str | Path | None = None,
        fail_on: Severity = Severity.ERROR, progress: Progress | None = None, jobs: int = 1,
        dask=None, profile: dict | None = None) -> RunReport:
    """The loop shared by convert and validate (see the module docstring).

    With ``jobs`` > 1 the per-image work runs in that many forked processes;
    results are taken in sample order, so outputs and reports are identical
    whatever ``jobs`` is.  ``dask`` is a scheduler address (the connection is
    opened and closed here) or an open :class:`~convert.distributed.Connection`
    (its owner closes it).  ``profile``, if given, receives seconds per stage.
    """
    from .html_report import HtmlReport
    from .report import JsonReport, summary

    report = RunReport(dataset.format, labelmap, False, source=str(dataset.path), rule=rule)
    json_report = JsonReport(json_path) if json_path else None
    html_report = HtmlReport(html_path, labelmap) if html_path else None
    _STATE.clear()
    _STATE.update(dataset=dataset, labelmap=labelmap, rule=rule, writer=writer, html=html_report is not None,
                  options=CheckOptions(rule=rule, strict=strict))
    sample_findings: list[Finding] = []
    missing_images: list = []
    found_images = 0
    worst: list = []
    total = len(dataset)
    stages: Counter = Counter()
    pool = None
    results = None
    try:
        if dask:
            from .distributed import dask_results

            state = {k: v for k, v in _STATE.items() if k != "dataset"}
            results = dask_results(dataset, state, dask)
        elif jobs > 1 and total > 1:
            import multiprocessing

            pool = multiprocessing.get_context("fork").Pool(jobs)
            results = pool.imap(_process, range(total), chunksize=max(1, min(16, total // (jobs * 8) or 1)))
        else:
            results = map(_process, range(total))
        for i, out in enumerate(results):
            t0 = time.perf_counter()
            findings = out["findings"]
            stages.update(out["times"])
            if out["usable"]:
                if out["found"]:
                    found_images += 1
                else:
                    missing_images.append((out["name"], out["origin"]))
                if writer is not None:
                    writer.collect(out["record"])
                    report.written += 1
                report.images += 1
                _add_accounting(report.classes, out["account"])
                if json_report:
                    json_report.add(out["account"])
                if html_report and out["html"] is not None:
                    html_report.keep_entry(out["html"])
            sev = Counter(f.severity for f in findings)
            if sev[Severity.ERROR] or sev[Severity.WARNING]:
                item = (sev[Severity.ERROR], sev[Severity.WARNING], -i, out["name"])
                if len(worst) < WORST_KEPT:
                    heapq.heappush(worst, item)
                else:
                    heapq.heappushpop(worst, item)
            sample_findings += findings
            stages["collect"] += time.perf_counter() - t0
            if progress:
                progress(i + 1, total)
        if missing_images:
            if found_images:
                sample_findings += [Finding("missing-image", "image file not found (pass --images DIR); its size "
                                            "is not checked", image=name, file=file) for name, file in missing_images]
            else:
                sample_findings.append(Finding(
                    "missing-image", f"no image file of the {len(missing_images)} images was found beside the "
                    "annotations; image sizes are not checked (pass --images DIR)", file=str(dataset.path),
                    severity=Severity.INFO))
        fill = labelmap.fill
        for cls in labelmap.classes:
            if cls.name not in report.classes and (fill is None or cls.name != fill.name) and report.images:
                sample_findings.append(Finding("class-unused", f"class {cls.name!r} (index {cls.index}) appears "
                                               f"in none of the {report.images} images",
                                               file=labelmap.source, element=f"class {cls.name}"))
        report.findings = list(dataset.findings) + sample_findings
        report.worst = [(e, w, name) for e, w, _, name in sorted(worst, reverse=True)]
        head = {"segconv": __version__, "source": str(dataset.path), "format": dataset.format, "rule": rule,
                "strict": strict, "labelmap": labelmap.to_dict(),
                "summary": summary(report, report.exit_code(fail_on), report.classes)}
        if json_report:
            json_report.finish(head, report.findings)
            json_report = None
        if html_report:
            html_report.finish(head)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if isinstance(dask, str) and results is not None:
            results.close()  # a connection run() opened itself: stop the client and any local cluster
        if json_report:
            json_report.abort()
        _STATE.clear()
    if profile is not None:
        profile.update(stages)
    return report


def _add_accounting(totals: dict, account: dict) -> None:
    for name, entry in account["classes"].items():
        t = totals.setdefault(name, {"index": entry["index"], "level": entry["level"], "pixels": 0,
                                     "overwritten": 0, "regions": 0, "images": 0})
        t["pixels"] += entry["pixels"]
        t["overwritten"] += entry["overwritten"]
        t["regions"] += entry["regions"]
        t["images"] += 1


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
            max_pixels: int = DEFAULT_MAX_PIXELS, images: str | Path | None = None) -> Inventory:
    """Count images, regions and classes of ``src`` without painting."""
    dataset = open_dataset(src, fmt, max_pixels=max_pixels, images=images)
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
