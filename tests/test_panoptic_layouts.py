"""COCO panoptic in the layouts the tools that use it lay it out: the PNGs beside the JSON (Mapillary
Vistas), in a folder named after the JSON (the COCO download, panopticapi, deeplab2), in that folder beside
``annotations/`` (detectron2), still zipped (named in the error), or nowhere (every folder looked in named).
Each layout is rebuilt here, tiny, from its documentation."""

import json

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.errors import SegconvError
from convert.formats.coco_panoptic.read import CocoPanopticDataset
from convert.formats.readers import detect_format
from convert.painting.paint import paint

# one 4x6 image: a thing (id 5, category 17, "Bird") over the top-left 2x3, a stuff segment (id 300,
# category 63, "Road") over the bottom two rows, the rest void (id 0)
IDS = np.zeros((4, 6), np.int32)
IDS[:2, :3] = 5
IDS[2:, :] = 300
CATEGORIES = [{"id": 17, "name": "Bird", "supercategory": "animal--bird", "isthing": 1, "color": [165, 42, 42]},
              {"id": 63, "name": "Road", "supercategory": "construction--flat--road", "isthing": 0,
               "color": [128, 64, 128]}]


def panoptic_doc(stem="a1"):
    return {"images": [{"id": stem, "file_name": f"{stem}.jpg", "width": 6, "height": 4}],
            "annotations": [{"image_id": stem, "file_name": f"{stem}.png", "segments_info": [
                {"id": 5, "category_id": 17, "area": 6, "bbox": [0, 0, 3, 2], "iscrowd": 0},
                {"id": 300, "category_id": 63, "area": 12, "bbox": [0, 2, 6, 2], "iscrowd": 0}]}],
            "categories": CATEGORIES}


def write_scene(json_path, png_dir, image_dir, stem="a1"):
    """The JSON, its PNG and its photo, where a layout puts them."""
    for folder in (json_path.parent, png_dir, image_dir):
        folder.mkdir(parents=True, exist_ok=True)
    rgb = np.stack([IDS % 256, IDS // 256 % 256, IDS // 65536], -1).astype(np.uint8)
    Image.fromarray(rgb).save(png_dir / f"{stem}.png")
    Image.new("RGB", (6, 4)).save(image_dir / f"{stem}.jpg")
    json_path.write_text(json.dumps(panoptic_doc(stem)))
    return json_path


def expected_mask():
    mask = np.full((4, 6), 255, np.uint8)
    mask[:2, :3], mask[2:, :] = 17, 63  # value = category id, as panopticapi's semantic converter writes
    return mask


def read_one(src):
    ds = CocoPanopticDataset(src)
    (sample,) = list(ds)
    assert sample.usable and not sample.findings, [str(f) for f in sample.findings]
    np.testing.assert_array_equal(paint(sample, ds.source_labelmap).class_mask, expected_mask())
    return ds, sample


def mapillary(root, version="v2.0", year="2020"):
    """Mapillary Vistas (Datumaro's description of the download): ``training/images/*.jpg`` and
    ``training/v2.0/panoptic/panoptic_2020.json`` with the PNGs in the same folder."""
    panoptic = root / "training" / version / "panoptic"
    return write_scene(panoptic / f"panoptic_{year}.json", panoptic, root / "training" / "images")


def test_mapillary_vistas_pngs_beside_the_json(tmp_path):
    src = mapillary(tmp_path)
    for given in (src, src.parent, src.parent.parent):  # the JSON, panoptic/, v2.0/
        assert detect_format(given) == "coco-panoptic"
        ds, sample = read_one(given)
        assert sample.subset == "training"  # the split folder, not the release year
        assert sample.image_path == str(tmp_path / "training" / "images" / "a1.jpg")
    report = api.convert(src.parent, tmp_path / "out")  # was: missing-mask, 0 masks written, exit 0
    assert report.written == 1 and report.exit_code() == 0 and not report.findings
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / "masks" / "a1.png")), expected_mask())


