"""Atomic file writes: a file either appears whole or not at all.

Data goes to a temporary file in the target's folder, which is then renamed
over the target (``os.replace``, atomic on POSIX and Windows).  A crash or a
kill at any moment leaves either the old file or the new one, never half of
one; the temporary file is removed on errors.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_bytes(d / "a" / "b.txt", b"hello")
    >>> (d / "a" / "b.txt").read_bytes()
    b'hello'
"""

from __future__ import annotations

import itertools
import os
from contextlib import contextmanager
from pathlib import Path

_COUNTER = itertools.count()


def _create_temp(path: Path) -> tuple[int, str]:
    """A new file beside ``path`` (created exclusively, mode 0o666 less the umask)."""
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{os.getpid()}.{next(_COUNTER)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}")


@contextmanager
def open_atomic(path: Path, mode: str = "wb", encoding: str | None = None):
    """Open a temporary file that replaces ``path`` when the block ends without error."""
    path = Path(path)
    try:
        fd, tmp = _create_temp(path)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes(path: Path, data: bytes) -> None:
    with open_atomic(path, "wb") as fh:
        fh.write(data)


def write_text(path: Path, text: str) -> None:
    with open_atomic(path, "w", encoding="utf-8") as fh:
        fh.write(text)
