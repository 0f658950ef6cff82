"""The ``segconv`` command: a thin layer over :mod:`convert.api`.

Data goes to stdout, progress and findings to stderr.  Exit codes: 0 clean,
1 findings at or above the failing severity, 2 unusable input or usage.
No traceback reaches the user: set ``SEGCONV_DEBUG=1`` to see one.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import api
from .codes import CODES, explain
from .errors import SegconvError
from .exporters import WRITERS
from .findings import Finding, Severity
from .importers import READERS
from .importers.coco import DEFAULT_MAX_PIXELS
from .rasterize import RULES

app = typer.Typer(
    name="segconv",
    help="Convert and validate semantic-segmentation annotations (COCO, VOC, CVAT, LabelMe).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

MAX_LISTED = 50

SrcArg = typer.Argument(..., help="Source file or folder.", show_default=False)
FromOpt = typer.Option(None, "--from", help="Input format (default: detected). See `segconv formats`.")
LabelsOpt = typer.Option(None, "--labels", help="Label map (JSON or YAML). Default: derived from the source.")
MaxPixelsOpt = typer.Option(DEFAULT_MAX_PIXELS, "--max-pixels", help="Refuse images declaring more pixels than this.")
QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress or summary on stderr.")
ImagesOpt = typer.Option(None, "--images", help="Folder holding the image files, when they are not beside the annotations.")
JobsOpt = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes; outputs are identical whatever N is.")
DaskOpt = typer.Option(None, "--dask", help="Run on a Dask scheduler at ADDRESS ('local' starts one here); "
                                            "needs pip install 'segconv[dask]'.")
ProfileOpt = typer.Option(False, "--profile", help="Print where the time went (parse, import, paint, check, write).")


@contextmanager
def _progress(quiet: bool, what: str):
    if quiet or not stderr.is_terminal:
        yield None
        return
    bar = Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=stderr, transient=True)
    with bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _print_findings(findings: list[Finding], quiet: bool) -> None:
    if quiet or not findings:
        return
    order = sorted(findings, key=lambda f: -f.severity.rank)
    for f in order[:MAX_LISTED]:
        colour = {"error": "red", "warning": "yellow", "info": "blue"}[f.severity.value]
        stderr.print(f"[{colour}]{f.severity.value}[/{colour}]" + escape(f"[{f.code}] {f.location}: {f.message}"))
    if len(findings) > MAX_LISTED:
        stderr.print(f"... and {len(findings) - MAX_LISTED} more findings")
    by_code = Counter(f.code for f in findings)
    table = Table(title="findings by code", show_edge=False)
    table.add_column("code")
    table.add_column("severity")
    table.add_column("count", justify="right")
    for code, n in by_code.most_common():
        table.add_row(code, CODES[code].severity.value, str(n))
    stderr.print(table)


def _summary_line(report: api.RunReport) -> str:
    c = report.counts()
    return (f"{c[Severity.ERROR]} errors, {c[Severity.WARNING]} warnings, {c[Severity.INFO]} notes "
            f"in {report.images} images")


def _note_labelmap(report_or_inv, quiet: bool) -> None:
    if report_or_inv.labelmap_derived and not quiet:
        lm = report_or_inv.labelmap
        if lm.source and not lm.source.startswith("derived"):
            stderr.print(f"note: no --labels given; using the source's own label list ({escape(lm.source)}, "
                         f"{len(lm)} classes, indices kept). `segconv labels SRC > labels.yaml` writes it for "
                         "editing levels.")
            return
        stderr.print(f"note: no --labels given; using a label map derived from the source "
                     f"({len(lm)} classes, background at index 0 as fill, every category at level 1). "
                     f"`segconv labels SRC > labels.yaml` writes it for editing.")


def _fail_on(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise typer.BadParameter("must be 'error' or 'warning'") from None


@app.command()
def convert(
    src: Path = SrcArg,
    out: Path = typer.Option(..., "-o", "--out", help="Output folder.", show_default=False),
    to: str = typer.Option("png", "--to", help=f"Output layout: {', '.join(WRITERS)}."),
    fmt: Optional[str] = FromOpt,
    labels: Optional[Path] = LabelsOpt,
    rule: str = typer.Option("coco", "--rule", help=f"Pixel rule: {', '.join(RULES)}."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Write into an existing, non-empty OUT."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Do everything but write; report what would be written."),
    strict: bool = typer.Option(False, "--strict", help="Write nothing if any warning or error is found."),
    fail_on: str = typer.Option("error", "--fail-on", help="Exit 1 on findings of this severity or worse."),
    max_pixels: int = MaxPixelsOpt,
    images: Optional[Path] = ImagesOpt,
    coco_mode: str = typer.Option("instance", "--coco-mode",
                                  help="coco-rle: one annotation per visible object (instance) or per class (semantic)."),
    link: bool = typer.Option(False, "--link", help="voc: symlink images into JPEGImages/ instead of copying."),
    jobs: int = JobsOpt,
    dask: Optional[str] = DaskOpt,
    resume: bool = typer.Option(False, "--resume", help="Complete an interrupted conversion into OUT."),
    profile: bool = ProfileOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Convert SRC into training masks under OUT."""
    threshold = Severity.WARNING if strict else _fail_on(fail_on)
    stages: dict | None = {} if profile else None
    with _progress(quiet, "converting") as progress:
        report = api.convert(src, out, to=to, fmt=fmt, labels=labels, rule=rule, overwrite=overwrite,
                             dry_run=dry_run, strict=strict, max_pixels=max_pixels, images=images,
                             coco_mode=coco_mode, link=link, jobs=jobs, dask=dask, resume=resume,
                             profile=stages, progress=progress)
    _print_profile(stages, report.images)
    _note_labelmap(report, quiet)
    _print_findings(report.findings, quiet)
    _print_worst(report, quiet)
    if not quiet:
        if report.refused:
            stderr.print(f"[red]--strict: nothing written[/red] ({_summary_line(report)})")
        elif dry_run:
            stderr.print(f"dry run: would write {report.images} masks to {out} ({_summary_line(report)})")
        else:
            stderr.print(f"wrote {report.written} masks to {out} ({_summary_line(report)})")
    raise typer.Exit(report.exit_code(threshold))


