"""A run that can use none of the source's images fails with its own error (``no-usable-image``), which
says why: the reasons counted by code and the first one quoted.  A run that uses at least one image does not."""

import json

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.formats.writers import WRITERS

from conftest import run_cli


def voc_test_split(root, with_mask=()):
    """A VOC tree whose list names a and b; only the masks in ``with_mask`` are delivered."""
    (root / "ImageSets/Segmentation").mkdir(parents=True)
    (root / "SegmentationClass").mkdir()
    (root / "ImageSets/Segmentation/test.txt").write_text("a\nb\n")
    for stem in with_mask:
        Image.fromarray(np.ones((3, 4), np.uint8), "P").save(root / "SegmentationClass" / f"{stem}.png")
    return root


def test_every_mask_missing_is_a_failed_run_that_says_why(tmp_path):
    src = voc_test_split(tmp_path / "voc")
    result = run_cli("convert", src, "-o", tmp_path / "out")
    assert result.returncode == 1, result.stdout + result.stderr  # it was 0: two warnings, 0 masks written
    line = next(x for x in (result.stdout + result.stderr).splitlines() if x.startswith("error[no-usable-image]"))
    assert "nothing was written: none of the 2 images could be used (2 missing-mask; the first, a.jpg: " in line
    assert "a.png does not exist" in line
    assert not list((tmp_path / "out" / "masks").glob("**/*.png"))  # true: nothing was written


def test_validate_says_nothing_was_checked(tmp_path):
    report = api.validate(voc_test_split(tmp_path / "voc"))
    (finding,) = [f for f in report.findings if f.code == "no-usable-image"]
    assert finding.message.startswith("nothing was checked: none of the 2 images could be used (2 missing-mask")
    assert report.exit_code() == 1 and report.images == 0


def test_images_the_reader_dropped_count_as_images_of_the_source(tmp_path):
    """COCO image entries without a size never become samples; the run still had images to convert."""
    src = tmp_path / "a.json"
    src.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}],
                               "annotations": [], "categories": [{"id": 1, "name": "x"}]}))
    report = api.convert(src, tmp_path / "out")
    (finding,) = [f for f in report.findings if f.code == "no-usable-image"]
    assert "none of the 2 images could be used (2 bad-image; the first, a.jpg: 'width'/'height'" in finding.message


def test_one_usable_image_is_not_this_error(tmp_path):
    report = api.convert(voc_test_split(tmp_path / "voc", with_mask=("a",)), tmp_path / "out")
    assert report.written == 1 and "no-usable-image" not in {f.code for f in report.findings}
    assert report.exit_code() == 0  # b's missing mask is a warning (normal for a test split)


def test_a_source_without_images_is_not_this_error_but_no_image(tmp_path):
    """An empty delivery was accepted: exit 0, '0 images', an HTML report saying Accepted."""
    src = tmp_path / "a.json"
    src.write_text(json.dumps({"images": [], "annotations": [], "categories": []}))
    report = api.convert(src, tmp_path / "out")
    assert [f.code for f in report.findings] == ["no-image"] and report.exit_code() == 1
    assert report.findings[0].message == "the source holds no image: nothing was written"
    assert not (tmp_path / "out").exists()
    result = run_cli("validate", src, "--html", tmp_path / "r.html")
    assert result.returncode == 1, result.stderr
    assert "error[no-image]" in result.stderr and "the source holds no image: nothing was checked" in result.stderr
    assert "Accepted" not in (tmp_path / "r.html").read_text()


UNSAFE = {"images": [{"id": 40, "file_name": "../../escape.jpg", "width": 5, "height": 10}],
          "annotations": [{"id": 1, "image_id": 40, "category_id": 1, "segmentation": [[0, 0, 1, 0, 1, 2, 0, 2]]}],
          "categories": [{"id": 1, "name": "a"}]}


@pytest.mark.parametrize("to", sorted(WRITERS))
def test_nothing_was_written_is_true_for_every_writer(tmp_path, to):
    """It said 'nothing was written', then 'wrote a VOC tree of 0 images', and OUT held labelmap.txt."""
    src = tmp_path / "a.json"
    src.write_text(json.dumps(UNSAFE))
    report = api.convert(src, tmp_path / "out", to=to)
    assert "no-usable-image" in {f.code for f in report.findings} and report.exit_code() == 1
    assert report.summary.startswith("nothing was written to ") and not (tmp_path / "out").exists()


def test_a_folder_given_empty_stays_empty(tmp_path):
    src = tmp_path / "a.json"
    src.write_text(json.dumps(UNSAFE))
    (tmp_path / "out").mkdir()
    result = run_cli("convert", src, "-o", tmp_path / "out", "--to", "voc")
    assert result.returncode == 1 and "nothing was written to " in result.stderr, result.stderr
    assert "wrote a VOC tree" not in result.stderr and not list((tmp_path / "out").iterdir())
