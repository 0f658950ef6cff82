"""The output folder: refusing, overwriting, resuming, and knowing segconv's own files.

- A new OUT is created.  An existing, non-empty OUT is refused unless
  ``--overwrite`` or ``--resume``; if an interrupted run is in it, the message
  says to ``--resume``.
- ``--overwrite`` removes what an earlier segconv run wrote there (the run
  keeps the list in ``OUT/.segconv-files.txt``) and nothing else, so no
  stale mask of an earlier run stays beside the new ones.
- ``--resume`` completes an interrupted run with the same settings
  (``OUT/.segconv-run.json`` holds them until the run finishes); where there
  is nothing to resume it starts a fresh run, so a script can always pass it.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> plan = prepare(out, {"to": "png"}, overwrite=False, resume=True)
    >>> plan.resuming, plan.note
    (False, 'nothing to resume here: converting afresh')
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_text
from .errors import SegconvError
from .wording import plural

RUN_STATE = ".segconv-run.json"  # present in OUT while a conversion is unfinished
MANIFEST = ".segconv-files.txt"  # every file segconv wrote into OUT, relative to it


@dataclass
class Plan:
    """What :func:`prepare` decided: whether the run resumes, and a note for the user."""

    resuming: bool
    note: str | None = None


def prepare(out: Path, params: dict, *, overwrite: bool, resume: bool) -> Plan:
    """Check and prepare OUT for a run with ``params``; never touches files segconv did not write."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SegconvError("output path exists and is not a folder", file=str(out))
    interrupted = (out / RUN_STATE).is_file()
    if resume and interrupted:
        _same_settings(out, params)
        removed = remove_partial_files(out)
        resumed = "resuming the interrupted run"
        return Plan(True, resumed + (f" ({plural(removed, 'unfinished temporary file')} removed)" if removed else ""))
    note: str | None = None
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            if interrupted:
                raise SegconvError("an interrupted conversion is in this folder; pass --resume to finish it "
                                   "(or --overwrite to start again)", file=str(out))
            hint = "" if not resume else " (--resume: there is no interrupted run here to finish)"
            raise SegconvError(f"output folder exists and is not empty{hint}; pass --overwrite to write into it",
                               file=str(out))
        note = remove_own_files(out)
        if resume:
            note = "nothing to resume here: converting afresh" + (f"; {note}" if note else "")
    elif resume:
        note = "nothing to resume here: converting afresh"
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / RUN_STATE, json.dumps(params))
    return Plan(False, note)


def _same_settings(out: Path, params: dict) -> None:
    state = out / RUN_STATE
    try:
        previous = json.loads(state.read_text())
    except (OSError, json.JSONDecodeError):
        raise SegconvError("--resume: the run state file is unreadable; use --overwrite", file=str(state)) from None
    if previous != params:
        changed = sorted(k for k in set(params) | set(previous) if previous.get(k) != params.get(k))
        raise SegconvError(f"--resume: the interrupted run used other settings ({', '.join(changed)}); "
                           "resume with the same ones, or use --overwrite", file=str(state))


def remove_partial_files(out: Path) -> int:
    """Delete the temporary files a killed run left behind (``.*.part``)."""
    removed = 0
    for part in out.rglob(".*.part"):
        part.unlink()
        removed += 1
    return removed


def remove_own_files(out: Path) -> str | None:
    """Remove the files an earlier segconv run wrote into ``out`` (its manifest) and the folders that
    become empty; other files stay.  Returns what was done, for the user."""
    manifest = out / MANIFEST
    removed = partial = 0
    if manifest.is_file():
        real_out = Path(os.path.realpath(out))
        folders: set[Path] = set()
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("/") or ".." in line.split("/"):
                continue
            path = out / line
            if not Path(os.path.realpath(path.parent)).is_relative_to(real_out):
                continue
            if path.is_file() or path.is_symlink():
                path.unlink()
                removed += 1
            folders.update(p for p in path.parents if p != out and p.is_relative_to(out))
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()  # only when empty: the user's own files keep their folders
            except OSError:
                pass
        manifest.unlink()
    partial = remove_partial_files(out)
    (out / RUN_STATE).unlink(missing_ok=True)
    kept = sum(1 for p in out.rglob("*") if p.is_file())
    if not removed and not partial:
        return f"{plural(kept, 'file')} already in the folder kept (not written by segconv)" if kept else None
    note = f"--overwrite: removed {plural(removed + partial, 'file')} an earlier segconv run wrote here"
    return note + (f"; kept {plural(kept, 'other file')}" if kept else "")


class Manifest:
    """The list of files a run writes, kept in OUT: appended while the run goes (so an interrupted run's
    files are known), rewritten sorted and without repeats when it finishes."""

    def __init__(self, out: Path):
        self.path = Path(out) / MANIFEST
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run, closed by close()

    def add(self, files) -> None:
        for name in files:
            self._fh.write(name + "\n")
        self._fh.flush()

    def close(self, finished: bool) -> None:
        self._fh.close()
        if finished:
            names = sorted(set(self.path.read_text(encoding="utf-8").splitlines()) - {""})
            write_text(self.path, "".join(n + "\n" for n in names))

    def finish_run(self, out: Path) -> None:
        (Path(out) / RUN_STATE).unlink(missing_ok=True)
