"""``segconv convert`` and ``segconv fix``: one set of options, one way of running and reporting.

``fix`` is ``convert`` with repair rules (``--close-gaps W``, ``--min-area A``: :mod:`convert.painting.repair`)
whose ``--to`` defaults to the source's own format when segconv writes it, else ``png``; ``convert`` takes the
same rules.  ``fix`` is built from ``convert``'s signature, so the two never drift apart.
"""

from __future__ import annotations

import inspect

import typer
from rich.markup import escape

from convert.cli import startup
from convert.cli.console import (
    counts_line,
    interruptible,
    print_report,
    print_report_paths,
    progress_bar,
    quiet_dask,
    stderr,
    stop_interrupted,
)
from convert.cli.params import (
    CocoMode,
    DaskOpt,
    FailOn,
    FailOnOpt,
    FromFormat,
    FromOpt,
    HtmlOpt,
    ImagesOpt,
    JobsOpt,
    JsonOpt,
    LabelsOpt,
    MaxPixelsOpt,
    OptionOpt,
    ProfileOpt,
    QuietOpt,
    Rule,
    RuleOpt,
    SrcArg,
    ToFormat,
    choice,
    flag,
    parse_pairs,
    place,
    value_of,
)
from convert.files.remote.urls import shown_in
from convert.findings.severity import Severity
from convert.formats.writers import WRITERS

CloseGapsOpt = typer.Option(0, "--close-gaps", metavar="W", min=0,
                            help="Fill bare pixels on a row or column stretch of at most W pixels bounded by covered "
                                 "pixels at both ends, from the nearer end (0: off).")
MinAreaOpt = typer.Option(0, "--min-area", metavar="A", min=0,
                          help="Merge each 4-connected piece of one class of fewer than A pixels into the class it "
                               "borders most (0: off).")
FixToOpt = choice(None, "--to", help="Output layout. Default: the source's own format when segconv writes it, "
                                     "else png. See `segconv formats`.")


