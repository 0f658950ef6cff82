"""The loop shared by convert and validate: import, paint, check, write, report.

One sample at a time: import it, paint it with a trace, run
:func:`~convert.checks.validator.check_sample`, hand it to the writer (when
converting), and feed the reports.  Memory does not grow with the number of
images, apart from the findings themselves.  With ``jobs`` > 1 the per-image
work runs in forked processes, with ``dask`` on a cluster; results are taken
in sample order either way, so outputs and reports are identical.

Ctrl-C stops the run cleanly: :class:`Interrupted` carries what was found in
the images done so far.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from convert.checks.validator import CheckOptions, check_sample
from convert.files.images import ImageProblem, oriented_size
from convert.findings import Finding
from convert.findings.missing_image import BESIDE, missing_image
from convert.findings.severity import Severity
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint
from convert.pipeline import workers
from convert.pipeline.whole_source import (
    add_accounting,
    dropped_images,
    late_missing_images,
    no_image,
    nothing_usable,
    tally,
    unused_classes,
    worst_images,
)
from convert.reports.repair_counts import repaired
from convert.wording import plural

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class RunReport:
    """What a run did and found."""

    format: str
    labelmap: LabelMap
    labelmap_derived: bool
    source: str = ""
    rule: str = "coco"
    to: str = ""  # the writer, in a conversion
    images: int = 0
    written: int = 0  # images handed to the writer
    files: int = 0  # files the writer put into OUT for the images
    reused: int = 0  # of them, files an interrupted run had written already (--resume)
    resumed: bool = False  # the run finished an interrupted one (--resume found one)
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False  # --strict found problems and nothing was written
    classes: dict = field(default_factory=dict)  # pixel accounting summed over images
    worst: list = field(default_factory=list)  # [(errors, warnings, image)], worst first
    subsets: Counter = field(default_factory=Counter)  # images per subset or split, as written
    total: int = 0  # images in the source
    notes: list[str] = field(default_factory=list)  # what the run decided on the user's behalf
    summary: str = ""  # what the writer wrote, in one line
    repairs: Any = None  # RepairTally (convert.reports.repair_counts) of a run with repair rules
    pending: Any = None  # reports left to the caller (run(..., finish_reports=False)): PendingReports

    def counts(self) -> Counter:
        return Counter(f.severity for f in self.findings)

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        """0 when no finding reaches ``fail_on``, else 1."""
        return 1 if self.refused or any(f.severity >= fail_on for f in self.findings) else 0


class Interrupted(Exception):
    """Ctrl-C: ``report`` holds the findings of the ``done`` images of ``total``."""

    def __init__(self, report: RunReport, done: int, total: int):
        super().__init__(f"interrupted after {done:,} of {plural(total, 'image')}")
        self.report, self.done, self.total = report, done, total


def image_file_findings(sample, max_pixels: int = DEFAULT_MAX_PIXELS, storage=None) -> tuple[list[Finding], bool]:
    """Compare the declared size with the image file (EXIF applied), for importers
    that did not; returns (findings, whether the image was found).  ``storage`` (a Dask worker's
    :class:`~convert.files.remote.direct.WorkerStorage`) reads the header of a source URL's photo from the URL."""
    if sample.size_checked:
        return [], True
    if not sample.image_path:
        return [], False
    try:
        if storage is not None and storage.photo_url(sample.image_path):
            real = storage.photo_size(sample.image_path, max_pixels)
        else:
            real = oriented_size(Path(sample.image_path), max_pixels)
    except (ImageProblem, OSError) as exc:
        return [missing_image(subject=str(sample.image_path), problem=exc, image=sample.name,
                              file=sample.origin.file, element=sample.origin.element)], True
    if real != (sample.width, sample.height):
        source, size = sample.size_source, f"{sample.width}x{sample.height}"
        said = f"declared {size}" if source == "declared" else f"{source} is {size}"
        follows = "the declared size" if source == "declared" else source
        return [Finding("image-size-mismatch",
                        f"{said}, but {Path(sample.image_path).name} is "
                        f"{real[0]}x{real[1]} (EXIF orientation applied); masks follow {follows}",
                        image=sample.name, file=sample.origin.file, element=sample.origin.element,
                        line=sample.origin.line)], True
    return [], True


