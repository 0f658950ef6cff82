"""The output folder: refusing, overwriting, resuming, and knowing segconv's own files.

- A new OUT is created.  An existing, non-empty OUT is refused unless
  ``--overwrite`` or ``--resume``; if an interrupted run is in it, the message
  says to ``--resume``.
- ``--overwrite`` removes what earlier segconv runs wrote there and nothing
  else: the files listed in ``OUT/.segconv-files.txt`` (a file is listed
  before it is created, so an interrupted run's working files are listed
  too) and the temporary files of the run named in ``OUT/.segconv-run.json``
  (``.<name>.<token>.<pid>.<n>.part``, :mod:`convert.files.atomic`).  A user's own
  ``.notes.part`` stays.  The files are moved aside at once (into
  ``OUT/.segconv-removing.<token>/``, under the new run's temporary names) and
  unlinked by a thread while the run writes: unlinking the files of a
  finished run waits on the disk, not the processor.
- ``--resume`` completes an interrupted run with the same settings
  (``OUT/.segconv-run.json`` holds them, and the run's token, until the run
  finishes); where there is nothing to resume it starts a fresh run, so a
  script can always pass it.

:func:`plan` only looks (a dry run decides with it exactly what the real run
would); :meth:`Plan.apply` acts.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> p = plan(out, {"to": "png"}, overwrite=False, resume=True)
    >>> p.resuming, p.note
    (False, 'nothing to resume here: converting afresh')
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from convert.errors import SegconvError
from convert.files.atomic import is_temporary_of, write_text
from convert.pipeline.environment import EnvironmentProblem
from convert.pipeline.settings import changed_settings
from convert.wording import plural, setting

RUN_STATE = ".segconv-run.json"  # present in OUT while a conversion is unfinished
MANIFEST = ".segconv-files.txt"  # every file segconv wrote into OUT, relative to it
REMOVING = ".segconv-removing"  # OUT/.segconv-removing.<token>/: what --overwrite removes, while the run writes
STATE_VERSION = 2  # {"segconv-run": 2, "token": ..., "settings": {...}}


@dataclass
class Plan:
    """What :func:`plan` decided for OUT: whether the run resumes, the run's token, what ``--overwrite``
    removes (``own``: listed files there; ``temporary``: an earlier run's temporary files; ``kept``: other
    files), and a note for the user."""

    out: Path
    settings: dict
    resuming: bool = False
    overwrite: bool = False
    token: str = field(default_factory=lambda: secrets.token_hex(6))
    earlier_token: str | None = None  # the interrupted run's, whose temporary files go
    own: list[Path] = field(default_factory=list)
    temporary: list[Path] = field(default_factory=list)
    kept: int = 0
    _removing: threading.Thread | None = field(default=None, repr=False)  # unlinking what --overwrite set aside
    note: str | None = None

    def dry_note(self) -> str | None:
        """What the real run would do to OUT, said by a dry run."""
        if self.resuming:
            return "--resume would finish the interrupted run here"
        if self.overwrite and (self.own or self.temporary):
            removed = plural(len(self.own) + len(self.temporary), 'file')
            note = f"--overwrite would remove {removed} an earlier segconv run wrote here"
            return note + (f" and keep {plural(self.kept, 'other file')}" if self.kept else "")
        return self.note

    def state_text(self) -> str:
        """What ``OUT/.segconv-run.json`` holds while the run is unfinished."""
        return json.dumps({"segconv-run": STATE_VERSION, "token": self.token, "settings": self.settings})

    def apply(self) -> str | None:
        """Prepare OUT as planned: remove what ``--overwrite`` removes, an interrupted run's temporary files
        on ``--resume``; write the run state (settings and token).  Returns a note for the user."""
        out = self.out
        try:
            if self.resuming:
                removed = _remove(self.temporary)
                what = f" ({plural(removed, 'unfinished temporary file')} removed)" if removed else ""
                return "resuming the interrupted run" + what
            if self.overwrite:
                removed = self._set_aside(self.own + self.temporary)
                _remove_empty_folders(out, self.own)
                for folder in out.glob(f"{REMOVING}.*"):  # an interrupted run's, emptied (its files: temporary)
                    if folder != self._trash:
                        _remove_folder(folder)
                for name in (MANIFEST, RUN_STATE):
                    (out / name).unlink(missing_ok=True)
                if removed:
                    note = f"--overwrite: removed {plural(removed, 'file')} an earlier segconv run wrote here"
                    self.note = _join(self.note, note + (f"; kept {plural(self.kept, 'other file')}"
                                                         if self.kept else ""))
                elif self.kept:
                    self.note = _join(self.note, f"{plural(self.kept, 'file')} already in the folder kept "
                                                 "(not written by segconv)")
            out.mkdir(parents=True, exist_ok=True)
            write_text(out / RUN_STATE, self.state_text(), owner=self.token)
        except OSError as exc:
            raise EnvironmentProblem.of(exc, out, resumable=False) from None
        if self._trash.is_dir():
            self._removing = threading.Thread(target=_remove_folder, args=(self._trash,), name="segconv-overwrite")
            self._removing.start()
        return self.note

    @property
    def _trash(self) -> Path:
        return self.out / f"{REMOVING}.{self.token}"

    def _set_aside(self, paths: list[Path]) -> int:
        """Move ``paths`` into :attr:`_trash` (a rename each: no waiting on the disk), named as this run's
        temporary files, so that an interrupted run removes what is left of them (and so do ``--resume`` and
        ``--overwrite``).  A file that cannot be moved there (another file system inside OUT) is removed at
        once.  Returns how many were there."""
        removed = 0
        for i, path in enumerate(paths):
            try:
                if i == 0:
                    self._trash.mkdir(exist_ok=True)
                os.rename(path, self._trash / f".{i}.{self.token}.{os.getpid()}.{i}.part")
                removed += 1
            except FileNotFoundError:
                pass
            except OSError:
                removed += _remove([path])
        return removed

    def finish_removing(self) -> None:
        """Wait for the files ``--overwrite`` set aside to be gone (the run's end, also when it stops)."""
        removing, self._removing = self._removing, None
        if removing is not None:
            removing.join()
        if self._trash.is_dir():
            _remove_folder(self._trash)


def plan(out: Path, settings: dict, *, overwrite: bool, resume: bool) -> Plan:
    """Decide what a run with ``settings`` does to OUT, changing nothing; refuse what it may not do."""
    out = Path(out)
    p = Plan(out, settings, overwrite=overwrite)
    if out.exists() and not out.is_dir():
        raise EnvironmentProblem(f"{out} is a file, not a folder: choose another -o, or move the file away",
                           path=str(out))
    state = read_state(out)
    if resume and state is not None:
        changed = changed_settings(state.get("settings") or {}, settings)
        if changed:
            raise SegconvError(f"{setting('resume')}: the interrupted run used other settings: {changed}; resume "
                               f"with the same ones, or use {setting('overwrite')}", file=str(out / RUN_STATE))
        p.resuming, p.token = True, state["token"]
        p.temporary = temporary_files(out, p.token)
        return p
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            if state is not None:
                raise SegconvError(f"an interrupted conversion is in this folder; pass {setting('resume')} to "
                                   f"finish it (or {setting('overwrite')} to start again)", file=str(out))
            hint = "" if not resume else f" ({setting('resume')}: there is no interrupted run here to finish)"
            raise SegconvError(f"output folder exists and is not empty{hint}; pass {setting('overwrite')} to write "
                               "into it", file=str(out))
        p.own = listed_files(out)
        if state is not None and state.get("token"):
            p.earlier_token = state["token"]
            p.temporary = temporary_files(out, state["token"])
        ours = {os.path.normpath(f) for f in [*p.own, *p.temporary]} | {str(out / MANIFEST), str(out / RUN_STATE)}
        p.kept = sum(1 for f in _files(out) if os.path.normpath(f) not in ours)
    if resume:
        p.note = "nothing to resume here: converting afresh"
    return p


def read_state(out: Path) -> dict | None:
    """The run state of an interrupted run in OUT, or ``None``; an unreadable one is an error."""
    path = Path(out) / RUN_STATE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SegconvError(f"the run state file is unreadable; use {setting('overwrite')} to start again",
                           file=str(path)) from None
    if not isinstance(state, dict) or state.get("segconv-run") != STATE_VERSION or not isinstance(state.get("token"),
                                                                                                   str):
        # an older segconv's state: its settings are all it holds
        return {"token": None, "settings": state if isinstance(state, dict) else {}}
    return state


def listed_files(out: Path) -> list[Path]:
    """The files the manifest lists that exist, inside OUT (names that could leave it are ignored)."""
    manifest = Path(out) / MANIFEST
    if not manifest.is_file():
        return []
    real_out = Path(os.path.realpath(out))
    found = []
    for line in read_lines(manifest):
        if not line or line.startswith("/") or ".." in line.split("/"):
            continue
        path = Path(out) / line
        if not Path(os.path.realpath(path.parent)).is_relative_to(real_out):
            continue
        if path.is_file() or path.is_symlink():
            found.append(path)
    return sorted(set(found))


def read_lines(manifest: Path) -> list[str]:
    """The manifest's complete lines: a last line without its newline was cut by a full disk or a kill."""
    return manifest.read_text(encoding="utf-8", errors="replace").split("\n")[:-1]


def temporary_files(out: Path, token: str) -> list[Path]:
    """The temporary files the run ``token`` left anywhere under OUT (symlinked folders are not followed)."""
    return [Path(folder) / name for folder, _, names in os.walk(out) for name in names
            if is_temporary_of(name, token)]


def _files(out: Path):
    for folder, _, names in os.walk(out):
        for name in names:
            yield str(Path(folder) / name)


def _remove(paths: list[Path]) -> int:
    removed = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def _remove_folder(folder: Path) -> None:
    """Unlink the files in ``folder`` (set aside by ``--overwrite``), then the folder."""
    try:
        with os.scandir(folder) as entries:
            _remove([Path(e.path) for e in entries])
        folder.rmdir()
    except OSError:
        pass


def _remove_empty_folders(out: Path, files: list[Path]) -> None:
    folders = {p for f in files for p in f.parents if p != out and p.is_relative_to(out)}
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only when empty: the user's own files keep their folders
        except OSError:
            pass


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


class Manifest:
    """The list of files a run writes, kept in OUT: a name is appended before its file is created (so an
    interrupted run's files are all known), and rewritten sorted, without repeats and without the working
    files that are gone (:meth:`forget`), when the run finishes."""

    def __init__(self, out: Path, owner: str):
        self.path = Path(out) / MANIFEST
        self.owner = owner
        self.gone: set[str] = set()
        try:
            if self.path.is_file():  # resuming: a last name a full disk cut short names no file (a name is
                data = self.path.read_bytes()  # written before its file): drop it, so the next starts afresh
                if data and not data.endswith(b"\n"):
                    with open(self.path, "rb+") as fh:
                        fh.truncate(data.rfind(b"\n") + 1)
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run, closed by close()
        except OSError as exc:
            raise EnvironmentProblem.of(exc, self.path) from None

    def add(self, files) -> None:
        if files:
            self._fh.write("".join(name + "\n" for name in files))
            self._fh.flush()

    def forget(self, files) -> None:
        self.gone.update(files)

    def close(self, finished: bool) -> None:
        try:
            self._fh.close()
        except OSError:
            if finished:
                raise
            return  # an interrupted run: what reached the file is listed, the rest was not written either
        if finished:
            names = sorted(set(read_lines(self.path)) - {""} - self.gone)
            write_text(self.path, "".join(n + "\n" for n in names), owner=self.owner)
