"""The ``segconv`` command: a thin layer over :mod:`convert.api`.

Data goes to stdout, progress and findings to stderr.  Exit codes: 0 clean,
1 findings at or above the failing severity, 2 unusable input or usage, 3 the
machine stopped the run (a full disk, no permission, a read-only file system,
a path that is a file: :mod:`convert.pipeline.environment`), 130 interrupted (Ctrl-C).
No traceback reaches the user: set ``SEGCONV_DEBUG=1`` to see one.  Heavy
modules (numpy, pycocotools, shapely) are imported by the commands that use
them, so ``--help``, ``--version`` and ``formats`` start fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.markup import escape

from convert.cli import converting, startup
from convert.cli.console import (
    counts_line,
    note_labelmap,
    print_new_in_b,
    print_report,
    print_report_paths,
    progress_bar,
    stderr,
    stdout,
    stop_interrupted,
)
from convert.cli.console import interruptible as _interruptible
from convert.cli.console import quiet_dask as _quiet_dask
from convert.cli.params import (
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
    choice,
    flag,
    parse_pairs,
    place,
    value_of,
)
from convert.errors import SegconvError, UsageError
from convert.files.remote.urls import shown_in
from convert.findings.severity import Severity
from convert.formats.readers import READERS
from convert.formats.writers import WRITERS
from convert.pipeline.environment import EnvironmentProblem, is_environment_error
from convert.wording import COMMAND_LINE

app = typer.Typer(
    name="segconv",
    help="Convert and validate semantic-segmentation annotations (COCO, VOC, CVAT, LabelMe, YOLO, "
         "COCO panoptic, Label Studio).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _version(value: bool) -> None:
    if value:
        from convert import __version__

        stdout.print(f"segconv {__version__}", markup=False)
        raise typer.Exit(0)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", "-V", help="Print the version and exit.",
                                       callback=_version, is_eager=True, metavar="")) -> None:
    """Convert and validate semantic-segmentation annotations through an indexed-layer model."""


app.command()(converting.convert)
app.command()(converting.fix)


@app.command()
@_interruptible
def validate(
    src: str | None = typer.Argument(None, help="Source file or folder.", show_default=False, metavar="SRC"),
    fmt: FromFormat | None = FromOpt,
    labels: str | None = LabelsOpt,
    rule: Rule = RuleOpt,
    json_path: str | None = JsonOpt,
    html_path: str | None = HtmlOpt,
    fail_on: FailOn = FailOnOpt,
    strict: bool = flag("--strict", help="Fail on warnings (same as --fail-on warning)."),
    explain_code: str | None = typer.Option(None, "--explain", metavar="CODE",
                                               help="Print what a finding code means, and exit."),
    max_pixels: int = MaxPixelsOpt,
    images: str | None = ImagesOpt,
    option: list[str] | None = OptionOpt,
    jobs: int = JobsOpt,
    dask: str | None = DaskOpt,
    profile: bool = ProfileOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Check SRC without writing masks; list every finding, with reports for CI and for people."""
    if explain_code:
        from convert.findings.codes import explain

        try:
            stdout.print(explain(explain_code), markup=False)
        except KeyError as exc:
            raise SegconvError(exc.args[0]) from None
        raise typer.Exit(0)
    if src is None:
        raise UsageError("SRC is required (or use --explain CODE)")
    from convert import api

    _quiet_dask(dask)
    options = api.RunOptions(fmt=value_of(fmt), labels=place(labels), rule=rule.value, strict=strict,
                             fail_on=Severity(fail_on.value), json_path=place(json_path), html_path=place(html_path),
                             max_pixels=max_pixels, images=place(images), jobs=jobs, dask=dask,
                             format_options=parse_pairs(option))
    threshold = options.threshold()
    stages: dict | None = {} if profile else None
    startup.release()
    try:
        with progress_bar(quiet, "validating") as progress:
            report = api.validate(place(src) or "", options, profile=stages, progress=progress)
    except api.Interrupted as stop:
        stop_interrupted(stop, quiet, "no report was written; the findings so far are above")
    print_report(report, quiet, stages)
    if not quiet:
        stderr.print(counts_line(report))
        print_report_paths(json_path, html_path)
    raise typer.Exit(report.exit_code(threshold))


