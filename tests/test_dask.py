"""--dask: a LocalCluster of 2 worker processes gives the bytes and the report of
--jobs 1, also when a worker is killed mid-run."""

import os
import signal
import subprocess
import sys
import threading
import time

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


def test_a_worker_killed_mid_run_changes_nothing(cluster, delivery, tmp_path):
    src, labels = delivery
    expected = tree_digest(_convert(src, labels, tmp_path / "local"))
    client = distributed.Client(cluster)
    pids = list(client.run(os.getpid).values())
    out = tmp_path / "dask"
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        report=api.convert(src, out, to="png", labels=labels, dask=cluster.scheduler_address)))
    thread.start()
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "masks").glob("*.png"))) < 20:
        time.sleep(0.02)
    os.kill(pids[0], signal.SIGKILL)  # the nanny restarts it; its batch runs again
    thread.join(timeout=300)
    client.close()
    assert not thread.is_alive() and result["report"].written == 160
    assert tree_digest(out) == expected


def _convert(src, labels, out):
    api.convert(src, out, to="png", labels=labels)
    return out


def test_without_dask_installed_the_message_says_how_to_install(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None; from convert.cli import main; "
            f"sys.argv = ['segconv', 'convert', {str(FOOD / 'annotations.json')!r}, '-o', {str(tmp_path / 'o')!r}, "
            "'--dask', 'local']; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "pip install 'segconv[dask]'" in proc.stderr


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "convert", "convert", str(FOOD / "annotations.json"), "-o",
                           str(tmp_path / "o"), "--dask", "tcp://127.0.0.1:9"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "cannot reach the Dask scheduler" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreachable_scheduler_writes_nothing(tmp_path):
    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "convert", "convert", str(FOOD / "annotations.json"), "-o",
                           str(out), "--dask", "tcp://127.0.0.1:9"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 2 and not out.exists()
