"""Kaggle run-length CSVs (``--from kaggle-rle``): the fixtures of fixtures/make_kaggle.py in both pixel orders,
read by segconv and by a decoder of ten lines written from the competitions' own text; the order stated and
checked against reference masks; every trap of a run-length string a finding whose words are true."""

from __future__ import annotations

import csv
import shutil
import sys

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.readers import detect_format, open_dataset
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import FIXTURES, run_cli

KAGGLE = FIXTURES / "kaggle"
sys.path.insert(0, str(FIXTURES))
from make_kaggle import MASKS, SIZES, encode, union  # noqa: E402  (the fixtures' own masks)


def decode(rle: str, height: int, width: int, order: str, relative: bool = False) -> np.ndarray:
    """Independent of segconv: 'pairs of values that contain a start position and a run length', starts from 1
    (or, SIIM, the pixels since the previous run), 'numbered from top to bottom, then left to right'
    (``column``) or row by row (``row``)."""
    flat = np.zeros(height * width, dtype=bool)
    numbers = [int(v) for v in rle.split()] if rle.strip() not in ("", "-1") else []
    position = 0
    for first, length in zip(numbers[0::2], numbers[1::2]):
        start = position + first if relative else first - 1
        flat[start:start + length] = True
        position = start + length
    return flat.reshape(height, width) if order == "row" else flat.reshape(width, height).T


def rows_of(path, image="ImageId", runs="EncodedPixels"):
    """{image: [(class or None, run-length text)]} as the csv module reads the file."""
    out: dict[str, list] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh, skipinitialspace=True):
            out.setdefault(row[image], [])
            if row[runs].strip() not in ("", "-1"):
                out[row[image]].append((row.get("ClassId") or row.get("cell_type"), row[runs]))
    return out


def painted(src, **options):
    """{name: class mask} as segconv reads and paints ``src`` with the label map it carries or derives."""
    dataset = open_dataset(src, **options)
    labelmap, _ = api.resolve_labelmap(dataset, options.get("labels"))
    return {s.name: paint(s, labelmap).class_mask for s in dataset if s.usable}, dataset, labelmap


# ------------------------------------------------------------------ the fixtures, in both orders
CASES = {  # folder: (csv, image column, run column, order, relative, reader options)
    "carvana": ("train_masks.csv", "img", "rle_mask", "row", False, {}),
    "airbus": ("train_ship_segmentations_v2.csv", "ImageId", "EncodedPixels", "column", False, {}),
    "severstal": ("train.csv", "ImageId", "EncodedPixels", "column", False, {}),
    "siim": ("train-rle.csv", "ImageId", "EncodedPixels", "column", True, {"options": {"size": "6x6"}}),
}


@pytest.mark.parametrize("folder", sorted(CASES))
def test_the_fixtures_decode_to_their_masks_independently(folder):
    """The generator's CSVs, read by the ten-line decoder, are the masks it drew: the fixtures hold what the
    competitions' text says, in the order each one counts."""
    csv_name, image, runs, order, relative, _ = CASES[folder]
    width, height = SIZES[folder]
    for name, rows in rows_of(KAGGLE / folder / csv_name, image, runs).items():
        expected = [m for _, m in MASKS[folder][name]]
        got = [decode(text, height, width, order, relative) for _, text in rows]
        if folder == "carvana":  # one row per image: the union
            expected = [union(MASKS[folder][name], width, height)]
        assert len(got) == len(expected) and all((g == e).all() for g, e in zip(got, expected)), name


@pytest.mark.parametrize("folder", sorted(CASES))
def test_segconv_reads_each_fixture_as_the_independent_decoder(folder):
    csv_name, image, runs, order, relative, options = CASES[folder]
    width, height = SIZES[folder]
    masks, dataset, labelmap = painted(KAGGLE / folder, **options)
    assert dataset.format == "kaggle-rle"
    rows = rows_of(KAGGLE / folder / csv_name, image, runs)
    assert sorted(masks) == sorted(rows)  # every image, those without objects too
    for name, mask in masks.items():
        expected = np.zeros((height, width), dtype=np.int64)
        for klass, text in rows[name]:
            index = labelmap.resolve(klass).index if klass else labelmap.resolve("foreground").index
            expected[decode(text, height, width, order, relative)] = index
        assert (mask == expected).all(), name
    for sample in dataset:
        assert [f.code for f in sample.findings] == []


