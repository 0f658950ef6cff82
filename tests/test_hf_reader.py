"""``--from hf``: segconv's Hugging Face datasets folder read back (convert/formats/hf/read.py)."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from convert import api
from convert.formats.readers import detect_format, open_dataset

from conftest import FOOD, run_cli


@pytest.fixture
def hf_folder(tmp_path):
    out = tmp_path / "hf"
    api.convert(FOOD / "annotations.json", out, to="hf", labels=FOOD / "labelmap.yaml")
    return out


def shard_of(folder):
    (shard,) = sorted((folder / "data").glob("*.parquet"))
    return shard


def rewrite_rows(shard, change):
    """The shard written again with ``change(rows)`` applied to its rows (a list of dicts)."""
    table = pq.read_table(shard)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), shard)


def png(array) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_detected_and_equal_to_the_png_masks(hf_folder, tmp_path):
    assert detect_format(hf_folder) == "hf"
    api.convert(FOOD / "annotations.json", tmp_path / "png", labels=FOOD / "labelmap.yaml")
    stems = [name.rsplit(".", 1)[0] for name in open_dataset(hf_folder).names()]
    assert sorted(stems) == sorted(name.rsplit(".", 1)[0] for name in open_dataset(tmp_path / "png").names())
    diff = run_cli("diff", str(tmp_path / "png"), str(hf_folder))
    assert diff.returncode == 0 and "0 changed, 0 pixels" in diff.stderr, diff.stderr


def test_id2label_alone_gives_the_names_and_255_is_void(hf_folder):
    (hf_folder / "labelmap.json").unlink()
    names = json.loads((hf_folder / "id2label.json").read_text())
    rewrite_rows(shard_of(hf_folder), lambda rows: rows[0]["label"].update(bytes=png([[0, 1], [255, 255]])))
    ds = open_dataset(hf_folder)
    assert {c.index: c.name for c in ds.own_labelmap.classes} == {int(k): v for k, v in names.items()}
    first = ds[0]
    assert {r.label for r in first.regions} == {names["0"], names["1"], None}  # 255: void


def test_a_label_of_another_size_than_its_photo_is_named(hf_folder):
    rewrite_rows(shard_of(hf_folder), lambda rows: rows[1]["label"].update(bytes=png(np.zeros((3, 4)))))
    proc = run_cli("validate", str(hf_folder))
    assert proc.returncode == 1, proc.stderr
    assert "error[image-size-mismatch]" in proc.stderr and "mask is 4x3 but" in proc.stderr, proc.stderr
    assert "row 1 of row group 0" in proc.stderr, proc.stderr


def test_a_label_that_is_no_image_is_a_finding_not_a_crash(hf_folder):
    rewrite_rows(shard_of(hf_folder), lambda rows: rows[2]["label"].update(bytes=b"not a png"))
    proc = run_cli("validate", str(hf_folder))
    assert "internal error" not in proc.stderr and "[bad-mask-file]" in proc.stderr, proc.stderr


def test_an_unsafe_file_name_is_not_converted(hf_folder):
    rewrite_rows(shard_of(hf_folder), lambda rows: rows[0].update(file_name="../../escape.jpg"))
    proc = run_cli("validate", str(hf_folder))
    assert "error[unsafe-path]" in proc.stderr and "'../../escape.jpg'" in proc.stderr, proc.stderr


def test_a_cut_shard_is_one_line_naming_it(hf_folder):
    shard = shard_of(hf_folder)
    shard.write_bytes(shard.read_bytes()[:1000])
    proc = run_cli("validate", str(hf_folder))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert shard.name in proc.stderr and "cannot read the parquet shard" in proc.stderr, proc.stderr


def test_photos_are_carried_to_a_layout_that_places_them(hf_folder, tmp_path):
    api.convert(hf_folder, tmp_path / "voc", to="voc")
    for photo in (FOOD / "images").rglob("*.jpg"):
        copied = tmp_path / "voc" / "JPEGImages" / photo.relative_to(FOOD / "images")
        assert copied.read_bytes() == photo.read_bytes()


def test_each_row_group_is_read_once_in_order(hf_folder, monkeypatch):
    reads = []
    real = pq.ParquetFile.read_row_group

    def counted(self, i, *args, **kwargs):
        reads.append((i, tuple(kwargs.get("columns") or ())))
        return real(self, i, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", counted)
    ds = open_dataset(hf_folder)
    reads.clear()
    assert len(list(ds)) == 4
    assert reads == [(0, ("image", "label"))]  # 4 rows, one row group


def test_jobs_2_gives_the_same_masks(hf_folder, tmp_path):
    one = api.convert(hf_folder, tmp_path / "one")
    two = api.convert(hf_folder, tmp_path / "two", jobs=2)
    assert one.findings == two.findings
    for mask in sorted((tmp_path / "one" / "masks").rglob("*.png")):
        assert mask.read_bytes() == (tmp_path / "two" / mask.relative_to(tmp_path / "one")).read_bytes()


def test_a_damaged_row_group_is_a_finding_per_row(hf_folder):
    """A page header damaged under an intact footer: the rows are listed, their row group cannot be read: a
    bad-mask-file finding for each row naming it, never an internal error (the fuzzer found pyarrow's
    ArrowInvalid and OSError escaping)."""
    shard = shard_of(hf_folder)
    meta = pq.ParquetFile(shard).metadata
    start = meta.row_group(0).column(0).data_page_offset  # the first page of the image column
    raw = bytearray(shard.read_bytes())
    raw[start:start + 8] = b"\xff" * 8
    shard.write_bytes(bytes(raw))
    proc = run_cli("validate", str(hf_folder))
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("error[bad-mask-file]") == 4, proc.stderr  # the four rows of the one group
    assert "row group 0 of the shard cannot be read" in proc.stderr, proc.stderr


@pytest.mark.parametrize("names", [{"\u00b9": "plate"}, {"0": ""}, {"300": "plate"}, ["plate"], {}])
def test_id2label_that_is_no_map_of_values_to_names_is_one_line(hf_folder, names):
    """A key that only looks like a number ('¹' passes str.isdigit, int() refuses it: the fuzzer's find),
    an empty name, a value beyond 8 bits, not a map: one line naming id2label.json, exit 2."""
    (hf_folder / "labelmap.json").unlink()
    (hf_folder / "id2label.json").write_text(json.dumps(names))
    proc = run_cli("validate", str(hf_folder))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "id2label.json" in proc.stderr and "must map label values to class names" in proc.stderr, proc.stderr
