"""A COCO export in a bucket (``s3://…/coco/annotations/instances.json``, its photos in ``coco/images/``), the
benchmark's layout (bench/storage.py), against a real S3-protocol server on 127.0.0.1 (tests/buckets.py).

The export holds the photos of tests/test_ranged_reads.py (JPEGs fetched for their headers; a PNG whose eXIf
chunk follows its image data, so its size is read with the orientation applied only when every chunk header
is read: PNGs are fetched whole, convert/files/remote/ranged.py), a second PNG like it, twelve plain PNG
photos, and a palette PNG in another folder (a label map, read as bytes).  Every run from the bucket is
compared with the same run on local files, byte for byte."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from test_ranged_reads import PHOTOS, ROTATE, noise, palette_png, png_with_exif_after_idat

from buckets import S3Server
from conftest import run_cli, tree_digest

pytest.importorskip("s3fs")
pytest.importorskip("moto")

SOURCE = "s3://export/coco/annotations/instances.json"


def plain_png(seed: int) -> bytes:
    buf = io.BytesIO()
    noise(300, 200, seed).save(buf, "PNG")
    return buf.getvalue()


def export_photos() -> dict[str, tuple[bytes, tuple[int, int]]]:
    """``images/<name>``: (bytes, the oriented size the annotations declare)."""
    photos = {"images/" + name.split("/", 1)[1]: value for name, value in PHOTOS.items()}
    photos["images/rotated-2.png"] = (png_with_exif_after_idat(200, 150, 11, ROTATE), (150, 200))
    for i in range(12):
        photos[f"images/more/p{i:02d}.png"] = (plain_png(20 + i), (300, 200))
    return photos


def write_export(root: Path) -> Path:
    images, annotations = [], []
    for i, (name, (data, (width, height))) in enumerate(export_photos().items(), 1):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
        images.append({"id": i, "file_name": name.removeprefix("images/"), "width": width, "height": height})
        w, h = width // 2, height // 2
        annotations.append({"id": i, "image_id": i, "category_id": 1, "iscrowd": 0, "area": w * h,
                            "segmentation": [[2, 2, 2 + w, 2, 2 + w, 2 + h, 2, 2 + h]],
                            "bbox": [0, 0, w + 40, h + 40]})  # a wrong box: a finding, so a picture per image
    doc = {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "plate"}]}
    (root / "annotations").mkdir()
    (root / "annotations" / "instances.json").write_text(json.dumps(doc))
    (root / "labels").mkdir()
    (root / "labels" / "big.png").write_bytes(palette_png())
    return root / "annotations" / "instances.json"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    root = tmp_path_factory.mktemp("background") / "coco"
    coco = write_export(root)
    S3Server.forget_clients()
    with S3Server() as server:
        server.bucket("export")
        server.upload_folder(root, "s3://export/coco")
        yield server, coco
    S3Server.forget_clients()


def local_and_bucket(export, tmp_path, *args):
    _, coco = export
    local = run_cli("convert", coco, "-o", tmp_path / "local", *args)
    remote = run_cli("convert", SOURCE, "-o", tmp_path / "remote", *args)
    assert local.returncode == remote.returncode, (local.stderr, remote.stderr)
    return tree_digest(tmp_path / "local"), tree_digest(tmp_path / "remote"), local, remote


def test_the_photos_are_pngs_larger_than_the_prefix():
    photos = export_photos()
    pngs = [name for name in photos if name.endswith(".png")]
    assert len(pngs) == 14 and all(len(photos[name][0]) > 1 << 16 for name in pngs)
    with Image.open(io.BytesIO(photos["images/rotated-2.png"][0])) as im:
        im.load()
        assert im.getexif().get(0x0112) == ROTATE


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_masks_equal_the_local_run(export, tmp_path, jobs):
    local, remote, _, result = local_and_bucket(export, tmp_path, "--to", "png", "--jobs", jobs)
    assert remote == local and len(local) >= len(export_photos())
    said = [line[line.index("read s3://"):] for line in result.stderr.splitlines() if "read s3://export/coco:" in line]
    # the JSON, the label map, small.jpg and the 14 PNGs whole; the three large JPEGs for their headers (one of
    # them fetched whole when its size was read: its header lies past what the ranged rounds fetch)
    assert said[0].startswith("read s3://export/coco: 17 files, "), said
    assert "; 2 photos for their headers only (" in said[0]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_photo_copies_are_whole(export, tmp_path, jobs):
    local, remote, _, _ = local_and_bucket(export, tmp_path, "--to", "voc", "--jobs", jobs)
    assert remote == local
    assert sum(name.startswith("JPEGImages/") for name in local) == len(export_photos())


def test_the_html_pictures_are_the_local_runs(export, tmp_path):
    _, coco = export
    local = run_cli("validate", coco, "--html", tmp_path / "local.html")
    remote = run_cli("validate", SOURCE, "--html", tmp_path / "remote.html")
    assert local.returncode == remote.returncode, remote.stderr
    pictures = [re.findall(r"data:image/jpeg;base64,[A-Za-z0-9+/=]+", (tmp_path / f"{w}.html").read_text())
                for w in ("local", "remote")]
    assert len(pictures[0]) >= 10 and pictures[0] == pictures[1]  # the report shows 16 at most


def test_the_findings_are_the_local_runs(export, tmp_path):
    """Each photo's size, read with its orientation (a PNG's eXIf after its image data included), gives the
    findings of the local run: a size read from the PNG's first chunks only would be 400x300 where the
    annotations declare 300x400, a finding the local run does not have."""
    _, coco = export
    local = run_cli("validate", coco, "--json", tmp_path / "local.json")
    remote = run_cli("validate", SOURCE, "--json", tmp_path / "remote.json")
    assert local.returncode == remote.returncode, remote.stderr

    def findings(name: str, root: str) -> list:
        report = json.loads((tmp_path / name).read_text())
        return sorted(json.dumps(f, sort_keys=True).replace(root, "<root>") for f in report["findings"])

    mine = findings("local.json", str(coco.parent.parent))
    assert mine and mine == findings("remote.json", SOURCE.rsplit("/", 2)[0])
    assert not [f for f in mine if "after-idat.png" in f and "image-size-mismatch" in f]
