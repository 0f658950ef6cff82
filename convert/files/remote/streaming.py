"""Uploading a run's files while the run goes on: each file goes up whole (one request, as
:func:`~convert.files.remote.transfer.upload_many` sends it) as soon as the run has put it in place in the
local stand-in, from a background thread, while the next images are painted.

The order the bucket sees is the one a local folder keeps: before each batch of files, the list that names
them (the manifest, ``listed_in``) goes up, so an object of the run is never in the bucket before a
manifest that lists it; the caller puts the run state up before the first batch.  The batches are what
waited while the previous batch went up (one file, then as many as the painting placed meanwhile), so the
manifest goes up once a batch, not once a file.

A failure (the server gone, access denied) stops the uploads; :meth:`Uploads.add` raises it in the run's
thread, as one :class:`~convert.files.remote.failures.StorageError` naming the URL.  :meth:`Uploads.finish`
waits for the batch on its way; :attr:`Uploads.sent` then says which files went up, and with what size and
modification time, so the end of the run uploads only the others.

    >>> import pathlib, tempfile
    >>> local = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (local / "list.txt").write_text("a.txt\\n"); _ = (local / "a.txt").write_text("A")
    >>> uploads = Uploads(local, "memory://segconv-streaming/out", "list.txt")
    >>> uploads.add(["a.txt"]); uploads.finish()
    >>> from convert.files.remote.transfer import listing
    >>> listing("memory://segconv-streaming/out"), sorted(uploads.sent)
    ({'a.txt': 1, 'list.txt': 6}, ['a.txt'])
"""

from __future__ import annotations

import threading
from pathlib import Path

from convert.files.remote.backend import open_filesystem
from convert.files.remote.failures import StorageError, is_storage_failure, storage_error
from convert.files.remote.transfer import talking_to, upload_many
from convert.files.remote.urls import join

BATCH = 64  # files a batch waits for at most: as many as went up so far (1, 1, 2, 4... 64), then 64


class Uploads:
    """The files of ``local`` (names relative to it) uploaded to ``url`` in the background, each batch after
    ``local/listed_in`` (see the module)."""

    def __init__(self, local: Path, url: str, listed_in: str) -> None:
        self.local, self.url, self.listed_in = Path(local), url.rstrip("/"), listed_in
        self.sent: dict[str, tuple[int, int]] = {}  # name -> (size, mtime_ns) of the file as it went up
        self.failure: StorageError | None = None
        self._waiting: list[str] = []
        self._done = False
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, names: list[str]) -> None:
        """``names`` are complete in ``local`` and listed in ``listed_in``: upload them soon.  Raises the
        failure that stopped the uploads, if one did."""
        if self.failure is not None:
            raise self.failure
        if not names:
            return
        with self._wake:
            self._waiting.extend(names)
            self._wake.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="segconv-uploads", daemon=True)
            self._thread.start()

    def finish(self) -> None:
        """Wait for the uploads on their way (those not begun are left to the caller: they are not in
        :attr:`sent`)."""
        with self._wake:
            self._done = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._done and len(self._waiting) < min(BATCH, max(1, len(self.sent))):
                    self._wake.wait()
                if self._done and not self._waiting:
                    return
                batch, self._waiting = self._waiting, []
            try:
                self._send(batch)
            except BaseException as exc:  # noqa: BLE001 - said in the run's thread, by add()
                self.failure = exc if isinstance(exc, StorageError) else (
                    storage_error(exc, self.url + "/") if is_storage_failure(exc) else
                    StorageError(f"uploading failed ({type(exc).__name__}: {exc})", url=self.url + "/"))
                with self._wake:
                    self._waiting = []
                    self._done = True
                return

    def _send(self, batch: list[str]) -> None:
        listed = (self.local / self.listed_in).read_bytes()
        listed = listed[:listed.rfind(b"\n") + 1]  # complete lines only (the run may be appending)
        url = join(self.url, self.listed_in)
        fs, path = open_filesystem(url)
        with talking_to(url):
            fs.pipe_file(path, listed)
        stamps = {}
        for name in dict.fromkeys(batch):
            st = (self.local / name).lstat()
            stamps[name] = (st.st_size, st.st_mtime_ns)
        upload_many([(self.local / name, join(self.url, name)) for name in stamps], self.url + "/")
        self.sent.update(stamps)
