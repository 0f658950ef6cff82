"""--dask with URLs (issue 33, point 4): the workers read their photos from the source bucket and write their
files into the output bucket themselves; the client writes the manifest and the run state only.  Against a
real S3-protocol server on 127.0.0.1 (tests/buckets.py) and a LocalCluster of 2 worker processes.

What the client process sends is recorded by wrapping s3fs's upload and copy calls in this process only (the
workers are other processes): it uploads no mask and no photo, and each mask in the bucket was copied there by
the store from a temporary object a worker uploaded."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from convert import api

from buckets import S3Server
from conftest import FOOD, generated_delivery, tree_digest

pytest.importorskip("s3fs")
pytest.importorskip("moto")
distributed = pytest.importorskip("distributed")

LABELS = str(FOOD / "labelmap.yaml")
OURS = {".segconv-files.txt", ".segconv-run.json"}


@pytest.fixture(scope="module")
def s3():
    with S3Server() as server:
        server.bucket("direct")
        server.upload_folder(FOOD, "s3://direct/in")
        yield server


@pytest.fixture(scope="module")
def cluster(s3):  # started after the server: the workers inherit its AWS_* variables
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c


class ClientCalls:
    """What this process (the client) uploads and copies through s3fs: paths inside the store."""

    def __init__(self, monkeypatch):
        import s3fs

        self.uploaded: list[str] = []
        self.copied: list[tuple[str, str]] = []
        for name in ("_pipe_file", "_put_file"):
            real = getattr(s3fs.S3FileSystem, name)
            monkeypatch.setattr(s3fs.S3FileSystem, name, self._recording(real, self.uploaded))
        real_copy = s3fs.S3FileSystem._cp_file

        async def copy(fs, path1, path2, **kwargs):
            self.copied.append((path1, path2))
            return await real_copy(fs, path1, path2, **kwargs)

        monkeypatch.setattr(s3fs.S3FileSystem, "_cp_file", copy)

    @staticmethod
    def _recording(real, into: list):
        async def wrapped(fs, *args, **kwargs):
            into.append(args[-1] if real.__name__ == "_put_file" else args[0])
            return await real(fs, *args, **kwargs)

        return wrapped


def local_run(tmp_path, to: str, src=FOOD / "annotations.json", labels=LABELS) -> dict[str, str]:
    out = tmp_path / f"local-{to}"
    api.convert(src, out, labels=labels, to=to)
    return tree_digest(out)


def bucket_digest(s3, url: str, folder: Path) -> dict[str, str]:
    s3.download_folder(url, folder)
    return tree_digest(folder)


def test_workers_write_the_files_and_the_client_relays_no_pixels(s3, cluster, tmp_path, monkeypatch):
    import convert.api.remote_output as places  # where RemoteOutput lives (places imports it on first use)

    stand_in_files: list[str] = []
    real_publish = places.RemoteOutput.publish

    def publish(output, *args, **kwargs):  # the stand-in as the client holds it when the run ends
        stand_in_files.extend(p.relative_to(output.local).as_posix() for p in output.local.rglob("*")
                              if p.is_file() and p.stat().st_size)
        return real_publish(output, *args, **kwargs)

    monkeypatch.setattr(places.RemoteOutput, "publish", publish)
    calls = ClientCalls(monkeypatch)
    url = "s3://direct/out-voc"
    report = api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to="voc",
                         dask=cluster.scheduler_address)
    assert report.written == 4
    got = bucket_digest(s3, url, tmp_path / "got")
    assert got == local_run(tmp_path, "voc")  # masks, photos and lists: the local run's bytes
    masks = [n for n in got if n.startswith("Segmentation")]
    photos = [n for n in got if n.startswith("JPEGImages/")]
    assert len(masks) == 8 and len(photos) == 4
    # the client's stand-in never held a mask or a photo, and the client uploaded neither
    assert sorted(stand_in_files) == sorted(OURS - {".segconv-run.json"} | {"ImageSets/Segmentation/train.txt",
                                                                            "labelmap.txt"}), stand_in_files
    uploaded = {p.split("/", 2)[2] for p in calls.uploaded}
    assert uploaded == {".segconv-run.json", ".segconv-files.txt", "ImageSets/Segmentation/train.txt",
                        "labelmap.txt"}, uploaded
    # each mask was copied by the store from a temporary object of this run, which a worker uploaded
    copied = {target.split("/", 2)[2]: source for source, target in calls.copied}
    for mask in masks:
        source = copied[mask]
        assert source.startswith("direct/out-voc/Segmentation") and source.endswith(".part"), source
        assert source not in calls.uploaded
    for photo in photos:  # the photos, straight from the source bucket
        assert copied[photo].startswith("direct/in/"), copied[photo]
    assert not [n for n in got if n.endswith(".part")]  # no temporary object stays
    note = [n for n in report.notes if n.startswith("the Dask workers wrote")]
    assert note == [f"the Dask workers wrote 12 files into {url} themselves, 4 photos of them copied by the "
                    "store from the source; none of their bytes passed through this machine"], report.notes


def test_a_local_source_is_read_by_the_workers_and_uploaded_by_them(s3, cluster, tmp_path, monkeypatch):
    calls = ClientCalls(monkeypatch)
    url = "s3://direct/out-yolo"
    api.convert(FOOD / "annotations.json", url, labels=LABELS, to="yolo", dask=cluster.scheduler_address)
    got = bucket_digest(s3, url, tmp_path / "got")
    assert got == local_run(tmp_path, "yolo")
    images = [n for n in got if n.startswith("images/")]
    assert len(images) == 4
    assert not {p.split("/", 2)[2] for p in calls.uploaded} & set(images)
    copied = {t.split("/", 2)[2]: s for s, t in calls.copied}
    assert all(copied[i].endswith(".part") for i in images)  # staged by a worker, not copied from the source


def test_overwrite_and_the_refusals_behave_as_in_a_folder(s3, cluster, tmp_path):
    url = "s3://direct/out-over"
    api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to="png", dask=cluster.scheduler_address)
    s3.client().put_object(Bucket="direct", Key="out-over/notes.txt", Body=b"mine")
    with pytest.raises(api.SegconvError, match="output folder exists and is not empty"):
        api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to="voc", dask=cluster.scheduler_address)
    api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to="voc", overwrite=True,
                dask=cluster.scheduler_address)
    got = bucket_digest(s3, url, tmp_path / "got")
    assert (tmp_path / "got" / "notes.txt").read_bytes() == b"mine"
    del got["notes.txt"]
    assert got == local_run(tmp_path, "voc")  # the png run's masks are gone, the voc run's are there


def test_a_stopped_run_is_finished_by_resume_to_the_same_bytes(s3, cluster, tmp_path):
    url = "s3://direct/out-stop"

    def stop_after_two(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(api.Interrupted):
        api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to="voc",
                    dask=cluster.scheduler_address, progress=stop_after_two)
    half = s3.download_folder(url, tmp_path / "half")
    assert ".segconv-run.json" in half and ".segconv-files.txt" in half
    placed = {n for n in half if not n.endswith(".part")} - OURS
    assert placed and len(placed) < 12  # the first images' files, put in place when the run stopped
    with pytest.raises(api.SegconvError, match="pass resume=True"):
        api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to="voc", dask=cluster.scheduler_address)
    report = api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to="voc", resume=True,
                         dask=cluster.scheduler_address)
    assert report.resumed and report.reused == len(placed)  # the workers found them in the bucket
    assert bucket_digest(s3, url, tmp_path / "got") == local_run(tmp_path, "voc")


def test_validate_reads_the_headers_from_the_bucket(s3, cluster, tmp_path):
    here = api.validate("s3://direct/in/annotations.json", labels=LABELS)
    there = api.validate("s3://direct/in/annotations.json", labels=LABELS, dask=cluster.scheduler_address)
    assert [str(f) for f in there.findings] == [str(f) for f in here.findings]
    assert there.images == here.images == 4


def test_photo_size_reads_past_64_kib_only_when_the_header_needs_it(tmp_path):
    import io

    from PIL import Image

    from convert.files.remote.direct import HEADER_BYTES, WorkerStorage
    from convert.files.remote.transfer import upload

    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), "red").save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    filler = b"\xff\xe2" + (65533).to_bytes(2, "big") + bytes(65531)  # an APP2 segment of 64 KiB before SOF
    big = jpeg[:2] + filler + jpeg[2:]
    for name, data in (("small.jpg", jpeg), ("big.jpg", big)):
        (tmp_path / name).write_bytes(data)
        upload(tmp_path / name, f"memory://segconv-direct-test/in/{name}")
    storage = WorkerStorage(None, "r1", {"/stand-in": "memory://segconv-direct-test/in"})
    assert storage.photo_size("/stand-in/small.jpg", 10**6) == (6, 4)
    assert not storage._photos  # the header was enough: nothing fetched whole
    assert len(big) > HEADER_BYTES
    assert storage.photo_size("/stand-in/big.jpg", 10**6) == (6, 4)
    assert storage.photo("/stand-in/big.jpg").read_bytes() == big  # fetched whole, once


def test_a_task_leaves_no_photo_behind_and_names_a_bad_photo_by_its_stand_in(tmp_path):
    """Each Dask task has its own copy of the storage: its copied photos are removed at the task's end (they
    were left, up to 4 whole photos per batch); an unreadable photo is named by the client's stand-in path,
    which the run's messages turn into the URL, never by the worker's copy."""
    import pickle

    from convert.files.images import ImageProblem
    from convert.files.remote.direct import HEADER_BYTES, WorkerStorage
    from convert.files.remote.transfer import upload
    from convert.pipeline.loop import process_batch

    bad = b"\xff\xd8\xff\xe0" + bytes(range(256)) * (HEADER_BYTES // 128)
    (tmp_path / "bad.jpg").write_bytes(bad)
    upload(tmp_path / "bad.jpg", "memory://segconv-direct-test/bad/bad.jpg")
    storage = WorkerStorage(None, "r1", {"/stand-in": "memory://segconv-direct-test/bad"})
    with pytest.raises(ImageProblem) as caught:
        storage.photo_size("/stand-in/bad.jpg", 10**6)
    assert "/stand-in/bad.jpg" in str(caught.value) and "segconv-worker-" not in str(caught.value)
    folders = []
    for _ in range(3):  # three tasks, each with its own unpickled storage
        task = pickle.loads(pickle.dumps(storage))
        task.photo("/stand-in/bad.jpg")
        folders.append(task._folder)
        process_batch([], {"storage": task})
        assert task._folder is None
    assert folders and not any(folder.exists() for folder in folders)


def worker_pids(client) -> list[int]:
    try:
        return [v for v in client.run(os.getpid, on_error="return").values() if isinstance(v, int)]
    except OSError:
        return []


@pytest.fixture(scope="module")
def generated(s3, tmp_path_factory):
    """120 generated images in the bucket: (source URL, label map, the local png run's digest)."""
    root = tmp_path_factory.mktemp("generated")
    src, labels = generated_delivery(root, 120, 320, 240)
    s3.upload_folder(root / "coco", "s3://direct/gen")
    expected = local_run(root, "png", src, str(labels))
    return "s3://direct/gen/" + src.relative_to(root / "coco").as_posix(), str(labels), expected, (src, labels)


def convert_in_thread(source: str, labels: str, url: str, address: str) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def convert():
        try:
            result["report"] = api.convert(source, url, labels=labels, to="png", dask=address)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            result["error"] = exc

    thread = threading.Thread(target=convert, daemon=True)
    thread.start()
    return thread, result


def wait_for_staged_masks(s3, prefix: str, thread, count: int = 20) -> None:
    """Until the workers have uploaded ``count`` temporary masks under ``prefix`` (or the run ended)."""
    deadline = time.monotonic() + 300
    while thread.is_alive():
        found = s3.client().list_objects_v2(Bucket="direct", Prefix=prefix).get("Contents", [])
        if sum(1 for o in found if o["Key"].endswith(".part")) >= count:
            return
        assert time.monotonic() < deadline, f"no worker wrote {count} masks"
        time.sleep(0.05)


def test_workers_killed_mid_run_change_nothing(s3, cluster, generated, tmp_path):
    source, labels, expected, _ = generated
    url = "s3://direct/out-killed"
    with distributed.Client(cluster) as client:
        thread, result = convert_in_thread(source, labels, url, cluster.scheduler_address)
        wait_for_staged_masks(s3, "out-killed/masks/", thread)
        assert thread.is_alive(), f"the run ended before the kills: {result}"
        for pid in worker_pids(client):
            os.kill(pid, signal.SIGKILL)  # the nanny starts another; the scheduler runs the batches again
        thread.join(timeout=600)
    assert not thread.is_alive() and "error" not in result, result
    assert result["report"].written == 120
    got = bucket_digest(s3, url, tmp_path / "got")
    assert got == expected  # also: no temporary object of the batches run twice stays


def test_the_server_stopped_mid_run_then_resume_finishes_to_the_same_bytes(s3, cluster, generated, tmp_path):
    """The workers lose the store while they write: one error naming the URL and the lost connection (raised
    on a worker, it reaches the client whole); once the server is back, --resume finishes the run."""
    source, labels, expected, _ = generated
    url = "s3://direct/out-server"
    thread, result = convert_in_thread(source, labels, url, cluster.scheduler_address)
    wait_for_staged_masks(s3, "out-server/masks/", thread)
    assert thread.is_alive(), f"the run ended before the server stopped: {result}"
    s3.stop()
    try:
        thread.join(timeout=600)
    finally:
        s3.start()
    assert not thread.is_alive()
    error = result.get("error")
    assert isinstance(error, api.SegconvError), result
    assert str(error).startswith(url) and "connection failed (" in str(error), str(error)
    assert str(error).endswith("; --resume finishes a conversion once it is back")
    report = api.convert(source, url, labels=labels, to="png", resume=True, dask=cluster.scheduler_address)
    assert report.resumed and report.written == 120
    assert bucket_digest(s3, url, tmp_path / "got") == expected


def test_the_readme_says_what_these_tests_show():
    from convert.files.remote.direct import FLUSH_AT

    from conftest import ROOT

    section = (ROOT / "README.md").read_text().split("## Deliveries in a bucket", 1)[1].split("\n## ", 1)[0]
    said = " ".join(section.split())
    assert f"the first when {FLUSH_AT} wait" in said
    for claim in ("`the Dask workers wrote 12 files into s3://… themselves, 4 photos of them copied by the store "
                  "from the source`", "a header from its first 64 KiB", "Placing a file is a copy the store makes",
                  "workers killed mid-run change no byte", "the first when 256 wait", "the groups placed so far, which "
                  "`--resume` keeps"):
        assert claim in said, claim


def test_a_client_killed_outright_keeps_the_files_placed_mid_run(s3, cluster, generated, tmp_path):
    """Files are put in place in groups as the run goes, each group after the manifest listing it went up
    (here the first group is 32 files, not 256, to see it in 120 images): a client killed with SIGKILL
    mid-run leaves those placed, and --resume keeps them."""
    import subprocess
    import sys

    from conftest import ROOT

    source, labels, expected, _ = generated
    url = "s3://direct/out-client-killed"
    argv = ["segconv", "convert", source, "-o", url, "--labels", labels, "--dask", cluster.scheduler_address]
    code = ("import sys, convert.files.remote.direct as direct; direct.FLUSH_AT = 32; "
            f"from convert.cli.commands import main; sys.argv = {argv!r}; main()")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)

    def objects() -> set[str]:
        found = s3.client().list_objects_v2(Bucket="direct", Prefix="out-client-killed/").get("Contents", [])
        return {o["Key"].split("/", 1)[1] for o in found}

    try:
        deadline = time.monotonic() + 300
        while not any(n.startswith("masks/img") for n in objects()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no file was placed mid-run"
            time.sleep(0.05)
        proc.kill()
    finally:
        proc.kill()
        proc.communicate()
    manifest = s3.client().get_object(Bucket="direct", Key="out-client-killed/.segconv-files.txt")["Body"].read()
    listed = set(manifest.decode().split())
    there = objects()
    kept = {n for n in there - OURS if not n.endswith(".part")}
    assert ".segconv-run.json" in there and "labelmap.json" not in listed  # stopped mid-run
    assert kept and kept <= listed and 32 <= len(listed) < 120  # a group placed, each file listed first
    report = api.convert(source, url, labels=labels, to="png", resume=True, dask=cluster.scheduler_address)
    assert report.resumed and report.reused >= len(kept)  # the workers found them and did not write them again
    assert bucket_digest(s3, url, tmp_path / "got") == expected


def test_groups_are_placed_as_they_double(monkeypatch):
    """With groups from 2 files: placed when 2 wait, then 2 more (as many as are placed), then 4; the temporary
    objects are gone once placed."""
    import convert.files.remote.direct as direct
    from convert.files.remote.transfer import listing

    monkeypatch.setattr(direct, "FLUSH_AT", 2)
    storage = direct.WorkerStorage("memory://segconv-groups/out", "r2", {})
    placements = direct.Placements("memory://segconv-groups/out", "r2")
    groups: list[int] = []
    placements.due = lambda: groups.append(placements.flush())
    for i in range(15):
        placements.place(storage.stage(f"masks/{i}.png", b"x"), f"masks/{i}.png")
    assert groups == [2, 2, 4] and placements.files == 8  # the next group would be 8: 7 wait
    assert placements.flush() == 7  # the run's end places the rest
    assert sorted(listing("memory://segconv-groups/out")) == sorted(f"masks/{i}.png" for i in range(15))


@pytest.mark.parametrize("to", ["png", "coco-rle", "coco", "coco-panoptic", "cityscapes", "mmseg", "hf",
                                "label-studio", "labelme", "cvat", "kaggle-rle"])
def test_every_layout_equals_the_local_run(s3, cluster, tmp_path, to):
    """(voc and yolo: above.)  Files of the whole set (COCO's JSON, hf's parquet shards...) are the client's,
    from the workers' records, as on local disk; every per-image file is a worker's."""
    url = f"s3://direct/out-layout-{to}"
    report = api.convert("s3://direct/in/annotations.json", url, labels=LABELS, to=to,
                         dask=cluster.scheduler_address)
    got, local = bucket_digest(s3, url, tmp_path / "got"), local_run(tmp_path, to)
    if to == "mmseg":  # its config names OUT's absolute path (in a bucket run: the stand-in's, not the URL)
        got_config, local_config = ([line for line in (tmp_path / where / "mmseg_dataset.py").read_text().splitlines()
                                     if not line.startswith("data_root")] for where in ("got", "local-mmseg"))
        assert got_config == local_config
        del got["mmseg_dataset.py"], local["mmseg_dataset.py"]
    assert got == local
    assert report.written == 4


def test_a_batch_uploads_its_files_at_its_end_and_none_when_it_fails():
    from convert.files.remote.direct import WorkerStorage
    from convert.files.remote.transfer import listing

    storage = WorkerStorage("memory://segconv-batch/out", "r3", {})
    with storage.batch():
        staged = [storage.stage(f"masks/{i}.png", b"png") for i in range(3)]
        assert listing("memory://segconv-batch/out") == {}  # waiting for the batch's end
    assert sorted(listing("memory://segconv-batch/out")) == sorted(u.split("/out/", 1)[1] for u in staged)
    with pytest.raises(RuntimeError), storage.batch():
        storage.stage("masks/late.png", b"png")
        raise RuntimeError("the batch failed")
    assert len(listing("memory://segconv-batch/out")) == 3  # nothing of the failed batch went up


def test_the_first_image_keeps_a_name_in_the_bucket(s3, cluster, tmp_path):
    """40 pairs a.jpg/a.png of different plates, which both become masks/a.png: in the bucket too, the first
    of each pair is the one written, whichever worker uploaded first, and the second's temporary objects go."""
    from test_outputs import LABELS as PLATE
    from test_outputs import cvat

    (tmp_path / "lm.yaml").write_text(PLATE)
    boxes = [(f"{i}.{ext}", 0, 0, 1 + (ext == "png") * 3, 2) for i in range(40) for ext in ("jpg", "png")]
    src = cvat(tmp_path / "many.xml", boxes)
    s3.client().put_object(Bucket="direct", Key="twins/many.xml", Body=src.read_bytes())
    local = api.convert(src, tmp_path / "local", labels=tmp_path / "lm.yaml", to="png")
    there = api.convert("s3://direct/twins/many.xml", "s3://direct/out-twins", labels=tmp_path / "lm.yaml",
                        to="png", dask=cluster.scheduler_address)
    assert bucket_digest(s3, "s3://direct/out-twins", tmp_path / "got") == tree_digest(tmp_path / "local")
    refused = [f.message for f in there.findings if f.code == "duplicate-image"]
    assert len(refused) == 40 and refused == [f.message for f in local.findings if f.code == "duplicate-image"]
