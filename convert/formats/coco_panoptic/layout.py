"""Where a COCO panoptic JSON's PNGs, images and subset are, in the layouts the tools that use it lay out
(``docs/formats.md``, "COCO panoptic", "Where segconv looks").

For a JSON ``D/S.json`` the PNG folder is the first of these that holds the most of its annotations' PNGs:

=====================  ==================================================================================
``D/S/``               the COCO download (``annotations/panoptic_val2017/``), panopticapi (its converters'
                       default and ``sample_data/panoptic_examples/``), deeplab2, cityscapesScripts
``D/../S/``            detectron2's ``datasets/coco/panoptic_val2017/`` beside ``annotations/``
``D/``                 Mapillary Vistas: ``training/v2.0/panoptic/panoptic_2020.json`` beside its PNGs
any folder in ``D``    whatever else holds them
=====================  ==================================================================================

When none holds any, the source cannot be used: the error names every folder looked in, and a
``D/S.zip`` (the COCO download ships the PNGs zipped inside the annotations zip) is named as the cause.

    >>> subset_of(Path("annotations/panoptic_val2017.json"))
    'val2017'
    >>> subset_of(Path("mapillary/training/v2.0/panoptic/panoptic_2020.json"))  # a release year: the split
    'training'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from convert.errors import SegconvError
from convert.model.names import normalize_name

_VERSION = re.compile(r"v\d+(\.\d+)*")


def subset_of(json_path: Path) -> str | None:
    """``panoptic_val2017.json`` → ``val2017``; a JSON of another name has no subset.  Mapillary Vistas names
    its JSON after the release year (``panoptic_2018.json``, ``panoptic_2020.json``) inside ``panoptic/``;
    there the subset is the split folder above (``training``), past a version folder (``v2.0``)."""
    stem = json_path.stem
    rest = stem[len("panoptic_"):] if stem.startswith("panoptic_") else ""
    if not rest:
        return None
    if re.fullmatch(r"\d{4}", rest) and json_path.parent.name == "panoptic":
        for folder in json_path.parent.parents:
            if folder.name and not _VERSION.fullmatch(folder.name):
                return folder.name
    return rest


def png_candidates(json_path: Path) -> list[tuple[Path, str]]:
    """The folders that may hold the JSON's PNGs, in the order they are preferred, with the layout each is."""
    here, stem = json_path.parent, json_path.stem
    found = [(here / stem, "COCO, panopticapi, deeplab2"), (here.parent / stem, "detectron2"),
             (here, "Mapillary Vistas")]
    others = [p for p in _folders_in(here) if p != here / stem]
    return found + [(p, "a folder beside the JSON") for p in others]


def _folders_in(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir())
    except OSError:
        return []


def _count(folder: Path, names: list[str]) -> int:
    try:
        listed = set(os.listdir(folder))
    except OSError:
        return 0
    flat = sum(1 for n in names if "/" not in n and n in listed)
    return flat + sum(1 for n in names if "/" in n and (folder / n).is_file())


def png_folder(json_path: Path, png_names: list[str]) -> Path:
    """The folder holding the most of ``png_names`` (the annotations' ``file_name``s), preferred first on
    a tie; an error naming every folder looked in when none holds any."""
    names = [normalize_name(n) for n in png_names]
    candidates = png_candidates(json_path)
    if not names:
        return candidates[0][0]
    best, hits = candidates[0][0], 0
    for folder, _ in candidates:
        n = _count(folder, names)
        if n > hits:
            best, hits = folder, n
    if hits:
        return best
    zipped = json_path.with_suffix(".zip")
    looked = "; ".join(f"{folder}/ ({layout})" for folder, layout in candidates[:3])
    others = len(candidates) - 3
    if others:
        looked += f"; and the {others} other folder{'s' if others > 1 else ''} beside the JSON"
    cause = (f" {zipped.name} is there: the COCO download ships the PNGs zipped; unzip it beside the JSON."
             if zipped.is_file() else "")
    raise SegconvError(f"none of the {len(names):,} PNGs its annotations name (the first: {names[0]}) was found; "
                       f"looked in {looked}.{cause}", file=str(json_path))


def image_folders(json_path: Path, subset: str | None, images: str | Path | None) -> list[Path]:
    """Where the photos may be: ``--images``, beside the JSON, ``images/`` (the COCO export, Mapillary
    Vistas' ``training/images/`` above ``panoptic/`` and above ``v2.0/panoptic/``), ``<subset>/`` beside
    ``annotations/`` (the COCO download, deeplab2, detectron2), then any folder beside the JSON."""
    here = json_path.parent
    named = subset or ""
    folders = [images, here, here / "images", here.parent / "images" / named, here.parent / "images",
               here.parent / named if named else None, here.parent.parent / "images"]
    folders += _folders_in(here)
    return [Path(d) for d in folders if d is not None and Path(d).is_dir()]
