"""The library: what the command line does, callable from a script.

Layer: the api, above the pipeline; it may import every layer below it (only the command line, ``cli/``,
imports it).  ``segconv``'s commands are thin calls of these functions, with a
:class:`~convert.api.run_options.RunOptions` built from their options.

    >>> from convert import api
    >>> report = api.convert("fixtures/food/annotations.json", "out", to="png",
    ...                      labels="fixtures/food/labelmap.yaml")               # doctest: +SKIP

Its modules: ``run_options`` (:class:`RunOptions`, the settings of a run), ``loading`` (:func:`load`,
:func:`from_masks`), ``loaded`` (:class:`Dataset`: look, change, export), ``relabel`` (label changes),
``running`` (the command line's two runs over a dataset), ``calls`` (:func:`convert`, :func:`validate`,
:func:`inspect`), ``painted_objects`` and ``tracing`` (painted objects, :func:`trace`), ``comparing``
(:func:`diff`), ``arrays`` (the source of :func:`from_masks`), ``paths``, ``places`` (URLs of object
storage: their local stand-ins).  No module here keeps state
between calls: every call builds its own objects, so calls may run twice, or in two threads, in one
process.  ``docs/api.md`` is the guide.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from convert.errors import SegconvError, UsageError
from convert.findings import Finding
from convert.findings.severity import Severity

if TYPE_CHECKING:
    from convert.api.calls import Inventory, convert, fix, inspect, validate, validate_samples
    from convert.api.comparing import diff
    from convert.api.loaded import Dataset, Masks
    from convert.api.loading import from_masks, load
    from convert.api.painted_objects import PaintedObject
    from convert.api.relabel import VOID
    from convert.api.run_options import RunOptions
    from convert.api.tracing import join_rings, trace, trace_objects
    from convert.formats.dataset import resolve_labelmap
    from convert.model.labelmap import LabelMap
    from convert.painting.repair import RepairRules
    from convert.pipeline.loop import Interrupted, RunReport

# name -> the module that defines it, imported on first use: a command imports only what it calls
# (``segconv validate`` never loads diff's or tracing's modules)
_LAZY = {
    "Inventory": "convert.api.calls", "convert": "convert.api.calls", "fix": "convert.api.calls",
    "inspect": "convert.api.calls", "validate": "convert.api.calls", "validate_samples": "convert.api.calls",
    "diff": "convert.api.comparing", "Dataset": "convert.api.loaded", "Masks": "convert.api.loaded",
    "from_masks": "convert.api.loading", "load": "convert.api.loading",
    "PaintedObject": "convert.api.painted_objects", "VOID": "convert.api.relabel",
    "RunOptions": "convert.api.run_options", "join_rings": "convert.api.tracing", "trace": "convert.api.tracing",
    "trace_objects": "convert.api.tracing", "resolve_labelmap": "convert.formats.dataset",
    "LabelMap": "convert.model.labelmap", "RepairRules": "convert.painting.repair",
    "Interrupted": "convert.pipeline.loop", "RunReport": "convert.pipeline.loop",
}


def __getattr__(name: str):
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'convert.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


__all__ = ["Dataset", "Finding", "Interrupted", "Inventory", "LabelMap", "Masks", "PaintedObject", "RepairRules",
           "RunOptions", "RunReport", "SegconvError", "Severity", "UsageError", "VOID", "convert", "diff", "fix",
           "from_masks", "inspect", "join_rings", "load", "resolve_labelmap", "trace", "trace_objects", "validate",
           "validate_samples"]
