"""What every importer returns: a dataset that yields samples one by one.

Importers index their source once (parse the file, group annotations by
image) and then build each :class:`~convert.model.Sample` only when it is
asked for, so painting and writing stream image by image.

    >>> from convert import open_dataset
    >>> ds = open_dataset("fixtures/food/annotations.json")      # doctest: +SKIP
    >>> len(ds), ds.label_names[:2]                              # doctest: +SKIP
    (4, ['plate', 'bowl'])
    >>> sample = next(iter(ds))                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .findings import Finding
from .model import Sample


@dataclass
class Dataset:
    """A source opened by an importer.

    ``label_names`` are the source's own category names in its order (used to
    derive a label map), ``findings`` what was found while indexing (dangling
    ids, duplicate images...); per-image findings travel on each sample.
    """

    format: str
    path: str
    label_names: list[str]
    findings: list[Finding] = field(default_factory=list)

    def __len__(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def __iter__(self) -> Iterator[Sample]:  # pragma: no cover - abstract
        raise NotImplementedError