@app.command()
@_interruptible
def diff(
    a: str = typer.Argument(..., help="The first delivery (file or folder).", show_default=False, metavar="A"),
    b: str = typer.Argument(..., help="The second delivery, of the same images.", show_default=False, metavar="B"),
    labels: str | None = LabelsOpt,
    fmt_a: FromFormat | None = choice(None, "--from-a", help="A's format (default: detected)."),
    fmt_b: FromFormat | None = choice(None, "--from-b", help="B's format (default: detected)."),
    rule: Rule = RuleOpt,
    images: str | None = ImagesOpt,
    json_path: str | None = JsonOpt,
    html_path: str | None = HtmlOpt,
    jobs: int = JobsOpt,
    quiet: bool = QuietOpt,
) -> None:
    """What changed between A and B: pixels per image, IoU per class, objects added, removed, changed."""
    from rich.table import Table

    from convert.api.places import Staging
    from convert.files.remote.urls import is_url
    from convert.pipeline import diff as diffing
    from convert.reports.diff_report import write_html, write_json

    for option, path in (("--json", json_path), ("--html", html_path)):
        if path is not None and not is_url(path) and Path(path).is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name")
    startup.release()
    staging = Staging()
    with staging.naming():
        a_ds, b_ds, labelmap, derived = diffing.open_pair(
            staging.source(a), staging.source(b), labels=staging.file(labels) if labels else None,
            fmt_a=value_of(fmt_a), fmt_b=value_of(fmt_b), images=staging.source(images) if images else None)
        with progress_bar(quiet, "comparing") as progress:
            report = diffing.diff(a_ds, b_ds, labelmap, rule=rule.value, jobs=jobs, progress=progress,
                                  derived=derived)
        json_out, html_out = staging.report(json_path), staging.report(html_path)
        if json_out:
            write_json(report, json_out)
        if html_out:
            write_html(report, html_out, a_ds, b_ds, rule.value)
        staging.publish_reports([json_out, html_out])
    if not quiet:
        s = report.summary()
        if derived:
            stderr.print("note: no --labels given; both painted through the label map "
                         + escape(staging.said(labelmap.source or 'a derived map')))
        changed = sorted((x for x in report.images if x.get("changed_pixels")), key=lambda x: -x["changed_pixels"])
        if changed:
            table = Table(title="most changed images", show_edge=False)
            for col in ("image", "changed pixels", "biggest change", "objects +/-/~"):
                table.add_column(col, justify="right" if col == "changed pixels" else "left")
            for x in changed[:10]:
                top = x["confusion"][0] if x["confusion"] else None
                objs = x["objects"]
                table.add_row(escape(x["image"]), f"{x['changed_pixels']:,}",
                              escape(f"{top['from']} → {top['to']} ({top['pixels']:,})") if top else "",
                              f"{objs['added']}/{objs['removed']}/{objs['changed']}"
                              if x.get("objects_compared", True) else "not compared")
            stderr.print(table)
        for status, what in (("only-a", "only in A"), ("only-b", "only in B"), ("size-differs", "of another size"),
                             ("unreadable", "unreadable in A or B")):
            names = [x["image"] for x in report.images if x["status"] == status]
            if names:
                stderr.print(f"{len(names):,} {what}: " + escape(", ".join(names[:8]))
                             + (f", … and {len(names) - 8} more" if len(names) > 8 else ""))
        if s["classes"]:
            table = Table(title="per class", show_edge=False)
            for col in ("class", "pixels in A", "pixels in B", "IoU"):
                table.add_column(col, justify="left" if col == "class" else "right")
            for name, entry in s["classes"].items():
                table.add_row(escape(name), f"{entry['a']:,}", f"{entry['b']:,}",
                              "" if entry["iou"] is None else f"{entry['iou']:.4f}")
            stderr.print(table)
        print_new_in_b(report)
        stderr.print(escape(diffing.describe(report)))
        for path, what in ((json_path, "JSON report"), (html_path, "HTML report")):
            if path:
                stderr.print(f"{what}: {escape(shown_in(str(path)))}")
    raise typer.Exit(report.exit_code())


