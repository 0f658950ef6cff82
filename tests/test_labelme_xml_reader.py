"""MIT LabelMe XML: polygons, boxes, segm masks (RGBA), parts, deleted objects."""

import numpy as np

from convert.formats.labelme_xml.read import LabelmeXmlDataset
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import corpus


def test_web_tool_collection_with_an_rgba_mask():
    ds = LabelmeXmlDataset(corpus("labelme-annotation-tool"))
    [sample] = list(ds)
    assert sample.name == "example_folder/img1.jpg" and (sample.width, sample.height) == (2560, 1920)
    assert sample.findings == []
    lm = LabelMap.derive(ds.label_names)
    mask = paint(sample, lm).class_mask
    assert (mask == lm["license plate"].index).sum() == 3414  # alpha > 0 pixels (SOURCES.md)


def test_datumaro_sample_parts_boxes_and_masks():
    ds = LabelmeXmlDataset(corpus("datumaro-assets/labelme_dataset"))
    [sample] = list(ds)
    assert [r.label for r in sample.regions] == ["window", "license plate", "o1", "q1", "b1", "m1", "hg"]
    trees = {r.label: r.instance for r in sample.regions}
    assert trees["q1"] == trees["b1"] == trees["o1"] and trees["hg"] == trees["m1"] != trees["o1"]
    assert sample.regions[4].geometry.__class__.__name__ == "Box"
    out = paint(sample, LabelMap.derive(ds.label_names), instances=True)
    assert len(out.instances) == 7  # an instance is (part tree, label): parts of other classes stay apart


def test_deleted_objects_and_missing_masks_are_reported(tmp_path):
    (tmp_path / "a.xml").write_text(
        "<annotation><filename>a.jpg</filename><folder></folder><imagesize><nrows>4</nrows><ncols>4</ncols>"
        "</imagesize><object><name>car</name><deleted>1</deleted><id>0</id><polygon><pt><x>0</x><y>0</y></pt>"
        "<pt><x>3</x><y>0</y></pt><pt><x>3</x><y>3</y></pt></polygon></object>"
        "<object><name>car</name><deleted>0</deleted><id>1</id><segm><mask>nope.png</mask></segm></object>"
        "<object><name>car</name><deleted>0</deleted><id>2</id><polygon></polygon></object></annotation>")
    [sample] = list(LabelmeXmlDataset(tmp_path))
    assert [f.code for f in sample.findings] == ["deleted-object", "missing-mask", "too-few-points"]
    assert sample.regions == []
    assert np.all(paint(sample, LabelMap.derive(["car"])).class_mask == 0)