# --------------------------------------------------------------------------- per image
def subset_of(sample, st: dict) -> str | None:
    """The subset an image is written to: the source's own; else ``--split``'s; else the writer's default."""
    if sample.subset is not None:
        return sample.subset
    split, writer = st.get("split"), st.get("writer")
    if split is not None:
        return split.assign(split.group_of(sample.name, sample.sequence))
    if writer is not None and getattr(writer, "has_splits", False):
        return writer.default_subset
    return None


def work(sample, st: dict) -> dict:
    """Paint, check and write one sample: the per-image work, run in a worker
    process (``--jobs``) or on a Dask worker (``--dask``).  Returns only small
    things: findings, accounting, the writer's record and files, timings; never masks.
    The caller's sample is not changed (the writer gets a copy with the subset it is written to)."""
    clock = time.perf_counter
    t1 = clock()
    own_subset = sample.subset is not None
    subset = subset_of(sample, st)
    if subset != sample.subset:
        sample = dataclasses.replace(sample, subset=subset)
    out = {"name": sample.name, "findings": list(sample.findings), "account": None, "record": None,
           "found": True, "usable": sample.usable, "origin": sample.origin.file, "files": [], "reused": 0,
           "lacks": None, "said": [],
           "subset": sample.subset, "own_subset": own_subset, "score": None,
           "group": st["split"].group_of(sample.name, sample.sequence) if st.get("split") and not own_subset
           else None}
    times: dict[str, float] = {}
    if sample.usable:
        labelmap, rule = st["labelmap"], st["rule"]
        writer = st["writer"]
        painted = paint(sample, labelmap, rule=rule, instances=bool(getattr(writer, "needs_instances", False)),
                        trace=True)
        t2 = clock()
        checked, account = check_sample(sample, labelmap, painted, st["options"])
        file_findings, out["found"] = image_file_findings(sample, st.get("max_pixels", DEFAULT_MAX_PIXELS),
                                                         st.get("storage"))
        out["findings"] += painted.findings + checked + file_findings
        t3 = clock()
        fixed = repaired(painted, labelmap, st.get("repair"), account)  # the writer gets the repaired painting
        t3r = clock()
        if writer is not None:
            try:
                written = writer.write(sample, fixed.painted if fixed else painted)
            finally:
                writer.settle()  # the photos it copied in a thread are whole before they are placed
            folded = written.missing is not None and not out["found"]  # said once, with the source's words
            out["findings"] += [f for f in written.findings if not (folded and f is written.missing)]
            out["lacks"] = written.lacks if folded else None
            out.update(record=written.record, files=written.files, reused=written.reused, staged=written.staged,
                       entries=written.entries)
        t4 = clock()
        if not out["found"]:  # the reader's own words about the missing file: the run places them (one per image)
            out["said"] = [f for f in out["findings"] if f.code == "missing-image" and f.image == sample.name
                           and f.severity == Severity.WARNING]
            out["findings"] = [f for f in out["findings"] if not any(f is said for said in out["said"])]
        out["account"] = account
        if st["html"]:
            from convert.reports.html_report import score

            out["score"] = score(out["findings"], painted, fixed)
        times.update({"paint": t2 - t1, "check": t3 - t2, "write": t4 - t3r}, **({"repair": t3r - t3} if fixed else {}))
    out["times"] = times
    return out


def _process(st: dict, i: int) -> dict:
    """Sample ``i`` of the run's dataset (``st["dataset"]``), built and worked here."""
    t0 = time.perf_counter()
    sample = st["dataset"][i]
    out = work(sample, st)
    out["times"]["import"] = time.perf_counter() - t0 - sum(out["times"].values())
    return out


def process_batch(samples: list, state: dict) -> list[dict]:
    """A Dask task: the per-image work on a batch of samples the client built.  Writing into a bucket
    (``state["storage"]``), the batch's files go up together at its end."""
    from convert.files.remote.backend import quiet_if_asked

    quiet_if_asked()  # a Dask worker has not the command's logging levels
    storage = state.get("storage")
    try:
        if storage is None or not storage.out_url:
            return [work(sample, state) for sample in samples]
        with storage.batch():
            return [work(sample, state) for sample in samples]
    finally:
        if storage is not None:
            storage.close()  # the photos it copied here: every task gets its own storage, and its own folder