def test_severstals_class_ids_keep_their_values():
    _, dataset, labelmap = painted(KAGGLE / "severstal")
    assert [(c.name, c.index, c.fill) for c in labelmap.classes] == [("background", 0, True), ("1", 1, False),
                                                                     ("3", 3, False), ("4", 4, False)]
    assert dataset.names() == ["steel_1.jpg", "steel_2.jpg"]  # the reissued train.csv lists defects only


def test_severstals_first_form_reads_as_the_second():
    """``ImageId_ClassId``: four rows per image, blank where a class is absent; steel_3 has no defect and is
    an image of the set all the same."""
    first, dataset, _ = painted(KAGGLE / "severstal-2019", images=KAGGLE / "severstal" / "train_images")
    second, _, _ = painted(KAGGLE / "severstal")
    assert sorted(first) == ["steel_1.jpg", "steel_2.jpg", "steel_3.jpg"]
    assert all((first[name] == second[name]).all() for name in second)
    assert not first["steel_3.jpg"].any()


def test_carvanas_gifs_are_the_rows_and_the_masks_reader_reads_them():
    masks, dataset, _ = painted(KAGGLE / "carvana")
    gifs, gif_set, gif_map = painted(KAGGLE / "carvana" / "train_masks")
    assert detect_format(KAGGLE / "carvana" / "train_masks") == "masks"
    assert gif_set.names() == ["car01_01.jpg", "car01_02.jpg"]  # named after the photos in train/ beside
    assert [s.image_path for s in gif_set] == [str(KAGGLE / "carvana" / "train" / n) for n in gif_set.names()]
    assert [(c.name, c.index) for c in gif_map.classes] == [("background", 0), ("foreground", 1)]
    for name, mask in masks.items():
        gif = np.asarray(Image.open(KAGGLE / "carvana" / "train_masks" / f"{name[:-4]}_mask.gif"))
        assert (mask == (gif == 1)).all() and (gifs[name] == mask).all(), name


def test_a_gif_folder_without_photos_names_masks_after_themselves(tmp_path):
    shutil.copytree(KAGGLE / "carvana" / "train_masks", tmp_path / "m")
    assert open_dataset(tmp_path / "m").names() == ["car01_01.gif", "car01_02.gif"]


def test_the_food_scene_as_sartorius_writes_it_paints_as_coco(tmp_path):
    """Row by row, classes by name in cell_type, sizes in width and height (no photos): the same masks as the
    COCO file it was made from."""
    from conftest import FOOD

    labels = FOOD / "labelmap.yaml"
    masks, dataset, _ = painted(KAGGLE / "food", labels=labels)
    coco, _, _ = painted(FOOD / "annotations.json", labels=labels)
    assert sorted(masks) == sorted(coco)
    for name in coco:
        assert (masks[name] == coco[name]).all(), name
    assert all(s.image_path is None for s in dataset)


# ------------------------------------------------------------------ the order: stated, and checked
def order_note(dataset) -> str:
    [note] = [f for f in dataset.findings if f.code == "rle-order"]
    assert note.severity.value == "info"
    return note.message


def test_the_order_is_stated_with_its_reason():
    assert order_note(open_dataset(KAGGLE / "carvana")) == (
        "pixels counted row by row (left to right, then top to bottom): the default for Carvana's header "
        "('img,rle_mask'), -O order=column reads them the other way; starts count from 1; checked against the "
        "reference masks in train_masks/ where an image has one")
    assert order_note(open_dataset(KAGGLE / "airbus")) == (
        "pixels counted column by column (top to bottom, then left to right): the default for the header of Airbus, "
        "Severstal and SIIM ('ImageId,EncodedPixels'), -O order=row reads them the other way; starts count from 1")
    assert order_note(open_dataset(KAGGLE / "siim", options={"size": "6x6"})).endswith(
        "the default for SIIM's header ('ImageId, EncodedPixels'), -O order=row reads them the other way; each start "
        "counts the pixels since the previous run ended (SIIM's organisers' form, the default for its header; "
        "-O starts=absolute reads pixel numbers)")
    assert order_note(open_dataset(KAGGLE / "airbus", options={"order": "row", "base": "0"})) == (
        "pixels counted row by row (left to right, then top to bottom): as -O order=row says; starts count from 0")


def test_the_cli_prints_the_order(tmp_path):
    proc = run_cli("validate", KAGGLE / "carvana")
    assert proc.returncode == 0, proc.stderr
    assert "info[rle-order]" in proc.stderr and "pixels counted row by row" in proc.stderr


