"""What every writer shares: the protocol, options, resumable file placement.

A writer is created once per run with the output folder, the label map and
its options; ``write(sample, painted)`` runs per image (in a worker process
under ``--jobs``) and returns a :class:`Written`, whose ``record`` (a small
typed record of the writer's own, a ``NamedTuple``) reaches ``collect(record)``
in the main process, in sample order; ``finish()`` writes the files that describe
the whole set and returns their names; ``summary(images)`` says in one line
what was written.

Files reach OUT only through this class, so that every one is known:

- per image, ``put`` (bytes) and ``place_image`` (the sample's image: a copy, a
  symlink with ``--link``, or a ``missing-image`` finding when it is not there)
  stage a temporary file; the run loop puts it in place, in sample order, once
  it knows no earlier image took that name (:mod:`convert.pipeline.outputs`).
  Names an image takes inside files of the whole set are listed with ``entry``.
- in the main process, ``scratch`` names a working file (a part file, a shard
  being written) and ``write_file`` writes a file of the whole set; both are
  listed in the manifest before the file exists, and ``forget`` takes a
  working file off the list when it is gone.

A writer that keeps open files in the main process (part files, shards) names
those attributes in ``main_process_only``: workers receive ``None`` for them.

The run keeps the list in OUT (``.segconv-files.txt``), so a later
``--overwrite`` removes exactly what segconv wrote there, also after an
interrupted run, and nothing else.  A writer made with ``dry_run=True``
stages nothing and lists the names only (``--dry-run``, ``--strict``).

Writer-specific options (``-O KEY=VALUE`` on the command line) are declared
in the writer's registry line (:data:`convert.formats.writers.WRITERS`), checked
before anything is written, and arrive as ``self.options`` (every key, with
its default when not given).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, cast

from convert.files.atomic import OWNER, stage_bytes, stage_copy, stage_copy_later, stage_link, write_bytes
from convert.files.images import photo_suffix
from convert.files.remote.stand_ins import whole
from convert.findings.missing_image import BESIDE, missing_image
from convert.findings.severity import Severity
from convert.formats.options import parse_options
from convert.model.labelmap import LabelMap
from convert.model.names import safe_join
from convert.model.sample import Sample


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
    """What writing one image gave: findings, a record for ``collect``, the files it takes (relative to
    OUT), how many of them an interrupted run had written already (``--resume`` keeps them), the temporary
    files staged for the others (``{relative: temporary path}``), and the names it takes inside files of
    the whole set (``entries``)."""

    findings: list = field(default_factory=list)
    record: object = None
    files: list[str] = field(default_factory=list)
    reused: int = 0
    staged: dict[str, str] = field(default_factory=dict)
    entries: list[str] = field(default_factory=list)
    lacks: str | None = None  # what the output lacks for want of the image file (the words of ``missing``)
    missing: object = None  # the missing-image finding saying so: the run folds it into the source's own


class LayoutWriter:
    """Base of the writers: options, and placing files so that ``--resume`` keeps whole ones."""

    name = ""
    description = ""
    needs_instances = False  # paint(..., instances=True) for this layout
    has_splits = False  # the layout keeps subsets (train/val...) apart
    default_subset = "train"  # the subset of images that have none, without --split
    images_given: str | None = None  # --images, when given (set by the run, for the words of missing-image)
    photos_where = BESIDE  # where the source looked for photos before --images (set by the run, likewise)
    source_category_ids: dict[str, int | None] | None = None  # the source's COCO category ids (set by the run)
    # attributes of the main process only (open files), not sent to workers: each class names its own
    main_process_only: ClassVar[tuple[str, ...]] = ("manifest", "_copying")

    def __init__(self, out: Path, labelmap: LabelMap, *, skip_existing: bool = False, link: bool = False,
                 options: dict | None = None, dry_run: bool = False, owner: str = OWNER, where: str | None = None,
                 **_):
        self.out = Path(out)
        # OUT as the set's users will find it, for files that name it (mmseg's data_root): the output URL
        # when OUT is a local stand-in of one, else OUT's absolute path
        self.where = where or str(self.out.resolve())
        self.labelmap = labelmap
        self.skip_existing = skip_existing  # --resume: files already written are whole (atomic writes)
        self.link = link
        self.dry_run = dry_run  # list the names, write nothing
        self.staging = False  # True in a run (convert.pipeline.loop sets it): files wait for the run loop to place them
        self.owner = owner  # the run's token, in the names of its temporary files
        self.manifest = None  # the run's list of files (main process only): add(names), forget(names)
        self.storage = None  # with --dask and URLs: the worker reads and writes the store itself (WorkerStorage)
        self.notes: list[str] = []  # what the writer decided on the user's behalf, for the run's summary
        self._copying: tuple[int, ThreadPoolExecutor] | None = None  # (process, the thread copying its photos)
        self._copies: list[Future] = []  # the copies the image being written started (see settle)
        from convert.formats.writers import WRITERS

        declared = WRITERS[self.name].options if self.name in WRITERS else {}
        self.options = parse_options(options, declared, f"--to {self.name}")

    def __getstate__(self) -> dict:
        """What a worker receives: everything but the attributes named in ``main_process_only`` by this class
        or a base class (open files, the run's manifest), which arrive as ``None``."""
        state = dict(self.__dict__)
        for cls in type(self).__mro__:
            for name in vars(cls).get("main_process_only", ()):
                state[name] = None
        return state

    def _bucket(self):
        """The store OUT is in, when the workers write it themselves (``--dask`` with an output URL)."""
        return self.storage if self.storage is not None and self.storage.out_url else None

    def _already_there(self, written: Written, path: Path) -> bool:
        bucket = self._bucket()
        if self.skip_existing and bucket is not None:
            there = bucket.exists(path.relative_to(self.out).as_posix())
        else:
            there = self.skip_existing and (path.is_file() or path.is_symlink())
        if there:
            written.reused += 1
            return True
        return False

    def put(self, written: Written, relative: str, make: Callable[[], bytes]) -> Path:
        """Stage ``make()`` for ``OUT/relative``, unless ``--resume`` finds it already there."""
        path = safe_join(self.out, relative)
        written.files.append(relative)
        if not self.dry_run and not self._already_there(written, path):
            bucket = self._bucket()
            tmp = bucket.stage(relative, make()) if bucket else stage_bytes(path, make(), self.owner)
            self._staged(written, relative, path, tmp)
        return path

    def place_image(self, written: Written, sample: Sample, folder: str, stem: str) -> str | None:
        """Stage the sample's image as ``OUT/<folder>/<stem><ext>``: a byte-for-byte copy, or a symlink with
        ``--link``, never re-encoded; ``<ext>`` is the image's own extension in lower case (``.jpg`` without
        one).  A photo the source embeds (labelme's ``imageData``, which labelme shows before any file) is
        written as its bytes, ``--link`` or not: no file holds it for sure.  Returns that file name
        (``<stem><ext>``), or ``None`` with a ``missing-image`` finding (``<folder>/ lacks it``) when the image
        file is not there.

        >>> from convert.model.sample import Origin
        >>> w = LayoutWriter(Path("out"), LabelMap.derive(["plate"]), dry_run=True); written = Written()
        >>> sample = Sample("a.JPG", 2, 2, [], Origin("a.json"))
        >>> w.place_image(written, sample, "images/train", "a"), written.findings[0].message
        (None, 'image file not found (pass --images DIR); images/train/ lacks it')
        """
        bucket = self._bucket()
        if sample.image_data is not None:  # the source embeds the photo (labelme's imageData): written out
            return self._place_embedded(written, sample, folder, stem)
        copied_there = bucket is not None and sample.image_path and bucket.photo_url(sample.image_path)
        src = Path(str(sample.image_path)) if copied_there else self.image_file(sample)  # (a store reads it)
        if src is None:
            self.missing_image(written, sample, f"{folder}/ lacks it" if folder else "the output folder lacks it")
            return None
        name = f"{stem}{src.suffix.lower() or '.jpg'}"
        relative = f"{folder}/{name}" if folder else name  # "": beside the annotation files (labelme)
        path = safe_join(self.out, relative)
        written.files.append(relative)
        if not self.dry_run and not self._already_there(written, path):
            if bucket is not None:
                self._staged(written, relative, path, bucket.stage_photo(sample.image_path, relative))
            elif self.link:
                self._staged(written, relative, path, stage_link(whole(src), path, self.owner))
            elif self.staging:  # in a run: copied by a thread while the image's other files are made
                self._staged(written, relative, path, stage_copy_later(whole(src), path, self.owner, self._later))
            else:
                self._staged(written, relative, path, stage_copy(whole(src), path, self.owner))
        return name

    def _place_embedded(self, written: Written, sample: Sample, folder: str, stem: str) -> str:
        """:meth:`place_image` of a photo the source holds inside its annotation file: its bytes as they are,
        named with the extension of their format."""
        data = cast(bytes, sample.image_data)
        name = f"{stem}{photo_suffix(data)}"
        relative = f"{folder}/{name}" if folder else name
        self.put(written, relative, lambda: data)
        return name

    def _later(self, job: Callable[[], None]) -> None:
        if self._copying is None or self._copying[0] != os.getpid():  # a forked worker makes its own thread
            self._copying = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="segconv-copy"))
        self._copies.append(self._copying[1].submit(job))

    def settle(self) -> None:
        """Wait for the copies of images :meth:`place_image` started for the image written last (the run
        calls it after ``write``, before the files are placed); raises the first copy's error."""
        copies, self._copies = self._copies, []
        error = None
        for copy in copies:
            try:
                copy.result()
            except BaseException as exc:  # the others finish first: no copy is left running
                error = error or exc
        if error is not None:
            raise error

    def has_photo(self, sample: Sample) -> bool:
        """Whether the sample's photo can be placed: embedded in the source, or a file that is there."""
        return sample.image_data is not None or self.image_file(sample) is not None

    def image_file(self, sample: Sample) -> Path | None:
        """The sample's image file, when it is there (on a Dask worker, a photo of a source URL is fetched
        from its URL: the client's stand-in is on another machine)."""
        if self.storage is not None and self.storage.photo_url(sample.image_path):
            return self.storage.photo(sample.image_path)
        return Path(sample.image_path) if sample.image_path and Path(sample.image_path).is_file() else None

    def missing_image(self, written: Written, sample: Sample, then: str, *, unusable: bool = False) -> None:
        """A ``missing-image`` finding about the sample's image, saying what the output lacks (``then``).  In a
        run, it is folded into the one finding about that missing image (:mod:`convert.pipeline.loop`).  With
        ``unusable`` (the output cannot be used without the photo) it is an error of its own instead."""
        finding = missing_image(then, images=self.images_given, image=sample.name, file=sample.origin.file,
                                severity=Severity.ERROR if unusable else None, where=self.photos_where)
        written.findings.append(finding)
        if not unusable:
            written.missing, written.lacks = finding, then

    def _staged(self, written: Written, relative: str, path: Path, tmp: str) -> None:
        """In a run, the run loop places the file; a writer used on its own (a script) places it now."""
        if self.staging:
            written.staged[relative] = tmp
        else:
            os.replace(tmp, path)

    @staticmethod
    def entry(written: Written, name: str) -> None:
        """The image takes ``name`` inside a file of the whole set (``annotations.json: file_name a.jpg``):
        two images may not take the same one."""
        written.entries.append(name)

    def scratch(self, relative: str) -> Path:
        """A working file of the main process (a part file): listed before the caller creates it."""
        if self.manifest is not None:
            self.manifest.add([relative])
        return safe_join(self.out, relative)

    def forget(self, relative: str) -> None:
        """A working file of :meth:`scratch` is gone (renamed or removed): off the list."""
        if self.manifest is not None:
            self.manifest.forget([relative])

    def write_file(self, relative: str, data: str | bytes) -> str:
        """Write a file of the whole set (``finish``), atomically, listed before it exists; returns
        ``relative``."""
        path = self.scratch(relative)
        write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data, self.owner)
        return relative

    def write(self, sample, painted) -> Written:  # pragma: no cover - abstract
        raise NotImplementedError

    def collect(self, record) -> None:
        """In the main process, in sample order; nothing to gather by default."""

    def finish(self) -> list[str]:
        """Write the files that describe the whole set; returns their names relative to OUT."""
        return []

    def summary(self, images: int) -> str:
        from convert.wording import plural

        return f"wrote {plural(images, 'image')} as {self.name} to {self.out}"
