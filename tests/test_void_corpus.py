"""panopticapi's two examples (``../shared/corpus/panopticapi-sample``): id 0 is void the annotators left, read as
void regions, and the label map has no fill class.  Every writer that can carry that void does, so ``validate
OUT`` (no --from) finds no ``unlabelled-pixels`` the source does not have; before, each of these five gave two
(2,712 and 7,189 pixels: exactly the id-0 pixels)."""

import numpy as np
import pytest

from convert import api
from convert.formats.dataset import resolve_labelmap
from convert.formats.readers import open_dataset
from convert.painting.paint import paint

from conftest import corpus, run_cli

ID0 = {"000000142238.jpg": 2712, "000000439180.jpg": 7189}  # the panoptic PNGs' id-0 pixels, void
OWN = {"coco": "annotations", "coco-rle": "annotations.json", "cvat": "annotations.xml", "labelme": "",
       "label-studio": "tasks.json"}


def loud(report) -> list[str]:
    return [str(f) for f in report.findings if f.severity.value in ("error", "warning")]


@pytest.fixture(scope="module")
def source():
    src = corpus("panopticapi-sample")
    dataset = open_dataset(src)
    lm, _ = resolve_labelmap(dataset, None)
    assert lm.fill is None
    drawn = {}
    for sample in dataset:
        painted = paint(sample, lm)
        drawn[sample.name.rsplit("/", 1)[-1]] = painted.drawn_void(lm.void)
    assert {name: int(mask.sum()) for name, mask in drawn.items()} == ID0
    assert loud(api.validate(src)) == []
    assert run_cli("validate", "--strict", src).returncode == 0
    return src, drawn


@pytest.mark.parametrize("to", sorted(OWN))
def test_the_void_of_panoptic_id_0_is_written_and_read_back_as_void(source, to, tmp_path):
    src, drawn = source
    report = api.convert(src, tmp_path / "out", to=to)
    assert not [f for f in report.findings if f.code == "written-pixels-differ"]
    dataset = open_dataset(tmp_path / "out" / OWN[to], images=src / "input_images" if to == "label-studio" else None)
    own, _ = resolve_labelmap(dataset, None)
    for sample in dataset:
        back = paint(sample, own).drawn_void(own.void)
        assert np.array_equal(back, drawn[sample.name.rsplit("/", 1)[-1]]), (to, sample.name)
    assert loud(api.validate(tmp_path / "out")) == []
    assert run_cli("validate", "--strict", tmp_path / "out").returncode == 0  # as on the source


@pytest.mark.parametrize("to", ["kaggle-rle", "yolo"])
def test_the_formats_without_void_count_what_they_leave_in_no_row(source, to, tmp_path):
    src, _ = source
    report = api.convert(src, tmp_path / "out", to=to)
    assert f"; {sum(ID0.values()):,} void pixels a region drew" in report.summary
