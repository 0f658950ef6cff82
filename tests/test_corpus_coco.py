"""Real COCO files written by other tools (../shared/corpus): converted masks equal
pycocotools' own ``annToMask`` painted by level; non-datasets get clear errors."""

import json

import numpy as np
import pytest
from PIL import Image

from convert.formats.coco.instances import CocoDataset
from convert.model.labelmap import LabelMap

from conftest import corpus, reference_masks, run_cli

COCO_SETS = [
    "datumaro-assets/coco_instances/annotations/instances_val.json",
    "datumaro-assets/coco_stuff/annotations/stuff_train.json",
    "datumaro-assets/coco_stuff/annotations/stuff_val.json",
    "labelme-examples/instance_segmentation/data_dataset_coco/annotations.json",
    "pycococreator-example/example_data/annotations/coco_example.json",
]


@pytest.mark.parametrize("relative", COCO_SETS)
def test_cli_masks_equal_pycocotools_painted_by_level(relative, tmp_path):
    src = corpus(relative)
    doc = json.loads(src.read_text())
    out = tmp_path / "out"
    proc = run_cli("convert", src, "-o", out, "--to", "png")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lm = LabelMap.load(out / "labelmap.json")
    expected = reference_masks(doc, lm)
    ds = CocoDataset(src)
    assert len(ds) == len(doc["images"])
    for sample in ds:
        got = np.asarray(Image.open(out / "masks" / f"{sample.stem}.png"))
        assert (got == expected[sample.name]).all(), sample.name


def test_labelme2coco_output_has_no_findings():
    ds = CocoDataset(corpus("labelme-examples/instance_segmentation/data_dataset_coco/annotations.json"))
    assert ds.findings == [] and all(s.findings == [] for s in ds)
    assert sum(len(s.regions) for s in ds) == 12


def test_cocoapi_results_list_is_refused_clearly(tmp_path):
    src = corpus("cocoapi-results/results/instances_val2014_fakesegm100_results.json")
    proc = run_cli("convert", src, "-o", tmp_path / "o")
    assert proc.returncode == 2 and "results list" in proc.stderr and src.name in proc.stderr
    proc = run_cli("convert", src, "-o", tmp_path / "o", "--from", "coco")
    assert proc.returncode == 2 and "results list" in proc.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("relative", [
    "datumaro-assets/coco_panoptic/annotations/panoptic_train.json",
    "panopticapi-sample/panoptic_examples.json",
])
def test_panoptic_json_is_read_as_panoptic_not_as_instances(relative, tmp_path):
    """Given to the COCO reader once refused, a panoptic file is now detected and read as panoptic."""
    proc = run_cli("convert", corpus(relative), "-o", tmp_path / "o")
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    assert "no usable" not in proc.stderr and list((tmp_path / "o" / "masks").rglob("*.png"))


def test_panoptic_size_findings_name_where_each_size_came_from(tmp_path):
    """Datumaro's asset: the image entry and a.jpg say 10x5, the panoptic PNG is 5x5; the two
    findings must say which is which (the masks follow the PNG, not a 'declared' 5x5)."""
    proc = run_cli("validate", corpus("datumaro-assets/coco_panoptic/annotations/panoptic_train.json"))
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error[image-size-mismatch]")]
    assert len(lines) == 2
    assert "the image entry says 10x5, the PNG is 5x5" in lines[0]
    assert "its panoptic PNG is 5x5, but a.jpg is 10x5" in lines[1] and "declared 5x5" not in proc.stderr
