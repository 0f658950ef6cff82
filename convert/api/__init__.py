"""The library: what the command line does, callable from a script.

Layer: the api, above the pipeline; it may import every layer below it (only the command line, ``cli/``,
imports it).  ``segconv``'s commands are thin calls of these functions, with a
:class:`~convert.api.options.RunOptions` built from their options.

    >>> from convert import api
    >>> report = api.convert("fixtures/food/annotations.json", "out", to="png",
    ...                      labels="fixtures/food/labelmap.yaml")               # doctest: +SKIP

Its modules: ``options`` (:class:`RunOptions`, the settings of a run), ``calls`` (:func:`convert`,
:func:`validate`, :func:`inspect`).  No module here keeps state between calls: every call builds its
own objects, so calls may run twice, or in two threads, in one process.
"""

from __future__ import annotations

from convert.api.calls import Inventory, convert, inspect, validate, validate_samples
from convert.api.options import RunOptions
from convert.formats.dataset import resolve_labelmap
from convert.pipeline.loop import Interrupted, RunReport

__all__ = ["Interrupted", "Inventory", "RunOptions", "RunReport", "convert", "inspect", "resolve_labelmap",
           "validate", "validate_samples"]
