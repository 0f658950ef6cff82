"""Making a :class:`~convert.api.loaded.Dataset`: :func:`load` reads a delivery, :func:`from_masks` takes
class-index arrays.

    >>> import convert, numpy as np
    >>> ds = convert.load("fixtures/food/annotations.json", labels="fixtures/food/labelmap.yaml")
    >>> len(ds), ds.format, ds.labelmap_derived
    (4, 'coco', False)
    >>> back = convert.from_masks({"a.png": np.array([[0, 5], [5, 5]], dtype=np.uint8)},
    ...                           labels="fixtures/food/labelmap.yaml")
    >>> back.mask(back[0]).tolist(), back[0].regions[1].label
    ([[0, 5], [5, 5]], 'rice')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from convert.api.loaded import Dataset
from convert.api.paths import PathLike, local_path
from convert.api.places import Staging
from convert.api.run_options import READING, RunOptions, settle
from convert.errors import UsageError
from convert.formats.dataset import resolve_labelmap
from convert.formats.options import split_options
from convert.formats.readers import READERS, detect_format, open_dataset
from convert.model.labelmap import LabelMap

if TYPE_CHECKING:
    from typing import Unpack

    from convert.api.run_options import ReadSettings


def load(src: PathLike, options: RunOptions | None = None, **changes: Unpack[ReadSettings]) -> Dataset:
    """Read the delivery ``src`` (a file or a folder, its format detected unless ``fmt`` says it) and its
    label map: ``labels`` (a file or a :class:`LabelMap`), else the source's own, else one derived from its
    labels (``ds.labelmap_derived`` says so).  ``images`` is the folder of the image files when they are
    not beside the annotations; ``rule`` the pixel rule the samples are painted by; ``format_options`` the
    reader's ``-O`` options.  Samples are built as they are asked for, one at a time."""
    opts = settle(options, changes, READING, "load()")
    staging = Staging()
    with staging.naming():
        return open_loaded(staging.source(src), opts, staging)


def open_loaded(path: Path, opts: RunOptions, staging: Staging) -> Dataset:
    """:func:`load` of a source on this machine (a URL's stand-in: ``staging``)."""
    with staging.naming():
        reader = opts.fmt or detect_format(path)
        # -O keys of the reader (a key it does not declare is an error naming it; the writer's are export's)
        reader_options, _ = split_options(opts.format_options, READERS[reader].options, {}, reader, None)
        images = staging.source(opts.images) if opts.images is not None else None
        labels = (opts.labels if isinstance(opts.labels, LabelMap) or opts.labels is None
                  else staging.file(opts.labels))
        source = open_dataset(path, reader, max_pixels=opts.max_pixels, images=images, options=reader_options)
        labelmap, derived = resolve_labelmap(source, labels)
        if labels is not None:
            source.adopt_labelmap(labelmap)
    if staging.active and labelmap.source:
        labelmap = dataclasses.replace(labelmap, source=staging.said(labelmap.source))
    return Dataset(source, labelmap, opts.replace(fmt=reader, format_options=reader_options), derived=derived,
                   given=path, staging=staging)


def from_masks(masks: Mapping[str, np.ndarray], *, labels: PathLike | LabelMap,
               images: PathLike | None = None, subsets: Mapping[str, str] | None = None,
               rule: str = "coco") -> Dataset:
    """A dataset of class-index arrays: ``{image name: (height, width) integer array}``, the values class
    indices of ``labels`` (a file or a :class:`LabelMap`), ``labelmap.void`` for "don't care".  Every value
    becomes one region of its class; a value that is no class is void, reported as ``unknown-mask-value``.
    ``images`` is the folder holding the image files (for layouts that copy them), ``subsets`` the subset
    of the names that have one (``{"a.png": "val"}``).  The arrays are read now; changing them afterwards
    changes nothing in the dataset."""
    from convert.api.arrays import ArraySource

    if labels is None:
        raise UsageError("from_masks needs labels=: the label map whose class indices the arrays hold")
    labelmap = labels if isinstance(labels, LabelMap) else LabelMap.load(local_path(labels))
    folder = local_path(images) if images is not None else None
    if folder is not None and not folder.is_dir():
        raise UsageError(f"from_masks: images={images} is not a folder")
    source = ArraySource(masks, labelmap, images=folder, subsets=subsets)
    return Dataset(source, labelmap, RunOptions(labels=labelmap, images=folder, rule=rule))
