"""segconv's ``hf`` layout read back: a Hugging Face ``datasets`` folder of parquet shards (``docs/formats.md``,
"Hugging Face datasets")::

    data/<split>-00000-of-0000N.parquet   rows: image {bytes, path}, label {bytes, path}, file_name
    labelmap.json                         segconv's label map (levels, fill class, void as written), or
    id2label.json                         {"0": "background", ...}: the class of each label value

Each row is one sample: ``label`` holds the PNG bytes of the class mask (one 8-bit channel, value = class
index, 255 = void unless the label map says another value), read like any label image
(:mod:`convert.formats.label_image`: refused above ``--max-pixels`` before decoding); ``image`` holds the
photo's own bytes, whose EXIF-oriented size must be the mask's; a row whose image is null (the hf writer's, for a
photo it did not have) takes the photo from ``--images``, by ``file_name``, in a folder named after the split or
not.  The split is the shard's name before its
first ``-``.  Row groups are read one at a time, so memory follows one row group, not a shard.  A photo a
writer places (``--to voc``) is written from its bytes into a private temporary folder first.

Needs pyarrow: ``pip install 'segconv[hf]'``.

    >>> split_of_shard("validation-00001-of-00003.parquet")
    'validation'
"""

from __future__ import annotations

import json
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import NamedTuple

from convert.errors import SegconvError, UsageError
from convert.files.images import locate
from convert.findings import Finding
from convert.formats.color_masks import mask_folders as layout
from convert.formats.color_masks.class_tables import Row, Table
from convert.formats.color_masks.read import ColorMasksDataset
from convert.formats.dataset import IndexedDataset
from convert.formats.label_image import Unusable, read_label_image
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.names import normalize_name, unsafe_reason
from convert.model.sample import Origin, Sample

NAME = "hf"
VOID = 255  # the hf writer's void value in the 8-bit label images


def split_of_shard(name: str) -> str:
    return name.split("-", 1)[0]


def _shards(root: Path) -> list[Path]:
    return sorted(p for p in (root / "data").glob("*.parquet") if p.is_file())


def detect(path: Path) -> str | None:
    if not path.is_dir() or not ((path / "labelmap.json").is_file() or (path / "id2label.json").is_file()):
        return None
    shards = _shards(path)
    return f"a Hugging Face datasets folder (data/{shards[0].name})" if shards else None


class HfRow(NamedTuple):
    """Where one sample lies: its shard, row group and row there, and the image name and split it gives."""

    mask: layout.Mask  # file: the shard; name: the row's file_name; subset: the shard's split
    group: int
    row: int


def _pyarrow_parquet():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("reading a Hugging Face datasets folder needs pyarrow: pip install 'segconv[hf]'") from None
    return pq


