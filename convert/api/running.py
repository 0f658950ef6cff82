"""The command line's two runs over a :class:`~convert.api.loaded.Dataset`: :func:`check` (what
``segconv validate`` does) and :func:`export` (what ``segconv convert`` does once the source is read).

:func:`convert.convert` is ``load`` then :func:`export`, :func:`convert.validate` is ``load`` then
:func:`check`: a script's ``ds.export(...)`` runs the very code the command runs, so its rules, checks,
reports and bytes are the same.  Both share the loop of :mod:`convert.pipeline.loop`; the output folder's
rules (refuse, overwrite, resume) are :mod:`convert.pipeline.outfolder`'s.
"""

from __future__ import annotations

import os
import time
from inspect import signature
from pathlib import Path
from typing import Any, Protocol

from convert.api.paths import PathLike, local_path
from convert.api.places import Staging
from convert.api.run_options import RunOptions
from convert.errors import SegconvError, UsageError
from convert.files.remote.urls import identity, is_url, scheme_of, shown
from convert.findings.severity import Severity
from convert.formats.options import parse_options
from convert.formats.readers import READERS
from convert.formats.writers import WRITERS
from convert.model.labelmap import LabelMap
from convert.pipeline.environment import EnvironmentProblem
from convert.pipeline.loop import Interrupted, Progress, RunReport, run


