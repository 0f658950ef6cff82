"""segconv: convert and validate semantic-segmentation annotations.

Every source is read into one indexed-layer model (:mod:`convert.model.sample`):
classes have a *level*, higher levels paint over lower ones, and every pixel
problem is reported as a :class:`~convert.findings.Finding` naming the file,
the image and the annotation.  ``docs/design.md`` describes the pipeline.

    >>> import convert
    >>> ds = convert.load("fixtures/food/annotations.json", labels="fixtures/food/labelmap.yaml")
    >>> len(ds), ds.mask(ds[0]).shape
    (4, (480, 640))

``docs/api.md`` is the library's guide: load, look, change, export (:mod:`convert.api`).

The names below are imported on first use, so that ``segconv --help`` and
``--version`` start without loading numpy, pycocotools or shapely.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Bitmap": "model.sample", "Box": "model.sample", "Origin": "model.sample", "Polygon": "model.sample",
    "Region": "model.sample", "Rle": "model.sample", "Sample": "model.sample",
    "Finding": "findings", "Severity": "findings.severity", "LabelClass": "model.labelmap",
    "LabelMap": "model.labelmap", "voc_color": "model.labelmap", "Painted": "painting.painted",
    "paint": "painting.paint", "rasterize": "painting.rasterize",
    "RunReport": "pipeline.loop", "Interrupted": "pipeline.loop",
    "convert": "api", "inspect": "api", "validate": "api", "validate_samples": "api", "RunOptions": "api.run_options",
    "load": "api", "from_masks": "api", "Dataset": "api", "Masks": "api", "PaintedObject": "api", "VOID": "api",
    "trace": "api", "diff": "api",
    "SegconvError": "errors", "UsageError": "errors",
    "detect_format": "formats.readers", "open_dataset": "formats.readers",
}

__all__ = sorted(_EXPORTS)


def _version() -> str:
    """The package's version: one version, written once, in pyproject.toml.  Read where it lies, without
    ``importlib.metadata`` (which looks through every installed distribution: 45 ms of every run): an
    installed wheel's ``METADATA`` beside the package, else the source tree's ``pyproject.toml`` (a checkout,
    an editable install), else ``importlib.metadata``."""
    import os

    package = os.path.dirname(os.path.abspath(__file__))
    parent = os.path.dirname(package)
    try:
        infos = [n for n in os.listdir(parent) if n.startswith("segconv-") and n.endswith(".dist-info")]
    except OSError:
        infos = []
    if len(infos) == 1:
        found = _field(os.path.join(parent, infos[0], "METADATA"), "Version: ")
        if found:
            return found
    if _field(os.path.join(parent, "pyproject.toml"), 'name = "') == 'segconv"':
        found = _field(os.path.join(parent, "pyproject.toml"), 'version = "')
        if found:
            return found.rstrip('"')
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("segconv")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        return "0+unknown"


def _field(path: str, start: str) -> str | None:
    """What follows ``start`` on the first line of ``path`` that begins with it (``None``: no such line)."""
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(start):
                    return line[len(start):].strip()
                if start == "Version: " and not line.strip():  # the headers end: the description follows
                    break
    except OSError:
        return None
    return None


def __getattr__(name: str):
    if name == "__version__":
        globals()["__version__"] = value = _version()
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'convert' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
