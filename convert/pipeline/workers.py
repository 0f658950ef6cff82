"""Worker processes for ``--jobs N``: how they start, what each one holds, and how they stop.

A run hands :func:`results` a function ``fn(state, item)``, the items (sample indices) and the state the
function needs (the dataset, the label map, the writer...).  With one job the items are worked here, in
order.  With more, N processes work them in chunks and the results come back in the items' order, so
outputs do not depend on N.  The state travels once per worker, as the argument it starts with, and
lives in that worker process only: nothing is kept in a module of the calling process, so two runs in
one process (one inside another's progress callback, or in two threads) cannot see each other's state.

Each worker has a pipe of its own to the run: no lock is shared, so stopping the workers at any moment
(Ctrl-C, a full disk, an error) kills them and cannot hang, and a worker that dies (killed, out of
memory) stops the run with a message instead of leaving it waiting.  An exception a worker raises is
raised in the run, as it is.

How workers start (:func:`start_method`): ``fork`` where the platform offers it and Python forks by
default (Linux; the parsed source is shared with the workers at no cost), else ``spawn`` (macOS,
Windows: every worker imports segconv and receives a pickled copy of the state).
``SEGCONV_START_METHOD=fork|spawn|forkserver`` chooses one, e.g. ``spawn`` in a program that runs
threads, where forking is unsafe.

    >>> list(results(lambda state, i: state["k"] * i, range(4), {"k": 10}, jobs=1)[0])
    [0, 10, 20, 30]
"""

from __future__ import annotations

import functools
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from convert.errors import UsageError
from convert.pipeline.environment import EnvironmentProblem

ENV = "SEGCONV_START_METHOD"
IN_FLIGHT = 2  # chunks sent to a worker ahead of its results: it never waits for the run


def start_method() -> str:
    """The start method worker processes use here: ``$SEGCONV_START_METHOD``, else ``fork`` on Linux, else
    ``spawn``."""
    import multiprocessing  # here, not at the top: a run with one job starts no process (3 ms of imports)

    available = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(ENV)
    if chosen:
        if chosen not in available:
            raise UsageError(f"{ENV}={chosen!r}: this platform starts processes by {', '.join(available)}")
        return chosen
    return "fork" if sys.platform.startswith("linux") and "fork" in available else "spawn"


def _serve(conn, fn: Callable, state) -> None:
    """A worker: chunks of items in, their results (or the exception) out, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle
    from convert.files.remote.backend import quiet_if_asked

    quiet_if_asked()  # a spawned worker has not the command's logging levels
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        number, items = message
        reply: tuple[int, bool, object]
        try:
            reply = (number, True, [fn(state, item) for item in items])
        except BaseException as exc:  # noqa: BLE001 - the run raises it
            reply = (number, False, exc)
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError):  # an exception that cannot travel: say what it was
            conn.send((number, False, RuntimeError(f"{type(reply[2]).__name__}: {reply[2]}")))


class Workers:
    """N worker processes, each with its own pipe; :meth:`map` gives results in order; :meth:`stop` kills."""

    def __init__(self, fn: Callable, state, jobs: int, method: str):
        import multiprocessing

        context: Any = multiprocessing.get_context(method)
        self.processes: list = []
        self.conns: list = []
        try:
            for _ in range(jobs):
                parent, child = context.Pipe()
                process = context.Process(target=_serve, args=(child, fn, state), daemon=True)
                self.processes.append(process)
                process.start()
                child.close()
                self.conns.append(parent)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            self.stop()
            if method == "fork":  # nothing is pickled when forking: not this case
                raise
            raise UsageError(f"--jobs needs worker processes, which start by {method!r} here and receive the "
                             f"run's state pickled, and it cannot be ({type(exc).__name__}: {exc}); run with "
                             "--jobs 1") from None

    def map(self, items: list, chunksize: int) -> Iterator:
        from multiprocessing.connection import wait

        chunks = guided_chunks(items, chunksize, len(self.conns))
        sent = 0
        done: dict[int, list] = {}
        busy = dict.fromkeys(self.conns, 0)
        for _ in range(IN_FLIGHT):
            for conn in self.conns:
                if sent < len(chunks):
                    conn.send((sent, chunks[sent]))
                    busy[conn] += 1
                    sent += 1
        for number in range(len(chunks)):
            while number not in done:
                ready: list[Any] = wait([c for c in self.conns if busy[c]])
                for conn in ready:
                    try:
                        got, ok, value = conn.recv()
                    except (EOFError, OSError):
                        raise self._lost(conn) from None
                    if not ok:
                        raise value
                    done[got] = value
                    busy[conn] -= 1
                    if sent < len(chunks):
                        conn.send((sent, chunks[sent]))
                        busy[conn] += 1
                        sent += 1
            yield from done.pop(number)

    def _lost(self, conn) -> EnvironmentProblem:
        process = self.processes[self.conns.index(conn)]
        process.join(1)
        code = process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"ended (exit code {code})"
        return EnvironmentProblem(f"a worker process {how} in the middle of the run (out of memory?); the files "
                                  "written so far are whole: run the same command with --resume to finish, with "
                                  "fewer --jobs if memory is short")

    def stop(self) -> None:
        """Stop every worker now (the run is over, or stops early): killed, never waited for."""
        for process in self.processes:
            if process.is_alive():
                process.kill()
        for process in self.processes:
            if process.pid is not None:  # started
                process.join()
        for conn in self.conns:
            conn.close()


def guided_chunks(items: list, largest: int, jobs: int) -> list[list]:
    """``items`` cut into chunks of at most ``largest`` that shrink towards the end (half of each
    worker's share of what is left), so the workers finish together: with equal chunks, one worker could
    still have a whole chunk (or two, :data:`IN_FLIGHT`) to go while the others wait.

    >>> [len(c) for c in guided_chunks(list(range(40)), 8, 2)]
    [8, 8, 6, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1]
    >>> sum(guided_chunks(list(range(40)), 8, 2), []) == list(range(40))
    True
    """
    chunks = []
    start, total = 0, len(items)
    while start < total:
        size = max(1, min(largest, (total - start) // (2 * jobs)))
        chunks.append(items[start:start + size])
        start += size
    return chunks


def results(fn: Callable, items: Iterable, state, *, jobs: int, chunksize: int = 1) -> tuple[Iterator, object]:
    """``fn(state, item)`` for every item, in order: ``(iterator, workers)``; the caller stops the workers
    (``None`` with one job) with :func:`stop` when it is done or stops early.  ``fn`` must be a module-level
    function (spawned workers import it)."""
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        return map(functools.partial(fn, state), items), None
    pool = Workers(fn, state, min(jobs, len(items)), start_method())
    return pool.map(items, max(1, chunksize)), pool


def stop(pool) -> None:
    """Stop the workers of :func:`results` (``None`` is fine)."""
    if pool is not None:
        pool.stop()