# --------------------------------------------------------------------------- the loop
def run(dataset, labelmap: LabelMap, *, rule: str = "coco", strict: bool = False, writer=None,
        json_path: str | Path | None = None, html_path: str | Path | None = None,
        fail_on: Severity = Severity.ERROR, progress: Progress | None = None, jobs: int = 1,
        dask=None, profile: dict | None = None, split=None, outputs=None,
        finish_reports: bool = True, repair=None, storage=None) -> RunReport:
    """Run the loop over ``dataset`` (see the module docstring).

    ``dask`` is a scheduler address (the connection is opened and closed here)
    or an open :class:`~convert.pipeline.cluster.Connection` (its owner closes it).
    With ``finish_reports`` false, the JSON and HTML reports are left to the
    caller (``report.pending.finish(report)``, or ``.abort()``), who has
    findings to add first (a writer's ``finish``).
    ``split`` (:class:`~convert.pipeline.splits.Split`) assigns images without a subset
    of their own; ``outputs`` (:class:`~convert.pipeline.outputs.Outputs`) places the
    files of each image in sample order (by default: one without a manifest, in
    the writer's folder).  ``profile``, if given, receives seconds
    per stage.  ``repair`` (:class:`~convert.painting.repair.RepairRules`) repairs every painting before the
    writer gets it; the checks see the painting as the source drew it.  ``storage``
    (:class:`~convert.files.remote.direct.WorkerStorage`, with ``dask`` only) lets the workers read the photos
    of source URLs from their URLs, and the writer's ``storage`` write OUT's files into a bucket themselves.
    """
    report = RunReport(dataset.format, labelmap, False, source=str(dataset.path), rule=rule)
    if writer is not None:
        writer.images_given = getattr(dataset, "images_given", None)  # for the words of missing-image
        writer.photos_where = getattr(dataset, "photos_where", BESIDE)
        writer.source_category_ids = getattr(dataset, "category_ids", None)  # kept by the COCO writers
    json_report = html_report = None
    if json_path:  # the reports' modules (html, Pillow's drawing) are imported only by the runs that write them
        from convert.reports.json_report import JsonReport

        json_report = JsonReport(json_path)
    if html_path:
        from convert.reports.html_report import HtmlReport

        html_report = HtmlReport(html_path, labelmap, repair=repair)
    if repair:
        from convert.reports.repair_counts import RepairTally

        report.repairs = RepairTally(repair)
    if split is not None and writer is not None and not getattr(writer, "has_splits", False):
        report.notes.append(f"--split was not applied: the {writer.name} layout keeps no subsets (every image is "
                            "written in one set)")
        split = None  # nor grouped, nor counted
    state = {"dataset": dataset, "labelmap": labelmap, "rule": rule, "writer": writer, "repair": repair,
             "html": html_report is not None, "options": CheckOptions(rule=rule, strict=strict), "split": split,
             "max_pixels": getattr(dataset, "max_pixels", DEFAULT_MAX_PIXELS), "storage": storage if dask else None}
    if writer is not None and not writer.dry_run:
        writer.staging = True  # its files wait for ``outputs`` to place them, in sample order
    if writer is not None and outputs is None:
        from convert.pipeline.outputs import Outputs

        outputs = Outputs(None if writer.dry_run else writer.out, name_of=lambda i: dataset[i].name)
    sample_findings: list[Finding] = []
    unusable: list[Finding] = []  # why images could not be used (the first finding of each)
    missing_images: list = []
    own_subsets: Counter = Counter()  # images whose subset the source gave, by subset
    groups: Counter = Counter()  # images --split assigned, by the group they went with
    found_images = 0
    worst: dict[str, list[int]] = {}  # image -> [errors, warnings, -position], images with either only
    total = report.total = len(dataset)
    stages: dict[str, float] = {}
    pool = None
    dask_run = None
    results: Iterator[dict]
    done = 0
    try:
        if dask:
            from convert.pipeline.cluster import dask_results

            sent = {k: v for k, v in state.items() if k != "dataset"}
            results = dask_run = dask_results(dataset, sent, dask, process_batch)
        else:
            results, pool = workers.results(_process, range(total), state, jobs=jobs,
                                            chunksize=max(1, min(16, total // (jobs * 8) or 1)))
        for i, out in enumerate(results):
            t0 = time.perf_counter()
            findings = out["findings"]
            for stage, seconds in out["times"].items():
                stages[stage] = stages.get(stage, 0.0) + seconds
            if out["usable"]:
                if out["found"]:
                    found_images += 1
                else:
                    missing_images.append((out["name"], out["origin"], out["lacks"], out["said"]))
                refused = outputs.place(i, out) if writer is not None else None
                if refused is not None:  # a name an earlier image took: this image is not written
                    findings = findings + [refused]
                elif writer is not None:
                    if not writer.dry_run:
                        writer.collect(out["record"])
                    report.written += 1
                    report.reused += out["reused"]
                    report.files += len(out["files"])
                    report.subsets[out["subset"] or "default"] += 1
                    if out["own_subset"]:
                        own_subsets[out["subset"]] += 1
                    if out["group"] is not None:
                        groups[out["group"]] += 1
                report.images += 1
                add_accounting(report.classes, out["account"])
                if report.repairs is not None:
                    report.repairs.add(out["name"], out["account"]["repair"])
                if json_report:
                    json_report.add(out["account"])
                if html_report and out["score"] is not None:
                    html_report.consider(out["score"], i, out["name"], findings, out["account"])
            else:
                unusable.append(next((f for f in findings if f.severity >= Severity.WARNING),
                                     Finding("bad-image", "no reason given", image=out["name"])))
            tally(worst, findings, i, out["name"])
            sample_findings += findings
            done = i + 1
            stages["collect"] = stages.get("collect", 0.0) + time.perf_counter() - t0
            if progress:
                progress(done, total)
        if split is not None and groups and max(groups.values()) > 1:
            together = [n for n in groups.values() if n > 1]
            report.notes.append(f"--split kept {plural(sum(together), 'image')} together in "
                                f"{plural(len(together), 'group')} of more than one (--split-by {split.by}); each "
                                "group went whole to one split")
        if split is not None and own_subsets:
            given = ", ".join(f"{name} {count:,}" for name, count in sorted(own_subsets.items()))
            report.notes.append(f"--split was not applied to {plural(sum(own_subsets.values()), 'image')}: the "
                                f"source gives their subsets ({given}), and a source's own subsets win")
        if dask_run is not None and dask_run.resubmitted:
            again = dask_run.resubmitted
            report.notes.append(f"Dask: {plural(again, 'batch', 'batches')} sent again after the scheduler "
                                f"cancelled or lost {'it' if again == 1 else 'them'}; the results are the same")
        late = late_missing_images(missing_images, found_images, dataset)
        tally(worst, list(dataset.findings) + late, total)  # findings that name an image outside its sample
        sample_findings += late
        if not report.images:
            dropped = dropped_images(dataset)  # images the reader could not even index (no size, no id)
            if total or dropped:
                sample_findings.append(nothing_usable(unusable + dropped, total + len(dropped), writer is not None,
                                                      str(dataset.path)))
            else:
                sample_findings.append(no_image(writer is not None, str(dataset.path)))
        unused = unused_classes(labelmap, report.classes, report.images)
        report.findings = list(dataset.findings) + sample_findings + unused
        report.worst = worst_images(worst)
        pending = PendingReports(json_report, html_report, dataset, strict, fail_on)
        json_report = None
        if finish_reports:
            pending.finish(report)
        else:
            report.pending = pending
    except KeyboardInterrupt:
        report.findings = list(dataset.findings) + sample_findings
        report.worst = worst_images(worst)
        raise Interrupted(report, done, total) from None
    finally:
        workers.stop(pool)
        if isinstance(dask, str) and dask_run is not None:
            dask_run.close()  # a connection run() opened itself: stop the client and any local cluster
        if json_report:
            json_report.abort()
    if profile is not None:
        profile.update(stages)
    return report


@dataclass
class PendingReports:
    """The JSON and HTML reports of a run whose loop is over, to be written once its findings are final."""

    json: Any  # JsonReport | None
    html: Any  # HtmlReport | None
    dataset: Any
    strict: bool
    fail_on: Severity

    def finish(self, report: RunReport) -> None:
        if self.json is None and self.html is None:
            return
        from convert.reports.json_report import summary

        head = {"segconv": _version(), "source": str(self.dataset.path), "format": self.dataset.format,
                "rule": report.rule, "strict": self.strict, "fail_on": self.fail_on.value,
                "labelmap": report.labelmap.to_dict(),
                "summary": summary(report, report.exit_code(self.fail_on), report.classes)}
        if report.repairs is not None:
            head["repair"] = report.repairs.rules.to_dict()
        if self.json is not None:
            self.json.finish(head, report.findings)
            self.json = None
        if self.html is not None:
            self.html.finish(head, report.findings, self.dataset, report.rule)
            self.html = None

    def abort(self) -> None:
        if self.json is not None:
            self.json.abort()
            self.json = None
        self.html = None


def _version() -> str:
    from convert import __version__

    return __version__
