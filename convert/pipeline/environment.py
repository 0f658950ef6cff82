"""When the machine, not the input, stops a run: a full disk, a folder segconv may not write, a read-only
file system, a path that is a file, a worker process killed (:mod:`convert.pipeline.workers`).  Not a bug in
segconv, and not bad input: a plain message naming the path and what to do, and exit code 3
(:data:`EXIT_CODE`).  A conversion stopped this way keeps what it
wrote whole and listed, and ``--resume`` finishes it once the cause is gone.

    >>> import errno
    >>> exc = OSError(errno.ENOSPC, "No space left on device", "out/masks/a.png")
    >>> for part in str(EnvironmentProblem.of(exc, "out")).split("; "): print(part)
    cannot write out/masks/a.png: no space is left on the device
    free some space, then run the same command with --resume to finish (the files written so far are whole)
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from convert.errors import SegconvError

EXIT_CODE = 3

# errno -> (what happened, what to do)
CAUSES = {
    errno.ENOSPC: ("no space is left on the device", "free some space"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or raise the quota"),
    errno.EFBIG: ("the file is larger than the file system (or the file-size limit, ulimit -f) allows",
                  "write to another file system, or raise the limit"),
    errno.EACCES: ("permission denied", "give write access to it, or {elsewhere}"),
    errno.EPERM: ("the operation is not permitted", "give write access to it, or {elsewhere}"),
    errno.EROFS: ("the file system is read-only", "{elsewhere} on a writable file system"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "move that file away, or {elsewhere}"),
    errno.EISDIR: ("it is a folder where a file goes", "move that folder away, or {elsewhere}"),
    errno.EEXIST: ("it is a file, where a folder goes", "move it away, or {elsewhere}"),
    errno.ENAMETOOLONG: ("the name is too long for the file system", "shorten the image names, or choose "
                                                                     "another file system"),
    errno.EMFILE: ("too many files are open", "raise the limit of open files (ulimit -n)"),
    errno.ENFILE: ("the system has too many files open", "close other programs, or raise the system's limit"),
    errno.EIO: ("the device reported an input/output error", "check the disk or the network file system"),
}


class EnvironmentProblem(SegconvError):
    """The machine stopped the run (exit code 3); ``path`` is the file or folder concerned."""

    exit_code = EXIT_CODE

    def __init__(self, message: str, *, path: str | None = None):
        super().__init__(message)
        self.path = path

    @classmethod
    def of(cls, exc: OSError, where: str | Path, *, resumable: bool = True, doing: str | None = None,
           elsewhere: str = "choose another -o") -> EnvironmentProblem:
        """The error for ``exc``, raised while writing into the folder ``where`` (or the file ``where``); ``exc``
        itself is re-raised when it is not one of :data:`CAUSES` (a bug, then, and said as one).  A file
        outside ``where`` was being read (an image copied into OUT), unless ``doing`` says what was done;
        ``elsewhere`` is how to write somewhere else."""
        cause = CAUSES.get(exc.errno or 0)
        if cause is None:
            raise exc
        path = str(exc.filename or where)
        what, fix = cause
        if exc.errno == errno.ENOTDIR:  # name the file that stands where a folder goes
            blocking = next((p for p in Path(path).parents if p.is_file()), None)
            if blocking is not None:
                path, (what, fix) = str(blocking), CAUSES[errno.EEXIST]
        inside = os.path.abspath(where)
        if doing is None:
            outside = exc.filename and os.path.commonpath([os.path.abspath(path), inside]) != inside
            doing = "read" if outside else "write"
        if doing == "read" and exc.errno in (errno.EACCES, errno.EPERM):
            fix = "give read access to it"
        fix = fix.format(elsewhere=elsewhere)
        then = ", then run the same command with --resume to finish (the files written so far are whole)" \
            if resumable else ""
        return cls(f"cannot {doing} {path}: {what}; {fix}{then}", path=path)


def is_environment_error(exc: BaseException) -> bool:
    """Whether ``exc`` is an ``OSError`` of one of the :data:`CAUSES`."""
    return isinstance(exc, OSError) and exc.errno in CAUSES
