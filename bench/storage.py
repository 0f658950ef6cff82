"""The benchmark scene from and to a local S3 server, against the same run on local files (issue 33).

    python bench/storage.py --images 1000 --repeat 3

Starts moto's S3 server on 127.0.0.1 (a free port; ``pip install -e '.[test]'`` has it), uploads the
generated delivery (COCO with its photos, as bench/bench.py's photos scene) into a bucket, then times, in
interleaved rounds, ``segconv convert`` of the COCO file with ``--to png``:

- local: local files to a local folder;
- s3: ``s3://`` source to an ``s3://`` output (every photo and mask through the server over HTTP).

With ``--with-images`` both runs are also given the photos' folder (``--images``), so every photo's size is
checked against the annotations: the s3 run then reads each photo's header through the server (ranged reads,
not the whole photo: convert/files/remote/ranged.py).  Without it the photos lie beside no annotation file and
are not read at all, locally or in the bucket.

It checks that the masks in the bucket equal the local ones byte for byte, and prints the medians and
their ratio (goal: s3 / local <= 1.5 on loopback), with each run's CPU time (user + sys of the segconv
process) and, each round, the CPU time of moto's server (the threads of this process) during the s3 run: on
a shared machine the CPU times vary less than the wall times.  The moto server is a Python process answering one
request at a time: it is slower than a real S3 endpoint or MinIO, so the ratio is an upper bound.
``--endpoint URL`` uses an S3-protocol server already running instead (MinIO, or s3rver from npm:
``npx s3rver -d DIR -p 4568 --silent``), with the credentials of ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY`` (s3rver's are S3RVER / S3RVER).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import generate  # noqa: E402

from buckets import S3Server  # noqa: E402


def digest(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def local_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def segconv(*args: str) -> tuple[float, float, float]:
    """The run's wall time, its process's CPU time (user + sys) and this process's CPU time meanwhile (moto's
    server threads when the server was started here: nothing else runs in this process during a run)."""
    t, mine, children = time.perf_counter(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "convert", *args, "--quiet"], capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        sys.exit(f"segconv {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, cpu(resource.RUSAGE_CHILDREN) - children, cpu(resource.RUSAGE_SELF) - mine


class RunningServer(S3Server):
    """An S3-protocol server started by someone else: its endpoint, the credentials of the environment."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint.rstrip("/")
        self.key = os.environ.get("AWS_ACCESS_KEY_ID", "S3RVER")
        self.secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "S3RVER")

    def env(self) -> dict[str, str]:
        return dict(super().env(), AWS_ACCESS_KEY_ID=self.key, AWS_SECRET_ACCESS_KEY=self.secret)

    def start(self) -> S3Server:
        return self

    def stop(self) -> None:
        pass

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.key,
                            aws_secret_access_key=self.secret, region_name="us-east-1")

    def bucket(self, name: str) -> str:
        try:
            return super().bucket(name)
        except Exception as exc:  # already there from an earlier run
            if "BucketAlready" not in type(exc).__name__ and "BucketAlready" not in str(exc):
                raise
            return f"s3://{name}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--height", type=int, default=768)
    p.add_argument("--per-image", type=int, default=15)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--work", type=Path, default=HERE / ".work")
    p.add_argument("--with-images", action="store_true", help="pass the photos' folder as --images to both runs")
    p.add_argument("--endpoint", help="an S3-protocol server already running (default: start moto's)")
    args = p.parse_args()

    root = args.work / f"storage_{args.images}_{args.width}x{args.height}_{args.per_image}_{args.seed}"
    if not (root / "coco" / "annotations" / "instances_default.json").exists():
        generate.write(root, args.images, args.width, args.height, args.per_image, {"coco"}, args.seed,
                       photos="mixed")
    coco, labels = root / "coco", root / "labelmap.yaml"
    size = sum(f.stat().st_size for f in coco.rglob("*") if f.is_file())
    times: dict[str, list[tuple[float, float, float]]] = {"local": [], "s3": []}
    with (RunningServer(args.endpoint) if args.endpoint else S3Server()) as s3:
        s3.bucket("bench")
        t = time.perf_counter()
        s3.upload_folder(coco, "s3://bench/coco")
        print(f"{args.images} images ({size / 1e6:.0f} MB) uploaded in {time.perf_counter() - t:.1f} s "
              f"to {s3.endpoint}", file=sys.stderr)
        src = "s3://bench/coco/annotations/instances_default.json"
        token = time.strftime("%Y%m%dT%H%M%S")
        images_local = ["--images", str(coco / "images")] if args.with_images else []
        images_s3 = ["--images", "s3://bench/coco/images"] if args.with_images else []
        for round_ in range(args.repeat):
            out = root / "out-local"
            shutil.rmtree(out, ignore_errors=True)
            times["local"].append(segconv("convert", str(coco / "annotations" / "instances_default.json"),
                                          "-o", str(out), "--labels", str(labels), "--to", "png", *images_local))
            url = f"s3://bench/out-{token}-{round_}"  # a server kept between runs (--endpoint) has the others
            times["s3"].append(segconv("convert", src, "-o", url, "--labels", str(labels), "--to", "png", *images_s3))
            (wall, used, _), (wall_s3, used_s3, server) = times["local"][-1], times["s3"][-1]
            print(f"round {round_ + 1}: local {wall:.2f} s (CPU {used:.2f} s), s3 {wall_s3:.2f} s (CPU {used_s3:.2f} s"
                  f"{f'; the server {server:.2f} s' if not args.endpoint else ''})", file=sys.stderr)
        got = digest(s3.download_folder(f"s3://bench/out-{token}-{args.repeat - 1}", root / "out-s3"))
        same = got == local_digest(root / "out-local")
    local, remote = (statistics.median(t[0] for t in times[k]) for k in ("local", "s3"))
    local_cpu, remote_cpu = (statistics.median(t[1] for t in times[k]) for k in ("local", "s3"))
    flag = " --images" if args.with_images else ""
    print(f"convert --to png{flag}, {args.images} photos of {args.width}x{args.height} ({size / 1e6:.0f} MB), "
          f"medians of {args.repeat}: local {local:.2f} s, s3 -> s3 {remote:.2f} s ({remote / local:.2f}x; "
          f"goal <= 1.5x); segconv's CPU (user + sys): local {local_cpu:.2f} s, s3 {remote_cpu:.2f} s; "
          f"masks equal: {same} ({len(got)} files); cpus: {os.cpu_count()}; server: "
          f"{'moto (started here)' if not args.endpoint else args.endpoint}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