def test_mask2formers_flat_mapillary_layout(tmp_path):
    """Mask2Former registers ``mapillary_vistas/training/panoptic/panoptic_2018.json`` (v1.2, no version
    folder) with ``training/images``; pointing at ``training/`` finds it."""
    panoptic = tmp_path / "training" / "panoptic"
    write_scene(panoptic / "panoptic_2018.json", panoptic, tmp_path / "training" / "images")
    ds, sample = read_one(tmp_path / "training")
    assert sample.subset == "training" and sample.image_path.endswith("training/images/a1.jpg")


@pytest.mark.parametrize("layout", ["coco-download", "detectron2"])
def test_coco_download_deeplab2_and_detectron2_layouts(tmp_path, layout):
    """COCO's download and deeplab2: ``annotations/panoptic_val2017.json`` + ``annotations/panoptic_val2017/``,
    photos in ``val2017/``; detectron2: the PNG folder ``panoptic_val2017/`` beside ``annotations/``."""
    src = tmp_path / "coco" / "annotations" / "panoptic_val2017.json"
    pngs = src.with_suffix("") if layout == "coco-download" else tmp_path / "coco" / "panoptic_val2017"
    write_scene(src, pngs, tmp_path / "coco" / "val2017")
    for given in (src, tmp_path / "coco"):
        ds, sample = read_one(given)
        assert sample.subset == "val2017" and sample.image_path == str(tmp_path / "coco" / "val2017" / "a1.jpg")


@pytest.mark.parametrize("key", ["images", "categories"])
@pytest.mark.parametrize("value", [True, 7, {"id": 1}])
def test_a_top_level_field_that_is_not_a_list_is_named(tmp_path, key, value):
    """Found by the fuzzer: ``"images": true`` was a TypeError traceback."""
    src = tmp_path / "panoptic_val.json"
    doc = panoptic_doc()
    doc[key] = value
    src.write_text(json.dumps(doc))
    with pytest.raises(SegconvError) as err:
        CocoPanopticDataset(src)
    assert str(err.value) == f"{src}: {key}: '{key}' must be a list, not {type(value).__name__}"


def test_pngs_still_zipped_are_named_as_the_cause(tmp_path):
    src = tmp_path / "annotations" / "panoptic_val2017.json"
    src.parent.mkdir()
    src.write_text(json.dumps(panoptic_doc()))
    (tmp_path / "annotations" / "panoptic_val2017.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    with pytest.raises(SegconvError) as err:
        CocoPanopticDataset(src)
    message = str(err.value)
    assert message.startswith(f"{src}: none of the 1 PNGs its annotations name (the first: a1.png) was found")
    assert "panoptic_val2017.zip is there: the COCO download ships the PNGs zipped; unzip it beside the JSON" \
        in message


def test_pngs_nowhere_names_every_folder_looked_in(tmp_path):
    src = tmp_path / "annotations" / "panoptic_val2017.json"
    (tmp_path / "annotations" / "other").mkdir(parents=True)
    src.write_text(json.dumps(panoptic_doc()))
    with pytest.raises(SegconvError) as err:
        api.convert(src, tmp_path / "out")
    message = str(err.value)
    for folder, layout in ((src.with_suffix(""), "COCO, panopticapi, deeplab2"),
                           (tmp_path / "panoptic_val2017", "detectron2"),
                           (src.parent, "Mapillary Vistas")):
        assert f"{folder}/ ({layout})" in message
    assert "and the 1 other folder beside the JSON" in message
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_the_folder_holding_most_pngs_wins(tmp_path):
    """A stray PNG beside the JSON does not pull the reader away from the folder that holds them all."""
    src = tmp_path / "annotations" / "panoptic_val2017.json"
    write_scene(src, src.with_suffix(""), tmp_path / "val2017")
    doc = panoptic_doc()
    doc["images"].append({"id": "b", "file_name": "b.jpg", "width": 6, "height": 4})
    doc["annotations"].append(dict(doc["annotations"][0], image_id="b", file_name="b.png"))
    src.write_text(json.dumps(doc))
    Image.open(src.with_suffix("") / "a1.png").save(src.with_suffix("") / "b.png")
    Image.new("RGB", (6, 4)).save(src.parent / "a1.png")  # an unrelated picture beside the JSON
    ds = CocoPanopticDataset(src)
    assert [s.usable and not s.findings for s in ds] == [True, True]
