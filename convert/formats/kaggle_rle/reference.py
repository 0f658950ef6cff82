"""Reference masks beside a CSV, and what they say about the order its runs count in.

Carvana ships its training masks twice: as runs in ``train_masks.csv`` and as images in ``train_masks/``
(``<id>_mask.gif``).  Where both are there, the order need not be assumed: the runs are painted both ways and
compared with the image.  Read in the order the run uses, they must equal it; if they do not and the other
order does, the CSV counts the other way (``rle-order-mismatch``), which on a non-square image no error
would otherwise show.

    >>> import numpy as np
    >>> ref = np.array([[1, 1, 0], [0, 0, 0]], dtype=bool)       # 2 rows x 3 columns: the top-left two
    >>> [(f.code, f.pixels) for f in compare(np.array([0]), np.array([2]), "column", ref, "r.gif", "a.jpg")]
    [('rle-order-mismatch', 2)]
    >>> compare(np.array([0]), np.array([2]), "row", ref, "r.gif", "a.jpg")
    []
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.findings import Finding
from convert.model.names import stem_of
from convert.pixels.scan import mask_of
from convert.wording import plural

PATTERNS = ("{}_mask.gif", "{}_mask.png", "{}.gif", "{}.png")
WORDS = {"row": "row by row (left to right, then top to bottom)",
         "column": "column by column (top to bottom, then left to right)"}


def folder_for(csv: Path) -> Path | None:
    """The folder of reference masks of ``csv``: the one named like it (``train_masks.csv`` and
    ``train_masks/``), if there is one."""
    folder = csv.with_suffix("")
    return folder if folder.is_dir() else None


def file_for(folder: Path, name: str) -> Path | None:
    """The reference mask of image ``name`` in ``folder``: ``<stem>_mask.gif`` (Carvana), ``<stem>_mask.png``,
    ``<stem>.gif`` or ``<stem>.png``."""
    stem = stem_of(name)
    for pattern in PATTERNS:
        candidate = folder / pattern.format(stem)
        if candidate.is_file():
            return candidate
    return None


def compare(starts: np.ndarray, ends: np.ndarray, order: str, reference: np.ndarray, file: str,
            image: str) -> list[Finding]:
    """Findings where the image's runs (sorted, disjoint, from 0, counted in ``order``) and its reference
    mask disagree; none where they agree."""
    height, width = reference.shape
    differ = int(np.count_nonzero(mask_of(starts, ends, height, width, order) != reference))
    if not differ:
        return []
    other = "column" if order == "row" else "row"
    other_differ = int(np.count_nonzero(mask_of(starts, ends, height, width, other) != reference))
    if not other_differ:
        return [Finding("rle-order-mismatch", f"counted {WORDS[order]}, the runs differ from the reference mask on "
                        f"{plural(differ, 'pixel')}; counted {WORDS[other]} they equal it: read the CSV with "
                        f"-O order={other}", file=file, image=image, pixels=differ)]
    return [Finding("rle-reference-mismatch", f"the runs differ from the reference mask on {plural(differ, 'pixel')} "
                    f"(on {plural(other_differ, 'pixel')} counted the other way)", file=file, image=image,
                    pixels=differ)]
