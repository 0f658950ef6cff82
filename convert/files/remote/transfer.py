"""Moving whole files between object storage and this machine, every failure worded by
:func:`~convert.files.remote.failures.storage_error`.

A file is uploaded whole: :func:`upload` hands the backend the file's bytes in one call (s3fs sends one PUT
below 100 MB, and above it a multipart upload it aborts on failure), so an object appears complete or not
at all; there is no temporary object to rename.

    >>> import pathlib, tempfile
    >>> local = pathlib.Path(tempfile.mkdtemp()) / "a.txt"; _ = local.write_bytes(b"hello")
    >>> upload(local, "memory://segconv-transfer/x/a.txt")
    >>> kind("memory://segconv-transfer/x"), listing("memory://segconv-transfer/x")
    ('folder', {'a.txt': 5})
    >>> back = local.with_name("b.txt"); download("memory://segconv-transfer/x/a.txt", back); back.read_bytes()
    b'hello'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from convert.files.remote.backend import open_filesystem
from convert.files.remote.failures import (
    StorageError,
    is_storage_failure,
    lost_connection,
    missing_bucket,
    refused_answer,
    storage_error,
)
from convert.files.remote.urls import join


@contextmanager
def talking_to(url: str) -> Iterator[None]:
    """Turn the storage's failures inside the block into a :class:`StorageError` naming ``url``."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        if is_storage_failure(exc):
            raise storage_error(exc, url) from None
        raise


def kind(url: str) -> str | None:
    """``"file"``, ``"folder"`` (a prefix with objects under it) or ``None`` (nothing there; a missing bucket
    is an error)."""
    fs, path = open_filesystem(url)
    with talking_to(url):
        try:
            info = fs.info(path)
        except FileNotFoundError as exc:
            if _not_just_absent(exc, url, path):
                raise
            return None
    return "folder" if info.get("type") == "directory" else "file"


def _not_just_absent(exc: FileNotFoundError, url: str, path: str) -> bool:
    """Whether a "not found" from the store means more than an object that is not there: the bucket missing,
    the connection lost, or the server refusing (each worded where it is raised)."""
    return missing_bucket(exc, url, path) or lost_connection(exc) is not None or refused_answer(exc)


def listing(url: str) -> dict[str, int]:
    """Every object under the prefix ``url``: ``{name relative to it: size}`` (empty when there is none)."""
    fs, path = open_filesystem(url)
    root = path.rstrip("/")
    with talking_to(url):
        fs.invalidate_cache(root)
        try:
            found = fs.find(root, detail=True)
        except FileNotFoundError as exc:
            if _not_just_absent(exc, url, root):
                raise
            return {}
    return {name[len(root) + 1:]: int(info.get("size") or 0) for name, info in found.items()
            if name.startswith(root + "/") and info.get("type", "file") == "file"}


def download(url: str, local: Path) -> None:
    """``url`` into the local file ``local`` (its folder made)."""
    fs, path = open_filesystem(url)
    local.parent.mkdir(parents=True, exist_ok=True)
    with talking_to(url):
        fs.get_file(path, str(local))


def counting(on_bytes, total: int):
    """An fsspec callback for a transfer of many files: ``on_bytes(done, total)`` as bytes arrive, summed
    over the files (each file's transfer reports to a child callback)."""
    from fsspec.callbacks import Callback, NoOpCallback

    if on_bytes is None:
        return NoOpCallback()

    class Files(Callback):
        done = 0

        def branched(self, path_1, path_2, **kwargs):
            parent = self

            class Bytes(Callback):
                def relative_update(self, inc=1):
                    parent.done += inc
                    on_bytes(parent.done, total)

            return Bytes()

    return Files()


def download_tree(url: str, names: list[str], local: Path, on_bytes=None, total: int = 0) -> None:
    """The objects ``url/name`` into ``local/name``, fetched concurrently where the backend can;
    ``on_bytes(done, total)`` is told as bytes arrive."""
    if not names:
        return
    fs, path = open_filesystem(url)
    for name in names:
        (local / name).parent.mkdir(parents=True, exist_ok=True)
    remote = [join(path, n) if path else n for n in names]
    with talking_to(url):
        fs.get(remote, [str(local / n) for n in names], callback=counting(on_bytes, total))


def read_bytes(url: str) -> bytes:
    fs, path = open_filesystem(url)
    with talking_to(url):
        return fs.cat_file(path)


def upload(local: Path, url: str) -> None:
    """The local file ``local`` as the object ``url``, whole (see the module's docstring)."""
    fs, path = open_filesystem(url)
    data = Path(local).read_bytes()
    with talking_to(url):
        fs.pipe_file(path, data)


def upload_many(pairs: list[tuple[Path, str]], where: str, on_bytes=None) -> None:
    """Each local file of ``pairs`` as its object ``(local, url)``, whole (see the module's docstring), sent
    concurrently where the backend can; a failure names ``where`` (the folder they go to); ``on_bytes(done,
    total)`` is told as bytes go."""
    if not pairs:
        return
    fs, _ = open_filesystem(pairs[0][1])
    remote = [open_filesystem(url)[1] for _, url in pairs]
    total = sum(Path(local).stat().st_size for local, _ in pairs)
    with talking_to(where):
        fs.put([str(local) for local, _ in pairs], remote, callback=counting(on_bytes, total))


def remove(urls: list[str]) -> None:
    """The objects ``urls`` (all of one file system), gone; one already gone is no error."""
    if not urls:
        return
    fs, _ = open_filesystem(urls[0])
    for url in urls:
        _, path = open_filesystem(url)
        with talking_to(url):
            try:
                fs.rm_file(path)
            except FileNotFoundError:
                pass
