"""The names images take in OUT, decided in one place: the run loop, in sample order.

Writers do not put an image's files in place themselves.  ``write()`` (in a worker) stages each file as a
temporary file beside its target and lists the names the image takes: its files, and its entries in files
of the whole set (``annotations.json``'s ``file_name``, a task's image in ``tasks.json``).  The run loop
hands every image's result to :meth:`Outputs.place`, in sample order, whatever ``--jobs`` is:

- a name no earlier image took: the files are listed in the manifest (before they exist, so an interrupted
  run leaves nothing unlisted) and moved into place;
- a name an earlier image took (``a.jpg`` and ``a.png`` both become ``masks/a.png``): nothing of the later
  image is written, its staged files are removed, and a ``duplicate-image`` error names both images.  The
  first image in the source's order keeps the name, so the result is the same for every ``--jobs``.

On a file system that ignores case (macOS, Windows) ``masks/A.png`` and ``masks/a.png`` are one file, and
are one name here too.  A dry run (``--dry-run``, ``--strict``'s first pass) decides the same, writing
nothing.

    >>> names = Outputs(None, name_of=["a.jpg", "a.png"].__getitem__)
    >>> names.place(0, {"name": "a.jpg", "files": ["masks/a.png"], "entries": [], "staged": {}}) is None
    True
    >>> print(names.place(1, {"name": "a.png", "files": ["masks/a.png"], "entries": [], "staged": {}}).message)
    'a.png' would be written as masks/a.png, which 'a.jpg' (image 1 of the source) is written as; 'a.png' is not written
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from convert.findings import Finding


class Outputs:
    """The names taken so far in one run (116 bytes a 35-character name, measured), and placing the files of
    each image."""

    def __init__(self, out: Path | None, *, manifest=None, name_of: Callable[[int], str] | None = None,
                 fold_case: bool = False, placements=None, placed: Callable[[list[str]], None] | None = None) -> None:
        self.out = Path(out) if out is not None else None  # None: a dry run, nothing is moved
        self.manifest = manifest
        # OUT in object storage, written by the Dask workers: the staged files are temporary objects, which
        # the store copies into place (convert.files.remote.direct.Placements); None: files on this machine
        self.placements = placements
        # told the names of each image's files once they are in place (an output URL uploads them then)
        self.placed = placed
        self.name_of = name_of or (lambda i: f"image {i + 1}")
        self.fold_case = fold_case
        self._taken: dict[str, int] = {}  # name (case-folded where the file system ignores case) -> image index

    def _key(self, name: str) -> str:
        return name.casefold() if self.fold_case else name

    def place(self, index: int, result: dict) -> Finding | None:
        """Take the names of image ``index`` (``result``: its ``name``, ``files``, ``entries`` and ``staged``
        temporary files); move its files into place, or return why it cannot be written."""
        names = list(result["files"]) + list(result.get("entries", []))
        for name in names:
            first = self._taken.get(self._key(name))
            if first is not None and first != index:
                self.discard(result)
                earlier = self.name_of(first)
                image = result["name"]
                return Finding("duplicate-image", f"{image!r} would be written as {name}, which {earlier!r} "
                               f"(image {first + 1} of the source) is written as; {image!r} is not written",
                               image=image, file=result.get("origin"))
        for name in names:
            self._taken[self._key(name)] = index
        staged = result.get("staged") or {}
        if self.out is not None and result["files"]:
            if self.manifest is not None:
                self.manifest.add(result["files"])  # listed before they exist
            for relative, tmp in staged.items():
                if self.placements is not None:
                    self.placements.place(tmp, relative)
                    continue
                try:
                    os.replace(tmp, self.out / relative)
                except OSError as exc:
                    exc.filename, exc.filename2 = str(self.out / relative), None
                    raise
            if self.placed is not None and staged and self.placements is None:
                self.placed(list(staged))
        return None

    def discard(self, result: dict) -> None:
        """Remove the temporary files of an image that is not written."""
        for tmp in (result.get("staged") or {}).values():
            if self.placements is not None:
                self.placements.discard(tmp)
                continue
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


def ignores_case(folder: Path) -> bool:
    """Whether the file system holding ``folder`` (or its nearest existing parent) treats names that differ
    only in case as one: it is asked about the name of the first folder whose name has letters."""
    path = Path(os.path.abspath(folder))
    while not path.exists() and path.parent != path:
        path = path.parent
    while path.parent != path:
        other = path.parent / path.name.swapcase()
        if other.name != path.name:
            try:
                return other.exists() and os.path.samefile(other, path)
            except OSError:
                return False
        path = path.parent
    return False
