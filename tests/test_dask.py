"""--dask: a LocalCluster of 2 worker processes gives the bytes and the report of
--jobs 1, also when workers are killed mid-run or a batch is cancelled; losing the
scheduler is one line and exit 2, and --resume finishes the run.

The tests wait on conditions (masks written, workers back), never on durations:
the deadlines only bound a hang."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from convert import api

from conftest import FOOD, ROOT, generated_delivery, tree_digest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    return generated_delivery(tmp_path_factory.mktemp("dask"), 160, 512, 384)


@pytest.mark.parametrize("to", ["png", "voc", "coco-rle"])
def test_dask_equals_jobs_1(cluster, tmp_path, to):
    kw = {"to": to, "labels": FOOD / "labelmap.yaml"}
    local = api.convert(FOOD / "annotations.json", tmp_path / "local", **kw)
    remote = api.convert(FOOD / "annotations.json", tmp_path / "dask", dask=cluster.scheduler_address, **kw)
    assert tree_digest(tmp_path / "local") == tree_digest(tmp_path / "dask")
    assert [str(f) for f in local.findings] == [str(f) for f in remote.findings]


def test_dask_report_equals_jobs_1(cluster, delivery, tmp_path):
    src, labels = delivery
    api.validate(src, labels=labels, json_path=tmp_path / "local.json")
    api.validate(src, labels=labels, json_path=tmp_path / "dask.json", dask=cluster.scheduler_address)
    assert (tmp_path / "local.json").read_bytes() == (tmp_path / "dask.json").read_bytes()


def masks_written(out) -> int:
    """Masks the workers have written: placed by the client, or staged and waiting for it (.<name>.<token>...)."""
    masks = out / "masks"
    return len(list(masks.glob("*.png"))) + len(list(masks.glob(".*.png.*.part"))) if masks.is_dir() else 0


def wait_until(condition, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what} after {seconds} s"
        time.sleep(0.02)


def worker_pids(client) -> dict:
    """Worker address → process id, of the workers that answer now (one being replaced may not)."""
    try:
        return {k: v for k, v in client.run(os.getpid, on_error="return").items() if isinstance(v, int)}
    except OSError:  # the scheduler's broadcast met the dying worker's closed connection
        return {}


def convert_in_thread(src, labels, out, address):
    result: dict = {}

    def target():
        try:
            result["report"] = api.convert(src, out, to="png", labels=labels, dask=address)
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which fails with it
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, result


def test_both_workers_killed_one_after_the_other_change_nothing(cluster, delivery, tmp_path):
    """The run of issue #17: settings were one scattered copy, which Dask's memory manager trims to a
    single replica; killing its holder cancelled every waiting batch ("already forgotten").  Killing
    both workers, after that trimming had time to happen, reaches the holder whichever it is."""
    src, labels = delivery
    expected = tree_digest(_convert(src, labels, tmp_path / "local"))
    out = tmp_path / "dask"
    with distributed.Client(cluster) as client:
        thread, result = convert_in_thread(src, labels, out, cluster.scheduler_address)
        wait_until(lambda: masks_written(out) >= 20 or not thread.is_alive(), "20 masks")
        originals = sorted(worker_pids(client).values())
        # both original workers are killed, one right after the other: waiting for the first to come back
        # let the survivor write the rest on a loaded machine, and the run ended before the second kill
        assert thread.is_alive(), f"the run ended before the kills: {result}"
        for victim in originals:
            os.kill(victim, signal.SIGKILL)  # its nanny starts a new worker; its batches run again
        wait_until(lambda: len(pids := worker_pids(client)) == 2 and not set(originals) & set(pids.values()),
                   "both workers to come back")
        thread.join(timeout=600)
    assert not thread.is_alive() and "error" not in result, result
    assert result["report"].written == 160
    assert tree_digest(out) == expected


def test_a_cancelled_batch_is_sent_again_and_said(cluster, delivery, tmp_path):
    """Another client force-cancels the batches in flight: each is submitted again (a bounded number of
    times), the output is the --jobs 1 bytes, and the report's notes say it happened."""
    src, labels = delivery
    expected = tree_digest(_convert(src, labels, tmp_path / "local"))
    out = tmp_path / "dask"
    with distributed.Client(cluster) as other:
        thread, result = convert_in_thread(src, labels, out, cluster.scheduler_address)
        wait_until(lambda: masks_written(out) >= 20 or not thread.is_alive(), "20 masks")

        def in_flight(dask_scheduler):
            return [key for key, ts in dask_scheduler.tasks.items()
                    if "process_batch" in str(key) and ts.state in ("processing", "waiting", "queued", "no-worker")]

        keys = other.run_on_scheduler(in_flight)
        assert keys, "the run ended before a batch could be cancelled"
        other.cancel([distributed.Future(key, other) for key in keys], force=True)
        thread.join(timeout=600)
    assert not thread.is_alive() and "error" not in result, result
    assert tree_digest(out) == expected
    notes = [n for n in result["report"].notes if n.startswith("Dask:")]
    assert len(notes) == 1 and "sent again after the scheduler cancelled or lost" in notes[0]


def _scheduler_address(path):
    """The address in Dask's scheduler file, or ``None`` while the file is missing or still being written."""
    try:
        return json.loads(path.read_text())["address"]
    except (OSError, ValueError, KeyError):
        return None


def test_losing_the_scheduler_is_one_line_exit_2_and_resume_finishes(delivery, tmp_path):
    src, labels = delivery
    expected = tree_digest(_convert(src, labels, tmp_path / "local"))
    dask = Path(sys.executable).parent / "dask"
    scheduler_file = tmp_path / "scheduler.json"
    started = [subprocess.Popen([str(dask), "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0",
                                 "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)]
    try:
        # the scheduler creates the file, then writes it: wait for the whole JSON, not the file's existence
        wait_until(lambda: _scheduler_address(scheduler_file) is not None, "the scheduler file", 120)
        address = _scheduler_address(scheduler_file)
        started.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--no-dashboard"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=120)
        out = tmp_path / "dask"
        proc = subprocess.Popen([sys.executable, "-m", "convert", "convert", str(src), "--labels", str(labels),
                                 "-o", str(out), "--dask", address], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)
        wait_until(lambda: masks_written(out) >= 20 or proc.poll() is not None, "20 masks")
        assert proc.poll() is None, proc.communicate()
        os.killpg(started[0].pid, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=300)
    finally:
        for p in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and "Traceback" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith(f"error: lost the Dask scheduler at {address} (")
    assert lines[0].endswith("run the same command with --resume to finish")
    resumed = subprocess.run([sys.executable, "-m", "convert", "convert", str(src), "--labels", str(labels),
                              "-o", str(out), "--resume"], capture_output=True, text=True, cwd=ROOT)
    assert resumed.returncode == 0, resumed.stderr
    assert tree_digest(out) == expected


def _convert(src, labels, out):
    api.convert(src, out, to="png", labels=labels)
    return out


def test_without_dask_installed_the_message_says_how_to_install(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None; from convert.cli.commands import main; "
            f"sys.argv = ['segconv', 'convert', {str(FOOD / 'annotations.json')!r}, '-o', {str(tmp_path / 'o')!r}, "
            "'--dask', 'local']; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "pip install 'segconv[dask]'" in proc.stderr


def test_unreachable_scheduler_is_a_clear_error_and_writes_nothing(tmp_path):
    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "convert", "convert", str(FOOD / "annotations.json"), "-o",
                           str(out), "--dask", "tcp://127.0.0.1:9"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 2 and not out.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'")
