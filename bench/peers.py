"""The contenders of the benchmark, each run in its own process by ``bench.py``.

    python bench/peers.py setup                       # Datumaro into bench/.peers/datumaro (once)
    python bench/peers.py segconv SRC LABELS OUT [--jobs N] [--to LAYOUT]
    python bench/peers.py segconv-fix SRC LABELS OUT --close-gaps W --min-area A [--to LAYOUT]  # convert + repair
    python bench/peers.py segconv-dask SRC LABELS OUT      # --dask local (2 worker processes)
    python bench/peers.py validate SRC LABELS [--json FILE] [--html FILE]
    python bench/peers.py diff A B LABELS [--json FILE]  # segconv diff
    python bench/peers.py parse SRC                      # segconv opening a COCO file (the parse only)
    python bench/peers.py pycocotools-load SRC           # COCO(SRC), what a pycocotools script starts with
    python bench/peers.py pycocotools SRC LABELS OUT
    python bench/peers.py floor MASKS OUT
    python bench/peers.py floor-default MASKS OUT
    python bench/peers.py layout-floor DONE PHOTOS OUT    # the files of a layout segconv wrote, written again
    bench/.peers/datumaro/bin/python bench/peers.py datumaro SRC LABELS OUT
    bench/.peers/datumaro/bin/python bench/peers.py datumaro-voc VOCROOT LABELS OUT

Every contender prints one JSON line: wall seconds (excluding interpreter
start), peak resident memory of the process (and of its children), and the
number of images written.

- ``pycocotools``: the script a user writes: ``COCO(path)``, then per image
  ``annToMask`` of every annotation, painted by the label map's level then file
  order, saved with Pillow as a palette PNG.
- ``floor``: writing the very same masks and nothing else: segconv's masks
  are loaded into memory first (not timed), then only the encoding and the
  writing run, with the encoder segconv uses (``convert.pixels.png_encode``), so it
  writes the very same bytes.
- ``floor-default``: the same masks saved by Pillow at its default settings
  (what a plain ``im.save(path)`` costs; the pycocotools script saves that
  way).
- ``layout-floor``: what the file system allows for a layout (``--to yolo``, ``hf``, ``coco-panoptic``...):
  the files segconv wrote into DONE written again into OUT with the same bytes.  A file that is one of the
  source PHOTOS (same name and size) is copied from the photo with ``shutil.copyfile`` (``copy_file_range``
  or ``sendfile`` on Linux: the kernel copies, as segconv's photo copies do); every other file is loaded
  into memory first (not timed) and written.  A layout that embeds the photos in its files (``hf``'s
  parquet) also reads every photo (timed), since any writer of it must.  No format work at all: encoding,
  rows, JSON and parquet building cost nothing here, so this is below any real writer.
- ``datumaro``: ``coco_instances`` import → ``polygons_to_masks`` →
  ``voc_segmentation`` export without images, in Datumaro's own virtual
  environment (never a segconv dependency); ``datumaro-voc``: the raster
  form, ``voc_segmentation`` import → ``voc_segmentation`` export.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"


def own_peak_kb() -> int:
    """Peak resident memory of this process's own address space (KiB): ``VmHWM``,
    which ``exec`` resets.  ``ru_maxrss`` is kept across ``exec`` on Linux, so a
    process started by a large parent would report the parent's peak."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_mb() -> dict:
    self_kb = own_peak_kb()
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"peak_mb": round(self_kb / 1024, 1), "peak_children_mb": round(children_kb / 1024, 1)}


def levels_of(labels: Path) -> dict:
    import yaml

    data = yaml.safe_load(labels.read_text())
    return {c["name"]: (c["level"], c["index"]) for c in data["classes"]}


