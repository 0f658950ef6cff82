"""Running the per-image work on a Dask cluster (``--dask ADDRESS``).

The client parses the source once, builds samples and sends them to the
cluster in batches (one task per batch, not per image); each worker paints,
checks and writes its images atomically into OUT, which must be a folder the
workers share or a URL they write themselves (the photos of a source URL read
from their URLs too: :mod:`convert.files.remote.direct`), and returns only
findings, pixel counts, the writer's small records and the names of its files.
The client takes the results in submission order, so outputs and
reports are identical to ``--jobs 1``.  ``--dask local`` starts a
``LocalCluster`` of worker processes here.

Losing workers.  Every task carries what it needs (its samples and the run's
settings, about 1 KB), so no task depends on data held by one worker: when a
worker dies, the scheduler runs its batches again elsewhere and they rewrite
the same bytes.  (Settings once travelled as one scattered copy; Dask's memory
manager keeps a single replica of such data, and when the worker holding it
died every waiting batch was cancelled as "already forgotten".)  A batch whose
future is nevertheless cancelled or lost is submitted again, up to
:data:`RESUBMITS` times.  What cannot be survived ends the run with a
:class:`~convert.errors.SegconvError` naming the scheduler: the scheduler gone,
no worker for :data:`NO_WORKER_GRACE` seconds, a batch that keeps killing its
workers.  The files written so far stay whole, and ``--resume`` finishes the run.

Dask is optional: ``pip install 'segconv[dask]'``.
"""

from __future__ import annotations

import collections
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

from convert.errors import SegconvError, UsageError

BATCH = 32  # images per task
IN_FLIGHT_PER_WORKER = 3  # batches queued per worker: keeps workers busy, memory bounded
RESUBMITS = 3  # times one batch is sent again after its future was cancelled or lost
RETRIES = 2  # times the scheduler itself reruns a batch whose worker died (Dask's ``retries``)
POLL = 2.0  # seconds between looks at the cluster while waiting for a batch
NO_WORKER_GRACE = 60.0  # seconds without any worker before the run gives up (a nanny restarts one in seconds)
RESUME_HINT = "the files written so far are whole; run the same command with --resume to finish"


def quiet_dask_logs() -> None:
    """For the ``segconv`` command, which owns its process: it says in one line what happened to the
    cluster, and Dask's own logs (each of its loggers has a level of its own) would add tracebacks and
    retries to it.  ``SEGCONV_DEBUG=1`` keeps them.  The library never calls this: a program that calls
    :func:`convert.api.convert` keeps its logging as it set it."""
    if os.environ.get("SEGCONV_DEBUG"):
        return
    try:
        import distributed  # noqa: F401 - configures its loggers on import: quieted after that
    except ImportError:
        return  # the run says how to install it
    for name in ["distributed", "asyncio", *logging.root.manager.loggerDict]:
        if name in ("distributed", "asyncio") or name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)


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
        except Exception:  # noqa: BLE001 - closing a client whose scheduler is gone may raise anything
            pass
        finally:
            if self.cluster is not None:
                self.cluster.close()


@dataclass
class _Batch:
    samples: list
    future: object = None
    resubmitted: int = 0

    def what(self) -> str:
        first, last = self.samples[0].name, self.samples[-1].name
        return f"the batch {first!r}" if first == last else f"the batch {first!r} .. {last!r}"


class dask_results:  # noqa: N801 - used like a generator function
    """Iterate the per-image results of ``dataset`` computed on the cluster of
    ``connection`` (or at an address) by ``work(samples, state)``, a function
    the workers can import, in sample order.  ``close()`` shuts the client
    (and a local cluster) down."""

    def __init__(self, dataset, state: dict, connection, work, batch: int = BATCH):
        self.connection = connection if isinstance(connection, Connection) else Connection(connection)
        self.client = self.connection.client
        self.address = self.connection.address
        self.resubmitted = 0  # batches sent again (for tests and the soak script)
        self._it = self._run(dataset, state, work, batch)

    def __iter__(self) -> Iterator[dict]:
        return self._it

    def __next__(self) -> dict:
        return next(self._it)

    def _submit(self, item: _Batch, work, state: dict) -> None:
        item.future = self.client.submit(work, item.samples, state, pure=False, retries=RETRIES)

    def _run(self, dataset, state: dict, work, batch: int) -> Iterator[dict]:
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        window: collections.deque[_Batch] = collections.deque()
        pending: list = []
        for sample in dataset:
            pending.append(sample)
            if len(pending) == batch:
                window.append(self._send(pending, work, state))
                pending = []
                while len(window) >= workers * IN_FLIGHT_PER_WORKER:
                    yield from self._take(window.popleft(), work, state)
        if pending:
            window.append(self._send(pending, work, state))
        while window:
            yield from self._take(window.popleft(), work, state)

    def _send(self, samples: list, work, state: dict) -> _Batch:
        item = _Batch(samples)
        self._submit(item, work, state)
        return item

    def _take(self, item: _Batch, work, state: dict) -> list:
        """The results of one batch, waiting for them while watching the cluster."""
        from distributed import CancelledError, KilledWorker  # FutureCancelledError is a CancelledError

        no_worker_since = None
        while True:
            try:
                return item.future.result(timeout=POLL)  # type: ignore[attr-defined]
            except (TimeoutError, OSError) as exc:  # the batch is still running, or the scheduler is gone
                if self.client.status not in ("running", "connecting"):
                    raise self._lost(f"the connection closed ({exc or type(exc).__name__})") from None
                no_worker_since = self._watch(no_worker_since)
            except CancelledError as exc:
                if self.client.status not in ("running", "connecting"):
                    raise self._lost("the connection closed") from None
                if item.resubmitted >= RESUBMITS:
                    raise SegconvError(f"Dask scheduler at {self.address}: {item.what()} was cancelled "
                                       f"{item.resubmitted + 1} times ({exc}); {RESUME_HINT}") from None
                item.resubmitted += 1
                self.resubmitted += 1
                self._submit(item, work, state)
            except KilledWorker:
                raise SegconvError(f"Dask scheduler at {self.address}: {item.what()} ended {RETRIES + 1} workers "
                                   f"(out of memory?); {RESUME_HINT}") from None

    def _watch(self, no_worker_since: float | None) -> float | None:
        """Fail when the cluster has had no worker for :data:`NO_WORKER_GRACE` seconds."""
        try:
            count = len(self.client.nthreads())
        except (OSError, TimeoutError) as exc:
            raise self._lost(str(exc) or type(exc).__name__) from None
        if count:
            return None
        now = time.monotonic()
        if no_worker_since is None:
            return now
        if now - no_worker_since > NO_WORKER_GRACE:
            raise SegconvError(f"Dask scheduler at {self.address} has had no worker for "
                               f"{NO_WORKER_GRACE:.0f} s; {RESUME_HINT}")
        return no_worker_since

    def _lost(self, why: str) -> SegconvError:
        return SegconvError(f"lost the Dask scheduler at {self.address} ({why.rstrip('.')}); {RESUME_HINT}")

    def close(self) -> None:
        self.connection.close()
