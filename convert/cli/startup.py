"""Python's cyclic garbage collector while ``segconv`` starts.

Start-up (importing typer, numpy, shapely and segconv's own modules, building the command's
parameters, reading the label map) allocates hundreds of thousands of objects and frees almost none of
them, so the collector's passes over them find nothing: they were about a sixth of ``segconv validate``
on the bundled example.  :func:`hold` turns the collector off for that time; :func:`release`, called by a
command as its work on the images begins, moves everything made so far out of the collector's sight
(``gc.freeze``: it lives as long as the process anyway) and turns it back on, so a long run collects its
garbage as usual.  :func:`restore` leaves the collector as :func:`hold` found it (for a caller that runs
``main`` inside its own process).

    >>> import gc
    >>> hold(); gc.isenabled()
    False
    >>> release(); gc.isenabled()
    True
    >>> restore()
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Turn the collector off for the start-up (nothing happens if it is already off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """The start-up is over: freeze what it made and turn the collector back on."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


def restore() -> None:
    """Leave the collector as :func:`hold` found it, what start-up froze collectable again."""
    release()
    gc.unfreeze()
