"""Partial stand-ins: a photo in a bucket of which this machine holds only the bytes its header needs.

Checking a delivery needs each photo's size and orientation, which lie in its first bytes (a JPEG's frame
header, a PNG's chunk headers).  A source URL's photos are therefore not all fetched: the stand-in of such a
photo is a sparse file of the object's whole size holding only the byte ranges fetched
(:mod:`convert.files.remote.ranged`), the rest a hole that reads as zeros.  A record beside the source's
stand-in folder lists them::

    /tmp/segconv-x1y2/source1/             the stand-in folder of s3://b/in
    /tmp/segconv-x1y2/source1.parts.json   {"url": "s3://b/in", "files": {"images/a.jpg":
                                             {"size": 912345, "ranges": [[0, 65536]], "inode": [..]}}}

The record is written once, before any reader runs, and every process of the run (``--jobs`` workers,
forked or spawned, a local ``--dask`` cluster) reads it: :func:`part_of` answers whether a path is a partial
stand-in.  A reader that needs more than the header calls :func:`whole` first, which fetches the object and
puts it in place of the stand-in atomically (``os.replace``): the stand-in's inode and modification time,
kept in the record, then no longer match, so every process sees the file as whole from then on.

Paths outside a ``segconv-`` staging folder cost one string search:

    >>> part_of("fixtures/food/images/table_01.jpg") is None
    True
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

MARK = os.sep + "segconv-"  # the staging root: tempfile.mkdtemp(prefix="segconv-")
RECORD = ".parts.json"  # beside a stand-in folder: <root>/source1.parts.json
_records: dict[str, tuple[int, dict | None]] = {}  # record path -> (its mtime, its content)
_counter = itertools.count()


@dataclass(frozen=True)
class Part:
    """A partial stand-in: the object's ``url``, whole ``size`` and the ``[start, end)`` ranges held."""

    url: str
    size: int
    ranges: list[tuple[int, int]]


def part_of(path) -> Part | None:
    """The :class:`Part` a path is a partial stand-in of, or ``None`` (a whole file, a local path)."""
    text = os.fspath(path)
    if MARK not in text:
        return None
    text = os.path.abspath(text)
    at = text.find(MARK)
    while at >= 0:  # every folder named segconv-*: TMPDIR itself may be one (/data/segconv-scratch)
        parts = text[at + 1:].split(os.sep)
        if len(parts) < 3:
            return None
        record = _record(text[:at + 1] + parts[0] + os.sep + parts[1] + RECORD)
        if record is not None:
            break
        at = text.find(MARK, at + 1)
    else:
        return None
    entry = record["files"].get("/".join(parts[2:]))
    if entry is None:
        return None
    try:
        st = os.stat(text)
    except OSError:
        return None
    if [st.st_ino, st.st_mtime_ns] != entry["inode"]:  # fetched whole since (see the module)
        return None
    return Part(record["url"] + "/" + "/".join(parts[2:]), entry["size"], [tuple(r) for r in entry["ranges"]])


def _record(path: str) -> dict | None:
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return None
    cached = _records.get(path)
    if cached is None or cached[0] != mtime:
        with open(path, encoding="utf-8") as fh:
            cached = (mtime, json.load(fh))
        _records[path] = cached
    return cached[1]


def whole(path):
    """``path``, made whole first when it is a partial stand-in (the object fetched, then put in its place
    with ``os.replace``); any other path as it is."""
    part = part_of(path)
    if part is None:
        return path
    from convert.files.remote.transfer import download

    target = Path(os.path.abspath(os.fspath(path)))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{next(_counter)}.whole")
    try:
        download(part.url, tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_stand_in(local: Path, size: int, held: dict[int, bytes]) -> dict:
    """A sparse stand-in of ``size`` bytes holding ``held`` (offset -> bytes); returns its record entry."""
    local.parent.mkdir(parents=True, exist_ok=True)
    with open(local, "wb") as fh:
        for start in sorted(held):
            fh.seek(start)
            fh.write(held[start])
        fh.truncate(size)
    st = local.stat()
    return {"size": size, "ranges": merged((s, s + len(b)) for s, b in held.items()),
            "inode": [st.st_ino, st.st_mtime_ns]}


def write_record(folder: Path, url: str, files: dict[str, dict]) -> None:
    """The record of ``folder``'s partial stand-ins (see the module); written before any reader runs."""
    if not files:
        return
    tmp = folder.with_name(folder.name + RECORD + ".part")
    tmp.write_text(json.dumps({"url": url.rstrip("/"), "files": files}), encoding="utf-8")
    os.replace(tmp, folder.with_name(folder.name + RECORD))


def still_partial(folder: Path) -> tuple[int, int, int, int]:
    """Of ``folder``'s partial stand-ins: ``(how many stayed partial, the bytes they hold, how many were
    fetched whole since, their bytes)``."""
    record = _record(str(folder.with_name(folder.name + RECORD)))
    counts = [0, 0, 0, 0]
    for name, entry in (record or {"files": {}})["files"].items():
        if part_of(folder / name) is not None:
            counts[0] += 1
            counts[1] += sum(end - start for start, end in entry["ranges"])
        else:
            counts[2] += 1
            counts[3] += entry["size"]
    return counts[0], counts[1], counts[2], counts[3]


def merged(ranges) -> list[tuple[int, int]]:
    """``[start, end)`` ranges sorted, overlapping and touching ones joined.

        >>> merged([(10, 20), (0, 5), (5, 8), (15, 30)])
        [(0, 8), (10, 30)]
    """
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
