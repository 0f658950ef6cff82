"""Format detection: one match converts, none or several is a clear error."""

import pytest

from convert.errors import SegconvError
from convert.formats.readers import READERS, detect_format

from conftest import FOOD, corpus, run_cli


@pytest.mark.parametrize("relative, fmt", [
    ("datumaro-assets/coco_instances/annotations/instances_val.json", "coco"),
    ("labelme-examples/semantic_segmentation/data_annotated", "labelme"),
    ("labelme-examples/primitives/primitives.json", "labelme"),
    ("openagi-datum-voc/tests/dummy_data/seg/voc", "voc"),
    ("datumaro-assets/voc_dataset/voc_dataset1", "voc"),
    ("labelme-examples/instance_segmentation/data_dataset_voc", "voc"),
    ("cvat-docs-example/for_images/annotations.xml", "cvat"),
    ("datumaro-openvino-assets/cvat_dataset/for_images/export_project", "cvat"),
    ("labelme-annotation-tool", "labelme-xml"),
    ("datumaro-assets/labelme_dataset", "labelme-xml"),
])
def test_corpus_sets_are_detected(relative, fmt):
    assert detect_format(corpus(relative)) == fmt


def test_no_match_names_every_format_looked_for(tmp_path):
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(SegconvError) as err:
        detect_format(tmp_path / "x.txt")
    for name in READERS:
        assert name in str(err.value)


def test_several_matches_are_named(tmp_path):
    (tmp_path / "SegmentationClass").mkdir()
    (tmp_path / "a.json").write_text('{"shapes": [], "imagePath": "a.jpg"}')
    with pytest.raises(SegconvError, match="matches several formats: .*labelme.*voc"):
        detect_format(tmp_path)


def test_every_corpus_set_imports_without_a_traceback():
    """Every file and folder of the corpus either validates or fails with a SegconvError
    (what the CLI prints as a one-line message and exit code 2)."""
    from convert import api
    from convert.formats.readers import open_dataset

    root = corpus("")
    sources = sorted(p for p in root.rglob("*") if p.suffix in (".json", ".xml") or p.is_dir())
    outcomes = {"ok": 0, "refused": 0}
    for src in sources:
        try:
            dataset = open_dataset(src)
            labelmap, _ = api.resolve_labelmap(dataset, None)
            api.validate_samples(dataset, labelmap)
            outcomes["ok"] += 1
        except SegconvError:
            outcomes["refused"] += 1
    assert outcomes["ok"] >= 25 and outcomes["refused"] > 0


def test_formats_lists_readers_and_writers():
    proc = run_cli("formats")
    for name in ["coco", "cvat", "labelme", "labelme-xml", "voc", "png"]:
        assert name in proc.stdout


def test_food_fixture_is_coco():
    assert detect_format(FOOD / "annotations.json") == "coco"


def _every_file():
    from conftest import CORPUS, FIXTURES

    roots = [FIXTURES] + ([CORPUS] if CORPUS.is_dir() else [])
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


def test_a_reader_never_detects_a_file_whose_suffix_it_does_not_declare():
    """``Reader.files`` lets detection skip a reader (and its import) for a file of another suffix; that is
    only right if the reader's own detect would have said no: checked on every file of the fixtures and of
    the corpus of other tools' files."""
    files = _every_file()
    assert len(files) > 100
    wrongly_skipped = [(name, str(path)) for path in files for name, reader in READERS.items()
                       if path.suffix.lower() not in reader.files and reader.module.detect(path)]
    assert wrongly_skipped == []


def test_every_declared_suffix_is_one_its_reader_detects(tmp_path):
    """The declared suffixes are not guesses: for each, a file of the fixtures or the corpus (or, for YOLO's
    .yml, the fixture's data.yaml renamed) that its reader detects."""
    files = _every_file()
    yaml = next(p for p in files if p.name == "data.yaml")
    (tmp_path / "data.yml").write_bytes(yaml.read_bytes())
    files.append(tmp_path / "data.yml")
    for name, reader in READERS.items():
        for suffix in reader.files:
            assert any(p.suffix.lower() == suffix and reader.module.detect(p) for p in files), (name, suffix)


def test_a_coco_file_is_detected_without_walking_its_annotations(tmp_path):
    """Detection stops reading a COCO file once it has what it asks (its "images" first): the walk of a
    file whose annotations fill megabytes ends before them."""
    import json

    from convert.files.json_shape import Shape

    annotations = [{"id": i, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5] * 100]}
                   for i in range(3000)]
    doc = {"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], "annotations": annotations,
           "categories": [{"id": 1, "name": "plate"}]}
    src = tmp_path / "big.json"
    src.write_text(json.dumps(doc))
    assert src.stat().st_size > 4 * (1 << 20)
    assert detect_format(src) == "coco"
    from convert.files.json_shape import shape

    walked = shape(src)
    assert isinstance(walked, Shape) and walked.bytes_read <= 2 * (1 << 20)  # a chunk or two of the 4 MiB
