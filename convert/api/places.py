"""Where a call's paths live: a URL (``s3://``, ``gs://``, ``az://``, ``hf://``, ``https://``) is given a
stand-in on this machine, and whatever segconv says of the stand-in is said of the URL.

- A source URL is fetched once into a private temporary folder (a folder, a file with the folder it lies in,
  where its images are, or for a file in an ``annotations/`` folder the export that holds both), each object
  read once; ``--labels`` and ``--images`` alike.  A photo larger than
  64 KiB is fetched for its header only (:mod:`convert.files.remote.ranged`: ranged reads, many at a time),
  into a partial stand-in that every reader needing more fetches whole first
  (:mod:`convert.files.remote.stand_ins`); everything else is fetched whole.  Readers then read it as they
  read a local delivery, so the samples, masks and findings are the ones a local run gives.
- An output URL (``-o``) is written into a local stand-in, and published file by file, each file in one
  upload, many at a time (:mod:`convert.files.remote.transfer`): before the first image, what ``--overwrite``
  removed goes and the run state goes up; each image's files go up as soon as the run has placed them, in
  the background while the next images are painted, each batch after the manifest that lists them
  (:mod:`convert.files.remote.streaming`); at the end, the manifest, the files of the whole set (and any
  not uploaded yet), and the run state goes last, when the run finished.  The
  stand-in starts as the bucket's prefix looks: its manifest and run state, the files ``--resume`` keeps, and
  empty stand-ins for the rest, so refusing, ``--overwrite`` (only what the manifest lists) and ``--resume``
  decide as they do in a local folder.
- A report URL (``--json``, ``--html``) is written locally, then uploaded.
- With ``--dask`` the cluster reads and writes the bucket itself (:meth:`Staging.for_workers`,
  :mod:`convert.files.remote.direct`): the workers read the photos from the source URLs and upload their
  files into OUT; the stand-in gets the manifest, the run state and the files of the whole set only.

Every message, finding and report names the URL, never the stand-in (:meth:`Staging.said`).  Local paths
are untouched: :meth:`Staging.source` of a path is that path.

    >>> s = Staging()
    >>> s.source("fixtures/food/annotations.json")
    PosixPath('fixtures/food/annotations.json')
    >>> s.said("nothing staged")
    'nothing staged'
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from convert.api.paths import PathLike, local_path
from convert.errors import SegconvError
from convert.files.remote.urls import is_url, name_of, parent, scheme_of, shown
from convert.wording import plural

if TYPE_CHECKING:
    from convert.api.remote_output import RemoteOutput

# The modules that talk to object storage (fsspec's transfers, ranged reads, stand-ins, the Dask workers'
# placements) are imported by the methods that meet a URL: a run on local paths never loads them.


class Staging:
    """The local stand-ins of one call's URLs, in a temporary folder removed with this object."""

    def __init__(self, progress=None) -> None:
        self.on_bytes = getattr(progress, "bytes", None)  # (done, total, what): the bytes of a transfer
        self.root: Path | None = None
        self.urls: dict[str, str] = {}  # a stand-in's local path -> its URL
        self.outputs: list[RemoteOutput] = []
        self.reports: list[tuple[Path, str]] = []  # (stand-in, URL) of report files to upload
        self.run_state: str | None = None  # the text of OUT's run state while a conversion's files go up
        self.moved: list[str] = []  # what was fetched and uploaded, for the run's notes
        self.fetched: list[Fetched] = []  # the source folders fetched, said in the notes by :meth:`notes`
        self._count = 0

    def _folder(self, what: str) -> Path:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="segconv-"))
            weakref.finalize(self, shutil.rmtree, str(self.root), True)
        self._count += 1
        folder = self.root / f"{what}{self._count}"
        folder.mkdir()
        return folder

    @property
    def active(self) -> bool:
        return bool(self.urls)

    def source(self, given: PathLike) -> Path:
        """A source (file or folder) on this machine: a path as given, a URL fetched (see the module)."""
        if not is_url(given):
            return local_path(given)
        from convert.files.remote.failures import StorageError
        from convert.files.remote.ranged import PREFIX, fetch_headers, header_only
        from convert.files.remote.stand_ins import write_record
        from convert.files.remote.transfer import download_tree, kind, listing

        url = str(given).rstrip("/")
        found = kind(url)
        if found is None:
            raise StorageError("no such file or folder", url=url)
        if found == "file" and scheme_of(url) in ("http", "https"):  # a web server lists no folders
            return self.file(url)
        folder_url = url if found == "folder" else parent(url)
        inside = name_of(url)
        if found == "file" and name_of(folder_url).lower() == "annotations" and parent(folder_url) != folder_url:
            # a COCO export (CVAT's, Datumaro's, the COCO download): its images/ lies beside annotations/,
            # where the reader looks for the photos, as it does on a local disk
            inside = f"{name_of(folder_url)}/{inside}"
            folder_url = parent(folder_url)
        local = self._folder("source")
        objects = listing(folder_url)
        photos = {name: size for name, size in objects.items() if header_only(name, size)}
        rest = sorted(set(objects) - set(photos))
        told = self._told(f"fetching {shown(folder_url)}")
        whole_bytes = sum(objects[n] for n in rest)
        total = whole_bytes + sum(min(size, PREFIX) for size in photos.values())
        download_tree(folder_url, rest, local, told, total)
        fetch = Fetched(folder_url, local, len(rest), whole_bytes, len(photos), sum(photos.values()))
        if photos:
            entries, complete, fetch.header_bytes = fetch_headers(
                folder_url, photos, local,
                None if told is None else lambda done: told(whole_bytes + done, max(total, whole_bytes + done)))
            write_record(local, folder_url, entries)
            fetch.add_whole(complete, sum(photos[n] for n in complete))
        self.urls[str(local)] = folder_url
        self.fetched.append(fetch)
        return local if found == "folder" else local / inside

    def file(self, given: PathLike) -> Path:
        """A single input file (a label map) on this machine."""
        if not is_url(given):
            return local_path(given)
        from convert.files.remote.transfer import download

        url = str(given)
        local = self._folder("file") / name_of(url)
        download(url, local)
        self.urls[str(local)] = url
        self.moved.append(f"read {shown(url)}: {amount(1, local.stat().st_size)} fetched once")
        return local

    def output(self, given: PathLike, *, resume: bool, direct: bool = False) -> Path:
        """The output folder on this machine: a path as given, for a URL its stand-in (see the module);
        ``direct``: the Dask workers write the files, the stand-in gets the rest (:meth:`for_workers`)."""
        if not is_url(given):
            return local_path(given)
        from convert.api.remote_output import RemoteOutput

        out = RemoteOutput(str(given).rstrip("/"), self._folder("out") / "out", resume=resume, direct=direct)
        self.outputs.append(out)
        self.urls[str(out.local)] = out.url
        return out.local

    def for_workers(self, out: Path | None, token: str):
        """``(WorkerStorage, Placements or None)`` for a ``--dask`` run writing ``out`` with the run ``token``:
        the workers read the source URLs' photos from their URLs and, when ``out`` stands for a URL made
        ``direct``, write its files there themselves (:mod:`convert.files.remote.direct`); ``(None, None)``
        when no URL is involved."""
        from convert.files.remote.direct import Placements, WorkerStorage

        outs = {str(o.local) for o in self.outputs}
        sources = {local: url for local, url in self.urls.items() if local not in outs}
        output = next((o for o in self.outputs if o.local == out and o.direct), None)
        if output is None and not sources:
            return None, None
        if output is not None:
            output.placements = Placements(output.url, token)
            output.placements.due = output.place_now
        return WorkerStorage(output.url if output else None, token, sources), output and output.placements

    def begin_outputs(self) -> None:
        """Before the first image is written into an output URL (by this machine or by the Dask workers): what
        ``--overwrite`` removes goes, then the run state goes up, as in a local folder
        (:meth:`RemoteOutput.begin`)."""
        for output in self.outputs:
            if self.run_state is not None:
                output.begin(self.run_state)

    def streaming(self, out: Path):
        """``placed(names)`` for the run loop when ``out`` stands for an output URL this machine writes:
        the files of each image go up as soon as they are in place (:meth:`RemoteOutput.placed`); ``None``
        for a local folder, or one the Dask workers write themselves."""
        return next((o.placed for o in self.outputs if o.local == out and not o.direct), None)

    def report(self, given: PathLike | None) -> Path | None:
        """Where to write a report: a path as given, for a URL a local file uploaded by :meth:`publish_reports`."""
        if given is None or not is_url(given):
            return None if given is None else local_path(given)
        local = self._folder("report") / name_of(str(given))
        self.reports.append((local, str(given)))
        return local

    def _told(self, what: str):
        """``on_bytes(done, total)`` for one transfer, or ``None``."""
        on_bytes = self.on_bytes
        if on_bytes is None:
            return None
        return lambda done, total: on_bytes(done, total, what)

    def notes(self) -> list[str]:
        """What was fetched and uploaded, for the run's notes (said when the run is over: a photo fetched
        for its header only may have been fetched whole since)."""
        return [fetch.note() for fetch in self.fetched] + self.moved

    def publish_outputs(self, report=None) -> None:
        """Every output URL's new files uploaded; the run's notes say how much went up."""
        for output in self.outputs:
            files, size = output.publish(self.run_state, self._told(f"uploading to {shown(output.url)}"))
            if files and report is not None:
                report.notes.append(f"wrote {shown(output.url)}: {amount(files, size)} uploaded, each in one request")
            placed = output.placements
            if placed is not None and placed.files and report is not None:
                photos = f", {plural(placed.copied_photos, 'photo')} of them copied by the store from the source" \
                    if placed.copied_photos else ""
                report.notes.append(f"the Dask workers wrote {plural(placed.files, 'file')} into {shown(output.url)} "
                                    f"themselves{photos}; none of their bytes passed through this machine")

    def url_of(self, path: PathLike | None) -> str | None:
        """The URL a stand-in (or a file inside one) stands for; ``None`` for a path of this machine."""
        if path is None:
            return None
        text = str(path)
        for local, url in self.urls.items():
            if text == local or text.startswith(local + os.sep):
                return url + text[len(local):].replace(os.sep, "/")
        return None

    def said(self, text: str) -> str:
        """``text`` naming URLs where it named their stand-ins."""
        for local in sorted(self.urls, key=len, reverse=True):
            text = text.replace(local, shown(self.urls[local]))  # never the credentials a URL carries
        return text

    def restore(self, report) -> None:
        """A run's report (its findings, notes and summary) naming URLs, not stand-ins."""
        if not self.active:
            return
        report.findings[:] = [dataclasses.replace(f, file=self.said(f.file) if f.file else f.file,
                                                  message=self.said(f.message)) for f in report.findings]
        report.notes[:] = [self.said(n) for n in report.notes]
        for name in ("summary", "source"):
            if isinstance(getattr(report, name, None), str):
                setattr(report, name, self.said(getattr(report, name)))

    @contextmanager
    def naming(self) -> Iterator[None]:
        """Errors raised inside the block naming URLs, not stand-ins."""
        try:
            yield
        except SegconvError as exc:
            raise self.error(exc) from None

    def error(self, exc: SegconvError) -> SegconvError:
        """``exc`` naming URLs, not stand-ins."""
        if self.active:
            exc.message = self.said(exc.message)
            if exc.file:
                exc.file = self.said(exc.file)
            exc.args = (exc.message,)
        return exc

    def publish_reports(self, written: list[Path | None]) -> None:
        """The reports written: their text naming URLs; those for a URL uploaded."""
        for path in written:
            if path is None or not path.is_file() or not self.active:
                continue
            text = path.read_text(encoding="utf-8")
            said = self.said(text)
            if said != text:
                from convert.files.atomic import write_text

                write_text(path, said)
        if self.reports:
            from convert.files.remote.transfer import upload

            for local, url in self.reports:
                if local.is_file():
                    upload(local, url)


