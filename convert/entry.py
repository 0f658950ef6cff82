"""The ``segconv`` command's entry point: Ctrl-C at any moment, start-up included, is a
one-line message and exit code 130, never a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":  # pragma: no cover
    main()
