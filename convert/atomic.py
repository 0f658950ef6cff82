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

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def open_atomic(path: Path, mode: str = "wb", encoding: str | None = None):
    """Open a temporary file that replaces ``path`` when the block ends without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_UMASK)
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