@app.command()
@_interruptible
def inspect(
    src: str = SrcArg,
    fmt: FromFormat | None = FromOpt,
    labels: str | None = LabelsOpt,
    max_pixels: int = MaxPixelsOpt,
    images: str | None = ImagesOpt,
    option: list[str] | None = OptionOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Images, classes, levels and counts of SRC."""
    from rich.table import Table

    from convert import api
    from convert.wording import plural

    startup.release()
    inv = api.inspect(place(src) or "", api.RunOptions(fmt=value_of(fmt), labels=place(labels),
                                                       max_pixels=max_pixels, images=place(images),
                                                       format_options=parse_pairs(option)))
    stdout.print(f"{inv.path}: {inv.format}, {plural(inv.images, 'image')}, {plural(inv.regions, 'region')}",
                 markup=False)
    table = Table(show_edge=False)
    for col in ("class", "index", "level", "fill", "regions", "images", "source labels"):
        table.add_column(col, justify="right" if col in ("index", "level", "regions", "images") else "left")
    lm = inv.labelmap
    for cls in sorted(lm.classes, key=lambda c: c.index):
        names = [n for n in inv.regions_per_label if lm.resolve(n) is cls]
        table.add_row(escape(cls.name), str(cls.index), str(cls.level), "yes" if cls.fill else "",
                      str(sum(inv.regions_per_label[n] for n in names)),
                      str(inv.images_per_class[cls.name]), escape(", ".join(names)))
    unknown = [n for n in inv.regions_per_label if lm.resolve(n) is None and not lm.is_void(n)]
    for name in unknown:
        table.add_row(f"[red]{escape(name)} (not in label map: void)[/red]", "", "", "",
                      str(inv.regions_per_label[name]), str(inv.images_per_label[name]), "")
    stdout.print(table)
    note_labelmap(inv, quiet)
    if not quiet and inv.findings:
        stderr.print(f"{plural(len(inv.findings), 'finding')} while reading; `segconv validate` lists them")


@app.command()
@_interruptible
def labels(
    src: str = SrcArg,
    fmt: FromFormat | None = FromOpt,
    max_pixels: int = MaxPixelsOpt,
    option: list[str] | None = OptionOpt,
) -> None:
    """Print SRC's label map as YAML (its own label list, or one derived from its labels), to edit and save."""
    from convert import api

    startup.release()
    inv_src = api.inspect(place(src) or "", api.RunOptions(fmt=value_of(fmt), max_pixels=max_pixels,
                                              format_options=parse_pairs(option)))
    lm = inv_src.labelmap
    origin = lm.source if lm.source and not lm.source.startswith("derived") else "its labels"
    stdout.print(shown_in(f"# label map of {src} ({inv_src.format}), from {origin}"), markup=False)
    stdout.print(lm.to_yaml(), end="", markup=False)


@app.command()
@_interruptible
def formats() -> None:
    """What segconv can read and write, with each format's -O options."""
    from convert.cli.console import formats_text

    stdout.print(formats_text(READERS, WRITERS, stdout.width), markup=False, end="")


def _command():
    """The click command typer builds, with ``-h/--help`` shown as a flag like the others (typer's own help
    option would show a ``<bool>`` value it does not take)."""
    command = typer.main.get_command(app)
    for cmd in [command, *getattr(command, "commands", {}).values()]:
        original = cmd.get_help_option

        def help_option(ctx, original=original):
            option = original(ctx)
            if option is not None:
                option.metavar = ""
            return option

        cmd.get_help_option = help_option
    return command


def main() -> None:
    """Entry point: run the app, turning every error into a message and an exit code."""
    COMMAND_LINE.set(True)  # messages name settings as options (--overwrite), not keyword arguments
    try:
        code = _command()(standalone_mode=False)
    except SegconvError as exc:  # EnvironmentProblem (the machine stopped the run) exits 3, the others 2
        stderr.print(f"[red]error:[/red] {escape(shown_in(str(exc)))}")  # a URL said without its credentials
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        stderr.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click's usage errors (typer ships its own click)
            exc.show()
            sys.exit(2)
        if isinstance(exc, OSError) and is_environment_error(exc):  # a report file, a diff's pages: not resumable
            problem = EnvironmentProblem.of(exc, ".", resumable=False, doing="write", elsewhere="write it elsewhere")
            stderr.print(f"[red]error:[/red] {escape(str(problem))}")
            sys.exit(EnvironmentProblem.exit_code)
        if os.environ.get("SEGCONV_DEBUG"):  # pragma: no cover - a bug in segconv, not in the input
            raise
        stderr.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(shown_in(str(exc)))} "
                     "(a bug in segconv: please report it with the input; SEGCONV_DEBUG=1 shows the traceback)")
        sys.exit(2)
    if code == 130:  # typer turns a Ctrl-C it catches itself into a silent exit code
        stderr.print("interrupted")
    sys.exit(code if isinstance(code, int) else 0)
