"""Formats by name, imported only when used.

A registry line names a format, the ``module:Class`` that implements it, a
one-line description and its ``-O`` options (:class:`~convert.formats.options.Option`);
nothing is imported until the format is used, so ``segconv --help``,
``--version`` and ``formats`` start fast.

    >>> entry = Entry("png", "convert.formats.png.write:PngWriter", "indexed PNG masks")
    >>> entry.target.__name__
    'PngWriter'
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One format: its ``name`` (for ``--from`` / ``--to``), where it lives, what it is."""

    name: str
    where: str  # "package.module:Class"
    description: str
    option_list: tuple = ()  # Option(...) declarations

    @property
    def module(self):
        return importlib.import_module(self.where.partition(":")[0])

    @property
    def target(self):
        return getattr(self.module, self.where.partition(":")[2])

    @property
    def options(self) -> dict:
        """The ``-O`` options the format declares, by key."""
        return {o.key: o for o in self.option_list}
