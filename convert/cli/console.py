"""What the ``segconv`` commands print on the terminal: progress, notes, findings, counts, profile.

Data goes to ``stdout``; everything for people (progress, findings, summaries) to ``stderr``.
"""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

from convert.wording import plural

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def interruptible(command):
    """Ctrl-C outside the image loop (reading the source, writing the last files): one line, exit 130.
    (Inside the loop, :class:`~convert.pipeline.loop.Interrupted` brings the findings so far.)"""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            stderr.print("interrupted before any image was done" if command.__name__ in ("convert", "fix", "validate",
                                                                                               "diff")
                         else "interrupted")
            sys.exit(130)  # SystemExit passes typer by, which would turn an Exit(130) into a second message

    return wrapper


def quiet_dask(dask: str | None) -> None:
    """The command owns its process: with ``--dask`` it quiets Dask's loggers (the library leaves them)."""
    if dask:
        from convert.pipeline.cluster import quiet_dask_logs

        quiet_dask_logs()



@contextmanager
def progress_bar(quiet: bool, what: str):
    """A progress bar on a terminal (``None`` when quiet or piped): yields ``update(done, total)`` for images;
    ``update.bytes(done, total, what)`` shows a transfer of object storage (``fetching s3://…``) in bytes."""
    if quiet or not stderr.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Amount(MofNCompleteColumn):
        def render(self, task):
            if task.fields.get("bytes"):
                scale, unit = (1e6, "MB") if (task.total or 0) >= 1e6 else (1e3, "kB")
                return Text(f"{task.completed / scale:,.1f}/{(task.total or 0) / scale:,.1f} {unit}",
                            style="progress.download")
            return super().render(task)

    bar = Progress(TextColumn("{task.description}"), BarColumn(), Amount(), TimeRemainingColumn(),
                   console=stderr, transient=True)
    with bar:
        task = bar.add_task(what, total=None, bytes=False)

        class Update:
            def __call__(self, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total, bytes=False)

            def bytes(self, done: int, total: int, transfer: str) -> None:
                bar.update(task, description=escape(transfer), completed=done, total=total, bytes=True)

        yield Update()


def note_labelmap(report_or_inv, quiet: bool) -> None:
    """Say where the label map came from when no ``--labels`` was given."""
    if not report_or_inv.labelmap_derived or quiet:
        return
    lm = report_or_inv.labelmap
    if lm.source and not lm.source.startswith("derived"):
        stderr.print(f"note: no --labels given; using the source's own label list ({escape(lm.source)}, "
                     f"{plural(len(lm), 'class', 'classes')}, indices kept). `segconv labels SRC > labels.yaml` "
                     "writes it for editing levels.")
        return
    stderr.print(f"note: no --labels given; using a label map derived from the source "
                 f"({plural(len(lm), 'class', 'classes')}, "
                 f"{escape(lm.fill.name) if lm.fill else 'no'} fill class at index 0, every category at level 1). "
                 "`segconv labels SRC > labels.yaml` writes it for editing.")


def print_report(report, quiet: bool, stages: dict | None) -> None:
    """The profile, the notes, the findings and the worst images of a run."""
    from convert.reports.terminal import print_findings, print_worst

    print_profile(stages, report.images)
    if quiet:
        return
    for note in report.notes:
        stderr.print(f"note: {escape(note)}")
    note_labelmap(report, quiet)
    print_findings(stderr, report.findings)
    print_worst(stderr, report.worst)


def print_report_paths(json_path, html_path) -> None:
    for path, what in ((json_path, "JSON report"), (html_path, "HTML report")):
        if path:
            from convert.files.remote.urls import shown_in

            stderr.print(f"{what}: {escape(shown_in(str(path)))}")


def counts_line(report) -> str:
    """``2 errors, 1 warning in 3 images``."""
    from convert.reports.terminal import severity_counts
    from convert.wording import plural

    return f"{severity_counts(report.findings)} in {plural(report.images, 'image')}"


def stop_interrupted(stop, quiet: bool, how: str) -> None:
    """Ctrl-C mid-run: the findings of the images done, one line, exit 130."""
    report = stop.report
    if not quiet:
        from convert.reports.terminal import print_findings

        print_findings(stderr, report.findings)
    stderr.print(f"interrupted after {stop.done:,} of {stop.total:,} images; {how}")
    sys.exit(130)


def print_profile(stages: dict | None, images: int) -> None:
    """Seconds per stage: parse is the main process; import..write are summed over workers."""
    if stages is None:
        return
    from rich.table import Table

    table = Table(title="profile", show_edge=False)
    for col in ("stage", "seconds", "ms / image"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for stage in ("parse", "import", "paint", "check", "repair", "write", "collect", "wall"):
        if stage in stages:
            per = "" if stage in ("parse", "wall") else f"{1000 * stages[stage] / max(images, 1):.2f}"
            table.add_row(stage, f"{stages[stage]:.3f}", per)
    stderr.print(table)


def formats_text(readers: dict, writers: dict, width: int) -> str:
    """``segconv formats``: every reader and writer with its description and ``-O`` options, wrapped at
    ``width`` columns and never cut (a word longer than a line gets a line of its own).

        Read (--from NAME):
          coco           COCO instances JSON: polygons, uncompressed and compressed RLE
          label-studio   Label Studio JSON export: polygons, rectangles, ellipses in percent; ...
                         -O use=annotation|prediction (default annotation): read each task's ...
    """
    import textwrap

    width = max(width, 60)
    name_width = max(len(e.name) for e in [*readers.values(), *writers.values()]) + 2
    indent = " " * (2 + name_width)
    out = []
    for direction, flag, registry in (("read", "--from", readers), ("write", "--to", writers)):
        out.append(f"{direction.capitalize()} ({flag} NAME):")
        for entry in registry.values():
            head = f"  {entry.name:<{name_width}}"
            out += textwrap.wrap(entry.description, width, initial_indent=head, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False)
            for o in entry.options.values():
                values = "|".join(o.choices) if o.choices else o.type.__name__
                out += textwrap.wrap(f"-O {o.key}={values} (default {o.default}): {o.help}", width,
                                     initial_indent=indent, subsequent_indent=indent + "  ",
                                     break_long_words=False, break_on_hyphens=False)
        out.append("")
    return "\n".join(out)


NEW_IN_B_LISTED = 10


def print_new_in_b(report) -> None:
    """``segconv diff``: the findings B has and A had not, one line each (errors first), at most
    ``NEW_IN_B_LISTED``; the JSON report has them all, per image."""
    from convert.findings.severity import Severity

    new = [f for entry in report.images for f in entry.get("findings_new", [])]
    if not new:
        return
    new.sort(key=lambda f: -Severity(f["severity"]).rank)
    stderr.print(f"findings new in B ({len(new):,}):")
    for f in new[:NEW_IN_B_LISTED]:
        where = ": ".join(str(f[k]) for k in ("image", "element") if f.get(k))
        stderr.print(escape(f"  {f['severity']}[{f['code']}] {where}: {f['message']}"))
    if len(new) > NEW_IN_B_LISTED:
        stderr.print(f"  … and {len(new) - NEW_IN_B_LISTED:,} more; the JSON report (--json FILE) lists them "
                     "per image")
