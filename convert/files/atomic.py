"""Atomic file writes: a file either appears whole or not at all.

Data goes to a temporary file in the target's folder, which is then renamed
over the target (``os.replace``, atomic on POSIX and Windows).  A crash or a
kill at any moment leaves either the old file or the new one, never half of
one; the temporary file is removed on errors.

Temporary names say who made them: ``.<name>.<owner>.<pid>.<n>.part``.  A
conversion passes its run's token as ``owner`` (:mod:`convert.pipeline.outfolder`), so
the temporary files a killed run left can be found and removed without
touching anyone else's ``.something.part``.  An ``OSError`` raised while
writing names the target when the system did not say which file it was
(a full disk fails a ``write``, which knows no file name).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_bytes(d / "a" / "b.txt", b"hello")
    >>> (d / "a" / "b.txt").read_bytes()
    b'hello'
    >>> tmp = stage_bytes(d / "c.txt", b"staged", owner="r1")    # written, not yet in place
    >>> pathlib.Path(tmp).name.startswith(".c.txt.r1."), (d / "c.txt").exists()
    (True, False)
    >>> os.replace(tmp, d / "c.txt"); (d / "c.txt").read_bytes()
    b'staged'
"""

from __future__ import annotations

import errno
import itertools
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

_COUNTER = itertools.count()
OWNER = "segconv"  # the owner of temporary files written outside a conversion (reports, label maps)


def is_temporary_of(name: str, owner: str) -> bool:
    """Whether a file name is one of ``owner``'s temporary files.

    >>> is_temporary_of(".a.png.r1.77.3.part", "r1"), is_temporary_of(".notes.part", "r1")
    (True, False)
    """
    return name.startswith(".") and name.endswith(".part") and f".{owner}." in name


def _create_temp(path: Path, owner: str) -> tuple[int, str]:
    """A new file beside ``path`` (created exclusively, mode 0o666 less the umask)."""
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{owner}.{os.getpid()}.{next(_COUNTER)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}")


def create_beside(path: Path, owner: str) -> tuple[int, str]:
    """:func:`_create_temp`, making ``path``'s folder when it is missing; errors name ``path``."""
    try:
        try:
            return _create_temp(path, owner)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return _create_temp(path, owner)
    except OSError as exc:
        raise named(exc, path) from None


def _abandon(tmp: str, exc: BaseException, path: Path) -> None:
    """A write of ``path`` failed with ``exc``: its temporary file ``tmp`` goes, and an error of the machine is
    raised naming ``path`` (:func:`named`); any other exception is left to the caller to raise as it is."""
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    if isinstance(exc, OSError):
        raise named(exc, path) from None


def named(exc: OSError, path: Path) -> OSError:
    """``exc`` naming the target ``path`` (not the temporary file; a full disk names no file at all), or the
    folder in the way when one of its parents could not be made."""
    if exc.filename is None or str(exc.filename).endswith(".part"):
        exc.filename, exc.filename2 = str(path), None
    return exc


@contextmanager
def open_temporary(path: Path, mode: str = "wb", encoding: str | None = None, owner: str = OWNER):
    """Open a new temporary file beside ``path``; yields ``(file, temporary name)``.  The file is removed if
    the block fails; otherwise it stays, for the caller to move into place."""
    path = Path(path)
    fd, tmp = create_beside(path, owner)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh, tmp
    except BaseException as exc:
        _abandon(tmp, exc, path)
        raise


@contextmanager
def open_atomic(path: Path, mode: str = "wb", encoding: str | None = None, owner: str = OWNER):
    """Open a temporary file that replaces ``path`` when the block ends without error."""
    with open_temporary(path, mode, encoding, owner) as (fh, tmp):
        yield fh
    try:
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        raise named(exc, Path(path)) from None


def write_bytes(path: Path, data: bytes, owner: str = OWNER) -> None:
    with open_atomic(path, "wb", owner=owner) as fh:
        fh.write(data)


def write_text(path: Path, text: str, owner: str = OWNER) -> None:
    with open_atomic(path, "w", encoding="utf-8", owner=owner) as fh:
        fh.write(text)


def stage_bytes(path: Path, data: bytes, owner: str) -> str:
    """Write ``data`` to a temporary file beside ``path`` and return its name: the caller moves it into place
    (``os.replace``) or removes it."""
    with open_temporary(path, "wb", owner=owner) as (fh, tmp):
        fh.write(data)
    return tmp


def stage_copy(src: Path, path: Path, owner: str) -> str:
    """A byte-for-byte copy of ``src``, staged beside ``path`` (see :func:`stage_bytes`): copied by the
    kernel (:func:`copy_bytes`)."""
    with open(src, "rb") as fin, open_temporary(path, "wb", owner=owner) as (fout, tmp):
        copy_bytes(fin, fout)
    return tmp


def stage_copy_later(src: Path, path: Path, owner: str, submit: Callable[[Callable[[], None]], object]) -> str:
    """:func:`stage_copy`, the copying done by ``submit(job)`` (a thread's, beside the image's other work):
    ``src`` is opened and the temporary file made here, with their errors raised here; the job copies the
    bytes, and removes the temporary file if that fails (its error naming ``path``)."""
    fin = open(src, "rb")  # noqa: SIM115 - closed by the job
    try:
        fd, tmp = create_beside(Path(path), owner)
    except BaseException:
        fin.close()
        raise

    def job() -> None:
        try:
            with fin, os.fdopen(fd, "wb") as fout:
                copy_bytes(fin, fout)
        except BaseException as exc:
            _abandon(tmp, exc, Path(path))
            raise

    submit(job)
    return tmp


# copy_file_range fails with these where the kernel or the file system cannot do it (Linux before 5.3 across
# file systems, some network and FUSE file systems): the copy is then made through a buffer
_NO_KERNEL_COPY = frozenset(getattr(errno, name) for name in ("ENOSYS", "EXDEV", "EINVAL", "EOPNOTSUPP", "ENOTSUP",
                                                               "EBADF", "EPERM") if hasattr(errno, name))


def copy_bytes(fin, fout) -> None:
    """Copy the open file ``fin`` into the empty ``fout``: by ``os.copy_file_range`` where there is one (the
    bytes never pass through Python: 1.3 ms per 1 MB photo here against 3 to 9 ms through a buffer; a file
    system that shares blocks may clone them), else by ``shutil.copyfileobj``.  Errors of the machine (a full
    disk) are raised as they are."""
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        try:
            while copy_range(fin.fileno(), fout.fileno(), 1 << 30):
                pass
            return
        except OSError as exc:
            if exc.errno not in _NO_KERNEL_COPY:
                raise
        fin.seek(0)  # start again through a buffer
        fout.seek(0)
        fout.truncate()
    shutil.copyfileobj(fin, fout, 1 << 20)


def stage_link(src: Path, path: Path, owner: str) -> str:
    """A symlink to ``src`` (its real path), staged beside ``path`` (see :func:`stage_bytes`); ``path``'s folder
    is made when it is missing (tried first: the folder is there for every image but the first)."""
    path = Path(path)
    target = os.path.realpath(src)
    try:
        try:
            return _link_temp(target, path, owner)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            return _link_temp(target, path, owner)
    except OSError as exc:
        raise named(exc, path) from None


def _link_temp(target: str, path: Path, owner: str) -> str:
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{owner}.{os.getpid()}.{next(_COUNTER)}.part")
        try:
            os.symlink(target, tmp)
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary link beside {path}")
