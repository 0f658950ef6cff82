"""Pascal VOC trees: palette, grayscale and RGB masks, labelmap.txt, instances, subsets, traps."""

import numpy as np
import pytest
from PIL import Image

from convert.errors import SegconvError
from convert.formats.voc.read import VocDataset
from convert.model.labelmap import voc_color
from convert.painting.paint import paint

from conftest import corpus


def palette_png(path, array, palette=None):
    im = Image.fromarray(np.asarray(array, np.uint8))
    im.putpalette(palette or [v for i in range(256) for v in voc_color(i)])
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)


def rgb_png(path, array, colors):
    rgb = np.zeros(np.shape(array) + (3,), np.uint8)
    for value, color in colors.items():
        rgb[np.asarray(array) == value] = color
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)


def test_real_voc2012_palette_masks_keep_indices_and_void():
    root = corpus("openagi-datum-voc/tests/dummy_data/seg/voc")
    ds = VocDataset(root)
    assert ds.entries == [("2007_000033", "train"), ("2007_000032", "train")]
    [leak] = ds.findings  # 2007_000033 is in train.txt and val.txt
    assert leak.code == "subset-overlap" and leak.image == "2007_000033.jpg"  # the image's name, as its sample's
    assert leak.image in ds.names()
    lm = ds.source_labelmap
    for sample in ds:
        expected = np.asarray(Image.open(root / "SegmentationClass" / f"{sample.stem}.png"))
        assert sample.findings == []
        assert (paint(sample, lm).class_mask == expected).all()  # 255 void survives


def test_datumaro_rgb_masks_and_rgb_instances():
    ds = VocDataset(corpus("datumaro-assets/voc_dataset/voc_dataset1"))
    samples = list(ds)
    assert [s.usable for s in samples] == [True, False]
    assert [f.code for f in samples[1].findings] == ["missing-mask"]  # the test split has no masks
    out = paint(samples[0], ds.source_labelmap, instances=True)
    # Datumaro's asset: every pixel is (0, 128, 0), class 2 'bicycle', one instance
    assert set(np.unique(out.class_mask)) == {2} and len(out.instances) == 1


def test_detection_only_tree_is_refused_clearly():
    with pytest.raises(SegconvError, match="detection boxes only"):
        VocDataset(corpus("datumaro-assets/voc_dataset/voc_dataset3"))


def test_labelme2voc_output_reads_back_unchanged():
    root = corpus("labelme-examples/instance_segmentation/data_dataset_voc")
    ds = VocDataset(root)
    assert ds.source_labelmap["_background_"].index == 0  # class_names.txt
    for sample in ds:
        painted = paint(sample, ds.source_labelmap, instances=True)
        assert (painted.class_mask == np.asarray(Image.open(root / "SegmentationClass" / f"{sample.stem}.png"))).all()


def test_cvat_segmentation_mask_export_rgb_with_labelmap_and_unknown_colour(tmp_path):
    (tmp_path / "labelmap.txt").write_text("# label:color_rgb:parts:actions\nbackground:0,0,0::\n"
                                           "plate:200,10,10::\nrice:10,200,10::\n")
    (tmp_path / "ImageSets/Segmentation").mkdir(parents=True)
    (tmp_path / "ImageSets/Segmentation/default.txt").write_text("a \r\n\r\n# comment\n")
    cls = np.array([[0, 1, 1, 2], [0, 1, 9, 2]])
    rgb_png(tmp_path / "SegmentationClass/a.png", cls, {0: (0, 0, 0), 1: (200, 10, 10), 2: (10, 200, 10),
                                                       9: (199, 10, 10)})
    ds = VocDataset(tmp_path)
    [sample] = list(ds)
    assert sample.subset == "default"
    [f] = sample.findings
    assert f.code == "unknown-color" and f.pixels == 1 and "(199, 10, 10)" in f.message
    assert paint(sample, ds.source_labelmap).class_mask.tolist() == [[0, 1, 1, 2], [0, 1, 255, 2]]


def test_grayscale_masks_and_unknown_values(tmp_path):
    Image.fromarray(np.array([[0, 3], [30, 255]], np.uint8), "L").save(
        (tmp_path / "SegmentationClass").mkdir() or tmp_path / "SegmentationClass/x.png")
    [sample] = list(VocDataset(tmp_path))
    assert [f.code for f in sample.findings] == ["unknown-mask-value"] and sample.findings[0].pixels == 1
    lm = VocDataset(tmp_path).source_labelmap
    assert paint(sample, lm).class_mask.tolist() == [[0, 3], [255, 255]]


