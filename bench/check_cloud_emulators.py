"""Does segconv read and write ``az://`` and ``gs://`` as it does ``s3://``?  Checked against each store's
emulator on 127.0.0.1, through the real backends (adlfs, gcsfs), not a patched client.

CI tests ``s3://`` against moto (tests/test_object_storage.py); Azure and Google Cloud have no server
that pip alone installs, so this check is run by hand, in an environment with the extras::

    python -m venv .venv-cloud && .venv-cloud/bin/pip install -e '.[azure,gcs]' gcp-storage-emulator
    npm install azurite && npx azurite-blob --silent --location /tmp/azurite --blobPort 10000 &
    .venv-cloud/bin/python bench/check_cloud_emulators.py az gs

For each store: the bundled example is uploaded; ``validate`` (label map and JSON report as URLs),
``convert --to voc --jobs 2`` into the store, the same again (refused: the folder is not empty), again
with ``--overwrite``, a missing file and a missing bucket (one line each, exit 2).  The files in the store
are then compared with a local run's, byte for byte (the manifest aside).  Prints one line per command and
exits 1 on a difference or an unexpected exit code.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOOD = ROOT / "fixtures" / "food"
AZURITE = ("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDX"
           "J1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
           "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")  # Azurite's published development account


def segconv(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "convert", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=os.environ)


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".segconv-files.txt"}


def azure():
    """(base URL, upload(name, bytes), download(prefix) -> {name: bytes}) on Azurite."""
    from azure.storage.blob import BlobServiceClient

    os.environ["AZURE_STORAGE_CONNECTION_STRING"] = AZURITE
    name = f"segconv{int(time.time())}"
    container = BlobServiceClient.from_connection_string(AZURITE).create_container(name)

    def download(prefix):
        return {b.name[len(prefix) + 1:]: container.download_blob(b.name).readall()
                for b in container.list_blobs(name_starts_with=prefix + "/")}

    return f"az://{name}", lambda key, data: container.upload_blob(key, data), download


def google():
    """The same on gcp-storage-emulator, started here on a free port (gcsfs reads STORAGE_EMULATOR_HOST)."""
    import socket

    from gcp_storage_emulator.server import create_server
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    create_server("127.0.0.1", port, in_memory=True).start()
    os.environ["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{port}"
    client = storage.Client(project="segconv", credentials=AnonymousCredentials())
    bucket = client.create_bucket(f"segconv{int(time.time())}")

    def download(prefix):
        return {b.name[len(prefix) + 1:]: b.download_as_bytes() for b in client.list_blobs(bucket, prefix=prefix + "/")}

    return f"gs://{bucket.name}", lambda key, data: bucket.blob(key).upload_from_string(data), download


def check(store: str, local: dict[str, str]) -> bool:
    base, upload, download = azure() if store == "az" else google()
    for path in sorted(FOOD.rglob("*")):
        if path.is_file():
            upload(f"in/{path.relative_to(FOOD).as_posix()}", path.read_bytes())
    src, labels, out = f"{base}/in/annotations.json", f"{base}/in/labelmap.yaml", f"{base}/out"
    ok = True
    for expected, args in ((0, ["validate", src, "--labels", labels, "--json", f"{base}/reports/food.json"]),
                           (0, ["convert", src, "--labels", labels, "-o", out, "--to", "voc", "--jobs", "2"]),
                           (2, ["convert", src, "--labels", labels, "-o", out, "--to", "voc"]),
                           (0, ["convert", src, "--labels", labels, "-o", out, "--to", "voc", "--overwrite"]),
                           (2, ["validate", f"{base}/nothere/annotations.json"]),
                           (2, ["validate", f"{store}://no-such-bucket-segconv/in/annotations.json"])):
        t = time.perf_counter()
        result = segconv(*args)
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        lines = len(result.stderr.strip().splitlines())
        good = result.returncode == expected and (expected == 0 or lines == 1)
        ok &= good
        print(f"{'ok ' if good else 'BAD'} exit {result.returncode} ({time.perf_counter() - t:.1f} s) "
              f"segconv {' '.join(a.replace(base, store + '://…') for a in args)}\n      {last}")
    got = download("out")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in got.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_bytes(data)
        same = digest(Path(tmp)) == local
    print(f"{'ok ' if same else 'BAD'} {store}: the {len(got) - 1} files in the store equal a local run's: {same}")
    return ok and same


def main() -> None:
    stores = sys.argv[1:] or ["az", "gs"]
    with tempfile.TemporaryDirectory() as tmp:
        result = segconv("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o",
                         Path(tmp) / "local", "--to", "voc")
        assert result.returncode == 0, result.stderr
        local = digest(Path(tmp) / "local")
    results = [check(store, local) for store in stores]  # every store checked, also after a failure
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
