"""Image names from sources, made safe to use as output paths.

A name from a delivery (COCO ``file_name``, labelme ``imagePath``, CVAT
``<image name>``) is only ever used *relative* to an output folder.  Names that
could escape it are refused:

    >>> normalize_name("train/a.jpg"), normalize_name("sub\\\\b.png")
    ('train/a.jpg', 'sub/b.png')
    >>> unsafe_reason("../x.jpg"), unsafe_reason("/etc/a.jpg"), unsafe_reason("C:/a.jpg")
    ("contains '..'", 'is absolute', 'has a drive letter')
    >>> unsafe_reason("ok/a.jpg") is None
    True
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from convert.errors import SegconvError

_DRIVE = re.compile(r"^[A-Za-z]:")


def normalize_name(name: str) -> str:
    """Backslashes become '/', repeated and leading './' are dropped."""
    name = name.replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    lead = "/" if name.startswith("/") else ""
    if name.startswith("//"):
        lead = "//"
    return lead + "/".join(parts)


def stem_of(name: str) -> str:
    """``name`` without its extension: ``'sub/a.jpg'`` → ``'sub/a'``; ``'.hidden'`` stays."""
    base, dot, ext = name.rpartition(".")
    if dot and "/" not in ext and base and not base.endswith("/"):
        return base
    return name


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` (already normalised or not) may not be used as a relative
    output path, or ``None`` if it is safe."""
    raw = name.replace("\\", "/")
    if raw.startswith("//"):
        return "has a UNC prefix"
    if raw.startswith("/"):
        return "is absolute"
    if _DRIVE.match(raw):
        return "has a drive letter"
    if any(part == ".." for part in raw.split("/")):
        return "contains '..'"
    if "\x00" in raw:
        return "contains a NUL character"
    if not normalize_name(raw):
        return "is empty"
    return None


def safe_join(root: Path, relative: str) -> Path:
    """``root / relative``, refusing any result outside ``root`` (symlinks resolved), and names with an
    empty component (``masks//abs.png``: an absolute name joined to a folder) or a drive letter in any
    component."""
    reason = unsafe_reason(relative)
    if reason is None and "//" in relative.replace("\\", "/"):
        reason = "holds an absolute name"
    if reason is None and any(_DRIVE.match(part) for part in relative.replace("\\", "/").split("/")):
        reason = "has a drive letter"
    if reason:
        raise SegconvError(f"output name {relative!r} {reason}", file=str(root))
    target = root / normalize_name(relative)
    real_root = Path(os.path.realpath(root))
    real_parent = Path(os.path.realpath(target.parent))
    if real_parent != real_root and real_root not in real_parent.parents:
        raise SegconvError(f"output name {relative!r} leads outside the output folder", file=str(root))
    return target