class Loaded(Protocol):
    """What the runs read of a :class:`~convert.api.loaded.Dataset` (named here, not imported: the dataset
    calls these runs)."""

    labelmap: LabelMap
    labelmap_derived: bool
    options: RunOptions  # the settings it was read with
    given: Path | None  # the path it was loaded from (None: arrays)

    @property
    def format(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def rule(self) -> str: ...

    @property
    def source(self) -> Any: ...

    def fingerprint(self) -> str | None: ...

    def __len__(self) -> int: ...

    def __getitem__(self, i: int) -> Any: ...


def _version() -> str:
    from convert import __version__

    return __version__


def inside(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or lies in it (links resolved)."""
    path, folder = Path(os.path.realpath(path)), Path(os.path.realpath(folder))
    return path == folder or folder in path.parents


def check_report_paths(opts: RunOptions) -> None:
    for option, path in (("--json", opts.json_path), ("--html", opts.html_path)):
        if path is not None and not is_url(path) and local_path(path).is_dir():
            raise UsageError(f"{option} {path} is a folder; give a file name")


def refuse_writing_among_input(source: Path, out: Path) -> None:
    if source.exists() and (inside(out, source) or inside(source, out)):
        raise UsageError(f"output folder {out} and the source {source} lie one inside the other; "
                         "segconv never writes among its input: choose another -o")


def refuse_urls_among(source: str | None, out: str) -> None:
    """A source and an output URL one inside the other are refused, as local folders are."""
    if source is None or not is_url(out):
        return
    a, b = source.rstrip("/"), out.rstrip("/")
    if a == b or a.startswith(b + "/") or b.startswith(a + "/"):
        raise UsageError(f"output folder {shown(out)} and the source {shown(source)} lie one inside the other; "
                         "segconv never writes among its input: choose another -o")


def _staging_of(ds: Loaded, progress: Progress | None) -> Staging:
    """A staging for one run over ``ds``: its own stand-ins (an output, reports), naming ``ds``'s too."""
    staging, loaded = Staging(progress), getattr(ds, "staging", None)
    if loaded is not None:
        staging.urls.update(loaded.urls)
        staging.moved += loaded.moved
        staging.fetched += loaded.fetched
    return staging


def check(ds: Loaded, opts: RunOptions, progress: Progress | None = None, profile: dict | None = None,
          parse_time: float = 0.0) -> RunReport:
    """Every check over ``ds``, writing nothing but the reports ``opts`` asks for."""
    check_report_paths(opts)
    staging = _staging_of(ds, progress)
    with staging.naming():
        reports = [staging.report(opts.json_path), staging.report(opts.html_path)]
        try:
            storage = staging.for_workers(None, "")[0] if opts.dask else None  # photos read from their URLs
            report = _check(ds, opts.replace(json_path=reports[0], html_path=reports[1]), progress, profile,
                            parse_time, storage)
        except Interrupted as stop:
            staging.restore(stop.report)
            raise
        staging.restore(report)
        report.notes[:0] = staging.notes()
        staging.publish_reports(reports)
    return report


def _check(ds: Loaded, opts: RunOptions, progress: Progress | None, profile: dict | None,
           parse_time: float, storage=None) -> RunReport:
    t0 = time.perf_counter()
    try:
        report = run(ds, ds.labelmap, rule=ds.rule, strict=opts.strict, json_path=opts.json_path,
                     html_path=opts.html_path, fail_on=opts.threshold(), progress=progress, jobs=opts.jobs,
                     dask=opts.dask, profile=profile, storage=storage)
    except Interrupted as stop:
        stop.report.labelmap_derived = ds.labelmap_derived
        raise
    except OSError as exc:  # writing a report: the machine's doing, said plainly (exit 3)
        raise EnvironmentProblem.of(exc, ".", resumable=False, doing="write", elsewhere="write it elsewhere") from None
    if profile is not None:
        profile["parse"] = parse_time
        profile["wall"] = time.perf_counter() - t0 + parse_time
    report.labelmap_derived = ds.labelmap_derived
    return report


def _said_source(url: str) -> str:
    """A source URL as the run state records it: without its credentials (:func:`shown`), and where they were
    masked with a digest of what it names (:func:`identity`), so ``--resume`` with a fresh presigned link
    to the same object finds the same source, and with a link to another version does not."""
    said = shown(url)
    return said if said == url else f"{said} [{identity(url)}]"


def settings_of(ds: Loaded, opts: RunOptions, writer_opts: dict) -> dict:
    """What decides the bytes of OUT, recorded for ``--resume`` (:mod:`convert.pipeline.settings`)."""
    images, fmt = ds.options.images, ds.format
    splitter = opts.splitter()
    reader_options = dict(ds.options.format_options)
    staging = getattr(ds, "staging", None)
    url = staging.url_of(ds.given) if staging is not None else None
    given = _said_source(url) if url else (os.path.realpath(ds.given) if ds.given is not None else ds.path)
    settings = {"segconv": _version(), "source": given,
                "from": fmt,
                "reader_options": parse_options(reader_options, READERS[fmt].options, "") if fmt in READERS
                else reader_options,
                "images": (_said_source(str(images)) if is_url(images) else os.path.realpath(images)) if images
                else None,
                "max_pixels": ds.options.max_pixels,
                "labelmap": ds.labelmap.to_dict(), "rule": ds.rule, "to": opts.to,
                "coco_mode": opts.coco_mode if opts.to == "coco-rle" else None, "link": opts.link,
                "split": splitter.to_dict() if splitter else None, "options": dict(writer_opts)}
    repair = opts.repair()
    if repair:  # the repair rules change the bytes written (older runs' settings have no such key)
        settings["repair"] = repair.to_dict()
    view = ds.fingerprint()
    if view is not None:  # a dataset a script filtered, relabelled or built
        settings["view"] = view
    return settings


def export(ds: Loaded, out: PathLike, opts: RunOptions, *, progress: Progress | None = None,
           profile: dict | None = None, parse_time: float = 0.0) -> RunReport:
    """Write ``ds`` in the ``opts.to`` layout under ``out``, running every check (see :func:`convert.convert`)."""
    check_report_paths(opts)
    staging = _staging_of(ds, progress)
    with staging.naming():
        refuse_urls_among(staging.url_of(ds.given), str(out))
        images = getattr(getattr(ds, "options", None), "images", None)
        source_url = staging.url_of(ds.given)
        if source_url is not None and scheme_of(source_url) in ("http", "https"):
            source_url = None  # a web address is fetched as one file: its photos come from --images
        remote_photos = source_url or (str(images) if images is not None and is_url(images) else None)
        if opts.link and (is_url(out) or remote_photos):
            where = shown(str(out) if is_url(out) else str(remote_photos))
            raise UsageError(f"--link makes symlinks to the photos, and {where} is object storage (a bucket "
                             "holds no links; a source URL's photos are fetched into a temporary folder the run "
                             "removes): leave out --link, the photos are copied")
        local_out = staging.output(out, resume=opts.resume, direct=bool(opts.dask))
        reports = [staging.report(opts.json_path), staging.report(opts.html_path)]
        try:
            report = _export(ds, local_out, opts.replace(json_path=reports[0], html_path=reports[1]), staging,
                             progress, profile, parse_time)
        except BaseException as stop:
            if isinstance(stop, Interrupted):
                staging.restore(stop.report)
            staging.publish_outputs()  # what was written goes up whole, for --resume to finish
            raise
        staging.restore(report)
        report.notes[:0] = staging.notes()
        staging.publish_outputs(report)
        staging.publish_reports(reports)
    return report


def _export(ds: Loaded, out: Path, opts: RunOptions, staging: Staging, progress: Progress | None,
            profile: dict | None, parse_time: float) -> RunReport:
    if ds.source.on_disk and not staging.url_of(ds.given):
        refuse_writing_among_input(Path(ds.path), out)
    to = opts.to
    writer_entry = WRITERS[to]
    writer_opts = parse_options(opts.format_options, writer_entry.options, f"--to {to}")  # before writing
    writer_cls = writer_entry.target
    labelmap = ds.labelmap
    # a writer refuses a label map or options it cannot honour before anything is written
    refuse = getattr(writer_cls, "check_labelmap", None)
    if refuse is not None and len(signature(refuse).parameters) > 1:  # the writer's options decide too
        refuse(labelmap, writer_opts)
    elif refuse is not None:
        refuse(labelmap)
    from convert.pipeline.outfolder import plan

    target = plan(out, settings_of(ds, opts, writer_opts), overwrite=opts.overwrite,
                  resume=opts.resume)  # only looks: a dry run refuses alike
    staging.run_state = target.state_text()
    storage, placements = staging.for_workers(out, target.token) if opts.dask else (None, None)
    connection = None
    if opts.dask:
        from convert.pipeline.cluster import Connection

        connection = Connection(opts.dask)  # before anything is written: an unreachable scheduler changes nothing
    from convert.pipeline.outputs import ignores_case

    strict, dry_run, derived = opts.strict, opts.dry_run, ds.labelmap_derived
    kwargs: dict[str, Any] = {"rule": ds.rule, "progress": progress, "jobs": opts.jobs, "dask": connection,
                              "split": opts.splitter(), "json_path": opts.json_path, "html_path": opts.html_path,
                              "fail_on": opts.threshold(), "repair": opts.repair(), "storage": storage}
    writer_kwargs: dict[str, Any] = {"coco_mode": opts.coco_mode, "link": opts.link, "rule": ds.rule,
                                     "options": writer_opts, "where": staging.url_of(out)}
    fold_case = ignores_case(out)
    t0 = time.perf_counter()
    try:
        if dry_run or strict:  # the writer runs, and decides what the real run would, writing nothing
            dry = writer_cls(out, labelmap, dry_run=True, skip_existing=target.resuming, **writer_kwargs)
            dry.storage = storage
            checked = run(ds, labelmap, strict=strict, writer=dry, profile=profile if dry_run else None,
                          outputs=_outputs(None, ds, fold_case), finish_reports=False, **kwargs)
            checked.labelmap_derived = derived
            checked.notes = [n for n in (target.dry_note(),) if n and dry_run] + dry.notes + checked.notes
            checked.refused = strict and any(f.severity >= Severity.WARNING for f in checked.findings)
            checked.to = to
            if dry_run or checked.refused:
                checked.pending.finish(checked)  # the reports, with the writer's findings: nothing else is run
                return checked
            checked.pending.abort()  # the reports come from the run that writes
        report = _write(ds, labelmap, target, writer_cls, writer_kwargs, fold_case, derived, strict, profile,
                        kwargs, placements, staging.begin_outputs, staging.streaming(out))
    finally:
        if connection is not None:
            connection.close()
    if profile is not None:
        profile["parse"] = parse_time
        profile["wall"] = time.perf_counter() - t0 + parse_time
    report.to = to
    return report


def _leave_nothing(out: Path, fresh: bool) -> None:
    """OUT after a run that wrote no image: without the run's (empty) list of files, and gone when the run
    made it and nothing else is in it."""
    from convert.pipeline.outfolder import MANIFEST

    (out / MANIFEST).unlink(missing_ok=True)
    if fresh:
        try:
            out.rmdir()  # only when empty
        except OSError:
            pass


def _outputs(out, dataset, fold_case: bool, manifest=None, placements=None, placed=None):
    from convert.pipeline.outputs import Outputs

    return Outputs(out, manifest=manifest, name_of=lambda i: dataset[i].name, fold_case=fold_case,
                   placements=placements, placed=placed)


def _write(dataset, labelmap: LabelMap, target, writer_cls, writer_kwargs: dict, fold_case: bool, derived: bool,
           strict: bool, profile: dict | None, kwargs: dict, placements=None, begin=None, placed=None) -> RunReport:
    """The writing run: OUT prepared as planned, every image written and placed, the set's files last, the
    run state removed.  Stopped by Ctrl-C, a lost cluster or the machine (:class:`EnvironmentProblem`), what was
    written stays whole and listed, the run's temporary files are removed, and ``--resume`` finishes it.
    With ``placements`` the Dask workers write the files into an output URL themselves and the store puts
    them in place; ``begin()`` brings the bucket to what ``target.apply()`` made of the stand-in first;
    ``placed(names)`` is told each image's files once they are in place (an output URL uploads them then)."""
    from convert.pipeline.outfolder import RUN_STATE, Manifest, temporary_files

    out = target.out
    manifest = None
    notes: list[str] = []
    fresh = not out.exists()  # the run makes OUT: a run that writes no image leaves no folder either
    try:
        note = target.apply()
        if note:
            notes.append(note)
        if begin is not None:  # an output URL: removals, then the run state, before any file goes up
            begin()
        writer = writer_cls(out, labelmap, skip_existing=target.resuming, owner=target.token, **writer_kwargs)
        writer.storage = kwargs.get("storage")
        manifest = writer.manifest = Manifest(out, target.token)
        report = run(dataset, labelmap, strict=strict, writer=writer, profile=profile,
                     outputs=_outputs(out, dataset, fold_case, manifest, placements, placed), finish_reports=False,
                     **kwargs)
        try:
            if report.written:  # no image written: no files of the set either (no half-made output)
                manifest.add(writer.finish() or [])
        except BaseException:
            report.pending.abort()
            raise
        manifest.close(finished=True)
        (out / RUN_STATE).unlink(missing_ok=True)
        if not report.written:
            _leave_nothing(out, fresh)
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
        target.finish_removing()  # what --overwrite set aside, unlinked by a thread while the run wrote
        for path in temporary_files(out, target.token) if out.is_dir() else []:  # of workers stopped mid-write
            try:
                path.unlink()
            except OSError:
                pass
    report.labelmap_derived = derived
    report.notes = notes + writer.notes + report.notes
    report.resumed = target.resuming
    report.summary = writer.summary(report.written) if report.written else \
        f"nothing was written to {out}: no image of the source could be used (see the findings)"
    report.findings += getattr(writer, "findings", [])
    report.pending.finish(report)  # the reports last, with every finding, the writer's too
    return report