@app.command()
def validate(
    src: Optional[Path] = typer.Argument(None, help="Source file or folder.", show_default=False),
    fmt: Optional[str] = FromOpt,
    labels: Optional[Path] = LabelsOpt,
    rule: str = typer.Option("coco", "--rule", help=f"Pixel rule: {', '.join(RULES)}."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write the JSON report here."),
    html_path: Optional[Path] = typer.Option(None, "--html", help="Write the HTML report (with pictures) here."),
    fail_on: str = typer.Option("error", "--fail-on", help="Exit 1 on findings of this severity or worse."),
    strict: bool = typer.Option(False, "--strict", help="Report pixels only the fill class covers; fail on warnings."),
    explain_code: Optional[str] = typer.Option(None, "--explain", help="Print what a finding code means, and exit."),
    max_pixels: int = MaxPixelsOpt,
    images: Optional[Path] = ImagesOpt,
    jobs: int = JobsOpt,
    dask: Optional[str] = DaskOpt,
    profile: bool = ProfileOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Check SRC without writing masks; list every finding, with reports for CI and for people."""
    if explain_code:
        try:
            stdout.print(explain(explain_code), markup=False)
        except KeyError as exc:
            raise SegconvError(exc.args[0]) from None
        raise typer.Exit(0)
    if src is None:
        raise typer.BadParameter("SRC is required (or use --explain CODE)")
    threshold = Severity.WARNING if strict else _fail_on(fail_on)
    stages: dict | None = {} if profile else None
    with _progress(quiet, "validating") as progress:
        report = api.validate(src, fmt=fmt, labels=labels, rule=rule, strict=strict, fail_on=threshold,
                              json_path=json_path, html_path=html_path, max_pixels=max_pixels, images=images,
                              jobs=jobs, dask=dask, profile=stages, progress=progress)
    _print_profile(stages, report.images)
    _note_labelmap(report, quiet)
    _print_findings(report.findings, quiet)
    _print_worst(report, quiet)
    if not quiet:
        stderr.print(_summary_line(report))
        for path, what in ((json_path, "JSON report"), (html_path, "HTML report")):
            if path:
                stderr.print(f"{what}: {path}")
    raise typer.Exit(report.exit_code(threshold))


def _print_profile(stages: dict | None, images: int) -> None:
    """Seconds per stage: parse is the main process; import..write are summed over workers."""
    if stages is None:
        return
    table = Table(title="profile", show_edge=False)
    for col in ("stage", "seconds", "ms / image"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for stage in ("parse", "import", "paint", "check", "write", "collect", "wall"):
        if stage in stages:
            per = "" if stage in ("parse", "wall") else f"{1000 * stages[stage] / max(images, 1):.2f}"
            table.add_row(stage, f"{stages[stage]:.3f}", per)
    stderr.print(table)


def _print_worst(report: api.RunReport, quiet: bool) -> None:
    if quiet or not report.worst:
        return
    table = Table(title="worst images", show_edge=False)
    table.add_column("image")
    table.add_column("errors", justify="right")
    table.add_column("warnings", justify="right")
    for errors, warnings, name in report.worst[:5]:
        table.add_row(escape(name), str(errors), str(warnings))
    stderr.print(table)


@app.command()
def inspect(
    src: Path = SrcArg,
    fmt: Optional[str] = FromOpt,
    labels: Optional[Path] = LabelsOpt,
    max_pixels: int = MaxPixelsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Images, classes, levels and counts of SRC."""
    inv = api.inspect(src, fmt=fmt, labels=labels, max_pixels=max_pixels)
    stdout.print(f"{inv.path}: {inv.format}, {inv.images} images, {inv.regions} regions")
    table = Table(show_edge=False)
    for col in ("class", "index", "level", "fill", "regions", "images", "source labels"):
        table.add_column(col, justify="right" if col in ("index", "level", "regions", "images") else "left")
    lm = inv.labelmap
    for cls in sorted(lm.classes, key=lambda c: (c.level, c.index)):
        names = [n for n in inv.regions_per_label if lm.resolve(n) is cls]
        table.add_row(cls.name, str(cls.index), str(cls.level), "yes" if cls.fill else "",
                      str(sum(inv.regions_per_label[n] for n in names)),
                      str(sum(inv.images_per_label[n] for n in names)), ", ".join(names))
    unknown = [n for n in inv.regions_per_label if lm.resolve(n) is None and not lm.is_void(n)]
    for name in unknown:
        table.add_row(f"[red]{escape(name)} (not in label map)[/red]", "", "", "",
                      str(inv.regions_per_label[name]), str(inv.images_per_label[name]), "")
    stdout.print(table)
    _note_labelmap(inv, quiet)
    if not quiet and inv.findings:
        stderr.print(f"{len(inv.findings)} findings while reading; run `segconv validate` to list them")


@app.command()
def labels(
    src: Path = SrcArg,
    fmt: Optional[str] = FromOpt,
    max_pixels: int = MaxPixelsOpt,
) -> None:
    """Print a label map derived from SRC (YAML), to edit levels and save as --labels."""
    from .importers import open_dataset

    dataset = open_dataset(src, fmt, max_pixels=max_pixels)
    lm, _ = api.resolve_labelmap(dataset, None)
    stdout.print(f"# label map derived from {src} ({dataset.format}); edit levels, then pass --labels", markup=False)
    stdout.print(lm.to_yaml(), end="", markup=False)


@app.command()
def formats() -> None:
    """What segconv can read and write."""
    table = Table(show_edge=False)
    table.add_column("direction")
    table.add_column("name")
    table.add_column("description")
    for r in READERS.values():
        table.add_row("read", r.name, r.description)
    for w in WRITERS.values():
        table.add_row("write", w.name, w.description)
    stdout.print(table)


def main() -> None:
    """Entry point: run the app, turning every error into a message and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except SegconvError as exc:
        stderr.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        stderr.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click's usage errors (typer ships its own click)
            exc.show()
            sys.exit(2)
        if os.environ.get("SEGCONV_DEBUG"):  # pragma: no cover - a bug in segconv, not in the input
            raise
        stderr.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} "
                     "(a bug in segconv: please report it with the input; SEGCONV_DEBUG=1 shows the traceback)")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
