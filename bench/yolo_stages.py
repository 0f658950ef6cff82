"""Where the ``--to yolo`` writer's time goes, in process, on a generated scene.

    PYTHONPATH=TREE python bench/yolo_stages.py SCENE [--rounds 3] [--opencv] [-O KEY=VALUE ...]

``SCENE`` is a folder ``generate.py`` wrote (``coco/annotations/instances_default.json`` and
``labelmap.yaml``), e.g. ``python bench/generate.py /work/benchdata/photos --images 200 --photos mixed``.
The source is converted once (reading, painting and checking, untimed) with every sample the writer gets
kept; then the writer alone runs over them ``--rounds`` times (no file written, no photo copied) and prints
its CPU milliseconds per image, each stage's share (wrappers around the functions ``write.py`` calls), and
a digest of the rows written, to compare trees: the ``convert`` package measured is the one ``PYTHONPATH``
gives (an older tree's stages that are not there are left out).  ``--opencv`` is an experiment: the
read-back's fill done by ``cv2.fillPoly`` itself instead of segconv's emulation (the rows and the counts
must stay the same).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

STAGES = [("trace_parts", "trace"), ("visible_objects", "visible objects"), ("centre_ring", "centre rings"),
          ("joined", "joined"), ("fewer_vertices", "fewer_vertices (rows over 999 points)"),
          ("_shows_background", "holes shown"), ("paint", "read-back, pycocotools: paint"),
          ("_differing", "read-back, pycocotools: compare"), ("compose_rows", "read-back, Ultralytics: fill, compose"),
          ("row_window", "read-back, Ultralytics: fill"), ("compose", "read-back, Ultralytics: compose")]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("scene", type=Path)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--opencv", action="store_true")
    p.add_argument("-O", dest="options", action="append", default=[])
    args = p.parse_args()
    import convert.formats.yolo.write as write
    from convert import api

    kept: list = []
    original = write.YoloWriter.write
    write.YoloWriter.write = lambda self, sample, painted: (kept.append((self.labelmap, sample, painted)),
                                                            original(self, sample, painted))[1]
    with tempfile.TemporaryDirectory(dir=args.scene) as out:
        api.convert(args.scene / "coco/annotations/instances_default.json", Path(out) / "yolo", to="yolo",
                    labels=args.scene / "labelmap.yaml", overwrite=True, jobs=1)
    write.YoloWriter.write = original
    write.YoloWriter.place_image = lambda self, *a, **k: None
    texts: list[bytes] = []
    write.YoloWriter.put = lambda self, written, path, make: texts.append(make())
    if args.opencv:
        _opencv_fill()
    spent: dict[str, float] = {}
    for name, label in STAGES:
        if hasattr(write, name):
            setattr(write, name, _timed(getattr(write, name), label, spent))
    options = dict(o.split("=", 1) for o in args.options)
    rounds = []
    for _ in range(args.rounds):
        texts.clear()
        spent.clear()
        writer = write.YoloWriter(Path(tempfile.gettempdir()) / "unused", kept[0][0], options=options)
        start = time.process_time()
        for _, sample, painted in kept:
            writer.collect(writer.write(sample, painted).record)
        rounds.append((time.process_time() - start) * 1000 / len(kept))
    digest = hashlib.sha1(b"".join(texts)).hexdigest()[:12]
    print(f"yolo writer, {len(kept)} images, CPU ms per image by round: {' '.join(f'{r:.1f}' for r in rounds)}"
          f"{' (read-back fill by cv2.fillPoly: experiment)' if args.opencv else ''}; rows digest {digest}")
    print("last round's stages, ms per image:")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds * 1000 / len(kept):6.2f}  {label}")
    print(f"  {rounds[-1] - sum(spent.values()) * 1000 / len(kept):6.2f}  the rest (row text, regions, findings)")
    print(writer.summary(len(kept)))


def _timed(function, label: str, spent: dict):
    def timed(*a, **k):
        start = time.process_time()
        try:
            return function(*a, **k)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - start
    return timed


def _opencv_fill() -> None:
    import cv2
    import numpy as np

    import convert.pixels.ultralytics_fill as fill

    def fill_poly(mask, vertices):
        if len(vertices):
            cv2.fillPoly(mask, [np.ascontiguousarray(vertices, dtype=np.int32)], 1)

    fill.fill_poly = fill_poly
    fill._RANKS = 0  # every image through row_window, whose fill is OpenCV's now


if __name__ == "__main__":
    main()