def run_segconv(src, labels, out, jobs=1, to="png", dask=None, options=None, link=False, repair=None):
    """``repair``: (W, A), segconv fix's ``--close-gaps W --min-area A``; the pixels each rule changed are
    returned beside the time."""
    sys.path.insert(0, str(HERE.parent))
    from convert import api

    extra = {}
    if repair:
        extra["close_gaps"], extra["min_area"] = repair
    t = time.perf_counter()
    convert = api.convert  # `convert.api` imports its functions on first use: that import is not the run's
    imported = time.perf_counter() - t
    t = time.perf_counter()
    stages: dict = {}
    report = convert(src, out, to=to, labels=labels, overwrite=True, jobs=jobs, dask=dask, profile=stages,
                     format_options=options or {}, link=link, **extra)
    wall = time.perf_counter() - t
    result = {"wall": wall, "images": report.written, "stages": {k: round(v, 3) for k, v in stages.items()},
              "api_import": imported}
    if repair:
        result["repaired"] = {rule: report.repairs.pixels(rule) for rule in ("close_gaps", "min_area")}
        result["repaired_images"] = report.repairs.images
    return result


def run_validate(src, labels, jobs=1, json_path=None, html_path=None):
    sys.path.insert(0, str(HERE.parent))
    from convert import api

    validate = api.validate  # imported on first use: not the run's time (as in run_segconv)
    t = time.perf_counter()
    report = validate(src, labels=labels, jobs=jobs, json_path=json_path, html_path=html_path)
    out = {"wall": time.perf_counter() - t, "images": report.images}
    if html_path:
        out["html_bytes"] = Path(html_path).stat().st_size
    return out


def run_diff(a, b, labels, json_path=None):
    sys.path.insert(0, str(HERE.parent))
    from convert.pipeline import diff as diffing
    from convert.reports.diff_report import write_json

    t = time.perf_counter()
    a_ds, b_ds, labelmap, derived = diffing.open_pair(a, b, labels=labels)
    report = diffing.diff(a_ds, b_ds, labelmap, derived=derived)
    if json_path:
        write_json(report, json_path)
    return {"wall": time.perf_counter() - t, "images": len(report.images),
            "changed_pixels": report.summary()["changed_pixels"]}


def run_parse(src):
    sys.path.insert(0, str(HERE.parent))
    from convert import open_dataset

    t = time.perf_counter()
    dataset = open_dataset(src)
    return {"wall": time.perf_counter() - t, "images": len(dataset)}


def run_pycocotools_load(src):
    from pycocotools.coco import COCO

    t = time.perf_counter()
    coco = COCO(str(src))
    return {"wall": time.perf_counter() - t, "images": len(coco.dataset["images"])}


def run_pycocotools(src, labels, out):
    import numpy as np
    from PIL import Image
    from pycocotools.coco import COCO

    t = time.perf_counter()
    levels = levels_of(Path(labels))
    palette = _palette(levels)
    coco = COCO(str(src))
    names = {c["id"]: c["name"] for c in coco.dataset["categories"]}
    order = {id(a): pos for pos, a in enumerate(coco.dataset["annotations"])}
    out = Path(out)
    (out / "masks").mkdir(parents=True, exist_ok=True)
    for img in coco.dataset["images"]:
        canvas = np.zeros((img["height"], img["width"]), np.uint8)
        anns = sorted(coco.imgToAnns[img["id"]], key=lambda a: (levels[names[a["category_id"]]][0], order[id(a)]))
        for ann in anns:
            canvas[coco.annToMask(ann) == 1] = levels[names[ann["category_id"]]][1]
        im = Image.fromarray(canvas)
        im.putpalette(palette)
        im.save(out / "masks" / (img["file_name"].rsplit(".", 1)[0] + ".png"))
    return {"wall": time.perf_counter() - t, "images": len(coco.dataset["images"])}


def _palette(levels: dict) -> list[int]:
    sys.path.insert(0, str(HERE.parent))
    from convert.model.labelmap import voc_color

    colors = [voc_color(i) for i in range(256)]
    return [v for rgb in colors for v in rgb]


def run_floor(masks, out, pillow_defaults=False):
    import io

    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(HERE.parent))
    from convert.model.labelmap import LabelMap
    from convert.pixels.png_encode import encode_png

    masks = Path(masks)
    lm = LabelMap.load(masks.parent / "labelmap.json")
    arrays = [(p.relative_to(masks), np.asarray(Image.open(p))) for p in sorted(masks.rglob("*.png"))]
    out = Path(out) / "masks"
    out.mkdir(parents=True, exist_ok=True)
    palette = lm.palette()
    t = time.perf_counter()
    for rel, array in arrays:
        if pillow_defaults:
            image = Image.fromarray(array)
            image.putpalette(palette)
            buf = io.BytesIO()
            image.save(buf, format="PNG")
            data = buf.getvalue()
        else:
            data = encode_png(array, palette)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return {"wall": time.perf_counter() - t, "images": len(arrays)}


