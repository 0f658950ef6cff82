"""The command line: ``segconv`` (typer) as a thin layer over :mod:`convert.api`.  ``commands`` holds the
commands, ``params`` the option declarations they share, ``console`` what they print.

Layer: the top; may import everything.  This module is the entry point, kept light so that Ctrl-C at any
moment once segconv's code runs, start-up included, is a one-line message and exit code 130, never a
traceback.

A signal that lands in the interpreter's own start-up, before this module runs, is Python's to handle.
Tests that send one wait for segconv to say it has started: with ``SEGCONV_TEST_STARTED=1`` in the
environment the first thing :func:`main` does is write ``STARTED_MARKER`` and a newline to stderr.
"""

from __future__ import annotations

import os
import signal
import sys

from convert.cli import startup

STARTED_MARKER = "segconv: started"
RETRY_SECONDS = 0.02  # a Ctrl-C that lands inside an import is raised again this much later


# Functions where a KeyboardInterrupt is not raised to the caller: Python 3.11 wraps one raised in
# ``__set_name__`` (a class being made) in a RuntimeError, and prints one raised in ``__del__`` as
# "Exception ignored".
_UNSAFE = frozenset({"__set_name__", "__del__"})


def _interrupt(signum, frame) -> None:
    """Ctrl-C as KeyboardInterrupt, but never where Python cannot raise it as one: inside the import
    system (a module lock's weakref callback prints it as "Exception ignored"), while a class is made
    (``__set_name__``) or an object finalised.  Commands import lazily, so a Ctrl-C can land there at
    any time; it is sent again once that is over."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib") or frame.f_code.co_name in _UNSAFE:
            if _retry_later():
                return
            break
        frame = frame.f_back
    raise KeyboardInterrupt


def _retry_later() -> bool:
    """Raise the Ctrl-C a moment later, from a timer signal (nothing imported here: the handler may run
    inside the import system).  Where there are no interval timers (Windows), it is raised now."""
    if not hasattr(signal, "setitimer"):
        return False
    signal.signal(signal.SIGALRM, _interrupt)
    signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
    return True


def _unraisable(info) -> None:
    """Where Python cannot raise the Ctrl-C (it would print "Exception ignored in: ..." and go on: seen
    in a finaliser and in a type's slot lookup, places :func:`_interrupt` cannot name in advance), it is
    sent again a moment later instead of printed; anything else is printed as Python would."""
    if isinstance(info.exc_value, KeyboardInterrupt) and _retry_later():
        return
    sys.__unraisablehook__(info)


def _print_version() -> None:
    """``segconv --version`` alone, without building the command line (typer, rich, every command's
    parameters): what ``--version`` prints among other options (commands.py), at a fifth of the cost."""
    from convert import __version__

    sys.stdout.write(f"segconv {__version__}\n")
    sys.stdout.flush()


def _over() -> None:
    """The command is over: a Ctrl-C from here on (or one deferred, still on its timer) would only interrupt
    the interpreter's own clean-up, so it is ignored.  Called again where it may have been cut short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
    sys.unraisablehook = sys.__unraisablehook__


def main() -> None:
    code: int | str | None = 0
    startup.hold()
    sys.unraisablehook = _unraisable
    signal.signal(signal.SIGINT, _interrupt)
    try:
        try:
            if os.environ.get("SEGCONV_TEST_STARTED"):
                sys.stderr.write(STARTED_MARKER + "\n")
                sys.stderr.flush()
            if sys.argv[1:] in (["--version"], ["-V"]):
                _print_version()
            else:
                if any("://" in arg for arg in sys.argv[1:]):  # a URL: its backend's log lines are not ours to show
                    from convert.files.remote.backend import quiet_backend_logs

                    quiet_backend_logs()
                from convert.cli.commands import main as cli_main

                cli_main()
        except SystemExit as exc:
            code = exc.code
        finally:
            _over()
    except KeyboardInterrupt:  # during the command, or in the moment before _over() ran: said in one line
        _over()
        sys.stderr.write("interrupted\n")
        code = 130
    startup.restore()
    if code == 130:
        # Under ``python -m``, CPython ends a run whose Ctrl-C landed inside code run by a string exec()
        # (dataclasses, namedtuple) by killing itself with SIGINT after exit, whatever the exit code
        # (Py_RunMain checks a flag run_eval_code_obj set); the run loop has already closed its pool,
        # cluster and part files, so leave at once with the exit code the README promises.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(130)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
