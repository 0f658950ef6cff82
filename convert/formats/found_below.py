"""Sources below a folder that matches no format: a newcomer who points segconv at the top of a download
(``cvat-docs-example/``, which holds ``for_images/annotations.xml``) is told which folders or files to
pass, not only which layouts were looked for.

Folders are visited breadth first, at most :data:`MAX_DEPTH` levels down and :data:`MAX_FOLDERS` folders
in all, hidden ones (``.git``) left out.  A folder that matches a format is reported and not looked into;
in one that does not, the annotation-like files (``.json``, ``.xml``, ``.csv``, ``.yaml``) are tried one
by one.  At most :data:`MAX_FOUND` sources are reported, nearest first.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "export" / "task").mkdir(parents=True)
    >>> _ = (root / "export" / "task" / "annotations.xml").write_text("<annotations/>")
    >>> def detect(path):  # a stand-in for the readers' detection
    ...     return ["cvat"] if (path / "annotations.xml").is_file() else []
    >>> [(found.as_posix(), names) for found, names in sources_below(root, detect)]
    [('export/task', ['cvat'])]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

MAX_DEPTH = 4
MAX_FOLDERS = 200
MAX_FOUND = 6
ANNOTATION_SUFFIXES = (".json", ".xml", ".csv", ".yaml", ".yml")


def sources_below(root: Path, formats_of: Callable[[Path], list[str]]) -> list[tuple[Path, list[str]]]:
    """``(path relative to root, formats it matches)`` of the sources below ``root`` (a folder), nearest
    first; ``formats_of(path)`` is the readers' detection of one folder or file."""
    found: list[tuple[Path, list[str]]] = []
    level = [root]
    visited = 0
    for _depth in range(MAX_DEPTH):
        below: list[Path] = []
        for folder in level:
            try:
                entries = sorted(folder.iterdir(), key=lambda p: p.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or len(found) >= MAX_FOUND:
                    continue
                if entry.is_dir():
                    if visited >= MAX_FOLDERS:
                        continue
                    visited += 1
                    names = formats_of(entry)
                    if names:
                        found.append((entry.relative_to(root), names))
                    else:
                        below.append(entry)
                elif entry.suffix.lower() in ANNOTATION_SUFFIXES:
                    names = formats_of(entry)
                    if names:
                        found.append((entry.relative_to(root), names))
        if len(found) >= MAX_FOUND or not below:
            break
        level = below
    return found


def found_words(found: list[tuple[Path, list[str]]]) -> str:
    """The sources found, as a user reads them, those in the folder itself apart from those further down:
    ``in it: annotations.json (coco); below it: for_images/task (cvat)``.

        >>> found_words([(Path("a.json"), ["coco"]), (Path("x/y"), ["cvat", "voc"])])
        'in it: a.json (coco); below it: x/y (cvat or voc)'
    """
    def listed(part: list[tuple[Path, list[str]]]) -> str:
        return ", ".join(f"{path.as_posix()} ({' or '.join(names)})" for path, names in part)

    near = [(path, names) for path, names in found if len(path.parts) == 1]
    far = [(path, names) for path, names in found if len(path.parts) > 1]
    return "; ".join(f"{where}: {listed(part)}" for where, part in (("in it", near), ("below it", far)) if part)
