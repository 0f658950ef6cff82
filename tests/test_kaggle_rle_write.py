"""``--to kaggle-rle``: the CSV a Kaggle notebook reads, in each order and row form; read back by segconv and
by a decoder of ten lines, equal to the png writer's masks; the README's own decoder decodes it."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest
from PIL import Image
from test_kaggle_rle import decode

from convert import api
from convert.formats.readers import detect_format, open_dataset

from conftest import FIXTURES, FOOD, run_cli, tree_digest

LABELS = FOOD / "labelmap.yaml"


def png_masks(out):
    return {p.relative_to(out / "masks").with_suffix("").as_posix(): np.asarray(Image.open(p))
            for p in (out / "masks").rglob("*.png")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("png")
    api.convert(FOOD / "annotations.json", out, labels=LABELS)
    return png_masks(out)


def table(out):
    with open(out / "masks.csv", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("order", ["column", "row"])
@pytest.mark.parametrize("rows", ["class", "object"])
@pytest.mark.parametrize("sizes", ["yes", "no"])
def test_the_written_csv_reads_back_to_the_png_masks(tmp_path, reference, order, rows, sizes):
    out = tmp_path / "k"
    report = api.convert(FOOD / "annotations.json", out, to="kaggle-rle", labels=LABELS,
                         format_options={"order": order, "rows": rows, "size-columns": sizes})
    assert report.exit_code() == 0
    header = table(out)[0]
    assert header == ({"column": ["ImageId"], "row": ["img"]}[order] + ["ClassId"]
                      + {"column": ["EncodedPixels"], "row": ["rle_mask"]}[order]
                      + (["width", "height"] if sizes == "yes" else []))
    assert detect_format(out) == "kaggle-rle"
    dataset = open_dataset(out)
    labelmap, _ = api.resolve_labelmap(dataset, None)
    from convert.painting.paint import paint

    back = {s.stem: paint(s, labelmap).class_mask for s in dataset}
    assert sorted(back) == sorted(reference)
    for name, mask in reference.items():
        assert (back[name] == mask).all(), name
    assert api.validate(out).exit_code() == 0
    assert all(f.severity.value == "info" for f in api.validate(out).findings)


def test_a_consumer_decodes_every_row_to_the_png_masks(tmp_path, reference):
    """Without segconv: the header says the order, ClassId the class index; the rows paint the png masks."""
    for order in ("column", "row"):
        out = tmp_path / order
        api.convert(FOOD / "annotations.json", out, to="kaggle-rle", labels=LABELS, format_options={"order": order})
        painted: dict[str, np.ndarray] = {}
        for row in table(out)[1:]:
            name, klass, runs, width, height = row
            mask = painted.setdefault(name.rsplit(".", 1)[0], np.zeros((int(height), int(width)), np.uint8))
            if runs:
                mask[decode(runs, int(height), int(width), order)] = int(klass)
        assert sorted(painted) == sorted(reference)
        assert all((painted[n] == reference[n]).all() for n in reference)


def test_the_readmes_decoder_decodes_the_csv(tmp_path, reference):
    for order in ("column", "row"):
        out = tmp_path / order
        api.convert(FOOD / "annotations.json", out, to="kaggle-rle", labels=LABELS, format_options={"order": order})
        readme = (out / "README.md").read_text()
        code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
        scope: dict = {}
        exec(code, scope)  # noqa: S102 - the README's own snippet, run as a reader would
        name, klass, runs, width, height = table(out)[1]
        got = scope["decode"](runs, int(height), int(width))
        assert (got == (reference[name.rsplit(".", 1)[0]] == int(klass))).all()
        words = {"column": "column by column (top to bottom, then left to right)",
                 "row": "row by row (left to right, then top to bottom)"}[order]
        assert f"**Pixel order: {words}.**" in readme and "Starts count from 1" in readme
        assert "| 5 | rice |" in readme and "Pixels in no row are `background`." in readme


def test_carvanas_csv_written_back_row_by_row_is_its_own_bytes(tmp_path):
    """One row per image, Carvana's header and order: the rows are the fixture's, byte for byte."""
    out = tmp_path / "c"
    api.convert(FIXTURES / "kaggle" / "carvana", out, to="kaggle-rle",
                format_options={"rows": "image", "order": "row", "size-columns": "no"})
    assert (out / "masks.csv").read_text() == (FIXTURES / "kaggle" / "carvana" / "train_masks.csv").read_text()
    assert json.loads((out / "labelmap.json").read_text())["classes"][1]["name"] == "foreground"
    assert sorted(p.name for p in (out / "images").iterdir()) == ["car01_01.jpg", "car01_02.jpg"]
    assert (out / "images" / "car01_01.jpg").read_bytes() == \
        (FIXTURES / "kaggle" / "carvana" / "train" / "car01_01.jpg").read_bytes()


def test_rows_image_refuses_a_label_map_of_several_classes_before_writing(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", tmp_path / "o", "--to",
                   "kaggle-rle", "-O", "rows=image")
    assert proc.returncode == 2
    assert "-O rows=image writes one mask per image, of one class; the label map has 9 besides the fill class " \
           "('plate', 'bowl'" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_an_image_without_objects_keeps_a_row_and_void_is_counted(tmp_path):
    """A COCO image with no annotation; one annotation of a category the label map does not know (void)."""
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 5, "height": 4},
                      {"id": 2, "file_name": "b.jpg", "width": 5, "height": 4}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 2, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]},
                           {"id": 2, "image_id": 1, "category_id": 1, "segmentation": [[3, 0, 5, 0, 5, 4, 3, 4]]}],
           "categories": [{"id": 1, "name": "plate"}, {"id": 2, "name": "spoon"}]}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    (tmp_path / "lm.yaml").write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                                      "  - {name: plate, index: 1, level: 1}\n")
    out = tmp_path / "o"
    report = api.convert(tmp_path / "a.json", out, to="kaggle-rle", labels=tmp_path / "lm.yaml")
    [void] = [f for f in report.findings if f.code == "written-pixels-differ"]
    assert void.pixels == 4 and void.image == "a.jpg" and "4 void pixels" in void.message
    assert table(out)[1:] == [["a.jpg", "1", "13 8", "5", "4"], ["b.jpg", "", "", "5", "4"]]
    back = open_dataset(out)
    assert back.names() == ["a.jpg", "b.jpg"] and back[1].regions == []
    assert "for 2 images, one per image and class" in report.summary
    assert "4 void pixels have no run-length form and read back as the fill class" in report.summary


def test_a_missing_photo_is_said_and_the_size_columns_still_place_the_runs(tmp_path):
    from conftest import coco_doc, write_json

    src = write_json(tmp_path / "a.json", coco_doc([{"id": 1, "file_name": "gone.jpg", "width": 4, "height": 3}],
                                                   [{"id": 1, "image_id": 1, "category_id": 1,
                                                     "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}],
                                                   [{"id": 1, "name": "plate"}]))
    report = api.convert(src, tmp_path / "o", to="kaggle-rle")
    [missing] = [f for f in report.findings if f.code == "missing-image"]  # none found: the set's one note
    assert missing.severity.value == "info" and "(for each image: images/ lacks it)" in missing.message
    [sample] = open_dataset(tmp_path / "o")
    assert sample.usable and (sample.width, sample.height) == (4, 3)
    report = api.convert(src, tmp_path / "n", to="kaggle-rle", format_options={"size-columns": "no"})
    [missing] = [f for f in report.findings if f.code == "missing-image" and f.image == "gone.jpg"]
    assert "without width and height columns its runs cannot be placed when read back" in missing.message
    assert missing.severity.value == "error" and report.exit_code() == 1  # an output that cannot be read back


def test_the_same_bytes_whatever_jobs_is(tmp_path):
    digests = []
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        api.convert(FOOD / "annotations.json", out, to="kaggle-rle", labels=LABELS, jobs=jobs,
                    format_options={"rows": "object"})
        digests.append({k: v for k, v in tree_digest(out).items() if not k.startswith(".segconv")})
    assert digests[0] == digests[1]


def test_photos_are_placed_as_the_csv_names_them_and_read_back_without_size_columns(tmp_path):
    """A photo's extension is written in lower case (as every layout places photos) and the CSV names the file
    placed; an id without an image extension (SIIM's dotted ids) keeps its name, and its photo ``<id>.png`` is
    found on reading, before and after."""
    from conftest import coco_doc, write_json

    src = tmp_path / "src"
    (src / "images").mkdir(parents=True)
    Image.new("RGB", (4, 3)).save(src / "A.JPG", format="JPEG")
    write_json(src / "a.json", coco_doc([{"id": 1, "file_name": "A.JPG", "width": 4, "height": 3}],
                                        [{"id": 1, "image_id": 1, "category_id": 1,
                                          "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}], [{"id": 1, "name": "plate"}]))
    report = api.convert(src / "a.json", tmp_path / "o", to="kaggle-rle", format_options={"size-columns": "no"})
    assert report.exit_code() == 0 and [row[0] for row in table(tmp_path / "o")[1:]] == ["A.jpg"]
    assert [p.name for p in (tmp_path / "o" / "images").iterdir()] == ["A.jpg"]
    assert [(s.name, s.size_checked) for s in open_dataset(tmp_path / "o")] == [("A.jpg", True)]

    Image.new("RGB", (4, 3)).save(src / "images" / "1.2.276.0.1.png")
    (src / "siim.csv").write_text("ImageId,EncodedPixels\n1.2.276.0.1,1 2\n")
    [sample] = open_dataset(src / "siim.csv")
    assert sample.image_path == str(src / "images" / "1.2.276.0.1.png") and sample.size_checked
    api.convert(src / "siim.csv", tmp_path / "s", to="kaggle-rle", format_options={"size-columns": "no"})
    assert [row[0] for row in table(tmp_path / "s")[1:]] == ["1.2.276.0.1"]
    assert [p.name for p in (tmp_path / "s" / "images").iterdir()] == ["1.2.276.0.1.png"]
    [back] = open_dataset(tmp_path / "s")
    assert (back.name, back.size_checked, back.image_path) == ("1.2.276.0.1", True,
                                                               str(tmp_path / "s" / "images" / "1.2.276.0.1.png"))
