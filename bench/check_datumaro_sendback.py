"""Does Datumaro read segconv's ``cvat`` and ``coco`` (polygon) output, with our masks?

Run with a Python that has Datumaro (never a segconv dependency), e.g. the benchmark's own environment::

    python bench/peers.py setup            # creates bench/.peers/datumaro (once)
    bench/.peers/datumaro/bin/python bench/check_datumaro_sendback.py cvat OUT_CVAT PNG_OUT
    bench/.peers/datumaro/bin/python bench/check_datumaro_sendback.py coco OUT_COCO PNG_OUT

``cvat`` imports ``OUT_CVAT`` with ``Dataset.import_from(..., "cvat")``, ``coco`` with ``"coco_instances"``;
Datumaro's ``polygons_to_masks`` transform turns polygons into masks (pycocotools' ``frPyObjects``), and the
masks of an item are painted as Datumaro merges instances: stable-sorted by ``z_order`` (0 for COCO), later on
top.  The result, in the label map's indices (``labelmap.json`` beside segconv's ``png`` output), is compared
with segconv's own ``png`` mask of the image; pixels no annotation covers are the fill class.  Prints one line
per item and exits 1 when any differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def check(kind: str, root: str, png_out: str) -> int:
    import datumaro as dm
    from datumaro.components.annotation import AnnotationType

    labelmap = json.loads((Path(png_out) / "labelmap.json").read_text())
    index = {c["name"]: c["index"] for c in labelmap["classes"]}
    for alias in labelmap.get("void_aliases", []):
        index[alias] = labelmap.get("void", 255)
    fill = next((c["index"] for c in labelmap["classes"] if c.get("fill")), labelmap.get("void", 255))
    dataset = dm.Dataset.import_from(root, "cvat" if kind == "cvat" else "coco_instances")
    names = [label.name for label in dataset.categories()[AnnotationType.label].items]
    dataset = dataset.transform("polygons_to_masks")
    bad = 0
    masks = Path(png_out) / "masks"
    for item in dataset:
        stem = item.id.split("/", 1)[1] if kind == "cvat" and item.id.startswith(f"{item.subset}/") else item.id
        ours = np.asarray(Image.open(masks / f"{stem}.png")).astype(np.int64)
        theirs = np.full(ours.shape, fill, np.int64)
        shapes = sorted((a for a in item.annotations if a.type == AnnotationType.mask), key=lambda a: a.z_order)
        for ann in shapes:
            mask = ann.image.astype(bool)
            theirs[: mask.shape[0], : mask.shape[1]][mask[: ours.shape[0], : ours.shape[1]]] = index[names[ann.label]]
        differ = int((theirs != ours).sum())
        bad += bool(differ)
        print(f"{root}: {item.id} ({item.subset}): {'equal' if not differ else f'DIFFERENT on {differ} pixels'}; "
              f"{len(shapes)} masks")
    return bad


if __name__ == "__main__":
    kind, root, png_out = sys.argv[1:4]
    failures = check(kind, root, png_out)
    print(f"{failures} items differ")
    sys.exit(1 if failures else 0)
