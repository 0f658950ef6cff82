"""Soak test of ``--dask`` under worker loss (not a timed test; run it by hand, record the count).

Starts a scheduler and worker processes with Dask's own command line (``dask scheduler``, ``dask worker``
with a nanny each), optionally CPU hogs beside them, then converts one generated delivery many times
through ``segconv convert --dask``, killing a worker process (SIGKILL) at a random moment of each run.
Every run must exit 0 and write the bytes of a ``--jobs 1`` run.  ``--kill-scheduler`` instead kills the
scheduler mid-run and checks that segconv exits 2 with one line naming it and that ``--resume`` (without
Dask) then finishes the same bytes.

    python bench/dask_soak.py --runs 30 --hogs 2            # worker loss under CPU contention
    python bench/dask_soak.py --runs 3 --kill-scheduler     # scheduler loss, then --resume
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def digest(folder: Path) -> str:
    """One hash of every file's relative path and bytes, segconv's run files excepted."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".segconv")):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def start(cmd: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log, "ab"),  # noqa: SIM115
                            start_new_session=True)


def hog() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)


def worker_pids(address: str) -> list[int]:
    from distributed import Client

    with Client(address, timeout="20s") as client:
        return list(client.run(os.getpid).values())


def wait_for_workers(address: str, n: int, timeout: float = 120) -> None:
    from distributed import Client

    with Client(address, timeout="20s") as client:
        client.wait_for_workers(n, timeout=timeout)


def segconv(*args: str) -> list[str]:
    return [str(BIN / "segconv"), *args]


def masks_written(out: Path) -> int:
    folder = out / "masks"
    return sum(1 for _ in folder.rglob("*.png")) if folder.is_dir() else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--images", type=int, default=400)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hogs", type=int, default=0, help="busy-looping processes beside the cluster")
    ap.add_argument("--kill-scheduler", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="segconv-soak-"))
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(work / "src"), "--images",
                    str(args.images), "--width", "512", "--height", "384", "--formats", "coco"], check=True,
                   stdout=subprocess.DEVNULL)
    src = work / "src" / "coco" / "annotations" / "instances_default.json"
    labels = work / "src" / "labelmap.yaml"
    subprocess.run(segconv("convert", str(src), "--labels", str(labels), "-o", str(work / "reference"), "-q"),
                   check=True)
    expected = digest(work / "reference")
    hogs = [hog() for _ in range(args.hogs)]
    outcomes: list[dict] = []
    try:
        for run in range(args.runs):
            outcomes.append(one_run(run, args, rng, work, src, labels, expected))
            print(json.dumps(outcomes[-1]), flush=True)
    finally:
        for p in hogs:
            p.kill()
    ok = sum(o["ok"] for o in outcomes)
    print(f"{ok} of {len(outcomes)} runs finished byte-identical to --jobs 1 "
          f"({args.images} images, {args.workers} workers, {args.hogs} CPU hogs, "
          f"{'scheduler' if args.kill_scheduler else 'a worker'} killed in each run)")
    return 0 if ok == len(outcomes) else 1


def one_run(run: int, args, rng: random.Random, work: Path, src: Path, labels: Path, expected: str) -> dict:
    """One conversion with a kill at a random number of masks written; the cluster is fresh each run."""
    sched_file = work / f"scheduler-{run}.json"
    log = work / f"cluster-{run}.log"
    cluster = [start([str(BIN / "dask"), "scheduler", "--scheduler-file", str(sched_file), "--port", "0",
                      "--no-dashboard"], log)]
    deadline = time.monotonic() + 60
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    address = json.loads(sched_file.read_text())["address"]
    cluster += [start([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard"], log)
                for _ in range(args.workers)]
    out = work / f"out-{run}"
    outcome: dict = {"run": run}
    try:
        wait_for_workers(address, args.workers)
        pids = worker_pids(address)
        at = rng.randrange(max(1, args.images // 10), max(2, args.images * 8 // 10))
        proc = subprocess.Popen(segconv("convert", str(src), "--labels", str(labels), "-o", str(out), "--dask",
                                        address), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None and masks_written(out) < at:
            time.sleep(0.01)
        outcome["killed_at"] = masks_written(out)
        if args.kill_scheduler:
            os.killpg(cluster[0].pid, signal.SIGKILL)
            outcome["killed"] = "scheduler"
        else:
            victim = rng.choice(pids)
            os.kill(victim, signal.SIGKILL)
            outcome["killed"] = f"worker pid {victim}"
        _, stderr = proc.communicate(timeout=900)
        (work / f"stderr-{run}.txt").write_text(stderr)
        outcome["exit"] = proc.returncode
        lines = [line for line in stderr.splitlines() if line.strip()]
        if args.kill_scheduler:
            outcome["message"] = lines[-1] if lines else ""
            resumed = subprocess.run(segconv("convert", str(src), "--labels", str(labels), "-o", str(out),
                                             "--resume", "-q"), capture_output=True, text=True)
            outcome["resume_exit"] = resumed.returncode
            outcome["ok"] = (proc.returncode == 2 and "Traceback" not in stderr and "lost the Dask scheduler"
                             in stderr and resumed.returncode == 0 and digest(out) == expected)
        else:
            outcome["notes"] = [line for line in lines if line.startswith("note: Dask")]
            outcome["ok"] = proc.returncode == 0 and "Traceback" not in stderr and digest(out) == expected
        if not outcome["ok"]:
            outcome["stderr_tail"] = lines[-5:]
    finally:
        for p in cluster:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return outcome


if __name__ == "__main__":
    sys.exit(main())
