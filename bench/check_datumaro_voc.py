"""Does Datumaro read segconv's VOC output as ``voc_segmentation``, with our masks?

Run with a Python that has Datumaro (never a segconv dependency), e.g. the
benchmark's own environment::

    python bench/peers.py setup            # creates bench/.peers/datumaro (once)
    bench/.peers/datumaro/bin/python bench/check_datumaro_voc.py OUT_VOC [OUT_VOC ...]

For every item it paints Datumaro's mask annotations into a label-id map and
compares it with our SegmentationClass PNG: class pixels must carry the same
index, and void (255) must be Datumaro's ``ignored`` label.  Prints one line per
item and exits 1 on the first difference.
"""

from __future__ import annotations

import sys

import numpy as np
from PIL import Image


def check(root: str) -> int:
    import datumaro as dm
    from datumaro.components.annotation import AnnotationType

    dataset = dm.Dataset.import_from(root, "voc_segmentation")
    names = [label.name for label in dataset.categories()[AnnotationType.label].items]
    ignored = names.index("ignored") if "ignored" in names else None
    bad = 0
    for item in dataset:
        ours = np.asarray(Image.open(f"{root}/SegmentationClass/{item.id}.png")).astype(np.int64)
        theirs = np.zeros(ours.shape, np.int64)
        for ann in item.annotations:
            if ann.type == AnnotationType.mask:
                theirs[ann.image.astype(bool)] = ann.label
        expected = ours.copy()
        if ignored is not None:
            expected[ours == 255] = ignored
        same = bool((theirs == expected).all())
        bad += not same
        print(f"{root}: {item.id} ({item.subset}): {'equal' if same else 'DIFFERENT'}; "
              f"{len(item.annotations)} annotations")
    return bad


if __name__ == "__main__":
    failures = sum(check(root) for root in sys.argv[1:])
    print(f"{failures} items differ")
    sys.exit(1 if failures else 0)
