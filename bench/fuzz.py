"""A longer fuzz run than CI's: the same mutation properties (tests/fuzzing.py),
random seeds, a larger budget per format.

    python bench/fuzz.py --examples 2000

Prints, per format, how many mutated inputs ran and how many ended with an
exception other than segconv's own (each one a bug, shown with its input).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fuzzing import CHECKS  # noqa: E402


def explain(exc: BaseException) -> str:
    """The input (Hypothesis's falsifying example) and segconv's frames of every failure."""
    lines = []
    for failure in getattr(exc, "exceptions", None) or [exc]:
        lines.append(f"  {type(failure).__name__}: {failure}")
        lines += [f"    {note}" for note in getattr(failure, "__notes__", [])]
        for frame in traceback.extract_tb(failure.__traceback__):
            if "/convert/" in frame.filename:
                lines.append(f"    at {Path(frame.filename).name}:{frame.lineno} {frame.name}: {frame.line}")
    return "\n".join(lines)


def property_of(fmt: str, work: Path, count: dict, examples: int):
    """The fuzz property of one format (hypothesis refuses @given on a function with default arguments,
    so the loop's values are bound here)."""

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        count["n"] += 1
        CHECKS[fmt](data, work)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--formats", default=",".join(sorted(CHECKS)))
    args = parser.parse_args()
    failures = 0
    for fmt in args.formats.split(","):
        work = Path(tempfile.mkdtemp(prefix=f"segconv-fuzz-{fmt}-"))
        count = {"n": 0}
        run = property_of(fmt, work, count, args.examples)
        t = time.perf_counter()
        try:
            run()
            outcome = "no exception other than SegconvError"
        except Exception as exc:  # noqa: BLE001 - report the bug and go on with the next format
            failures += 1
            outcome = f"FAILED: {type(exc).__name__}: {exc}\n" + explain(exc)
        print(f"{fmt:14s} {count['n']:6d} inputs in {time.perf_counter() - t:6.1f} s: {outcome}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
