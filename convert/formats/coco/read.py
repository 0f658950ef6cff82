"""COCO instances as a file or as the folder tools export (``docs/formats.md``, "COCO instances", "Where
segconv looks").

SRC is a COCO instances JSON, or a folder holding

- ``annotations/instances_<subset>.json`` (or ``instances_<subset>.json`` in it), one subset each, with the
  photos in ``images/<subset>/`` or ``images/`` (CVAT's and Datumaro's COCO export) or ``<subset>/`` beside
  ``annotations/`` (the COCO download: ``val2017/``); other JSONs there (``person_keypoints_*``,
  ``captions_*``) are not instances and are left alone;
- else ``annotations/stuff_<subset>.json`` (or ``stuff_<subset>.json`` in it), COCO-Stuff's files (Datumaro's
  ``coco_stuff`` export), alike.  Beside instances files they are not read (a ``skipped-file`` note names
  them: things and stuff are two sources; pass the stuff file to read it);
- ``annotations.json``: detected by itself when segconv's ``coco-rle`` wrote it (its categories carry
  ``level``); another tool's (labelme2coco's, beside LabelMe files) is read when SRC names it, when
  ``--from coco`` names the folder, or when it is the only source in and below the folder.

Several files are read as one source: each image keeps its file's subset, and its name is prefixed with it
(``train/img0.jpg``), since exports repeat file names across subsets.  One file is read as it is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from convert.errors import SegconvError
from convert.findings import Finding
from convert.formats.coco import instances as coco
from convert.formats.coco.instances import CocoDataset
from convert.formats.dataset import Dataset
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.sample import Sample

KINDS = ("instances_", "stuff_")  # a folder's files of each COCO segmentation task, in this order of preference


def instance_files(path: Path) -> list[Path]:
    """The COCO instances files SRC is or holds (see the module docstring); a folder's ``annotations.json``
    counts when segconv wrote it (a folder opened as COCO reads whoever's: :class:`CocoSource`)."""
    if path.is_file():
        return [path] if coco.detect(path) else []
    if not path.is_dir():
        return []
    for folder in (path / "annotations", path):
        for kind in KINDS:
            found = [p for p in sorted(folder.glob(f"{kind}*.json")) if coco.detect(p)]
            if found:
                return found
    own = path / "annotations.json"
    return [own] if own.is_file() and coco.detect(own) and _segconvs(own) else []


def stuff_beside(files: list[Path]) -> list[Path]:
    """The COCO-Stuff files beside the instances ``files`` a folder is read from (not read: a note names them)."""
    if not files or not files[0].name.startswith(KINDS[0]):
        return []
    return [p for p in sorted(files[0].parent.glob(f"{KINDS[1]}*.json")) if coco.detect(p)]


def _segconvs(path: Path) -> bool:
    """Whether a COCO file is segconv's ``coco-rle`` output: its categories carry a ``level``.  Another
    tool's ``annotations.json`` in a folder (labelme2coco's, beside LabelMe files) is not detected by itself:
    see the module docstring for when it is read."""
    from convert.files.json_shape import shape

    return shape(path).has(("categories", 0, "level"))


def detect(path: Path) -> str | None:
    found = instance_files(path)
    if not found:
        return None
    if found == [path]:
        return coco.detect(path)
    shown = ", ".join(p.relative_to(path).as_posix() for p in found[:3]) + (", …" if len(found) > 3 else "")
    return f"a folder holding {shown} ({'COCO-Stuff' if found[0].name.startswith(KINDS[1]) else 'COCO instances'})"


def subset_of(json_path: Path) -> str:
    """``instances_val2017.json`` → ``val2017``; ``stuff_train.json`` → ``train``."""
    stem = json_path.stem
    kind = next((k for k in KINDS if stem.startswith(k)), "")
    return stem[len(kind):]


class CocoSource(Dataset):
    """One COCO instances file, or several read as one source with their subsets."""

    format = coco.NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None, max_pixels: int | None = None,
                 **_):
        src = Path(path)
        files = instance_files(src)
        if not files and (src / "annotations.json").is_file():
            files = [src / "annotations.json"]  # any tool's; if not COCO instances, the reader's errors say why
        if not files:
            if src.is_dir():
                raise SegconvError("no COCO instances file here: looked for annotations/instances_*.json, "
                                   "instances_*.json, the same as stuff_*.json (COCO-Stuff) and annotations.json",
                                   file=str(src))
            files = [src]  # --from coco on a file detection doubts: the reader's own errors name the problem
        limit = max_pixels if max_pixels is not None else DEFAULT_MAX_PIXELS
        self.parts = [CocoDataset(f, images=images, max_pixels=limit) for f in files]
        self.subsets = [subset_of(f) if len(files) > 1 else None for f in files]
        self.offsets = [0]
        for part in self.parts:
            self.offsets.append(self.offsets[-1] + len(part))
        findings = [replace(f, image=self._named(f.image, k)) if f.image is not None else f
                    for k, part in enumerate(self.parts) for f in part.findings]
        if src.is_dir() and (stuff := stuff_beside(files)):
            shown = ", ".join(p.relative_to(src).as_posix() for p in stuff)
            findings.append(Finding("skipped-file", f"{shown}: COCO-Stuff, not read beside the instances files (things "
                                    "and stuff are two sources); convert it on its own by naming the file",
                                    file=str(src)))
        maps = [part.source_labelmap for part in self.parts]
        first = maps[0]
        same = first if first is not None and all(m is not None and m.to_dict() == first.to_dict()
                                                   for m in maps) else None
        super().__init__(str(src) if len(files) > 1 else str(files[0]), findings, same)

    @property
    def category_ids(self) -> dict[str, int | None]:  # type: ignore[override]
        """The files' ``{category name: id}``; ``None`` for a name the files give different ids (an id two names
        share is the writer's to settle: :func:`convert.formats.coco.categories.category_ids`)."""
        pairs = {(name, cid) for part in self.parts for name, cid in (part.category_ids or {}).items()
                 if cid is not None}
        per_name = Counter(name for name, _ in pairs)
        return {name: cid if per_name[name] == 1 else None for name, cid in sorted(pairs, key=lambda p: p[1])}

    @property
    def label_names(self) -> list[str]:
        return list(dict.fromkeys(name for part in self.parts for name in part.label_names))

    def names(self) -> list[str]:
        return [self._named(name, k) for k, part in enumerate(self.parts) for name in part.names()]

    def _named(self, name: str, k: int) -> str:
        return f"{self.subsets[k]}/{name}" if self.subsets[k] else name

    def __len__(self) -> int:
        return self.offsets[-1]

    def __getitem__(self, i: int) -> Sample:
        k = next(k for k in range(len(self.parts)) if i < self.offsets[k + 1])
        sample = self.parts[k][i - self.offsets[k]]
        if self.subsets[k]:
            sample.name = self._named(sample.name, k)
            sample.subset = sample.subset or self.subsets[k]
            sample.findings = [replace(f, image=sample.name) if f.image is not None else f for f in sample.findings]
        return sample
