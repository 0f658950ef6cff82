"""Worker processes for ``--jobs N``: how they start, and what each one holds.

A run hands :func:`results` a function ``fn(state, item)``, the items (sample indices) and the state the
function needs (the dataset, the label map, the writer...).  With one job the items are worked here, in
order.  With more, a pool of processes works them and the results come back in the items' order, so
outputs do not depend on N.  The state travels once per worker, as the pool's initializer argument, and
lives in that worker process only: nothing is kept in a module of the calling process, so two runs in
one process (one inside another's progress callback, or in two threads) cannot see each other's state.

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
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterable, Iterator

from .errors import UsageError

ENV = "SEGCONV_START_METHOD"


def start_method() -> str:
    """The start method worker processes use here: ``$SEGCONV_START_METHOD``, else ``fork`` on Linux, else
    ``spawn``."""
    available = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(ENV)
    if chosen:
        if chosen not in available:
            raise UsageError(f"{ENV}={chosen!r}: this platform starts processes by {', '.join(available)}")
        return chosen
    return "fork" if sys.platform.startswith("linux") and "fork" in available else "spawn"


_IN_THIS_WORKER: tuple[Callable, object] | None = None  # (fn, state): set in pool worker processes only


def _start_worker(fn: Callable, state) -> None:
    """A pool worker's initializer: Ctrl-C is the main process's to handle; keep what the run sent."""
    global _IN_THIS_WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _IN_THIS_WORKER = (fn, state)


def _call(item):
    assert _IN_THIS_WORKER is not None, "not in a segconv worker process"
    fn, state = _IN_THIS_WORKER
    return fn(state, item)


def results(fn: Callable, items: Iterable, state, *, jobs: int, chunksize: int = 1) -> tuple[Iterator, object]:
    """``fn(state, item)`` for every item, in order: ``(iterator, pool)``; the caller terminates the pool
    (``None`` with one job) when it is done or stops early.  ``fn`` must be a module-level function."""
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        return map(functools.partial(fn, state), items), None
    method = start_method()
    try:
        pool = multiprocessing.get_context(method).Pool(jobs, initializer=_start_worker, initargs=(fn, state))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        if method == "fork":  # nothing is pickled when forking: not this case
            raise
        # spawn and forkserver send the state pickled to every worker; say plainly when it cannot be
        raise UsageError(f"--jobs needs worker processes, which start by {method!r} here and receive the run's "
                         f"state pickled, and it cannot be ({type(exc).__name__}: {exc}); run with --jobs 1") from None
    return pool.imap(_call, items, chunksize=chunksize), pool


def stop(pool) -> None:
    """End a pool from :func:`results` (``None`` is fine)."""
    if pool is not None:
        pool.terminate()
        pool.join()
