"""An output URL's files go up while the run goes on (convert/files/remote/streaming.py), against the S3
server of tests/buckets.py: each image's files are in the bucket while later images are still to be painted,
never before the run state and a manifest that lists them; a run stopped mid-way (the server gone, the
process killed) leaves a bucket --resume finishes to the local run's bytes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from convert import api

from buckets import S3Server
from conftest import FOOD, ROOT, run_cli, tree_digest

pytest.importorskip("s3fs")
pytest.importorskip("moto")

LABELS = str(FOOD / "labelmap.yaml")
BUCKET = "streamed"
MANIFEST, RUN_STATE = ".segconv-files.txt", ".segconv-run.json"


@pytest.fixture(scope="module")
def s3():
    with S3Server() as server:
        server.bucket(BUCKET)
        yield server


def objects(s3, prefix: str) -> dict[str, bytes]:
    client = s3.client()
    found = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/").get("Contents", [])
    return {o["Key"][len(prefix) + 1:]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read()
            for o in found}


def wait_for(s3, prefix: str, name: str) -> dict[str, bytes]:
    """The objects under ``prefix`` once ``name`` is among them (fails after 60 s: a bound, not a timing)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = objects(s3, prefix)
        if name in found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{name} never reached the bucket during the run")


def local_run(tmp_path, to: str) -> dict[str, str]:
    result = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "local", "--labels", LABELS, "--to", to)
    assert result.returncode == 0, result.stderr
    return tree_digest(tmp_path / "local")


def first_mask(to: str) -> str:
    return {"png": "masks/table_01.png", "voc": "SegmentationClass/table_01.png"}[to]


@pytest.mark.parametrize("to, jobs", [("png", 1), ("voc", 2)])
def test_the_first_images_files_are_in_the_bucket_while_later_ones_are_painted(s3, tmp_path, to, jobs):
    prefix = f"out-early-{to}"
    seen: dict[int, dict[str, bytes]] = {}

    def progress(done, total):
        if done == 1:  # the loop waits here: image 2 is not placed (nor, with one job, painted) yet
            seen[done] = wait_for(s3, prefix, first_mask(to))

    report = api.convert(FOOD / "annotations.json", f"s3://{BUCKET}/{prefix}", labels=LABELS, to=to, jobs=jobs,
                         progress=progress)
    assert report.written == 4
    early = seen[1]
    assert RUN_STATE in early and MANIFEST in early  # the run state and the manifest went up first
    listed = early[MANIFEST].decode().splitlines()
    assert set(early) - {RUN_STATE, MANIFEST} <= set(listed)
    assert not any("table_04" in name for name in early)  # the last image was not written then
    got = objects(s3, prefix)
    assert RUN_STATE not in got
    for name, data in got.items():
        (tmp_path / "got" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "got" / name).write_bytes(data)
    assert tree_digest(tmp_path / "got") == local_run(tmp_path, to)


def test_no_file_goes_up_before_the_run_state_and_a_manifest_listing_it(s3, tmp_path, monkeypatch):
    """Every upload, during the run and at its end, is checked against the bucket as it is then; a file
    uploaded during the run is not uploaded again at the end, and the set's files still go up."""
    import convert.api.remote_output as places  # where RemoteOutput publishes
    import convert.files.remote.streaming as streaming

    prefix = "out-order"
    sent: dict[str, list[str]] = {"run": [], "end": []}
    broken: list[str] = []

    def checking(when, real):
        def upload_many(pairs, where, on_bytes=None):
            there = objects(s3, prefix)
            listed = set(there.get(MANIFEST, b"").decode().splitlines())
            for _, url in pairs:
                name = url.split(f"/{prefix}/", 1)[1]
                if RUN_STATE not in there or name not in listed:
                    broken.append(f"{when}: {name} (run state: {RUN_STATE in there}, listed: {name in listed})")
                sent[when].append(name)
            real(pairs, where, on_bytes)
        return upload_many

    monkeypatch.setattr(streaming, "upload_many", checking("run", streaming.upload_many))
    monkeypatch.setattr(places, "upload_many", checking("end", places.upload_many))
    report = api.convert(FOOD / "annotations.json", f"s3://{BUCKET}/{prefix}", labels=LABELS, to="voc")
    assert report.written == 4 and broken == []
    assert len(sent["run"]) == 12  # the 4 images' class masks, object masks and photos
    assert set(sent["end"]) == {"ImageSets/Segmentation/train.txt", "labelmap.txt"}
    got = objects(s3, prefix)
    assert set(got) == set(sent["run"]) | set(sent["end"]) | {MANIFEST}
    assert sorted(got[MANIFEST].decode().splitlines()) == sorted(set(got) - {MANIFEST})
    assert any(n.startswith(f"wrote s3://{BUCKET}/{prefix}: 14 files, ") for n in report.notes), report.notes


