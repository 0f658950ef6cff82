"""Photos in a bucket fetched for their headers only (issue 33, point 2): ranged reads, many at a time, into
partial stand-ins (convert/files/remote/ranged.py, stand_ins.py), against a real S3-protocol server on
127.0.0.1 (tests/buckets.py).

The delivery's photos are built so that each way of needing more than a prefix is there: EXIF in a JPEG's
first bytes, a JPEG whose frame header lies after 120 kB of APP segments, a JPEG whose header is past what the
ranged rounds fetch (fetched whole when its size is read); and a PNG whose eXIf chunk follows its image data
(PNGs are fetched whole).
Every run from the bucket is compared with the same run on local files, byte for byte: a stand-in read as
if whole would give other sizes, other masks, other copies or other pictures."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from buckets import S3Server
from conftest import run_cli, tree_digest

pytest.importorskip("s3fs")
pytest.importorskip("moto")

ROTATE = 6  # EXIF orientation "rotate 90": width and height swap


def exif_block(orientation: int) -> bytes:
    """TIFF-structured EXIF data with one Orientation entry."""
    return b"II*\x00\x08\x00\x00\x00\x01\x00" + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + b"\x00" * 4


def noise(width: int, height: int, seed: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8))


def jpeg(width: int, height: int, seed: int, app_segments: int = 0, orientation: int | None = None) -> bytes:
    buf = io.BytesIO()
    exif = b"Exif\x00\x00" + exif_block(orientation) if orientation else b""
    noise(width, height, seed).save(buf, "JPEG", quality=95, exif=exif)
    data = buf.getvalue()
    segment = b"\xff\xe3" + struct.pack(">H", 60_002) + bytes(range(256)) * 234 + b"\x00" * 96  # APP3, 60 kB
    return data[:2] + segment * app_segments + data[2:]


def png_with_exif_after_idat(width: int, height: int, seed: int, orientation: int) -> bytes:
    buf = io.BytesIO()
    noise(width, height, seed).save(buf, "PNG")
    data = buf.getvalue()
    body = exif_block(orientation)
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body + struct.pack(">I", zlib.crc32(b"eXIf" + body))
    return data[:-12] + chunk + data[-12:]  # before IEND, after every IDAT


PHOTOS = {  # name: (bytes, the size the annotations declare: the oriented one)
    "photos/exif.jpg": (jpeg(400, 300, 1, orientation=ROTATE), (300, 400)),
    "photos/big-app.jpg": (jpeg(320, 240, 2, app_segments=2), (320, 240)),
    "photos/after-idat.png": (png_with_exif_after_idat(400, 300, 3, ROTATE), (300, 400)),
    "photos/past-rounds.JPG": (jpeg(200, 100, 4, app_segments=8), (200, 100)),
    "photos/small.jpg": (jpeg(40, 30, 5), (40, 30)),
}


def write_delivery(root: Path) -> Path:
    images, annotations = [], []
    for i, (name, (data, (width, height))) in enumerate(PHOTOS.items(), 1):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        images.append({"id": i, "file_name": name, "width": width, "height": height})
        w, h = width // 2, height // 2
        annotations.append({"id": i, "image_id": i, "category_id": 1, "iscrowd": 0, "area": w * h,
                            "segmentation": [[2, 2, 2 + w, 2, 2 + w, 2 + h, 2, 2 + h]],
                            "bbox": [0, 0, w + 40, h + 40]})  # a wrong box: a finding, so a picture per image
    doc = {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "plate"}]}
    (root / "annotations.json").write_text(json.dumps(doc))
    (root / LABEL_MAP).parent.mkdir()
    (root / LABEL_MAP).write_bytes(palette_png())
    return root / "annotations.json"


LABEL_MAP = "labels/big.png"


def palette_png() -> bytes:
    """A palette PNG larger than the prefix: a label map, fetched whole as every PNG."""
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(9).integers(0, 20, (400, 400), dtype=np.uint8), "L").convert("P").save(
        buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    root = tmp_path_factory.mktemp("ranged")
    coco = write_delivery(root / "in")
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()  # fsspec keeps file systems, with the endpoint of their time
    with S3Server() as server:
        server.bucket("photos")
        server.upload_folder(root / "in", "s3://photos/in")
        yield server, coco
    s3fs.S3FileSystem.clear_instance_cache()


def local_and_bucket(delivery, tmp_path, *args):
    _, coco = delivery
    local = run_cli("convert", coco, "-o", tmp_path / "local", *args)
    remote = run_cli("convert", "s3://photos/in/annotations.json", "-o", tmp_path / "remote", *args)
    assert local.returncode == remote.returncode, (local.stderr, remote.stderr)
    return tree_digest(tmp_path / "local"), tree_digest(tmp_path / "remote"), local, remote


def test_the_test_photos_need_what_they_say():
    from convert.files.image_header import read_header

    assert len(PHOTOS["photos/small.jpg"][0]) < 1 << 16 < min(len(d) for d, _ in list(PHOTOS.values())[:4])
    assert PHOTOS["photos/big-app.jpg"][0].find(b"\xff\xc0") > 120_000  # the frame header after 120 kB
    png = PHOTOS["photos/after-idat.png"][0]
    assert png.rfind(b"IDAT") < png.find(b"eXIf") and len(png) > 300_000
    for name, (data, (width, height)) in PHOTOS.items():
        assert read_header(data)[:2] in ((width, height), (height, width)), name
        with Image.open(io.BytesIO(data)) as im:
            oriented = im.size[::-1] if im.getexif().get(0x0112) == ROTATE else im.size
        assert oriented == (width, height), name


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_masks_equal_the_local_run(delivery, tmp_path, jobs):
    local, remote, _, result = local_and_bucket(delivery, tmp_path, "--to", "png", "--jobs", jobs)
    assert remote == local and len(local) >= 5
    said = [line[line.index("read s3://"):] for line in result.stderr.splitlines() if "read s3://photos/in:" in line]
    # annotations.json, small.jpg and the PNGs whole; the three large JPEGs' headers; past-rounds.JPG whole
    # when its size was read (its header lies past what the ranged rounds fetch)
    sizes = {name: len(data) for name, (data, _) in PHOTOS.items()}
    assert said[0].startswith("read s3://photos/in: 4 files, "), said
    assert "; 2 photos for their headers only (" in said[0]
    whole = sizes["photos/past-rounds.JPG"]
    assert f"; 1 photo fetched whole where a step needed more than the header ({whole / 1e3:.1f} kB)" in said[0]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_photo_copies_are_whole(delivery, tmp_path, jobs):
    local, remote, _, _ = local_and_bucket(delivery, tmp_path, "--to", "voc", "--jobs", jobs)
    assert remote == local
    assert sum(name.startswith("JPEGImages/") for name in local) == len(PHOTOS)


def test_photo_copies_are_whole_when_tmpdir_is_named_like_a_staging_folder(delivery, tmp_path):
    """TMPDIR=/…/segconv-scratch: the staging folder is found below it (its record was looked for in the
    wrong folder, and header-only stand-ins were copied as photos, zeros after 64 KiB)."""
    import os
    import subprocess
    import sys

    _, coco = delivery
    scratch = tmp_path / "segconv-scratch"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch), COLUMNS="200")
    remote = subprocess.run([sys.executable, "-m", "convert", "convert", "s3://photos/in/annotations.json", "-o",
                             str(tmp_path / "remote"), "--to", "voc"], capture_output=True, text=True, env=env)
    local = run_cli("convert", coco, "-o", tmp_path / "local", "--to", "voc")
    assert remote.returncode == local.returncode, remote.stderr
    assert tree_digest(tmp_path / "remote") == tree_digest(tmp_path / "local")


def test_hf_rows_hold_the_whole_photos(delivery, tmp_path):
    pytest.importorskip("pyarrow")
    local, remote, _, _ = local_and_bucket(delivery, tmp_path, "--to", "hf")
    assert remote == local and any(name.endswith(".parquet") for name in local)


def test_the_html_pictures_are_the_local_runs(delivery, tmp_path):
    _, coco = delivery
    local = run_cli("validate", coco, "--html", tmp_path / "local.html")
    remote = run_cli("validate", "s3://photos/in/annotations.json", "--html", tmp_path / "remote.html")
    assert local.returncode == remote.returncode, remote.stderr
    pictures = [re.findall(r"data:image/jpeg;base64,[A-Za-z0-9+/=]+", (tmp_path / f"{w}.html").read_text())
                for w in ("local", "remote")]
    assert len(pictures[0]) >= len(PHOTOS) and pictures[0] == pictures[1]
    for name in PHOTOS:  # every photo has its pictures (a finding each)
        assert f"{name}: annotation id=" in remote.stderr, name


def counted_fetches(monkeypatch) -> dict[str, int]:
    """The bytes s3fs hands back, by the kind of request: whole objects and byte ranges."""
    import s3fs

    seen = {"whole": 0, "ranges": 0, "range requests": 0}
    cat_file, get_file = s3fs.S3FileSystem._cat_file, s3fs.S3FileSystem._get_file

    async def counting_cat(self, path, version_id=None, start=None, end=None, **kw):
        data = await cat_file(self, path, version_id=version_id, start=start, end=end, **kw)
        kind = "whole" if start is None and end is None else "ranges"
        seen[kind] += len(data)
        seen["range requests"] += kind == "ranges"
        return data

    async def counting_get(self, rpath, lpath, *args, **kw):
        await get_file(self, rpath, lpath, *args, **kw)
        seen["whole"] += Path(lpath).stat().st_size

    monkeypatch.setattr(s3fs.S3FileSystem, "_cat_file", counting_cat)
    monkeypatch.setattr(s3fs.S3FileSystem, "_get_file", counting_get)
    return seen


def test_only_the_headers_are_fetched(delivery, monkeypatch):
    from convert.api.places import Staging
    from convert.files.image_header import read_header
    from convert.files.remote.stand_ins import part_of

    seen = counted_fetches(monkeypatch)
    staging = Staging()
    folder = staging.source("s3://photos/in/annotations.json").parent
    small = len(PHOTOS["photos/small.jpg"][0]) + (folder / "annotations.json").stat().st_size
    pngs = [palette_png(), PHOTOS["photos/after-idat.png"][0]]
    assert min(map(len, pngs)) > 1 << 16 and (folder / LABEL_MAP).read_bytes() == pngs[0]
    assert part_of(folder / LABEL_MAP) is None and part_of(folder / "photos/after-idat.png") is None
    assert seen["whole"] == small + sum(map(len, pngs))
    large = {name: data for name, (data, _) in PHOTOS.items()
             if name.endswith((".jpg", ".JPG")) and len(data) > 1 << 16}
    parts = {name: part_of(folder / name) for name in large}
    assert all(parts.values()) and part_of(folder / "photos/small.jpg") is None
    held = {name: sum(end - start for start, end in part.ranges) for name, part in parts.items()}
    assert seen["ranges"] == sum(held.values()) < sum(map(len, large.values())) / 3
    # round 1: three prefixes; then 4 kB at each big APP segment's end, one request each
    assert held["photos/exif.jpg"] == 1 << 16
    assert held["photos/big-app.jpg"] == (1 << 16) + 4096
    assert held["photos/past-rounds.JPG"] == (1 << 16) + 5 * 4096
    assert seen["range requests"] == 3 + 1 + 5
    for name, data in large.items():  # the stand-in is the object's size; what it holds is the object's bytes
        got = (folder / name).read_bytes()
        assert len(got) == len(data)
        assert all(got[s:e] == data[s:e] for s, e in parts[name].ranges), name
    # sizes read from what is held, no fetch; past-rounds.JPG fetched whole, then read
    before = dict(seen)
    for name in ("photos/exif.jpg", "photos/big-app.jpg"):
        assert read_header(folder / name) == read_header(large[name]), name
    assert seen == before
    assert read_header(folder / "photos/past-rounds.JPG") == read_header(large["photos/past-rounds.JPG"])
    assert seen["whole"] - before["whole"] == len(large["photos/past-rounds.JPG"])
    assert part_of(folder / "photos/past-rounds.JPG") is None
    assert (folder / "photos/past-rounds.JPG").read_bytes() == large["photos/past-rounds.JPG"]
    note = staging.notes()[0]
    assert note.startswith("read s3://photos/in: 4 files, ")
    kept = held["photos/exif.jpg"] + held["photos/big-app.jpg"]
    total = len(large["photos/exif.jpg"]) + len(large["photos/big-app.jpg"])
    assert f"; 2 photos for their headers only ({kept / 1e3:.1f} kB of {total / 1e3:.1f} kB); " in note
    past = len(large["photos/past-rounds.JPG"])
    assert note.endswith(f"; 1 photo fetched whole where a step needed more than the header ({past / 1e3:.1f} kB)")


def test_every_reader_of_pixels_fetches_whole(delivery):
    from convert.api.places import Staging
    from convert.files.images import open_image
    from convert.files.remote.stand_ins import part_of

    staging = Staging()
    folder = staging.source("s3://photos/in")
    name = "photos/exif.jpg"
    assert part_of(folder / name) is not None
    with open_image(folder / name) as im:
        im.load()
    assert part_of(folder / name) is None and (folder / name).read_bytes() == PHOTOS[name][0]


def test_local_paths_are_never_taken_for_stand_ins(tmp_path):
    from convert.files.remote.stand_ins import part_of, whole

    folder = tmp_path / "segconv-mine" / "source1" / "photos"
    folder.mkdir(parents=True)
    (folder / "a.jpg").write_bytes(PHOTOS["photos/exif.jpg"][0])
    assert part_of(folder / "a.jpg") is None and whole(folder / "a.jpg") == folder / "a.jpg"


def test_progress_counts_the_bytes_fetched(delivery, monkeypatch):
    from convert.api.places import Staging
    from convert.files.remote.stand_ins import part_of

    seen = counted_fetches(monkeypatch)
    told: list[tuple[int, int]] = []

    class Progress:
        def bytes(self, done, total, what):
            assert what == "fetching s3://photos/in"
            told.append((done, total))

    staging = Staging(Progress())  # its folder lives as long as it does
    folder = staging.source("s3://photos/in")
    assert told[-1] == (seen["whole"] + seen["ranges"],) * 2
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    server, _ = delivery
    in_bucket = sum(o["Size"] for o in server.client().list_objects_v2(Bucket="photos", Prefix="in/")["Contents"])
    parts = [part for part in map(part_of, (folder / name for name in PHOTOS)) if part is not None]
    not_fetched = sum(part.size - sum(end - start for start, end in part.ranges) for part in parts)
    assert len(parts) == 3 and told[-1][0] == in_bucket - not_fetched


@pytest.mark.parametrize("name", list(PHOTOS))
def test_a_dask_worker_reads_the_oriented_size_of_the_local_run(delivery, tmp_path, name):
    """A worker reads a photo's first 64 KiB from its URL; where the header goes on past them (a PNG's eXIf
    after its image data), it reads the whole photo rather than answer from a truncated file."""
    from convert.files.images import oriented_size
    from convert.files.remote.direct import WorkerStorage

    _, coco = delivery
    stand_ins = tmp_path / "client-stand-in"  # the client's stand-in folder: on another machine
    worker = WorkerStorage(None, "token", {str(stand_ins): "s3://photos/in"})
    assert worker.photo_size(stand_ins / name, 10**8) == oriented_size(coco.parent / name) == PHOTOS[name][1]