class HfDataset(ColorMasksDataset):
    """One sample per row of ``data/*.parquet``."""

    format = NAME
    photos_where = "in the rows"  # a row's image, else --images (missing-image's words)

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        root = Path(path)
        if detect(root) is None:
            raise SegconvError("not a Hugging Face datasets folder: no data/*.parquet beside labelmap.json or "
                               "id2label.json", file=str(root))
        pq = _pyarrow_parquet()
        self.root = root
        self.colours = False
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        self.key_names: dict[int, str | None] = {}
        self.own_labelmap = self._classes(root)
        self.entries: list[HfRow] = []  # type: ignore[assignment]  # rows, not mask files
        self.unsafe: list[Finding] = []
        for shard in _shards(root):
            try:
                parquet = pq.ParquetFile(shard)
                missing = {"image", "label", "file_name"} - set(parquet.schema_arrow.names)
                if missing:
                    raise SegconvError(f"not a segconv hf shard: no column {', '.join(sorted(missing))}",
                                       file=str(shard))
                for group in range(parquet.num_row_groups):
                    names = parquet.read_row_group(group, columns=["file_name"]).column(0).to_pylist()
                    for row, name in enumerate(names):
                        self._add(shard, group, row, name)
            except SegconvError:
                raise
            except Exception as exc:  # pyarrow's errors for a cut or foreign file: ArrowInvalid, OSError...
                raise SegconvError(f"cannot read the parquet shard ({type(exc).__name__}: {exc})",
                                   file=str(shard)) from None
        if not self.entries and not self.unsafe:
            raise SegconvError("no rows: the parquet shards under data/ are empty", file=str(root))
        self._group: tuple[Path, int, object] | None = None  # the row group read last (rows come in order)
        self._photos: Path | None = None
        IndexedDataset.__init__(self, str(root), list(self.unsafe), self.own_labelmap)

    def _add(self, shard: Path, group: int, row: int, name) -> None:
        where = f"row {row} of row group {group}"
        if not isinstance(name, str) or not name:
            self.unsafe.append(Finding("bad-value", f"file_name {name!r} is no image name; not converted",
                                       file=str(shard), element=where))
            return
        reason = unsafe_reason(normalize_name(name))
        if reason:
            self.unsafe.append(Finding("unsafe-path", f"file_name {name!r} {reason}; not converted",
                                       file=str(shard), element=where, image=name))
            return
        mask = layout.Mask(shard, None, normalize_name(name), split_of_shard(shard.name))
        self.entries.append(HfRow(mask, group, row))

    def _classes(self, root: Path) -> LabelMap:
        """segconv's labelmap.json (as written), else id2label.json's names (levels derived); void is 255."""
        own = root / "labelmap.json"
        if own.is_file():
            return self.own_classes(own)
        source = root / "id2label.json"
        try:
            id2label = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SegconvError(f"cannot read the class names: {exc}", file=str(source)) from None
        if not isinstance(id2label, dict) or not id2label or not all(
                isinstance(k, str) and k.isascii() and k.isdigit() and int(k) < VOID and isinstance(v, str) and v
                for k, v in id2label.items()):
            raise SegconvError('must map label values to class names: {"0": "background", "1": "plate", ...} '
                               f"(values 0..{VOID - 1})", file=str(source))
        rows = [Row(name, int(k), None, 0) for k, name in sorted(id2label.items(), key=lambda kv: int(kv[0]))]
        self.table = Table(rows, str(source), "none")
        self.value_names = {int(k): name for k, name in id2label.items()}
        self.value_names[VOID] = None
        self.rows_text = f"{source.name} ({len(rows)} classes)"
        return self.table.labelmap()

    def name_of(self, entry: HfRow) -> str:  # type: ignore[override]
        return entry.mask.name

    def _cells(self, entry: HfRow) -> tuple[object, object]:
        """The row's image and label cells (``{bytes, path}``, ``None``, or whatever a foreign file holds), its
        row group read once; a row group that cannot be read raises :class:`Unusable` (for each of its rows)."""
        shard = entry.mask.file
        if self._group is None or self._group[:2] != (shard, entry.group):
            try:
                table: object = _pyarrow_parquet().ParquetFile(shard).read_row_group(
                    entry.group, columns=["image", "label"])
            except Exception as exc:  # pyarrow's errors for damaged pages: ArrowInvalid, OSError, ...
                table = Unusable("bad-mask-file", f"row group {entry.group} of the shard cannot be read "
                                                  f"({type(exc).__name__}: {exc})")
            self._group = (shard, entry.group, table)
        table = self._group[2]
        if isinstance(table, Unusable):
            raise table
        return table.column("image")[entry.row].as_py(), table.column("label")[entry.row].as_py()  # type: ignore

    def _photo(self, entry: HfRow, data: bytes) -> Path:
        """The row's photo as a file (writers copy photos from files), in this reader's temporary folder."""
        if self._photos is None:
            self._photos = Path(tempfile.mkdtemp(prefix="segconv-hf-"))
            weakref.finalize(self, shutil.rmtree, str(self._photos), True)
        path = self._photos / (entry.mask.subset or "default") / entry.mask.name
        if not path.is_file() or path.stat().st_size != len(data):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return path

    def sample(self, entry: HfRow) -> Sample:  # type: ignore[override]
        mask = entry.mask
        findings: list[Finding] = []
        where = f"row {entry.row} of row group {entry.group}"

        def report(code: str, message: str, pixels: int | None = None, file: Path = mask.file) -> None:
            findings.append(Finding(code, message, file=str(file), image=mask.name, element=where, pixels=pixels))

        try:
            image, label = self._cells(entry)
            if not isinstance(label, dict) or not isinstance(label.get("bytes"), bytes) or not label["bytes"]:
                raise Unusable("bad-mask-file", "the row's label holds no image bytes ({bytes, path})")
            pixels = read_label_image(label["bytes"], self.max_pixels)
        except Unusable as exc:
            report(exc.code, exc.message)
            return Sample(mask.name, 0, 0, [], Origin(str(mask.file), where), subset=mask.subset,
                          findings=findings, usable=False)
        photo: Path | None
        if isinstance(image, dict) and isinstance(image.get("bytes"), bytes) and image["bytes"]:
            photo = self._photo(entry, image["bytes"])
        else:  # a null image (the hf writer's, for a photo it did not have): --images may hold it
            photo = locate(mask.name, [self.images / mask.subset if self.images and mask.subset else None,
                                       self.images])
        return self.labelled(mask, pixels, photo, findings, report)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_group"] = None  # a worker reads its own row groups
        return state