def carvana_in(tmp_path, order):
    """Carvana's folder with its CSV re-encoded counting ``order``, under Carvana's header."""
    folder = tmp_path / f"carvana-{order}"
    shutil.copytree(KAGGLE / "carvana", folder)
    width, height = SIZES["carvana"]
    lines = ["img,rle_mask"] + [f"{n},{encode(union(r, width, height), order)}" for n, r in MASKS["carvana"].items()]
    (folder / "train_masks.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_a_column_major_file_read_as_row_major_is_caught_by_its_reference_masks(tmp_path):
    folder = carvana_in(tmp_path, "column")
    dataset = open_dataset(folder)
    width, height = SIZES["carvana"]
    for sample in dataset:
        [finding] = sample.findings
        truth = union(MASKS["carvana"][sample.name], width, height)
        text = next(t for _, t in rows_of(folder / "train_masks.csv", "img", "rle_mask")[sample.name])
        wrong = decode(text, height, width, "row")  # what reading it row by row paints
        assert finding.code == "rle-order-mismatch" and finding.severity.value == "error"
        assert finding.pixels == int((wrong != truth).sum()) > 0
        assert finding.message.endswith("they equal it: read the CSV with -O order=column")
        assert finding.file.endswith(f"{sample.name[:-4]}_mask.gif")
    assert all(s.findings == [] for s in open_dataset(folder, options={"order": "column"}))
    proc = run_cli("validate", folder)
    assert proc.returncode == 1 and "error[rle-order-mismatch]" in proc.stderr


def test_runs_that_match_the_mask_in_neither_order_are_a_warning(tmp_path):
    folder = carvana_in(tmp_path, "row")
    text = (folder / "train_masks.csv").read_text().replace("13 3 20 7", "13 2 20 7")  # one pixel fewer
    (folder / "train_masks.csv").write_text(text)
    [finding] = open_dataset(folder)[0].findings
    assert (finding.code, finding.pixels, finding.severity.value) == ("rle-reference-mismatch", 1, "warning")
    assert "(on " in finding.message and "counted the other way)" in finding.message


# ------------------------------------------------------------------ sizes, photos, names
def csv_file(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_missing_image_is_an_error_naming_it(tmp_path):
    path = csv_file(tmp_path, "ImageId,EncodedPixels\nnowhere.jpg,1 3\n")
    [sample] = open_dataset(path)
    [finding] = sample.findings
    assert not sample.usable and finding.code == "missing-image" and finding.severity.value == "error"
    assert "image 'nowhere.jpg' not found" in finding.message and "-O size=WIDTHxHEIGHT" in finding.message
    assert finding.line == 2
    [sized] = open_dataset(path, options={"size": "4x3"})
    assert sized.usable and (sized.width, sized.height) == (4, 3)


def test_size_option_is_checked(tmp_path):
    path = csv_file(tmp_path, "ImageId,EncodedPixels\na.jpg,1 3\n")
    for bad in ("4", "0x3", "ax3", "4x-1"):
        with pytest.raises(SegconvError, match="WIDTHxHEIGHT"):
            open_dataset(path, options={"size": bad})


def test_photos_are_found_beside_the_csv_and_ids_without_extension_too(tmp_path):
    (tmp_path / "train" / "images").mkdir(parents=True)
    Image.new("RGB", (5, 4)).save(tmp_path / "train" / "images" / "3e06571ef3.png")
    path = csv_file(tmp_path, "id,rle_mask\n3e06571ef3,1 2\n")  # TGS: ids without extension
    [sample] = open_dataset(path)
    assert (sample.width, sample.height, sample.name) == (5, 4, "3e06571ef3")
    assert sample.image_path == str(tmp_path / "train" / "images" / "3e06571ef3.png") and sample.size_checked


def test_width_and_height_columns_are_checked_against_the_photo(tmp_path):
    (tmp_path / "images").mkdir()
    Image.new("RGB", (5, 4)).save(tmp_path / "images" / "a.jpg")
    path = csv_file(tmp_path, "ImageId,EncodedPixels,width,height\na.jpg,1 2,6,4\n")
    [sample] = open_dataset(path)
    [finding] = sample.findings
    assert finding.code == "image-size-mismatch" and "the CSV says 6x4, the image is 5x4" in finding.message
    assert (sample.width, sample.height) == (5, 4)


def test_a_folder_with_several_csvs_names_them(tmp_path):
    for name in ("a.csv", "b.csv"):
        csv_file(tmp_path, "ImageId,EncodedPixels\nx.jpg,\n", name)
    with pytest.raises(SegconvError, match=r"several run-length CSVs here \(a.csv, b.csv\)"):
        open_dataset(tmp_path, "kaggle-rle")


def test_detection(tmp_path):
    for folder in ("carvana", "airbus", "severstal", "severstal-2019", "siim", "food"):
        assert detect_format(KAGGLE / folder) == "kaggle-rle", folder
    assert detect_format(KAGGLE / "airbus" / "sample_submission_v2.csv") == "kaggle-rle"
    assert open_dataset(KAGGLE / "airbus").path.endswith("train_ship_segmentations_v2.csv")  # not the submission
    for header in ("name,mask", "ImageId,Label", "EncodedPixels,Other"):
        with pytest.raises(SegconvError, match="matches no known format"):
            detect_format(csv_file(tmp_path, header + "\nx,y\n"))


# ------------------------------------------------------------------ the traps of a run-length string
TRAPS = [  # (runs in a 4x3 image, column-major, the code, words of the message, pixels painted)
    ("1 2 5", "rle-odd-count", "3 numbers, an odd count: the last (5) has no length and is ignored", 2),
    ("0 3 9 1", "rle-start-zero", "1 run start at 0 (run 1 first), but pixels count from 1", 3),
    ("11 5", "rle-past-end", "1 run reach past the image's last pixel (12): run 1 first ('11 5' in the file)", 2),
    ("99999999999999 5", "rle-past-end", "('99999999999999 5' in the file)", 0),
    ("7 2 1 3", "rle-unsorted", "run 2 starts before run 1", 5),
    ("1 5 3 4", "rle-run-overlap", "3 pixels lie in more than one run", 6),
    ("1 2 4 0", "bad-value", "1 run of length 0 (run 2 first)", 2),
    ("1 -2", "bad-value", "number 2 ('-2') is not a whole number of 0 or more; the row is not painted", 0),
    ("1 2.5", "bad-value", "number 2 ('2.5') is not a whole number", 0),
    ("1 2 123456789012345678901234 1", "bad-value", "number 3 ('123456789012345678901234') has more than 18 digits",
     0),
]


@pytest.mark.parametrize("runs, code, words, pixels", TRAPS, ids=[t[0] for t in TRAPS])
def test_every_trap_is_a_finding_with_true_words(tmp_path, runs, code, words, pixels):
    path = csv_file(tmp_path, f"ImageId,EncodedPixels,width,height\na.jpg,{runs},4,3\n")
    [sample] = open_dataset(path)
    found = [f for f in sample.findings if f.code == code]
    assert len(found) == 1 and words in found[0].message, sample.findings
    assert found[0].line == 2 and found[0].image == "a.jpg"
    lm = LabelMap.derive(["foreground"])
    assert int((paint(sample, lm).class_mask == 1).sum()) == pixels


def test_a_start_of_zero_paints_the_rest_of_its_run(tmp_path):
    [sample] = open_dataset(csv_file(tmp_path, "ImageId,EncodedPixels,width,height\na.jpg,0 3,4,3\n"))
    mask = paint(sample, LabelMap.derive(["foreground"])).class_mask
    assert mask[:, 0].tolist() == [1, 1, 0]  # pixels 1 and 2 (from 1): the pixel before the first is dropped
    [zero_based] = open_dataset(csv_file(tmp_path, "ImageId,EncodedPixels,width,height\na.jpg,0 3,4,3\n", "z.csv"),
                                options={"base": "0"})
    assert zero_based.findings == [] and paint(zero_based, LabelMap.derive(["foreground"])).class_mask[:, 0].all()


def test_siims_relative_starts_read_as_absolute_say_how_to_read_them(tmp_path):
    dataset = open_dataset(KAGGLE / "siim", options={"size": "6x6", "starts": "absolute"})
    [finding] = [f for f in dataset[0].findings if f.code == "rle-unsorted"]
    assert finding.message.endswith("read as SIIM's relative starts (-O starts=relative) the numbers give sorted "
                                    "runs inside the image")
    with pytest.raises(SegconvError, match="relative starts"):
        open_dataset(KAGGLE / "siim", options={"starts": "relative", "base": "0"})


def test_a_huge_run_allocates_nothing_of_its_size(tmp_path):
    """A run of 10^17 pixels in a 4x3 image: clipped before any arithmetic, no array of its length."""
    import tracemalloc

    path = csv_file(tmp_path, "ImageId,EncodedPixels,width,height\na.jpg,1 100000000000000000,4,3\n")
    tracemalloc.start()
    try:
        [sample] = open_dataset(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 << 20
    assert [f.code for f in sample.findings] == ["rle-past-end"]


BROKEN_ROWS = [
    ("ImageId,EncodedPixels\n../x.jpg,1 2\n", "unsafe-path", "image '../x.jpg' contains '..'"),
    ("ImageId,ClassId,EncodedPixels\n", "bad-value", None),
    ("ImageId_ClassId,EncodedPixels\nnoclass,1 2\n", "bad-value", "is not '<image>_<class>'"),
    ("ImageId,EncodedPixels,Other\na.jpg\n", "bad-value", "1 cells where the header has 3"),
    ("ImageId,ClassId,EncodedPixels,width,height\na.jpg,,1 2,4,3\n", "bad-value", "runs without a class"),
    ("ImageId,EncodedPixels,width,height\na.jpg,1 2,x,3\n", "bad-value", "are no image size"),
]


@pytest.mark.parametrize("text, code, words", BROKEN_ROWS)
def test_broken_rows_are_findings_naming_the_line(tmp_path, text, code, words):
    dataset = open_dataset(csv_file(tmp_path, text))
    if words is None:  # a header without rows: an empty set, not an error
        assert len(dataset) == 0
        return
    [finding] = [f for f in dataset.findings if f.code == code]
    assert words in finding.message and finding.line == 2


def test_a_row_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"ImageId,EncodedPixels,width,height\na\xff.jpg,1 2,4,3\nb.jpg,1 2,4,3\n")
    dataset = open_dataset(path)
    [finding] = [f for f in dataset.findings if f.code == "bad-value"]
    assert finding.line == 2 and "not UTF-8" in finding.message and dataset.names() == ["b.jpg"]


def test_the_fast_encoders_odd_output_is_caught(tmp_path):
    """docs/formats.md: the unpadded encoder of Carvana's kernels writes an odd count when the first pixel is
    set and the last is not."""
    inds = np.array([1, 1, 1, 1, 0, 0, 0, 1, 1, 0])
    runs = np.where(inds[1:] != inds[:-1])[0] + 2
    runs[1::2] = runs[1::2] - runs[:-1:2]
    text = " ".join(map(str, runs))
    assert text == "5 3 10"
    [sample] = open_dataset(csv_file(tmp_path, f"ImageId,EncodedPixels,width,height\na.jpg,{text},10,1\n"))
    assert [f.code for f in sample.findings] == ["rle-odd-count"]


def test_a_label_for_a_csv_with_classes_is_refused():
    with pytest.raises(SegconvError, match="-O label=car names the class of a CSV without a class column; this one "
                                           "has 'ClassId'"):
        open_dataset(KAGGLE / "severstal", options={"label": "car"})
    [sample] = list(open_dataset(KAGGLE / "carvana", options={"label": "car"}))[:1]
    assert {r.label for r in sample.regions} == {"car"}


def test_diff_compares_carvanas_csv_with_its_gif_masks(tmp_path):
    """README/CHANGELOG: ``segconv diff train_masks.csv train_masks/`` compares the two deliveries; a transposed
    CSV differs on every image."""
    proc = run_cli("diff", KAGGLE / "carvana" / "train_masks.csv", KAGGLE / "carvana" / "train_masks")
    assert proc.returncode == 0, proc.stderr
    assert "2 images compared: 0 changed, 0 pixels" in proc.stdout + proc.stderr
    folder = carvana_in(tmp_path, "column")
    proc = run_cli("diff", folder / "train_masks.csv", folder / "train_masks")
    assert "2 images compared: 2 changed" in proc.stdout + proc.stderr


def test_digits_that_are_not_ascii_are_not_numbers(tmp_path):
    """'¹' passes str.isdigit but int() refuses it: -O size= says how to write a size, and a class column
    holding it is read as names, never an internal error."""
    from convert.errors import UsageError
    from convert.formats.kaggle_rle.read import parse_size

    with pytest.raises(UsageError, match="WIDTHxHEIGHT"):
        parse_size("\u00b9x2")
    src = tmp_path / "train.csv"
    src.write_text("ImageId,ClassId,EncodedPixels\na.jpg,\u00b9,1 2\n", encoding="utf-8")
    proc = run_cli("validate", str(src), "-O", "size=4x4")
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