@interruptible
def convert(
    src: str = SrcArg,
    out: str = typer.Option(..., "-o", "--out", help="Output folder (a path or a URL).", show_default=False),
    to: ToFormat = choice(ToFormat("png"), "--to", help="Output layout. See `segconv formats`."),
    fmt: FromFormat | None = FromOpt,
    labels: str | None = LabelsOpt,
    rule: Rule = RuleOpt,
    close_gaps: int = CloseGapsOpt,
    min_area: int = MinAreaOpt,
    overwrite: bool = flag("--overwrite", help="Write into an existing OUT, removing what an earlier segconv "
                                                "run wrote there (nothing else)."),
    dry_run: bool = flag("--dry-run", help="Do everything but write; report what would be written."),
    strict: bool = flag("--strict", help="Write nothing if any warning or error is found."),
    fail_on: FailOn = FailOnOpt,
    max_pixels: int = MaxPixelsOpt,
    images: str | None = ImagesOpt,
    coco_mode: CocoMode = choice(CocoMode.instance, "--coco-mode",
                                  help="coco-rle: one annotation per visible object (instance) or per class "
                                       "(semantic)."),
    link: bool = flag("--link", help="Symlink images into the output instead of copying them."),
    split: str | None = typer.Option(None, "--split", metavar="NAME=SHARE,...",
                                        help="Split images without a subset of their own, by a hash of their "
                                             "name: train=0.8,val=0.2. Default: all train."),
    seed: int = typer.Option(0, "--seed", help="Seed of --split."),
    split_by: str = typer.Option("sequence", "--split-by", metavar="RULE",
                                 help="What --split keeps together: sequence (a video's frames, as the source "
                                      "says), folder, image, or pattern:REGEX (its first group)."),
    option: list[str] | None = OptionOpt,
    jobs: int = JobsOpt,
    dask: str | None = DaskOpt,
    resume: bool = flag("--resume", help="Finish an interrupted conversion into OUT (a fresh run when there "
                                          "is none)."),
    json_path: str | None = JsonOpt,
    html_path: str | None = HtmlOpt,
    profile: bool = ProfileOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Convert SRC into training masks under OUT."""
    run("convert", locals())


@interruptible
def fix(**params) -> None:
    """Repair SRC (close gaps, merge small pieces) and write it under OUT, every repaired pixel counted."""
    run("fix", params)


def _fix_signature() -> None:
    """``fix`` takes ``convert``'s options, ``--to`` defaulting to the source's own format."""
    signature = inspect.signature(convert)
    parameters = [p.replace(default=FixToOpt, annotation="ToFormat | None") if p.name == "to" else p
                  for p in signature.parameters.values()]
    fix.__signature__ = signature.replace(parameters=parameters)
    fix.__annotations__ = {**convert.__annotations__, "to": "ToFormat | None"}  # read in this module's namespace


_fix_signature()


def run(command: str, p: dict) -> None:
    """Run ``convert`` or ``fix`` with the command line's parameters ``p`` and report on the terminal."""
    from convert import api

    quiet_dask(p["dask"])
    p = {**p, **{k: place(p[k]) for k in ("src", "out", "labels", "images", "json_path", "html_path")}}
    threshold = Severity.WARNING if p["strict"] else Severity(p["fail_on"].value)
    stages: dict | None = {} if p["profile"] else None
    quiet = p["quiet"]
    options = api.RunOptions(fmt=value_of(p["fmt"]), labels=p["labels"], rule=p["rule"].value,
                             overwrite=p["overwrite"], dry_run=p["dry_run"], strict=p["strict"],
                             fail_on=Severity(p["fail_on"].value), max_pixels=p["max_pixels"], images=p["images"],
                             coco_mode=p["coco_mode"].value, link=p["link"], jobs=p["jobs"], dask=p["dask"],
                             resume=p["resume"], split=p["split"], seed=p["seed"], split_by=p["split_by"],
                             format_options=parse_pairs(p["option"]), json_path=p["json_path"],
                             html_path=p["html_path"], close_gaps=p["close_gaps"], min_area=p["min_area"])
    startup.release()
    try:
        with progress_bar(quiet, "repairing" if command == "fix" else "converting") as progress:
            if command == "fix":
                chosen = {"to": p["to"].value} if p["to"] is not None else {}
                report = api.fix(p["src"], p["out"], options, progress=progress, profile=stages, **chosen)
            else:
                report = api.convert(p["src"], p["out"], options.replace(to=p["to"].value), progress=progress,
                                     profile=stages)
    except api.Interrupted as stop:
        stop_interrupted(stop, quiet, f"`segconv {command} … --resume` (same settings) finishes the run"
                         + ("; no report was written" if p["json_path"] or p["html_path"] else ""))
    print_report(report, quiet, stages)
    if not quiet:
        _summary(report, p, command)
    raise typer.Exit(report.exit_code(threshold))


def _summary(report, p: dict, command: str) -> None:
    from convert.reports.repair_counts import print_repairs
    from convert.wording import plural

    print_repairs(stderr, report.repairs, report.images)
    to = report.to
    if report.refused:
        stderr.print(f"[red]--strict: nothing written[/red] ({counts_line(report)})")
    elif p["dry_run"]:
        held = report.images - report.written
        stderr.print(f"dry run: nothing written; {plural(report.written, 'image')} would be written as "
                     f"{to} to {escape(shown_in(str(p['out'])))}"
                     + (f" ({held:,} of the {report.images:,} would not: see the findings)" if held else "")
                     + f" ({counts_line(report)})")
    else:
        stderr.print(escape(report.summary))
        if report.resumed:
            if report.files:
                stderr.print(f"resumed: {report.reused:,} of the {plural(report.files, 'file')} for the images "
                             f"were already there (kept); {report.files - report.reused:,} written now")
            else:
                stderr.print(f"resumed: --to {to} writes its files when the run ends, so the interrupted "
                             f"run left none to keep; all {plural(report.written, 'image')} written now")
        if report.subsets and getattr(WRITERS[to].target, "has_splits", False):
            stderr.print("subsets: " + ", ".join(f"{escape(k)} {v:,}" for k, v in sorted(report.subsets.items())))
        stderr.print(counts_line(report))
    print_report_paths(p["json_path"], p["html_path"])
