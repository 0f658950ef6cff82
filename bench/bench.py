"""Benchmark: the same generated delivery to indexed PNG masks, segconv beside its peers.

    python bench/bench.py --images 1000 --width 1024 --height 768 --per-image 15 [--repeat 3] [--profile]
    python bench/bench.py --images 1000 --memory-scale 10     # peak memory at N and 10 N images

Contenders, each in its own process (see ``peers.py``): segconv (``--jobs 1``
and ``--jobs 2``, and ``validate``), Datumaro (``coco_instances`` →
``polygons_to_masks`` → ``voc_segmentation``, in its own virtual environment,
installed on first use; ``--no-datumaro`` skips it), ``--dask local`` (when
dask[distributed] is installed; the wall time includes starting the local
cluster), the pycocotools script a
user would write, and the floor: Pillow writing the very same masks (the same
bytes: same palette and PNG settings), plus Pillow's default settings for
reference.  Prints wall time, images per second, peak memory and the ratios to
segconv, checks that segconv's masks equal the pycocotools script's, painted
by level, and prints the performance targets against this run's figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

import peers  # noqa: E402


def contender(python, what: str, *args, jobs: int | None = None) -> dict:
    cmd = [str(python), str(HERE / "peers.py"), what, *map(str, args)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def same_masks(a: Path, b: Path) -> tuple[int, int]:
    """(images compared, images that differ) between two mask folders."""
    files = sorted(a.rglob("*.png"))
    differ = 0
    for f in files:
        other = b / f.relative_to(a)
        if not other.exists() or not np.array_equal(np.asarray(Image.open(f)), np.asarray(Image.open(other))):
            differ += 1
    return len(files), differ


def delivery(work: Path, images: int, args) -> Path:
    root = work / f"gen_{images}_{args.width}x{args.height}_{args.per_image}_{args.seed}"
    if not (root / "coco" / "annotations" / "instances_default.json").exists():
        t = time.perf_counter()
        generate.write(root, images, args.width, args.height, args.per_image, {"coco"}, args.seed)
        print(f"generated {images} images in {time.perf_counter() - t:.1f} s: {root}", file=sys.stderr)
    return root


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--height", type=int, default=768)
    p.add_argument("--per-image", type=int, default=15)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--work", type=Path, default=Path("/tmp/segconv-bench"))
    p.add_argument("--no-datumaro", action="store_true")
    p.add_argument("--no-dask", action="store_true")
    p.add_argument("--repeat", type=int, default=3, help="rounds; each contender's median is reported")
    p.add_argument("--profile", action="store_true", help="print where segconv's time goes")
    p.add_argument("--memory-scale", type=int, default=0, help="also run segconv on N x images for memory")
    args = p.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    root = delivery(args.work, args.images, args)
    src, labels = root / "coco" / "annotations" / "instances_default.json", root / "labelmap.yaml"
    size_mb = src.stat().st_size / 2**20
    out = args.work / "out"
    if out.exists():
        shutil.rmtree(out)  # outputs of an earlier run (another size) must not be compared or re-encoded
    py = sys.executable
    rows = []

    specs = [  # (row, python, contender, arguments, jobs)
        ("segconv --jobs 1", py, "segconv", (src, labels, out / "segconv"), 1),
        ("segconv --jobs 2", py, "segconv", (src, labels, out / "segconv-j2"), 2),
        ("segconv validate", py, "validate", (src, labels), 1),
    ]
    if not args.no_dask:
        if importlib.util.find_spec("distributed"):
            specs.append(("segconv --dask local", py, "segconv-dask", (src, labels, out / "segconv-dask"), None))
        else:
            print("dask[distributed] not installed: no --dask row", file=sys.stderr)
    specs += [
        ("pycocotools script", py, "pycocotools", (src, labels, out / "pycocotools"), None),
        ("floor (same bytes)", py, "floor", (out / "segconv" / "masks", out / "floor"), None),
        ("floor (Pillow defaults)", py, "floor-default", (out / "segconv" / "masks", out / "floor-default"), None),
    ]
    if not args.no_datumaro:
        specs.append(("datumaro", peers.setup(), "datumaro", (src, labels, out / "datumaro"), None))
    # rounds: every contender once per round, so drift of the machine falls on all alike; median per contender
    runs: dict[str, list[dict]] = {name: [] for name, *_ in specs}
    for _ in range(args.repeat):
        for name, python, what, cargs, jobs in specs:
            fresh_start(cargs)
            runs[name].append(contender(python, what, *cargs, jobs=jobs))
    rows = []
    for name, *_ in specs:
        walls = sorted(r["wall"] for r in runs[name])
        median = sorted(runs[name], key=lambda r: r["wall"])[len(walls) // 2]
        median = dict(median, spread=(walls[0], walls[-1]),
                      peak_mb=max(r["peak_mb"] for r in runs[name]),
                      peak_children_mb=max(r.get("peak_children_mb", 0) for r in runs[name]))
        rows.append((name, median))
    result = dict(rows)
    seg1, coco = result["segconv --jobs 1"], result["pycocotools script"]
    floor, floor_default = result["floor (same bytes)"], result["floor (Pillow defaults)"]
    datumaro = result.get("datumaro")

    n = args.images
    print(f"\n{n} images {args.width}x{args.height}, ~{args.per_image} annotations each; "
          f"COCO file {size_mb:.1f} MB; {sys.platform}, {os.cpu_count()} cores; median of {args.repeat} "
          f"interleaved rounds (wall min..max beside it)\n")
    print(f"{'contender':24s} {'wall s':>9s} {'min..max':>13s} {'img/s':>8s} {'peak MB':>9s} {'vs segconv -j1':>15s}")
    base = seg1["wall"]
    for name, r in rows:
        peak = max(r["peak_mb"], r.get("peak_children_mb", 0))
        spread = f"{r['spread'][0]:.2f}..{r['spread'][1]:.2f}"
        print(f"{name:24s} {r['wall']:9.2f} {spread:>13s} {r['images'] / r['wall']:8.1f} {peak:9.1f} "
              f"{r['wall'] / base:14.2f}x")
    compared, differ = same_masks(out / "segconv" / "masks", out / "pycocotools" / "masks")
    print(f"\nmasks equal to the pycocotools script's: {compared - differ}/{compared}")
    j1, j2 = tree_equal(out / "segconv" / "masks", out / "segconv-j2" / "masks")
    print(f"masks byte-identical between --jobs 1 and --jobs 2: {j1}/{j2}")
    same, total = tree_equal(out / "segconv" / "masks", out / "floor" / "masks")
    print(f"floor files byte-identical to segconv's: {same}/{total}")
    kb = sum(f.stat().st_size for f in (out / "segconv" / "masks").rglob("*.png")) / 1024
    kb_default = sum(f.stat().st_size for f in (out / "floor-default" / "masks").rglob("*.png")) / 1024
    print(f"mask files: {kb:.0f} KiB as segconv writes them, {kb_default:.0f} KiB with Pillow's defaults")
    j2_wall = result["segconv --jobs 2"]["wall"]
    validate_wall = result["segconv validate"]["wall"]
    print("\ntargets (single process unless said)")
    if datumaro:
        target("Datumaro / segconv", datumaro["wall"] / base, ">=", 5)
    target("pycocotools script / segconv", coco["wall"] / base, ">=", 3)
    target("segconv / floor (same bytes)", base / floor["wall"], "<=", 1.5)
    target("segconv / floor (Pillow defaults)", base / floor_default["wall"], "<=", 1.5)
    target("--jobs 1 / --jobs 2", base / j2_wall, ">=", 1.7)
    target("validate / convert", validate_wall / base, "<=", 1.0)
    if args.profile:
        print("\nsegconv --jobs 1, seconds per stage (import..write summed over images):")
        for stage, seconds in seg1["stages"].items():
            print(f"  {stage:8s} {seconds:8.3f}  {1000 * seconds / n:7.2f} ms/image" if stage not in ("parse", "wall")
                  else f"  {stage:8s} {seconds:8.3f}")
    if args.memory_scale:
        big = delivery(args.work, n * args.memory_scale, args)
        bsrc = big / "coco" / "annotations" / "instances_default.json"
        r_big = contender(py, "segconv", bsrc, big / "labelmap.yaml", out / "segconv-big", jobs=1)
        small_parse, big_parse = parse_peak(py, src), parse_peak(py, bsrc)
        small_extra = seg1["peak_mb"] - small_parse
        big_extra = r_big["peak_mb"] - big_parse
        print(f"\npeak memory (MB)      {'parse only':>11s} {'whole run':>10s} {'beyond parse':>13s}")
        print(f"{n:>6d} images        {small_parse:11.1f} {seg1['peak_mb']:10.1f} {small_extra:13.1f}")
        print(f"{n * args.memory_scale:>6d} images        {big_parse:11.1f} {r_big['peak_mb']:10.1f} "
              f"{big_extra:13.1f}")
        print(f"COCO files: {size_mb:.1f} MB and {bsrc.stat().st_size / 2**20:.1f} MB; the whole file is "
              f"parsed with orjson into Python objects; {n * args.memory_scale} images converted in "
              f"{r_big['wall']:.1f} s")


def fresh_start(cargs) -> None:
    """Every run writes into an empty folder, as a real conversion does (overwriting a
    previous round's files costs more), after the previous run's writes reached the disk
    (so their write-back does not fall into this run's time)."""
    out = cargs[-1]
    if isinstance(out, Path) and out.parent.name == "out" and out.exists():
        shutil.rmtree(out)
    os.sync()


def target(name: str, value: float, op: str, goal: float) -> None:
    met = value >= goal if op == ">=" else value <= goal
    print(f"  {name:36s} {value:6.2f}x   target {op} {goal:g}x   {'met' if met else 'NOT met'}")


def tree_equal(a: Path, b: Path) -> tuple[int, int]:
    files = sorted(a.rglob("*.png"))
    same = sum((b / f.relative_to(a)).exists() and f.read_bytes() == (b / f.relative_to(a)).read_bytes()
               for f in files)
    return same, len(files)


def parse_peak(python, src: Path) -> float:
    """Peak resident memory (MB) of a process that imports segconv and parses ``src``, nothing more."""
    code = (f"import sys; sys.path.insert(0, {str(HERE.parent)!r}); sys.path.insert(0, {str(HERE)!r}); "
            "from convert.importers.coco import CocoDataset; "
            f"import numpy, PIL, pycocotools.mask, shapely, peers; d = CocoDataset({str(src)!r}); "
            "print(peers.own_peak_kb() / 1024)")
    return float(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout)


if __name__ == "__main__":
    main()
