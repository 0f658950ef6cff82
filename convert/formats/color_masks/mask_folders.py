"""Where a colour-coded (or index) mask folder keeps its masks and photos
(``docs/formats.md``, "Colour-coded masks").  Under the root that holds the class table, a mask folder is

- ``<x>_labels``, ``<x>annot``, ``<x>_annot``, ``<x>_masks``, ``<x>_mask``, ``<x>_gt`` (CamVid on Kaggle
  ``train_labels/``; SegNet's ``trainannot/``): photos in ``<x>/``, subset ``x``;
- ``masks``, ``labels``, ``annotations``, ``gt``, ``ground_truth``, ``semantic_rgb`` (KITTI), ``LabeledApproved_full``
  (CamVid's original), ``ann_dir`` (mmsegmentation): photos in the first of ``images``, ``imgs``, ``img``,
  ``image_2``, ``701_StillsRaw_full``, ``img_dir``; a first sub-folder named like a split (``train``, ``val``,
  ``test``, ...) is the subset, and the photos are looked for under the same sub-folder.

Every ``*.png`` under a mask folder is a mask; its photo has the mask's name, or the name without one of the
endings ``_L`` (CamVid), ``_P`` (fastai's CamVid), ``_mask``, ``_label``, ``_labels``, ``_gt``, ``_seg``, ``_color``.

    >>> split_of("train_labels"), split_of("valannot"), split_of("masks"), split_of("labels")
    ('train', 'val', None, None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from convert.files.images import find_image

PLAIN = ("masks", "labels", "annotations", "gt", "ground_truth", "semantic_rgb", "labeledapproved_full", "ann_dir")
PHOTOS = ("images", "imgs", "img", "image_2", "701_StillsRaw_full", "img_dir")
SPLITS = ("train", "val", "test", "trainval", "training", "validation", "testing", "valid")
ENDINGS = ("_L", "_P", "_mask", "_label", "_labels", "_gt", "_seg", "_color")
PAIRED = re.compile(r"^(?P<x>.+?)(?:_labels?|_?annot|_annotations?|_masks?|_gt)$", re.IGNORECASE)


@dataclass(frozen=True)
class Mask:
    """One mask file, its photo (or ``None``), the image name and subset it gives."""

    file: Path
    photo: Path | None
    name: str
    subset: str | None


def split_of(folder: str) -> str | None:
    """The subset a paired mask folder names (``train_labels`` -> ``train``), else ``None``."""
    if folder.lower() in PLAIN:
        return None
    match = PAIRED.match(folder)
    return match.group("x") if match else None


def mask_folders(root: Path) -> list[tuple[Path, Path | None, str | None]]:
    """``(mask folder, photo folder, subset)`` under ``root``, sorted by name."""
    found: list[tuple[Path, Path | None, str | None]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        x = split_of(folder.name)
        if x is not None:
            found.append((folder, root / x if (root / x).is_dir() else None, x))
        elif folder.name.lower() in PLAIN:
            found.append((folder, next((root / p for p in PHOTOS if (root / p).is_dir()), None), None))
    return found


def _photo(folder: Path | None, relative: Path) -> Path | None:
    if folder is None:
        return None
    stem = relative.stem
    where = folder / relative.parent
    photo = find_image(where, stem)
    if photo is None:
        for ending in ENDINGS:
            if stem.endswith(ending) and len(stem) > len(ending):
                photo = find_image(where, stem[: -len(ending)])
                if photo is not None:
                    break
    return photo


def masks(root: Path) -> list[Mask]:
    """Every mask under the mask folders of ``root`` with its photo, in name order."""
    found = []
    for folder, photos, subset in mask_folders(root):
        for file in sorted(folder.rglob("*.png")):
            if not file.is_file():
                continue
            relative = file.relative_to(folder)
            split = subset
            if split is None and len(relative.parts) > 1 and relative.parts[0].lower() in SPLITS:
                split = relative.parts[0]
            photo = _photo(photos, relative)
            stem = photo.stem if photo is not None else relative.stem
            name = (relative.parent / stem).as_posix() + (photo.suffix if photo is not None else ".png")
            if subset is None and split is not None:
                name = name.split("/", 1)[1]
            found.append(Mask(file, photo, name.removeprefix("./"), split))
    return found


def has_masks(root: Path) -> Path | None:
    """The first mask file under ``root``'s mask folders (detection stops there)."""
    for folder, _, _ in mask_folders(root):
        first = next((p for p in folder.rglob("*.png")), None)
        if first is not None:
            return first
    return None
