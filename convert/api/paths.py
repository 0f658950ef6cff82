"""Where the library turns what a caller names (a source, a label map, an output folder, a report) into a
path: every path a call is given goes through :func:`local_path`, so that accepting other places (object
storage URLs) is a change here, not in every call.

    >>> local_path("fixtures/food/annotations.json").name
    'annotations.json'
    >>> local_path(3)
    Traceback (most recent call last):
    TypeError: a path is a str or a pathlib.Path, not int
"""

from __future__ import annotations

import os
from pathlib import Path

PathLike = str | os.PathLike[str]


def local_path(given: PathLike) -> Path:
    """``given`` as a path of this machine's file system."""
    if not isinstance(given, (str, os.PathLike)):
        raise TypeError(f"a path is a str or a pathlib.Path, not {type(given).__name__}")
    return Path(given)