def run_layout_floor(done, photos, out):
    import shutil

    done, photos, out = Path(done), Path(photos), Path(out)
    by_name = {p.name.lower(): p for p in photos.iterdir() if p.is_file()}
    copies, written = [], []
    for path in sorted(p for p in done.rglob("*") if p.is_file()):
        rel = path.relative_to(done)
        if rel.parts[0].startswith(".segconv") or rel.name.startswith(".segconv"):
            continue  # segconv's own run state and manifest: not part of the layout
        photo = by_name.get(path.name.lower())
        if photo is not None and photo.stat().st_size == path.stat().st_size:
            copies.append((photo, out / rel))
        else:
            written.append((out / rel, path.read_bytes()))
    embedded = list(by_name.values()) if any(p.suffix == ".parquet" for p, _ in written) else []
    t = time.perf_counter()
    for photo in embedded:
        photo.read_bytes()
    for photo, target in copies:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(photo, target)
    for target, data in written:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return {"wall": time.perf_counter() - t, "images": len(by_name), "copied": len(copies),
            "written": len(written), "embedded": len(embedded)}


def run_datumaro(src, labels, out):
    import datumaro as dm

    t = time.perf_counter()
    dataset = dm.Dataset.import_from(str(src), "coco_instances")
    dataset = dataset.transform("polygons_to_masks")
    dataset.export(str(out), "voc_segmentation", save_media=False)
    n = len(dataset)
    return {"wall": time.perf_counter() - t, "images": n}


def run_datumaro_voc(src, labels, out):
    import datumaro as dm

    t = time.perf_counter()
    dataset = dm.Dataset.import_from(str(src), "voc_segmentation")
    dataset.export(str(out), "voc_segmentation", save_media=False)
    n = len(dataset)
    return {"wall": time.perf_counter() - t, "images": n}


def setup() -> Path:
    """Create Datumaro's own virtual environment under bench/.peers (once), with its command line."""
    env = PEERS / "datumaro"
    python = env / "bin" / "python"
    datum = env / "bin" / "datum"
    if datum.exists() and subprocess.run([datum, "--version"], capture_output=True).returncode == 0:
        return python
    PEERS.mkdir(exist_ok=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "datumaro[cli]", "pyyaml"], check=True)  # [cli]: `datum`
    return python


def main(argv: list[str]) -> None:
    what, args = argv[0], argv[1:]

    def flag(name, default=None):
        nonlocal args
        if name not in args:
            return default
        i = args.index(name)
        value = args[i + 1]
        args = args[:i] + args[i + 2:]
        return value

    jobs = int(flag("--jobs", 1))
    repair = (int(flag("--close-gaps", 0)), int(flag("--min-area", 0)))
    to = flag("--to", "png")
    json_path, html_path = flag("--json"), flag("--html")
    link = "--link" in args
    args = [a for a in args if a != "--link"]
    if what == "setup":
        print(setup())
        return
    result = {
        "segconv": lambda: run_segconv(*args, jobs=jobs, to=to, link=link),
        "diff": lambda: run_diff(*args, json_path=json_path),
        "parse": lambda: run_parse(*args),
        "pycocotools-load": lambda: run_pycocotools_load(*args),
        "segconv-dask": lambda: run_segconv(*args, dask="local"),
        "segconv-fix": lambda: run_segconv(*args, jobs=jobs, to=to, repair=repair),
        "validate": lambda: run_validate(*args, jobs=jobs, json_path=json_path, html_path=html_path),
        "pycocotools": lambda: run_pycocotools(*args),
        "floor": lambda: run_floor(*args),
        "floor-default": lambda: run_floor(*args, pillow_defaults=True),
        "layout-floor": lambda: run_layout_floor(*args),
        "datumaro": lambda: run_datumaro(*args),
        "datumaro-voc": lambda: run_datumaro_voc(*args),
    }[what]()
    result.update(peak_mb())
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main(sys.argv[1:])
