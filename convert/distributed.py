"""Running the per-image work on a Dask cluster (``--dask ADDRESS``).

The client parses the source once, builds samples and sends them to the
cluster in batches (one task per batch, not per image); each worker paints,
checks and writes its images atomically into OUT, which must be storage the
workers share, and returns only findings, pixel counts and the writer's small
records.  The client takes the results in submission order, so outputs and
reports are identical to ``--jobs 1``.  A worker that dies takes its batch
with it; the scheduler runs the batch again elsewhere, which rewrites the same
bytes.  ``--dask local`` starts a ``LocalCluster`` of worker processes here.

Dask is optional: ``pip install 'segconv[dask]'``.
"""

from __future__ import annotations

import collections
import logging
import os
from collections.abc import Iterator

from .errors import SegconvError, UsageError

BATCH = 32  # images per task
IN_FLIGHT_PER_WORKER = 3  # batches queued per worker: keeps workers busy, memory bounded


def _client(address: str):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--dask needs Dask's distributed scheduler: pip install 'segconv[dask]'") from None
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=max(1, min(2, os.cpu_count() or 1)), threads_per_worker=1,
                                   processes=True, dashboard_address=None, silence_logs=logging.ERROR)
            return Client(cluster), cluster
        return Client(address, timeout="20s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise SegconvError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None


class Connection:
    """A client (and the local cluster it started, if any); connect before
    writing anything, so an unreachable scheduler leaves OUT untouched."""

    def __init__(self, address: str):
        self.address = address
        self.client, self.cluster = _client(address)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


class dask_results:  # noqa: N801 - used like a generator function
    """Iterate the per-image results of ``dataset`` computed on the cluster of
    ``connection`` (or at an address) by ``work(samples, state)``, a function
    the workers can import, in sample order.  ``close()`` shuts the client
    (and a local cluster) down."""

    def __init__(self, dataset, state: dict, connection, work, batch: int = BATCH):
        self.connection = connection if isinstance(connection, Connection) else Connection(connection)
        self.client = self.connection.client
        self._it = self._run(dataset, state, work, batch)

    def __iter__(self) -> Iterator[dict]:
        return self._it

    def __next__(self) -> dict:
        return next(self._it)

    def _run(self, dataset, state: dict, process_batch, batch: int) -> Iterator[dict]:
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        window: collections.deque = collections.deque()
        remote_state = self.client.scatter(state, broadcast=True)
        pending: list = []
        for sample in dataset:
            pending.append(sample)
            if len(pending) == batch:
                window.append(self.client.submit(process_batch, pending, remote_state, pure=False, retries=2))
                pending = []
                while len(window) >= workers * IN_FLIGHT_PER_WORKER:
                    yield from window.popleft().result()
        if pending:
            window.append(self.client.submit(process_batch, pending, remote_state, pure=False, retries=2))
        while window:
            yield from window.popleft().result()

    def close(self) -> None:
        self.connection.close()
