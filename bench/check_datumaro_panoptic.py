"""Does Datumaro read segconv's COCO panoptic output as ``coco_panoptic``, with our masks?

Run with a Python that has Datumaro (never a segconv dependency), e.g. the benchmark's own environment::

    python bench/peers.py setup            # creates bench/.peers/datumaro (once)
    segconv convert SRC -o OUT_PAN --to coco-panoptic --labels L
    segconv convert SRC -o OUT_PNG --to png --labels L
    bench/.peers/datumaro/bin/python bench/check_datumaro_panoptic.py OUT_PAN OUT_PNG

For every item Datumaro imports it paints the mask annotations (one per segment) into a class map, by
label name, and compares it with segconv's ``png`` mask of the same image: every pixel must carry the same
class, and the pixels Datumaro leaves unpainted must be void (255) or the fill class where segconv's mask
has them.  Prints one line per item and exits 1 on the first difference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def check(panoptic: Path, masks: Path) -> int:
    import datumaro as dm
    from datumaro.components.annotation import AnnotationType

    index = {c["name"]: c["index"] for c in json.loads((masks / "labelmap.json").read_text())["classes"]}
    dataset = dm.Dataset.import_from(str(panoptic), "coco_panoptic")
    names = [label.name for label in dataset.categories()[AnnotationType.label].items]
    bad = 0
    for item in dataset:
        ours_path = next((masks / "masks").rglob(f"{Path(item.id).name}.png"))
        ours = np.asarray(Image.open(ours_path)).astype(np.int64)
        theirs = np.full(ours.shape, 255, np.int64)
        segments = 0
        for ann in item.annotations:
            if ann.type == AnnotationType.mask:
                theirs[ann.image.astype(bool)] = index[names[ann.label]]
                segments += 1
        same = bool((theirs == ours).all())
        bad += not same
        print(f"{panoptic}: {item.id} ({item.subset}): {'equal' if same else 'DIFFERENT'}; {segments} segments")
    return bad


if __name__ == "__main__":
    failures = check(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{failures} items differ")
    sys.exit(1 if failures else 0)
