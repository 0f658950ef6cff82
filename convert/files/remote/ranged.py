"""Fetching only the headers of a folder's photos: ranged reads, many at a time.

A photo larger than :data:`PREFIX` whose extension is an image's gets a partial stand-in
(:mod:`convert.files.remote.stand_ins`) holding what :func:`~convert.files.image_header.read_header` reads of
it, no more.  The header parser itself says what it needs: it is run on the bytes fetched so far, and where
it asks for bytes not fetched (:class:`~convert.files.image_header.Missing`), those are fetched in the next
round, for every photo of the batch in one ``cat_ranges`` call (concurrent requests for s3fs).  Round one
fetches each photo's first 64 KiB, which holds a JPEG's frame header and EXIF; a PNG's chunk headers after its
image data take a round more: when its chunks repeat one length (encoders write equal IDAT chunks), the
headers where that length puts the next :data:`AHEAD` chunks are asked for at once, and each one is used only
when the chunk before it says that is where it starts.  After :data:`ROUNDS` rounds a photo keeps what it
has; reading its header then fetches it whole.  A grey or palette PNG is a label map, which its reader reads
whole: it is left for the caller to fetch whole, with the other files.

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
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
ROUNDS = 6
AHEAD = 64
BATCH = 256  # photos whose fetched bytes are held in memory at once
PNG = b"\x89PNG\r\n\x1a\n"
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
        self.last_header: int | None = None  # where the last 8-byte read (a PNG chunk header) was

    def read(self, pos: int, n: int, ahead: bool = True) -> bytes:
        if pos < 0 or pos + n > self.size:
            raise ValueError("read past the end")
        for start, data in self.held.items():
            if start <= pos and pos + n <= start + len(data):
                if n == 8:
                    self.last_header = pos
                return data[pos - start:pos - start + n]
        raise Missing(pos, n)

    def wanted(self, miss: Missing) -> list[tuple[int, int]]:
        """The ranges to fetch for ``miss``: with chunk headers ahead when the chunks repeat a length."""
        png = self.held.get(0, b"").startswith(PNG)
        if png and miss.n == 8 and self.last_header is not None and miss.pos - self.last_header > 12:
            stride = miss.pos - self.last_header
            return [(p, p + 8) for p in range(miss.pos, self.size - 7, stride)][:AHEAD]
        return [(miss.pos, min(self.size, miss.pos + max(miss.n, AT_LEAST)))]


def fetch_headers(url: str, sizes: dict[str, int], local: Path,
                  on_bytes=None) -> tuple[dict[str, dict], list[str], int]:
    """Partial stand-ins of the objects ``url/name`` (``sizes``: name -> whole size) under ``local``;
    returns their record entries (:func:`~convert.files.remote.stand_ins.write_record`), the names found to
    be label maps (:func:`label_map`: for the caller to fetch whole) and the bytes fetched.  ``on_bytes(done)``
    is told after each request round."""
    fs, path = open_filesystem(url)
    entries: dict[str, dict] = {}
    label_maps: list[str] = []
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
                if label_map(batch[name].held.get(0, b"")):
                    label_maps.append(name)
                    continue
                try:
                    parse_header(batch[name])
                except Missing as miss:
                    wanted[name] = batch[name].wanted(miss)
        for name, held in batch.items():
            if name not in label_maps:
                entries[name] = write_stand_in(local / name, held.size, held.held)
    return entries, label_maps, fetched


def label_map(head: bytes) -> bool:
    """Whether the first bytes are those of a grey or palette PNG: a label map far more often than a photo,
    and read whole by the readers of label maps, so fetched whole at once rather than for its header.

        >>> def ihdr(colour_type): return bytes(4) + b"IHDR" + bytes(8) + bytes([8, colour_type])
        >>> label_map(PNG + ihdr(3)), label_map(PNG + ihdr(0)), label_map(PNG + ihdr(2)), label_map(ihdr(3))
        (True, True, False, False)
    """
    return head.startswith(PNG) and len(head) > 25 and head[25] in (0, 3)