def test_instance_covering_two_classes_is_reported(tmp_path):
    palette_png(tmp_path / "SegmentationClass/a.png", [[15, 15, 9], [0, 0, 0]])
    palette_png(tmp_path / "SegmentationObject/a.png", [[1, 1, 1], [0, 0, 0]])
    [sample] = list(VocDataset(tmp_path))
    assert [f.code for f in sample.findings] == ["instance-mixed-classes"]
    assert "2 'person'" in sample.findings[0].message


def test_mask_and_image_size_mismatch_and_bad_png(tmp_path):
    palette_png(tmp_path / "SegmentationClass/a.png", [[1, 1]])
    (tmp_path / "JPEGImages").mkdir()
    Image.new("RGB", (3, 3)).save(tmp_path / "JPEGImages/a.jpg")
    (tmp_path / "SegmentationClass/b.png").write_bytes(b"not a png")
    a, b = list(VocDataset(tmp_path))
    assert [f.code for f in a.findings] == ["image-size-mismatch"] and a.name == "a.jpg"
    assert [f.code for f in b.findings] == ["bad-mask-file"] and not b.usable


def test_palette_that_disagrees_with_labelmap_txt_follows_the_colours(tmp_path):
    (tmp_path / "labelmap.txt").write_text("background:0,0,0::\nplate:200,10,10::\nrice:10,200,10::\n")
    pal = [0, 0, 0, 10, 200, 10, 200, 10, 10] + [0] * (768 - 9)  # entries 1 and 2 swapped
    palette_png(tmp_path / "SegmentationClass/a.png", [[0, 1, 2]], pal)
    ds = VocDataset(tmp_path)
    [sample] = list(ds)
    assert [f.code for f in sample.findings] == ["palette-mismatch"]
    assert paint(sample, ds.source_labelmap).class_mask.tolist() == [[0, 2, 1]]


def test_palette_agreeing_with_labelmap_txt_is_read_by_index(tmp_path):
    (tmp_path / "labelmap.txt").write_text("background:0,0,0::\nplate:200,10,10::\n")
    palette_png(tmp_path / "SegmentationClass/a.png", [[0, 1]], [0, 0, 0, 200, 10, 10] + [0] * 762)
    ds = VocDataset(tmp_path)
    [sample] = list(ds)
    assert sample.findings == [] and paint(sample, ds.source_labelmap).class_mask.tolist() == [[0, 1]]


def test_image_lists_name_images_with_spaces_and_keep_voc_columns(tmp_path):
    """A list line is the whole image name when a mask of that name is there (segconv writes names with spaces
    as they are), else its first word (VOC's classification lists: ``id  1``)."""
    (tmp_path / "SegmentationClass").mkdir()
    lists = tmp_path / "ImageSets" / "Segmentation"
    lists.mkdir(parents=True)
    palette_png(tmp_path / "SegmentationClass" / "my photo #1 café.png", np.ones((2, 3), dtype=np.uint8))
    palette_png(tmp_path / "SegmentationClass" / "2008_000002.png", np.zeros((2, 3), dtype=np.uint8))
    (lists / "train.txt").write_text("my photo #1 café\n2008_000002  1\n", encoding="utf-8")
    ds = VocDataset(tmp_path)
    assert [ds[i].name for i in range(len(ds))] == ["my photo #1 café.jpg", "2008_000002.jpg"]
    assert all(ds[i].usable and not ds[i].findings for i in range(len(ds)))


def test_an_image_listed_in_two_subsets_is_named_as_its_other_findings_name_it(tmp_path):
    """New-user trial: worst images listed both 2007_000033.jpg and 2007_000033, the subset-overlap finding
    naming the image id, so on the HTML page it had no link and was not shown under the image's picture."""
    from convert import api

    palette_png(tmp_path / "SegmentationClass" / "a.png", [[0, 1], [1, 255]])
    (tmp_path / "JPEGImages").mkdir()
    Image.new("RGB", (2, 2)).save(tmp_path / "JPEGImages" / "a.png")  # a photo that is not a .jpg
    (tmp_path / "ImageSets" / "Segmentation").mkdir(parents=True)
    for subset in ("train", "val"):
        (tmp_path / "ImageSets" / "Segmentation" / f"{subset}.txt").write_text("a\n")
    page = tmp_path / "r.html"
    report = api.validate(tmp_path, html_path=page)
    [leak] = [f for f in report.findings if f.code == "subset-overlap"]
    assert leak.image == "a.png" and {f.image for f in report.findings if f.image} == {"a.png"}
    assert "<td>a</td>" not in page.read_text() and "<td><a href='#image-1'>a.png</a></td>" in page.read_text()