def test_the_server_stopped_mid_run_then_resume_gives_the_local_bytes(s3, tmp_path):
    prefix, to = "out-stopped", "voc"
    url = f"s3://{BUCKET}/{prefix}"

    def progress(done, total):
        if done == 2:  # image 1 went up; the server goes away while images 3 and 4 are still to come
            wait_for(s3, prefix, first_mask(to))
            s3.stop()

    with pytest.raises(api.SegconvError) as stop:
        api.convert(FOOD / "annotations.json", url, labels=LABELS, to=to, progress=progress)
    said = str(stop.value)
    assert "connection failed (" in said and url + "/" in said, said
    assert said.endswith("; --resume finishes a conversion once it is back") and "\n" not in said
    s3.start()
    half = objects(s3, prefix)
    assert RUN_STATE in half and MANIFEST in half
    listed = set(half[MANIFEST].decode().splitlines())
    assert set(half) - {RUN_STATE, MANIFEST} <= listed
    assert first_mask(to) in half and not any("table_04" in name for name in half)
    refused = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS, "--to", to)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS, "--to", to, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    s3.download_folder(url, tmp_path / "got")
    assert tree_digest(tmp_path / "got") == local_run(tmp_path, to)


KILLED = """
import os, signal, sys, time
from convert import api
import boto3

client = boto3.client("s3")
def progress(done, total):
    if done == 2:  # image 1's mask is in the bucket, then the process dies outright
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = client.list_objects_v2(Bucket=sys.argv[2], Prefix=sys.argv[3]).get("Contents", [])
            if sys.argv[3] + "/" + sys.argv[4] in [o["Key"] for o in found]:
                break
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGKILL)

api.convert(sys.argv[1], f"s3://{sys.argv[2]}/{sys.argv[3]}", labels=sys.argv[5], to="png", progress=progress)
"""


def test_a_run_killed_mid_way_is_finished_by_resume(s3, tmp_path):
    prefix = "out-killed"
    url = f"s3://{BUCKET}/{prefix}"
    proc = subprocess.run([sys.executable, "-c", KILLED, str(FOOD / "annotations.json"), BUCKET, prefix,
                           first_mask("png"), LABELS], cwd=ROOT, env=dict(os.environ), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    half = objects(s3, prefix)
    assert RUN_STATE in half and first_mask("png") in half
    assert set(half) - {RUN_STATE, MANIFEST} <= set(half[MANIFEST].decode().splitlines())
    resumed = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS, "--to", "png",
                      "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed: " in resumed.stderr
    s3.download_folder(url, tmp_path / "got")
    assert tree_digest(tmp_path / "got") == local_run(tmp_path, "png")


def test_a_failed_upload_is_raised_at_the_next_image(tmp_path):
    """The background thread keeps its failure; the run's next ``add`` (its next image) raises it, one
    StorageError naming the output URL, and nothing counts as sent."""
    from convert.files.remote.failures import StorageError
    from convert.files.remote.streaming import Uploads

    (tmp_path / "masks").mkdir()
    (tmp_path / "masks" / "a.png").write_bytes(b"png")  # no manifest beside it: the batch cannot go up
    uploads = Uploads(tmp_path, "memory://segconv-streamed-fail/out", MANIFEST)
    uploads.add(["masks/a.png"])
    uploads.finish()
    with pytest.raises(StorageError) as failed:
        uploads.add(["masks/b.png"])
    assert str(failed.value) == "memory://segconv-streamed-fail/out/: no such file or folder"
    assert uploads.sent == {}


@pytest.mark.parametrize("how", ["--resume", "--overwrite"])
def test_an_earlier_runs_temporary_objects_are_removed(s3, tmp_path, how):
    """A killed run's temporary objects (``.<name>.<token>....part``) go when the next run resumes it or
    overwrites it, as they do from a folder (they stayed in the bucket while the notes said removed)."""
    import json

    prefix = f"out-parts{how}"
    url = f"s3://{BUCKET}/{prefix}"
    proc = subprocess.run([sys.executable, "-c", KILLED, str(FOOD / "annotations.json"), BUCKET, prefix,
                           first_mask("png"), LABELS], cwd=ROOT, env=dict(os.environ), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    token = json.loads(objects(s3, prefix)[RUN_STATE])["token"]
    left = f"masks/.table_02.png.{token}.1234.7.part"  # what a killed run leaves while a file goes up
    s3.client().put_object(Bucket=BUCKET, Key=f"{prefix}/{left}", Body=b"half a mask")
    again = run_cli("convert", FOOD / "annotations.json", "-o", url, "--labels", LABELS, "--to", "png", how)
    assert again.returncode == 0, again.stderr
    assert "removed" in again.stderr, again.stderr  # the note says the temporary file was removed...
    assert not [name for name in objects(s3, prefix) if name.endswith(".part")]  # ...and so it was
    s3.download_folder(url, tmp_path / "got")
    assert tree_digest(tmp_path / "got") == local_run(tmp_path, "png")
