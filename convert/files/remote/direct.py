"""A Dask worker reading its photos and writing its files in object storage itself (``--dask`` with URLs):
the pixels go between the worker and the bucket, never through the client.

The client sends every batch a :class:`WorkerStorage` (a few hundred bytes): the output URL, the run's token,
and where the client's stand-ins of the source URLs stand for (``{stand-in: URL}``, see
:mod:`convert.api.places`).  On the worker:

- a file the writer stages goes up whole, in one request, as a temporary object beside its target,
  ``<folder>/.<name>.<token>.<random>.<n>.part`` (:func:`~convert.files.atomic.is_temporary_of` knows it as
  the run's; the random part keeps two hosts with one process id apart), and its URL goes back to the client;
- a photo the writer copies, when the source is a URL of the same store, is not read at all: its URL goes
  back, and the client has the store copy it (server-side);
- a photo whose bytes or header the worker needs is read from its URL (the header from the first 64 KiB),
  never from the client's stand-in, which is on another machine.

The client (:class:`Placements`) places the files in sample order, as :mod:`convert.pipeline.outputs` places
local ones: listed in the manifest first, then each temporary object copied to its name by the store (no byte
passes through the client) and removed; the temporary objects of an image that is not written are removed.
The copies are made in groups: when :data:`FLUSH_AT` files wait, and at least as many as are placed already
(so the manifest, uploaded before each group, goes up a number of times that grows with the logarithm of the
files: a client killed outright loses at most about half of the work to ``--resume``), and when the run
ends or stops.
Whatever the run leaves (a batch Dask ran twice, a run that stopped) is found by the run's token, as local
temporary files are.

    >>> storage = WorkerStorage("memory://segconv-direct/out", "r1", {"/tmp/s1": "memory://segconv-direct/in"})
    >>> storage.photo_url("/tmp/s1/images/a.jpg"), storage.photo_url("/data/b.jpg")
    ('memory://segconv-direct/in/images/a.jpg', None)
    >>> staged = storage.stage("masks/a.png", b"png bytes")
    >>> staged.startswith("memory://segconv-direct/out/masks/.a.png.r1.") and staged.endswith(".part")
    True
    >>> placements = Placements("memory://segconv-direct/out", "r1")
    >>> placements.place(staged, "masks/a.png"); placements.flush()
    1
    >>> from convert.files.remote.transfer import listing
    >>> listing("memory://segconv-direct/out")
    {'masks/a.png': 9}
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from convert.files.atomic import is_temporary_of
from convert.files.remote.backend import open_filesystem
from convert.files.remote.ranged import header_within
from convert.files.remote.transfer import listing, read_bytes, talking_to
from convert.files.remote.urls import join, name_of, scheme_of

FLUSH_AT = 256  # files waiting to be placed (and at least as many as are placed) before they are, mid-run
HEADER_BYTES = 64 * 1024  # what is read of a photo whose header is all the worker needs
CACHED_PHOTOS = 4  # photos a worker keeps on its disk, the latest ones (a writer may read one twice)

_HOST = secrets.token_hex(4)  # this process's part of its temporary names
_COUNTER = itertools.count()
_existing: dict[tuple[str, str], set[str]] = {}  # (output URL, run) -> the names there, in a worker (--resume)


class WorkerStorage:
    """What a worker needs to read the sources and write OUT in object storage (see the module)."""

    def __init__(self, out_url: str | None, token: str, sources: dict[str, str]):
        self.out_url = out_url.rstrip("/") if out_url else None  # None: OUT is a folder the workers share
        self.token = token
        self.run = secrets.token_hex(4)  # this run (a resumed run keeps its token): what a worker listed is its
        self.sources = dict(sorted(sources.items(), key=lambda kv: len(kv[0]), reverse=True))
        self._photos: OrderedDict[str, Path] | None = None  # on the worker: stand-in path -> local copy
        self._waiting: dict[str, tuple[str, bytes]] | None = None  # inside batch(): URL -> (name, bytes)
        self._folder: Path | None = None

    def __getstate__(self) -> dict:
        return {"out_url": self.out_url, "token": self.token, "run": self.run, "sources": self.sources,
                "_photos": None, "_folder": None, "_waiting": None}

    # ------------------------------------------------------------------ the sources
    def photo_url(self, path: str | os.PathLike | None) -> str | None:
        """The URL a stand-in path of the client stands for; ``None`` for a path of the machine itself."""
        if not path:
            return None
        text = str(path)
        for local, url in self.sources.items():
            if text.startswith(local + os.sep):
                return join(url, text[len(local) + 1:].replace(os.sep, "/"))
        return None

    def same_store(self, url: str) -> bool:
        """Whether the store holding OUT can copy ``url`` itself (one scheme: one set of credentials)."""
        return self.out_url is not None and scheme_of(url) == scheme_of(self.out_url)

    def photo(self, path: str | os.PathLike) -> Path:
        """A copy on this machine of the photo the client's stand-in ``path`` stands for, fetched whole from
        its URL (the latest :data:`CACHED_PHOTOS` are kept), named as the photo is."""
        key = str(path)
        if self._photos is None:
            self._photos = OrderedDict()
        if key in self._photos:
            self._photos.move_to_end(key)
            return self._photos[key]
        url = self.photo_url(key)
        if url is None:
            return Path(key)
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="segconv-worker-"))
        local = self._folder / str(next(_COUNTER)) / name_of(url)
        local.parent.mkdir()
        local.write_bytes(read_bytes(url))
        self._photos[key] = local
        while len(self._photos) > CACHED_PHOTOS:
            _, old = self._photos.popitem(last=False)
            shutil.rmtree(old.parent, ignore_errors=True)
        return local

    def photo_size(self, path: str | os.PathLike, max_pixels: int) -> tuple[int, int]:
        """The photo's size, EXIF orientation applied, from its first :data:`HEADER_BYTES` where they hold
        the header, else from the whole photo."""
        from convert.files.images import ImageProblem, oriented_size

        if self._photos and str(path) in self._photos:
            return self._size_of_copy(path, max_pixels)
        url = self.photo_url(path)
        if url is None:
            return oriented_size(Path(path), max_pixels)
        fs, inside = open_filesystem(url)
        with talking_to(url):
            head = fs.cat_file(inside, start=0, end=HEADER_BYTES)
        if len(head) == HEADER_BYTES and not header_within(head):  # the header goes on past what was read
            return self._size_of_copy(path, max_pixels)
        try:
            return oriented_size(head, max_pixels)
        except ImageProblem:
            if len(head) < HEADER_BYTES:  # the whole photo: it is what it is
                raise
        return self._size_of_copy(path, max_pixels)

    def _size_of_copy(self, path: str | os.PathLike, max_pixels: int) -> tuple[int, int]:
        """The size of the photo's whole copy here; a photo that cannot be read is named by the client's
        stand-in path (which the run's messages turn into the URL), not by this worker's copy."""
        from convert.files.images import ImageProblem, oriented_size

        local = self.photo(path)
        try:
            return oriented_size(local, max_pixels)
        except ImageProblem as exc:
            raise ImageProblem(str(exc).replace(str(local), os.fspath(path))) from None

    def close(self) -> None:
        """The photos this worker copied, gone (a task's end: each task has its own copy of this object)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        self._folder, self._photos = None, None

    # ------------------------------------------------------------------ OUT
    def temporary_url(self, relative: str) -> str:
        folder, _, name = relative.rpartition("/")
        temporary = f".{name}.{self.token}.{_HOST}.{next(_COUNTER)}.part"
        return join(self._out(), f"{folder}/{temporary}" if folder else temporary)

    def _out(self) -> str:
        if self.out_url is None:
            raise ValueError("OUT is not a URL")
        return self.out_url

    def stage(self, relative: str, data: bytes) -> str:
        """``data`` uploaded whole as a temporary object beside ``OUT/relative``; returns its URL.  Inside
        :meth:`batch` the upload waits for the batch's end, and goes with the others at once."""
        url = self.temporary_url(relative)
        if self._waiting is not None:
            self._waiting[url] = (relative, data)
            return url
        fs, inside = open_filesystem(url)
        with talking_to(join(self._out(), relative)):
            fs.pipe_file(inside, data)
        return url

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The files staged inside the block go up together when it ends (each whole, in one request, many
        at a time: a batch's 32 images' files are not sent one after the other); nothing goes up when the
        block fails.  The block's results name the files: they exist once it is over."""
        self._waiting = {}
        try:
            yield
            waiting = self._waiting
        finally:
            self._waiting = None
        if waiting:
            fs, _ = open_filesystem(self._out())
            with talking_to(self._out() + "/"):
                fs.pipe({open_filesystem(url)[1]: data for url, (_, data) in waiting.items()})

    def stage_photo(self, path: str | os.PathLike, relative: str) -> str:
        """The photo at the client's ``path`` for ``OUT/relative``: its own URL when the store copies it,
        else its bytes staged (:meth:`stage`), read from its URL or from the shared path."""
        url = self.photo_url(path)
        if url is not None and self.same_store(url):
            return url
        return self.stage(relative, self.photo(path).read_bytes() if url else Path(path).read_bytes())

    def exists(self, relative: str) -> bool:
        """Whether ``OUT/relative`` is in the store (``--resume`` keeps it): OUT is listed once per worker
        process and run."""
        key = (self._out(), self.run)
        if key not in _existing:
            _existing.clear()
            _existing[key] = set(listing(self._out()))
        return relative in _existing[key]


class Placements:
    """The client's side: the files of each image put in place in sample order by the store itself."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url.rstrip("/"), token
        self.copies: list[tuple[str, str]] = []  # (staged URL, URL of its name), not yet copied
        self.doomed: list[str] = []  # temporary objects to remove
        self.placed: set[str] = set()  # names (relative to OUT) this run put in the store
        self.files = 0  # files placed so far
        self.copied_photos = 0  # of them, photos the store copied from the source
        # called when enough files wait (FLUSH_AT, doubling): uploads the manifest, then calls flush()
        self.due: Callable[[], None] | None = None

    def _temporary(self, url: str) -> bool:
        return url.startswith(self.url + "/") and is_temporary_of(name_of(url), self.token)

    def place(self, staged: str, relative: str) -> None:
        """``OUT/relative`` gets the bytes of ``staged`` (a temporary object, or a photo of the source)."""
        self.copies.append((staged, join(self.url, relative)))
        self.placed.add(relative)
        if self.due is not None and len(self.copies) >= max(FLUSH_AT, self.files):
            self.due()

    def discard(self, staged: str) -> None:
        """``staged`` is not written: a temporary object goes, a photo of the source is never touched."""
        if self._temporary(staged):
            self.doomed.append(staged)

    def flush(self) -> int:
        """Copy what was placed since the last flush, then remove the temporary objects; returns how many
        files were placed."""
        copies, self.copies = self.copies, []
        if copies:
            fs, _ = open_filesystem(self.url)
            sources = [open_filesystem(a)[1] for a, _ in copies]
            targets = [open_filesystem(b)[1] for _, b in copies]
            with talking_to(self.url + "/"):
                fs.invalidate_cache()  # a listing cached in this process does not know the workers' objects
                fs.copy(sources, targets)
            self.files += len(copies)
            self.copied_photos += sum(1 for a, _ in copies if not self._temporary(a))
            self.doomed += [a for a, _ in copies if self._temporary(a)]
        doomed, self.doomed = self.doomed, []
        remove_all(doomed, self.url + "/")
        return len(copies)

    def sweep(self) -> None:
        """Remove every temporary object of this run still in OUT (a batch Dask ran twice wrote its files
        twice; a run that stopped left some unplaced)."""
        remove_all([join(self.url, n) for n in listing(self.url) if is_temporary_of(name_of(n), self.token)],
                   self.url + "/")


def remove_all(urls: list[str], where: str) -> None:
    """The objects ``urls`` (of one store) removed, many to a request where the store can (S3: 1,000)."""
    if not urls:
        return
    fs, _ = open_filesystem(urls[0])
    with talking_to(where):
        fs.rm([open_filesystem(u)[1] for u in urls])
