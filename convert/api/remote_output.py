"""An output URL's local stand-in, and publishing what a run changed in it (:mod:`convert.api.places` says the
order things go up in): the stand-in starts as the bucket's prefix looks (its manifest and run state, the
files ``--resume`` keeps, empty stand-ins for the rest), so refusing, ``--overwrite`` and ``--resume`` decide
as in a local folder; :meth:`RemoteOutput.begin` brings the bucket to what the run's start made of the
stand-in, files go up as the run places them (:mod:`convert.files.remote.streaming`) or from the Dask
workers (:mod:`convert.files.remote.direct`), and :meth:`RemoteOutput.publish` sends the rest.
"""

from __future__ import annotations

import os
from pathlib import Path

from convert.files.remote.direct import Placements
from convert.files.remote.streaming import Uploads
from convert.files.remote.transfer import (
    download_tree,
    listing,
    remove,
    talking_to,
    upload,
    upload_many,
)
from convert.files.remote.urls import join


class RemoteOutput:
    """An output URL's local stand-in, and publishing what a run changed in it (see the module)."""

    def __init__(self, url: str, local: Path, *, resume: bool, direct: bool = False) -> None:
        from convert.pipeline.outfolder import MANIFEST, RUN_STATE, read_lines

        self.url, self.local = url, local
        self.direct = direct  # the Dask workers write the files into the bucket: none is fetched for --resume
        self.placements: Placements | None = None  # then, what the store copies into place
        self.uploads: Uploads | None = None  # the files going up while the run goes on (not direct)
        self.state_sent: str | None = None  # the run state's text in the bucket, put there by begin()
        remote = listing(url)
        # temporary objects of an earlier run: their stand-ins are removed with the run's own files by
        # --overwrite or --resume (Plan.apply), and begin() then removes them from the bucket too
        self.remote_parts = sorted(n for n in remote if n.endswith(".part"))
        if remote:
            local.mkdir(parents=True)
            ours = [n for n in (MANIFEST, RUN_STATE) if n in remote]
            download_tree(url, ours, local)
            keep: list[str] = []
            if resume and RUN_STATE in remote and MANIFEST in remote and not direct:  # the files --resume keeps
                keep = [n for n in read_lines(local / MANIFEST) if n in remote]
                download_tree(url, keep, local)
            for name in set(remote) - set(ours) - set(keep):  # looked at for their names only
                stand_in = local / name
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.touch()
        self.before = self._snapshot()

    def _snapshot(self) -> dict[str, tuple[int, int]]:
        if not self.local.is_dir():
            return {}
        found = {}
        for folder, _, names in os.walk(self.local):
            for name in names:
                if name.endswith(".part"):
                    continue
                path = Path(folder) / name
                st = path.lstat()
                found[path.relative_to(self.local).as_posix()] = (st.st_size, st.st_mtime_ns)
        return found

    def begin(self, state: str) -> None:
        """Before the first image's files go up (this machine's or the Dask workers'): the objects
        ``--overwrite`` (or ``--resume``) removed from the stand-in are removed, the old manifest with them,
        then the run state goes up, so an interrupted run is known by its token (the order
        :meth:`Plan.apply <convert.pipeline.outfolder.Plan.apply>` keeps locally)."""
        from convert.pipeline.outfolder import MANIFEST, RUN_STATE

        now = self._snapshot()
        remove([join(self.url, n) for n in sorted(self.before) if n not in now and n not in (MANIFEST, RUN_STATE)])
        remove([join(self.url, n) for n in self.remote_parts if not (self.local / n).exists()])
        self.remote_parts = [n for n in self.remote_parts if (self.local / n).exists()]
        if MANIFEST in self.before and MANIFEST not in now:
            remove([join(self.url, MANIFEST)])
        staged = self.local.parent / "run-state"
        staged.write_text(state, encoding="utf-8")
        upload(staged, join(self.url, RUN_STATE))
        self.state_sent = state
        self.before = self._snapshot()

    def place_now(self) -> None:
        """Mid-run: the manifest as it is goes up, then the files waiting are put in place (it lists them)."""
        from convert.pipeline.outfolder import MANIFEST

        if self.placements is not None and (self.local / MANIFEST).is_file():
            upload(self.local / MANIFEST, join(self.url, MANIFEST))
            self.placements.flush()

    def placed(self, names: list[str]) -> None:
        """The run put ``names`` in place in the stand-in, listed in its manifest: they go up in the background
        (:mod:`convert.files.remote.streaming`); a failure of the uploads so far is raised here."""
        from convert.pipeline.outfolder import MANIFEST

        if self.uploads is None:
            self.uploads = Uploads(self.local, self.url, MANIFEST)
        self.uploads.add(names)

    def publish(self, state: str | None, on_bytes=None) -> tuple[int, int]:
        """Upload what the run wrote and remove what it removed; ``state`` is the run state's text while the
        files go up (``None``: nothing was run).  Returns the number of files uploaded and their bytes."""
        from convert.pipeline.outfolder import MANIFEST, RUN_STATE

        sent: dict[str, tuple[int, int]] = {}
        if self.uploads is not None:  # what went up while the run went on is not sent again
            self.uploads.finish()
            sent, self.uploads = self.uploads.sent, None
            self.before.update(sent)
        now = self._snapshot()
        changed = [n for n, stamp in now.items() if self.before.get(n) != stamp and n not in (MANIFEST, RUN_STATE)]
        streamed = [n for n in sent if n in now and n not in changed]
        placements = self.placements
        placed: set[str] = placements.placed if placements is not None else set()
        gone = [n for n in self.before if n not in now and n not in placed]
        if not changed and not gone and now.get(MANIFEST) == self.before.get(MANIFEST) and not (
                placements is not None and (placements.copies or placements.doomed)):
            return 0, 0
        state_url = join(self.url, RUN_STATE)
        if state is not None and state != self.state_sent:  # an interrupted upload leaves a run --resume finishes
            staged = self.local.parent / "run-state"
            staged.write_text(state, encoding="utf-8")
            upload(staged, state_url)
        if MANIFEST in now:
            upload(self.local / MANIFEST, join(self.url, MANIFEST))
        if placements is not None:  # listed above before they exist
            placements.flush()
        early = sum(now[n][0] for n in streamed)  # progress counts the files that went up during the run
        upload_many([(self.local / name, join(self.url, name)) for name in sorted(changed)], self.url + "/",
                    on_bytes and (lambda done, total: on_bytes(early + done, early + total)))
        remove([join(self.url, n) for n in sorted(gone)])
        if placements is not None and RUN_STATE not in now:  # finished: what a batch run twice left goes
            placements.sweep()
        if RUN_STATE in now:  # the run stopped: its state stays for --resume
            upload(self.local / RUN_STATE, state_url)
        else:
            with talking_to(state_url):
                remove([state_url])
        self.before = self._snapshot()
        return len(changed) + len(streamed), sum(now[n][0] for n in changed + streamed)
