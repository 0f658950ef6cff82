"""The ``hf`` layout: a Hugging Face ``datasets`` folder of parquet shards, ready to load or to upload.

::

    OUT/data/<split>-00000-of-0000N.parquet   columns image, label (Image features) and file_name
    OUT/id2label.json                          {"0": "background", "1": "plate", ...}
    OUT/labelmap.json                          segconv's label map (levels, void as written), for reading back
    OUT/README.md                              dataset card: dataset_info features, splits and configs YAML

``image`` holds the image file's own bytes and name (a null cell when the photo is missing: ``datasets``
loads it as ``None``, where ``{bytes: None, path}`` made it open a file that is not there); ``label`` the PNG
bytes of the class mask as one 8-bit channel (value = class index, 255 = void), both in the storage of
``datasets``' ``Image`` feature (``{bytes, path}``).  (Handed a palette image in memory, ``datasets`` would
store it as TIFF.)  Shards stay under 500 MB of image and label bytes (``datasets``' own default size), in
row groups of 100 rows (fewer once 32 MiB are waiting, so memory stays bounded); the image and label bytes
are stored uncompressed, as they are compressed already.
``datasets.load_dataset(OUT)`` and ``load_dataset("parquet", data_files=...)`` load it offline;
``huggingface-cli upload USER/NAME OUT --repo-type dataset`` publishes it.
Needs pyarrow: ``pip install 'segconv[hf]'``.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple, TypedDict

import numpy as np

from convert.errors import UsageError
from convert.files.images import photo_suffix
from convert.files.remote.stand_ins import whole
from convert.files.remote.urls import is_url, join, shown
from convert.formats.eightbit import EightBit, EightBitWriter, eight_bit
from convert.formats.layout_writer import Written, split_order, within_split
from convert.model.labelmap import LabelMap
from convert.model.sample import Sample
from convert.painting.painted import Painted
from convert.wording import plural

MAX_SHARD_BYTES = 500 * 10**6
ROW_GROUP = 100  # rows per row group, as datasets writes image datasets...
ROW_GROUP_BYTES = 32 * 2**20  # ...or fewer when their bytes reach this: memory stays bounded, and pyarrow writes
# 30 rows of 1 MB photos in 1.2 ms a row against 1.7 ms in groups of 100 (measured, bench/RESULTS.md)


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("--to hf needs pyarrow: pip install 'segconv[hf]'") from None
    return pa, pq


def schema():
    pa, _ = _pyarrow()
    image = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    features = {"image": {"_type": "Image"}, "label": {"_type": "Image"}, "file_name": {"dtype": "string",
                                                                                         "_type": "Value"}}
    return pa.schema([("image", image), ("label", image), ("file_name", pa.string())],
                     metadata={"huggingface": json.dumps({"info": {"features": features}})})


class Cell(TypedDict):
    """A cell of an ``Image`` column, as ``datasets`` stores it: the file's bytes (``None``: no image) and name."""

    bytes: bytes | None
    path: str


def _size(cell: Cell | None) -> int:
    return len(cell["bytes"] or b"") if cell else 0


class HfRecord(NamedTuple):
    """One row of a split's parquet shards."""

    split: str
    image: Cell | None  # None: no photo (a null image)
    label: Cell
    file_name: str


