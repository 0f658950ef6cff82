"""A source of class-index arrays held in memory (:func:`convert.from_masks`), and label images as regions.

Every value of a class-index array becomes one region of its class (column-major runs,
:class:`~convert.model.sample.Runs`), as segconv's own masks are read back (``--from masks``); the label
map's ``void`` value stays void, and a value that is no class is void too, reported as
``unknown-mask-value``.  The arrays are turned into runs when the source is made: the source holds no
reference to the caller's arrays, so changing them later changes nothing here.

    >>> import numpy as np
    >>> from convert.model.labelmap import LabelMap
    >>> lm = LabelMap.derive(["plate", "rice"])
    >>> src = ArraySource({"a.png": np.array([[0, 1, 1], [0, 2, 9]], dtype=np.uint8)}, lm)
    >>> sample = src[0]
    >>> [(r.label, int((r.geometry.ends - r.geometry.starts).sum())) for r in sample.regions]
    [('background', 2), ('plate', 2), ('rice', 1), (None, 1)]
    >>> print(sample.findings[0].message)
    value 9 is no class of the label map; 1 pixel read as void
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from convert.errors import UsageError
from convert.findings import Finding
from convert.formats.dataset import Dataset as Source
from convert.model.labelmap import LabelMap
from convert.model.names import normalize_name, unsafe_reason
from convert.model.sample import Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "arrays"


def label_regions(packed: tuple[np.ndarray, np.ndarray, np.ndarray], shape: tuple[int, int], labelmap: LabelMap,
                  file: str, image: str, of_what: str = "the label map") -> tuple[list[Region], list[Finding]]:
    """One region per value of a label image given as its runs (``packed``: :func:`~convert.pixels.runs.
    from_label_image`'s starts, ends, values) of ``shape`` = (height, width): its class, void for
    ``labelmap.void``, void and an ``unknown-mask-value`` finding for a value that is no class of ``of_what``."""
    by_index = {c.index: c.name for c in labelmap.classes}
    regions: list[Region] = []
    findings: list[Finding] = []
    for value, s, e in runs.by_value(*packed):
        geometry = Runs(s, e, shape)
        if value == labelmap.void:
            regions.append(Region(None, geometry, (value,), Origin(file, "void")))
        elif value in by_index:
            regions.append(Region(by_index[value], geometry, (value,), Origin(file, f"value {value} "
                                                                                    f"({by_index[value]})")))
        else:
            count = int((e - s).sum())
            findings.append(Finding("unknown-mask-value", f"value {value} is no class of {of_what}; "
                                    f"{plural(count, 'pixel')} read as void", file=file, image=image, pixels=count))
            regions.append(Region(None, geometry, (value,), Origin(file, f"value {value}")))
    return regions, findings


class ArraySource(Source):
    """Class-index arrays by image name, read through ``labelmap``; ``images`` is the folder of the image
    files (for layouts that copy them), ``subsets`` the subset of each name that has one."""

    format = NAME
    on_disk = False

    def __init__(self, masks: Mapping[str, np.ndarray], labelmap: LabelMap, *, images: str | Path | None = None,
                 subsets: Mapping[str, str] | None = None) -> None:
        if not isinstance(masks, Mapping):
            raise UsageError(f"from_masks takes a mapping of image name to array, not {type(masks).__name__}")
        self.labelmap = labelmap
        self.images = Path(images) if images is not None else None
        subsets = dict(subsets or {})
        unknown = [name for name in subsets if name not in masks]
        if unknown:
            raise UsageError(f"from_masks: subsets names {unknown[0]!r}, which is no key of the masks")
        self.entries: list[tuple[str, tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray], str | None]] = []
        digest = hashlib.sha256(repr(labelmap.to_dict()).encode())
        seen: set[str] = set()
        for key, array in masks.items():
            name = self._name(key)
            if name in seen:
                raise UsageError(f"from_masks: {key!r} names the image {name!r} twice")
            seen.add(name)
            values = self._values(key, array)
            packed = runs.from_label_image(values)
            self.entries.append((name, values.shape, packed, subsets.get(key)))
            for part in (name.encode(), repr(values.shape).encode(), *(a.tobytes() for a in packed),
                         repr(subsets.get(key)).encode()):
                digest.update(part)
        self.digest = digest.hexdigest()
        super().__init__(f"{len(self.entries)} arrays (from_masks)", [], labelmap)

    @staticmethod
    def _name(key: object) -> str:
        if not isinstance(key, str):
            raise UsageError(f"from_masks: an image name is a str, not {key!r}")
        reason = unsafe_reason(key)
        if reason:
            raise UsageError(f"from_masks: the image name {key!r} {reason}; names are relative paths")
        return normalize_name(key)

    def _values(self, key: str, array: np.ndarray) -> np.ndarray:
        values = np.asarray(array)
        if values.ndim != 2 or not values.size:
            raise UsageError(f"from_masks: {key!r} is an array of shape {values.shape}; a mask is 2-D "
                             "(height, width), class indices")
        if values.dtype == bool:
            values = values.astype(np.uint8)
        if not np.issubdtype(values.dtype, np.integer):
            raise UsageError(f"from_masks: {key!r} holds {values.dtype} values; a mask holds class indices "
                             "(integers)")
        if values.min() < 0:
            raise UsageError(f"from_masks: {key!r} holds negative values ({int(values.min())}); class indices "
                             "are 0 or more")
        return values

    @property
    def label_names(self) -> list[str]:
        return [c.name for c in sorted(self.labelmap.classes, key=lambda c: c.index)]

    def __len__(self) -> int:
        return len(self.entries)

    def names(self) -> list[str]:
        return [entry[0] for entry in self.entries]

    def __getitem__(self, i: int) -> Sample:
        name, shape, packed, subset = self.entries[i]
        origin = Origin(f"from_masks[{name!r}]")
        regions, findings = label_regions(packed, shape, self.labelmap, origin.file, name)
        image = self.images / name if self.images is not None else None
        found = image is not None and image.is_file()
        return Sample(name, shape[1], shape[0], regions, origin, subset=subset, findings=findings,
                      image_path=str(image) if found else None, size_checked=not found)

    def fingerprint(self) -> str:
        return self.digest
