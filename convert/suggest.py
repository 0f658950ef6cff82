"""'Did you mean …?': the known word or file closest to one that was not found.

    >>> did_you_mean("levl-overlap", ["level-overlap", "region-hidden"])
    "; did you mean 'level-overlap'?"
    >>> did_you_mean("xyz", ["level-overlap"])
    ''
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


def did_you_mean(word: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the closest known word, or ``""``."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


def nearby_file(path: Path, suffixes: tuple[str, ...]) -> str:
    """A hint for a file that is not there: the file of the same name with another of ``suffixes``
    (``labelmap.yml`` → ``labelmap.yaml``), else the closest name with one of them in the same folder.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "labelmap.yaml").write_text("classes: []")
    >>> nearby_file(d / "labelmap.yml", (".yaml", ".yml"))
    "; did you mean 'labelmap.yaml' (in the same folder)?"
    """
    try:
        files = sorted(p.name for p in Path(path).parent.iterdir()
                       if p.is_file() and p.suffix.lower() in suffixes)
    except OSError:
        return ""
    same_stem = [name for name in files if Path(name).stem == Path(path).stem]
    close = same_stem or difflib.get_close_matches(Path(path).name, files, n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r} (in the same folder)?" if close else ""
