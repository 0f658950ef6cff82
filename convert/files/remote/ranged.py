"""Fetching only the headers of a folder's photos: ranged reads, many at a time.

A photo larger than :data:`PREFIX` whose extension is an image's gets a partial stand-in
(:mod:`convert.files.remote.stand_ins`) holding what :func:`~convert.files.image_header.read_header` reads of
it, no more.  The header parser itself says what it needs: it is run on the bytes fetched so far, and where
it asks for bytes not fetched (:class:`~convert.files.image_header.Missing`), those are fetched in the next
round, for every photo of the batch in one ``cat_ranges`` call (concurrent requests for s3fs).  Round one
fetches each photo's first 64 KiB, which holds a JPEG's frame header and EXIF; a JPEG whose frame header
follows big APP segments takes a round per segment.  After :data:`ROUNDS` rounds a photo keeps what it has;
reading its header then fetches it whole.

PNGs are fetched whole, as label maps are read whole, and a PNG photo's header is spread over the whole file:
its EXIF may follow the image data, so every chunk header is read, one per 8 to 64 KiB of image data, and
that many requests cost more than the bytes between them (measured on the test server: bench/storage.py
--with-images, 50 PNG and 50 JPEG photos of 1 MB, took 10.3 s with each PNG's chunk headers fetched, against
4.2 s with every photo fetched whole; a shared machine).  Reading only up to the first IDAT would answer
otherwise than a local run for a PNG whose eXIf follows its image data (its size before the orientation is
applied: tests/test_export_in_a_bucket.py), and would save bytes, not time, on loopback: through moto, 100
ranged reads of 64 KiB of the benchmark's PNGs took 0.72 to 1.48 s, the same 100 PNGs whole (170 MB) 1.02 to
2.06 s (``fs.cat`` 1.02 to 1.77 s, ``fs.get`` 1.28 and 2.06 s); a request costs the client about 3 ms of CPU
and moto about 4 (bench/RESULTS.md, 2026-12-02).

    >>> header_only("images/a.JPG", 200_000), header_only("images/a.jpg", 1_000), header_only("a.json", 10**6)
    (True, False, False)
"""

from __future__ import annotations

from pathlib import Path

from convert.files.image_header import Missing, parse_header
from convert.files.remote.backend import open_filesystem
from convert.files.remote.stand_ins import write_stand_in
from convert.files.remote.transfer import talking_to
from convert.files.remote.urls import join

PREFIX = 1 << 16
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")  # no .png: see the module
ROUNDS = 6
BATCH = 256  # photos whose fetched bytes are held in memory at once
AT_LEAST = 4096  # a miss fetches this much at least (the JPEG markers after a big segment lie close together)


def header_only(name: str, size: int) -> bool:
    """Whether the object ``name`` of ``size`` bytes gets a partial stand-in rather than a whole copy."""
    return size > PREFIX and name.lower().endswith(PHOTO_EXTENSIONS)


class _Held:
    """The bytes fetched of one object, for the parser (``size``, ``read``); a read of bytes not fetched
    raises :class:`Missing`."""

    def __init__(self, size: int):
        self.size = size
        self.held: dict[int, bytes] = {}

    def read(self, pos: int, n: int, ahead: bool = True) -> bytes:
        if pos < 0 or pos + n > self.size:
            raise ValueError("read past the end")
        for start, data in self.held.items():
            if start <= pos and pos + n <= start + len(data):
                return data[pos - start:pos - start + n]
        raise Missing(pos, n)

    def wanted(self, miss: Missing) -> list[tuple[int, int]]:
        """The range to fetch for ``miss``: at least :data:`AT_LEAST` bytes."""
        return [(miss.pos, min(self.size, miss.pos + max(miss.n, AT_LEAST)))]


def header_within(head: bytes) -> bool:
    """Whether the first bytes ``head`` of a longer object hold everything its header parser reads (it then
    answers what it answers on the whole object), so no guess is made from a truncated file: a PNG whose
    eXIf may follow its image data is not, however well its first chunks parse.

        >>> import io; from PIL import Image
        >>> buf = io.BytesIO(); Image.new("RGB", (4, 3)).save(buf, "JPEG"); jpeg = buf.getvalue()
        >>> buf = io.BytesIO(); Image.new("RGB", (4, 3)).save(buf, "PNG"); png = buf.getvalue()
        >>> header_within(jpeg), header_within(png[:-12])  # the PNG without its IEND: more chunks may follow
        (True, False)
    """
    held = _Held(1 << 62)  # longer than what is held: any read past it is a miss
    held.held[0] = head
    try:
        parse_header(held)
    except Missing:
        return False
    return True


def fetch_headers(url: str, sizes: dict[str, int], local: Path,
                  on_bytes=None) -> tuple[dict[str, dict], list[str], int]:
    """Partial stand-ins of the objects ``url/name`` (``sizes``: name -> whole size) under ``local``;
    returns their record entries (:func:`~convert.files.remote.stand_ins.write_record`), the names whose
    header reading took every byte (whole files, no stand-ins) and the bytes fetched.  ``on_bytes(done)``
    is told after each request round."""
    fs, path = open_filesystem(url)
    entries: dict[str, dict] = {}
    complete: list[str] = []  # whole after all: reading the header took every byte
    fetched = 0
    names = sorted(sizes)
    for first in range(0, len(names), BATCH):
        batch = {name: _Held(sizes[name]) for name in names[first:first + BATCH]}
        wanted = {name: [(0, min(PREFIX, held.size))] for name, held in batch.items()}
        for _ in range(ROUNDS):
            if not wanted:
                break
            asks = [(name, start, end) for name, ranges in wanted.items() for start, end in ranges]
            with talking_to(url):
                got = fs.cat_ranges([join(path, name) if path else name for name, _, _ in asks],
                                    [start for _, start, _ in asks], [end for _, _, end in asks], on_error="raise")
            for (name, start, _), data in zip(asks, got):
                batch[name].held[start] = bytes(data)
                fetched += len(data)
            if on_bytes is not None:
                on_bytes(fetched)
            wanted = {}
            for name in {name for name, _, _ in asks}:
                try:
                    parse_header(batch[name])
                except Missing as miss:
                    wanted[name] = batch[name].wanted(miss)
        for name, held in batch.items():
            entry = write_stand_in(local / name, held.size, held.held)
            if entry["ranges"] == [(0, held.size)]:
                complete.append(name)
            else:
                entries[name] = entry
    return entries, complete, fetched