@dataclasses.dataclass
class Fetched:
    """A source folder fetched: ``files`` whole (``size`` bytes) and ``photos`` (``photo_bytes``) for their
    headers only, ``header_bytes`` of them (:mod:`convert.files.remote.ranged`)."""

    url: str
    local: Path
    files: int
    size: int
    photos: int
    photo_bytes: int
    header_bytes: int = 0
    ranged_whole: int = 0
    ranged_whole_bytes: int = 0

    def add_whole(self, names: list[str], size: int) -> None:
        """``names`` (``size`` bytes), fetched for their headers, were fetched whole: reading the header took
        every byte."""
        self.ranged_whole += len(names)
        self.ranged_whole_bytes += size
        self.photos -= len(names)
        self.photo_bytes -= size

    def note(self) -> str:
        """``read s3://b/in: 1 file, 5.2 kB fetched whole; 4 photos for their headers only (262.1 kB of
        1.3 MB)``, and the photos fetched whole since, when a step needed more than their header."""
        said = [f"{amount(self.files, self.size)} fetched whole"] if self.files or not self.photos else []
        if self.ranged_whole:
            said.append(f"{plural(self.ranged_whole, 'photo')} whole, as reading the header took every byte "
                        f"({size_of(self.ranged_whole_bytes)})")
        if self.photos:
            from convert.files.remote.stand_ins import still_partial

            partial, held, later, later_bytes = still_partial(self.local)
            if partial:
                said.append(f"{plural(partial, 'photo')} for their headers only ({size_of(held)} of "
                            f"{size_of(self.photo_bytes - later_bytes)})")
            if later:
                said.append(f"{plural(later, 'photo')} fetched whole where a step needed more than the header "
                            f"({size_of(later_bytes)})")
        return f"read {shown(self.url)}: " + "; ".join(said)


def size_of(size: int) -> str:
    """``2.5 kB``.

        >>> size_of(999), size_of(3_400_000)
        ('999 bytes', '3.4 MB')
    """
    return next((f"{size / f:.1f} {unit}" for f, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")) if size >= f),
                f"{size} bytes")


def amount(files: int, size: int) -> str:
    """``3 files, 1.2 MB``.

        >>> amount(1, 2_500), amount(12, 3_400_000)
        ('1 file, 2.5 kB', '12 files, 3.4 MB')
    """
    return f"{plural(files, 'file')}, {size_of(size)}"
