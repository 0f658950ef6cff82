"""What every importer returns: a dataset that yields samples one by one.

Importers index their source once (parse the file, list the files, group
annotations by image) and then build each :class:`~convert.model.sample.Sample`
only when it is asked for, so painting and writing stream image by image.

    >>> from convert import open_dataset
    >>> ds = open_dataset("fixtures/food/annotations.json")
    >>> len(ds), ds.label_names[:3]
    (4, ['plate', 'dish', 'bowl'])
    >>> next(iter(ds)).name
    'table_01.jpg'
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Generic, TypeVar

from convert.findings import Finding
from convert.findings.missing_image import BESIDE
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample


class Dataset:
    """A source opened by an importer.

    ``label_names`` are the source's own label names in its order (used to
    derive a label map), ``findings`` what was found while indexing (dangling
    ids, duplicate images...); per-image findings travel on each sample, and a
    sample that cannot be painted at all (an unreadable file in a folder)
    comes with ``usable=False`` and the finding that says why.
    ``source_labelmap`` is the label map a source carries itself (VOC
    ``labelmap.txt``, labelme ``labels.txt``), used when the user gives none so
    that indices and colours are kept.
    """

    format: str = ""
    images_given: str | None = None  # --images, when given (set by open_dataset)
    photos_where = BESIDE  # where the reader looks for a photo before --images (missing-image's words)
    category_ids: dict[str, int | None] | None = None  # a COCO source's {category name: id}, which COCO writers keep
    on_disk = True  # read from a path (a source a script holds in memory says False)

    def __init__(self, path: str, findings: list[Finding] | None = None,
                 source_labelmap: LabelMap | None = None) -> None:
        self.path = path
        self.findings: list[Finding] = findings if findings is not None else []
        self.source_labelmap = source_labelmap

    @property
    def label_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def __iter__(self) -> Iterator[Sample]:
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, i: int) -> Sample:  # pragma: no cover - abstract
        """The i-th sample, built on demand (parallel workers ask by index)."""
        raise NotImplementedError

    def names(self) -> list[str]:
        """Every sample's image name, in order (readers that know them without building samples say so)."""
        return [self[i].name for i in range(len(self))]

    def adopt_labelmap(self, labelmap: LabelMap) -> None:
        """The label map the user gave (``--labels``), before any sample is read: a reader whose labels depend
        on it (SA-1B's one class) takes them from it; the others ignore it."""

    def fingerprint(self) -> str | None:
        """A digest of the content, for a source that is not a path on disk (``--resume`` records it); a
        source read from disk: ``None`` (its path and settings are recorded)."""
        return None


Entry = TypeVar("Entry")


class IndexedDataset(Dataset, Generic[Entry]):
    """A source indexed once into ``entries``, one per image in order (a dict, a tuple, a file: whatever the
    reader needs to build that image later); ``sample(entry)`` builds one image's sample and ``name_of(entry)``
    gives its name without building it.  Length, indexing, iteration and ``names()`` follow from them.

        >>> from convert.model.sample import Origin
        >>> class Letters(IndexedDataset[str]):
        ...     def sample(self, entry): return Sample(entry, 1, 1, [], Origin("letters.txt"))
        ...     def name_of(self, entry): return entry
        >>> ds = Letters("letters.txt"); ds.entries = ["a.png", "b.png"]
        >>> len(ds), ds[1].name, ds.names()
        (2, 'b.png', ['a.png', 'b.png'])
    """

    entries: list[Entry]

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> Sample:
        return self.sample(self.entries[i])

    def __iter__(self) -> Iterator[Sample]:
        for entry in self.entries:
            yield self.sample(entry)

    def names(self) -> list[str]:
        return [self.name_of(entry) for entry in self.entries]

    def sample(self, entry: Entry) -> Sample:  # pragma: no cover - abstract
        """The sample of one entry, built now."""
        raise NotImplementedError

    def name_of(self, entry: Entry) -> str:
        """The image name of one entry (readers that know it without building the sample say so)."""
        return self.sample(entry).name


class FileDataset(IndexedDataset[Path]):
    """A source of one annotation file per image (LabelMe JSON, MIT XML, mask PNGs): the ``entries`` are
    the files, in a fixed order; ``labels_in(file)`` reads the label names of one."""

    _label_names: list | None = None

    @property
    def files(self) -> list[Path]:
        """The annotation files, one per image: this source's ``entries``."""
        return self.entries

    @files.setter
    def files(self, files: list[Path]) -> None:
        self.entries = files

    @property
    def label_names(self) -> list[str]:
        """Labels of every file, in order of first appearance (each file parsed once, on demand)."""
        if self._label_names is None:
            names: dict[str, None] = {}
            for file in self.entries:
                for name in self.labels_in(file):
                    names.setdefault(name, None)
            self._label_names = list(names)
        return self._label_names

    def labels_in(self, file) -> list[str]:  # pragma: no cover - abstract
        """The label names one file uses (unreadable files: none)."""
        raise NotImplementedError


def resolve_labelmap(dataset: Dataset, labels: str | Path | LabelMap | None) -> tuple[LabelMap, bool]:
    """The label map ``labels`` (a file, or a :class:`LabelMap` a script made), or the source's own, or one
    derived from the source's label names (the flag says it was not given)."""
    if isinstance(labels, LabelMap):
        return with_sources_void(labels, dataset), False
    if labels is not None:
        return with_sources_void(LabelMap.load(labels), dataset), False
    if dataset.source_labelmap is not None:
        return dataset.source_labelmap, True
    return LabelMap.derive(dataset.label_names, source=f"derived from {dataset.path}"), True


def with_sources_void(labelmap: LabelMap, *datasets: Dataset) -> LabelMap:
    """``labelmap`` reading as void what each source's own label map says is void (segconv's ``__ignore__``
    shapes read back under the ``--labels`` they were written with are void, not unknown labels)."""
    for dataset in datasets:
        if dataset.source_labelmap is not None:
            labelmap = labelmap.with_void_aliases(dataset.source_labelmap.void_aliases)
    return labelmap