class HfWriter(EightBitWriter):
    name = "hf"
    has_splits = True
    main_process_only = ("_open", "_pool", "_job")  # open parquet writers, the thread writing them

    @staticmethod
    def check_labelmap(labelmap: LabelMap) -> EightBit:
        _pyarrow()
        return eight_bit(labelmap, "hf")

    def __init__(self, out: Path, labelmap: LabelMap, **kwargs):
        super().__init__(out, labelmap, **kwargs)
        self.shards: dict[str, list[str]] = {}  # split -> temporary shard names, in order
        self.rows: dict[str, int] = {}
        self.arrow_bytes: dict[str, int] = {}  # per split, the Arrow size of its rows: the card's num_bytes
        self._open: dict[str, tuple] = {}  # split -> (writer, path, bytes so far, rows waiting)
        self._pool: ThreadPoolExecutor | None = None  # the thread writing parquet beside the painting...
        self._job: Future | None = None  # ...and what it is writing

    def write(self, sample: Sample, painted: Painted) -> Written:
        written = Written()
        split = sample.subset or self.default_subset
        stem = within_split(sample.stem, split)
        label = self.label_png(painted.class_mask)
        image: Cell | None = None  # no photo: a null image (datasets' Image feature loads it as None)
        src = None if sample.image_data is not None else self.image_file(sample)  # embedded: no file looked for
        if sample.image_data is not None:  # embedded in the source (labelme's imageData)
            name = f"{stem}{photo_suffix(sample.image_data)}"
            image = {"bytes": sample.image_data, "path": name}
        elif src is not None:
            name = f"{stem}{src.suffix.lower()}"
            image = {"bytes": whole(src).read_bytes(), "path": name}
        else:
            self.missing_image(written, sample, "its row's image is null")
            name = within_split(sample.name, split)
        self.entry(written, f"data/{split}-*.parquet: the row file_name {name!r}")
        written.record = HfRecord(split, image, {"bytes": label, "path": f"{stem}.png"}, name)
        return written

    def collect(self, record: HfRecord) -> None:
        """In the main process, in sample order: rows appended to the split's current shard, a new shard past
        500 MB."""
        split, image, label, name = record
        row = _size(image) + _size(label) + len(name)
        current = self._open.get(split)
        if current is not None and current[2] and current[2] + row > MAX_SHARD_BYTES:
            self._close(split)  # this row would take the shard past the limit: it starts the next one
            current = None
        writer, path, size, waiting = current or self._new_shard(split)
        waiting.append((image, label, name))
        pending = sum(_size(i) + _size(lab) for i, lab, _ in waiting)
        if len(waiting) >= ROW_GROUP or pending >= ROW_GROUP_BYTES:
            self._in_background(self._flush, split, writer, waiting)
            waiting = []
        self._open[split] = (writer, path, size + row, waiting)
        self.rows[split] = self.rows.get(split, 0) + 1

    def _new_shard(self, split: str):
        _, pq = _pyarrow()
        (self.out / "data").mkdir(parents=True, exist_ok=True)
        path = self.scratch(f"data/.{split}-{len(self.shards.get(split, [])):05d}.parquet.partial")
        self.shards.setdefault(split, []).append(path.name)
        # the image and label bytes are PNG and JPEG already: compressing them again (parquet's default, snappy)
        # or trying a dictionary of them costs time and saves nothing; file names are small and compress
        return pq.ParquetWriter(str(path), schema(), compression={"image.bytes": "NONE", "label.bytes": "NONE",
                                                                "image.path": "SNAPPY", "label.path": "SNAPPY",
                                                                "file_name": "SNAPPY"},
                                use_dictionary=["file_name"], write_statistics=["file_name"]), path, 0, []

    def _flush(self, split: str, writer, waiting: list) -> None:
        pa, _ = _pyarrow()
        if waiting:
            images, labels, names = zip(*waiting)

            def binary(values: list, kind=None) -> object:  # one join and an offsets array: one copy of the bytes
                blobs = [v or b"" for v in values]
                offsets = np.zeros(len(blobs) + 1, dtype=np.int32)
                np.cumsum([len(b) for b in blobs], out=offsets[1:])
                valid = np.array([v is not None for v in values])
                mask = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
                return pa.Array.from_buffers(kind or pa.binary(), len(blobs),
                                             [mask, pa.py_buffer(offsets), pa.py_buffer(b"".join(blobs))],
                                             null_count=int((~valid).sum()))

            def strings(values) -> object:  # not pa.array(list): it imports pandas when installed (0.3 s)
                return binary([v.encode("utf-8") for v in values], pa.string())

            def column(cells) -> object:  # {bytes, path} cells as one struct array, built from two plain arrays
                null = [c is None for c in cells]  # a missing photo: the whole cell is null
                whole_cells = [c or {"bytes": None, "path": ""} for c in cells]
                return pa.StructArray.from_arrays(
                    [binary([c["bytes"] for c in whole_cells]), strings([c["path"] for c in whole_cells])],
                    fields=list(writer.schema.field("image").type),
                    mask=pa.array(np.array(null, dtype=bool)) if any(null) else None)

            table = pa.table([column(images), column(labels), strings(names)], schema=writer.schema)
            writer.write_table(table)
            # what `datasets` counts as the split's num_bytes when it loads the rows (the Arrow buffers' size)
            self.arrow_bytes[split] = self.arrow_bytes.get(split, 0) + table.nbytes
            waiting.clear()

    def _close(self, split: str) -> None:
        writer, path, _, waiting = self._open.pop(split)

        def close() -> None:
            self._flush(split, writer, waiting)
            writer.close()

        self._in_background(close)

    def _in_background(self, job, *args) -> None:
        """Run ``job(*args)`` in the writing thread, once the job before it is done (its error raised here):
        pyarrow writes a row group without the GIL while the next images are painted, one at a time, so
        memory stays bounded (one row group written, one filling)."""
        self._wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="segconv-parquet")
        self._job = self._pool.submit(job, *args)

    def _wait(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.result()

    def finish(self) -> list[str]:
        try:
            for split in list(self._open):
                self._close(split)
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
        files = []
        for split, parts in self.shards.items():
            for i, part in enumerate(parts):
                final = f"data/{split}-{i:05d}-of-{len(parts):05d}.parquet"
                os.replace(self.out / "data" / part, self.scratch(final))
                self.forget(f"data/{part}")
                files.append(final)
        id2label = {str(c.index): c.name for c in sorted(self.labelmap.classes, key=lambda c: c.index)}
        doc = self.labelmap.to_dict()
        doc["void"] = self.eight.void  # as the label images hold it (--from hf reads the folder back)
        return files + [self.write_file("id2label.json", json.dumps(id2label, indent=2) + "\n"),
                        self.write_file("labelmap.json", json.dumps(doc, indent=2) + "\n"),
                        self.write_file("README.md", self.card())]

    def card(self) -> str:
        order = split_order(self.rows)
        splits = "".join(f"  - name: {split}\n    num_bytes: {self.arrow_bytes.get(split, 0)}\n"
                         f"    num_examples: {self.rows[split]}\n" for split in order)
        files = "".join(f"  - split: {split}\n    path: data/{split}-*\n" for split in order)
        void = self.eight.void
        lines = ["---", "dataset_info:", "  features:", "  - name: image", "    dtype: image", "  - name: label",
                 "    dtype: image", "  - name: file_name", "    dtype: string", "  splits:"]
        return ("\n".join(lines) + "\n" + splits + "configs:\n- config_name: default\n  data_files:\n" + files + "---\n"
                + "\n# Semantic segmentation dataset\n\nWritten by segconv. `image` is the photo, `label` the class "
                  "mask: one 8-bit channel, value = class index (`id2label.json`), "
                  f"{void} = void (ignore it in the loss{self._void_note()}). The photos are stored as delivered; "
                  "the masks are "
                  "drawn in their EXIF-oriented frame, which is how `datasets` decodes them (other parquet "
                  "readers must apply the EXIF orientation themselves).\n\n"
                  "```python\nfrom datasets import load_dataset\n"
                  "dataset = load_dataset(\"path/to/this/folder\")\n```\n\nTo publish it: "
                  "`huggingface-cli upload USER/NAME path/to/this/folder --repo-type dataset`.\n")

    def _void_note(self) -> str:
        if self.eight.void == self.labelmap.void:
            return ""
        return f"; the label map's void, {self.labelmap.void}, does not fit in 8 bits"

    def summary(self, images: int) -> str:
        splits = ", ".join(f"{s} {self.rows[s]:,}" for s in split_order(self.rows))
        shards = sum(len(p) for p in self.shards.values())
        return (f"wrote a Hugging Face datasets folder of {plural(images, 'image')} ({splits}) to {self.out}: "
                f"{plural(shards, 'parquet shard')}, id2label.json, labelmap.json, README.md; load it with "
                f"datasets.{self._loading()}")

    def _loading(self) -> str:
        """How ``datasets`` loads what was written: a folder by its path; in a bucket, ``load_dataset(URL)``
        looks for a folder of that name on this machine, so the parquet builder is given the shards' URLs
        (the backend's own configuration reaches the bucket, as it did for segconv)."""
        if not is_url(self.where):
            return f"load_dataset({str(self.out)!r})"
        files = ", ".join(f"{split!r}: {join(shown(self.where), f'data/{split}-*.parquet')!r}"
                          for split in split_order(self.rows))
        return f"load_dataset('parquet', data_files={{{files}}})"
