"""The library API: what the command line does, callable from a script.

    >>> from convert import api
    >>> report = api.convert("fixtures/food/annotations.json", "out",
    ...                      labels="fixtures/food/labelmap.yaml", to="png")   # doctest: +SKIP
    >>> report.written, report.exit_code()                                      # doctest: +SKIP
    (4, 0)

Smaller steps for one-off scripts: :func:`open_dataset` (load a source),
iterate its samples, :func:`~convert.paint.paint` one, and a writer from
:data:`~convert.exporters.WRITERS` to write it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SegconvError, UsageError
from .exporters import WRITERS
from .findings import Finding, Severity
from .importers import open_dataset
from .importers.coco import DEFAULT_MAX_PIXELS
from .labelmap import LabelMap
from .paint import paint
from .rasterize import RULES

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class RunReport:
    """What a run did and found."""

    format: str
    labelmap: LabelMap
    labelmap_derived: bool
    images: int = 0
    written: int = 0
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False  # --strict found problems and nothing was written

    def counts(self) -> Counter:
        return Counter(f.severity for f in self.findings)

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        """0 when no finding reaches ``fail_on``, else 1."""
        return 1 if self.refused or any(f.severity >= fail_on for f in self.findings) else 0


def resolve_labelmap(dataset, labels: str | Path | None) -> tuple[LabelMap, bool]:
    """The label map from ``labels``, or one derived from the source (``True``)."""
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


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


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
    progress: Progress | None = None,
) -> RunReport:
    """Convert ``src`` into the ``to`` layout under ``out``.

    Findings never stop the run; a :class:`SegconvError` (unusable input,
    refused output folder) does, before anything is written.  With ``strict``
    every sample is painted first and nothing is written if any finding is a
    warning or worse.  With ``dry_run`` everything is done but the writing.
    """
    if to not in WRITERS:
        raise UsageError(f"unknown output layout {to!r}; known: {', '.join(sorted(WRITERS))}")
    if rule not in RULES:
        raise UsageError(f"unknown pixel rule {rule!r}; known: {', '.join(RULES)}")
    src, out = Path(src), Path(out)
    if src.exists() and (_inside(out, src) if src.is_dir() else out.resolve() == src.resolve()):
        raise UsageError(f"output folder {out} lies inside the source; choose another -o")
    if coco_mode not in ("instance", "semantic"):
        raise UsageError(f"unknown --coco-mode {coco_mode!r}; known: instance, semantic")
    dataset = open_dataset(src, fmt, max_pixels=max_pixels, images=images)
    labelmap, derived = resolve_labelmap(dataset, labels)
    writer_spec = WRITERS[to]

    if strict:
        check = validate_samples(dataset, labelmap, rule=rule, progress=progress)
        if any(f.severity >= Severity.WARNING for f in check.findings):
            check.refused = True
            check.labelmap_derived = derived
            return check

    if not dry_run:
        prepare_output(out, overwrite=overwrite)
        out.mkdir(parents=True, exist_ok=True)
    writer = None if dry_run else writer_spec.create(out, labelmap, coco_mode=coco_mode, link=link)
    report = _run(dataset, labelmap, rule=rule, writer=writer,
                  instances=bool(getattr(writer, "needs_instances", False)), progress=progress)
    report.labelmap_derived = derived
    if writer is not None:
        writer.finish()
    return report


def _run(dataset, labelmap: LabelMap, *, rule: str, writer=None, instances: bool = False,
         progress: Progress | None = None) -> RunReport:
    """Paint every usable sample (and write it when a writer is given)."""
    report = RunReport(dataset.format, labelmap, False)
    sample_findings: list[Finding] = []
    total = len(dataset)
    for i, sample in enumerate(dataset):
        sample_findings.extend(sample.findings)
        if sample.usable:
            painted = paint(sample, labelmap, rule=rule, instances=instances)
            sample_findings.extend(painted.findings)
            if writer is not None:
                sample_findings.extend(writer.write(sample, painted) or [])
                report.written += 1
            report.images += 1
        if progress:
            progress(i + 1, total)
    report.findings = list(dataset.findings) + sample_findings
    return report


def validate_samples(dataset, labelmap: LabelMap, *, rule: str = "coco", progress: Progress | None = None) -> RunReport:
    """Import and paint every sample, collecting findings, writing nothing."""
    return _run(dataset, labelmap, rule=rule, progress=progress)


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
            per_label[region.label] += 1
            labels_here.add(region.label)
            n_regions += 1
        images_per_label.update(labels_here)
    return Inventory(dataset.format, dataset.path, len(dataset), n_regions, labelmap, derived,
                     per_label, images_per_label, list(dataset.findings) + findings)
