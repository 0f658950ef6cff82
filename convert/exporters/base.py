"""What every writer shares: the protocol, options, resumable file placement.

A writer is created once per run with the output folder, the label map and
its options; ``write(sample, painted)`` runs per image (in a worker process
under ``--jobs``) and returns a :class:`Written`; ``collect(record)`` runs in
the main process in sample order; ``finish()`` writes the files that describe
the whole set and returns their names; ``summary(images)`` says in one line
what was written.

Every file a writer puts into OUT is named in ``Written.files`` (or returned
by ``finish``), relative to OUT: the run keeps that list in OUT
(``.segconv-files.txt``), so a later ``--overwrite`` removes exactly what
segconv wrote there and nothing else.

Writer-specific options (``-O KEY=VALUE`` on the command line) are declared
in the writer's registry line (:data:`convert.exporters.WRITERS`), checked
before anything is written, and arrive as ``self.options`` (every key, with
its default when not given).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_bytes
from ..labelmap import LabelMap
from ..options import parse_options
from ..paths import safe_join


def within_split(stem: str, split: str | None) -> str:
    """An image's path inside its split's folder: a leading ``<split>/`` that the source put in the name
    (CVAT project subsets, YOLO's ``images/<split>/``) is not repeated.

    >>> within_split("train/a", "train"), within_split("a", "train"), within_split("Train/x/a", "Train")
    ('a', 'a', 'x/a')
    """
    if split and stem.startswith(split + "/"):
        return stem[len(split) + 1:]
    return stem


def split_order(names) -> list[str]:
    """Split names in the order people read them: train, val, test, then the others.

    >>> split_order(["val", "extra", "train"])
    ['train', 'val', 'extra']
    """
    known = ("train", "val", "validation", "test")
    return sorted(names, key=lambda s: (known.index(s) if s in known else len(known), s))


@dataclass
class Written:
    """What writing one image gave: findings, a record for ``collect``, the files (relative to OUT), and
    how many of them an interrupted run had written already (``--resume`` keeps them)."""

    findings: list = field(default_factory=list)
    record: object = None
    files: list[str] = field(default_factory=list)
    reused: int = 0


class LayoutWriter:
    """Base of the writers: options, and placing files so that ``--resume`` keeps whole ones."""

    name = ""
    description = ""
    needs_instances = False  # paint(..., instances=True) for this layout
    has_splits = False  # the layout keeps subsets (train/val...) apart
    default_subset = "train"  # the subset of images that have none, without --split
    images_given: str | None = None  # --images, when given (set by the run, for the words of missing-image)

    def __init__(self, out: Path, labelmap: LabelMap, *, skip_existing: bool = False, link: bool = False,
                 options: dict | None = None, **_):
        self.out = Path(out)
        self.labelmap = labelmap
        self.skip_existing = skip_existing  # --resume: files already written are whole (atomic writes)
        self.link = link
        from . import WRITERS

        declared = WRITERS[self.name].options if self.name in WRITERS else {}
        self.options = parse_options(options, declared, f"--to {self.name}")

    def put(self, written: Written, relative: str, make: Callable[[], bytes]) -> Path:
        """Write ``make()`` to ``OUT/relative`` atomically, unless ``--resume`` finds it already there."""
        path = safe_join(self.out, relative)
        written.files.append(relative)
        if self.skip_existing and (path.is_file() or path.is_symlink()):
            written.reused += 1
        else:
            write_bytes(path, make())
        return path

    def write(self, sample, painted) -> Written:  # pragma: no cover - abstract
        raise NotImplementedError

    def collect(self, record) -> None:
        """In the main process, in sample order; nothing to gather by default."""

    def finish(self) -> list[str]:
        """Write the files that describe the whole set; returns their names relative to OUT."""
        return []

    def summary(self, images: int) -> str:
        from ..wording import plural

        return f"wrote {plural(images, 'image')} as {self.name} to {self.out}"
