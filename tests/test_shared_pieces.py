"""Shared checks live once (issue 28, point 4): the missing-image finding has one constructor, every writer places
images by one policy, leaves its open files behind in one way when sent to a worker, and hands ``collect`` a
small typed record."""

import ast
import io
import json
import pickle
import shutil

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.findings.missing_image import missing_image
from convert.formats.layout_writer import LayoutWriter
from convert.formats.readers import open_dataset
from convert.formats.writers import WRITERS
from convert.model.labelmap import LabelMap
from convert.painting.paint import paint

from conftest import FOOD, ROOT

FOOD_LM = FOOD / "labelmap.yaml"


def test_the_missing_image_finding_is_built_in_one_place():
    """No call anywhere but findings/missing_image.py passes the code itself: readers, writers and the run
    loop call missing_image(), so the words (--images named when given, asked for when not) cannot drift."""
    built = []
    for path in sorted((ROOT / "convert").rglob("*.py")):
        if path.name == "missing_image.py" or "codes" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and node.args[0].value == "missing-image":
                built.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert built == []


def test_the_missing_image_words():
    assert missing_image("x", images=None).message == "image file not found (pass --images DIR); x"
    assert missing_image("x", images="p").message == "image file not found (not beside the annotations nor in " \
                                                     "--images p); x"
    assert missing_image("x", subject="image a.jpg", hint=False).message == "image a.jpg not found; x"
    unreadable = missing_image(subject="a.jpg", problem=OSError("truncated"), image="a.jpg")
    assert (unreadable.message, unreadable.severity.value, unreadable.image) == ("a.jpg: truncated", "warning",
                                                                                 "a.jpg")


def labelme_delivery(tmp_path):
    """One labelme file whose imagePath does not resolve (the photo moved), and the photo in another folder."""
    (tmp_path / "json").mkdir()
    (tmp_path / "moved").mkdir()
    shutil.copy(FOOD / "images" / "table_01.jpg", tmp_path / "moved" / "table_01.jpg")
    doc = json.loads((FOOD / "labelme" / "table_01.json").read_text())
    doc["imagePath"], doc["imageData"] = "../photos/table_01.jpg", None
    (tmp_path / "json" / "table_01.json").write_text(json.dumps(doc))
    return tmp_path / "json", tmp_path / "moved"


def test_labelme_says_where_it_looked_for_the_image(tmp_path):
    """labelme looks in --images by name: its missing-image asks for it, or names the folder it was given; and
    the claim is true: given the folder that holds the photo, the image is found."""
    src, moved = labelme_delivery(tmp_path)
    (tmp_path / "empty").mkdir()

    def missing(**kw):
        return [f.message for f in api.validate(src, labels=FOOD_LM, **kw).findings if f.code == "missing-image"]

    (without,) = missing()  # its only image: the note of a set without any image, quoting the reader's words
    assert "; table_01.jpg: imagePath '../photos/table_01.jpg' not found (pass --images DIR); no imageData either, " \
           "so the declared size is used)" in without
    (elsewhere,) = missing(images=tmp_path / "empty")
    assert f"not found (not beside the annotations nor in --images {tmp_path / 'empty'})" in elsewhere
    assert missing(images=moved) == []


def tiny_coco(tmp_path, name="sub/Photo.JPG"):
    """A COCO file of one 6x4 photo whose extension is in capitals, with one square."""
    (tmp_path / "src" / "sub").mkdir(parents=True)
    Image.new("RGB", (6, 4), (200, 10, 10)).save(tmp_path / "src" / name, "JPEG")
    doc = {"images": [{"id": 7, "file_name": name, "width": 6, "height": 4}],
           "annotations": [{"id": 1, "image_id": 7, "category_id": 1, "iscrowd": 0, "area": 4, "bbox": [1, 1, 2, 2],
                            "segmentation": [[1, 1, 3, 1, 3, 3, 1, 3]]}],
           "categories": [{"id": 1, "name": "plate"}]}
    (tmp_path / "src" / "annotations.json").write_text(json.dumps(doc))
    return tmp_path / "src" / "annotations.json", tmp_path / "src" / name


PLACED = {"voc": "JPEGImages/sub/Photo.jpg", "mmseg": "img_dir/train/sub/Photo.jpg",
          "yolo": "images/train/sub/Photo.jpg", "coco-panoptic": "images/default/sub/Photo.jpg"}


@pytest.mark.parametrize("to", sorted(PLACED))
@pytest.mark.parametrize("link", [False, True])
def test_every_writer_places_images_by_one_policy(tmp_path, to, link):
    """The image keeps its bytes, its extension is written in lower case, and --link makes it a symlink to the
    source; without the photo, the finding names the folder that lacks it."""
    src, photo = tiny_coco(tmp_path)
    report = api.convert(src, tmp_path / "out", to=to, link=link)
    placed = tmp_path / "out" / PLACED[to]
    assert placed.read_bytes() == photo.read_bytes()
    assert placed.is_symlink() == link and (not link or placed.resolve() == photo.resolve())
    assert not [f for f in report.findings if f.code == "missing-image"]
    photo.unlink()
    report = api.convert(src, tmp_path / "again", to=to)
    (lacking,) = [f.message for f in report.findings if f.code == "missing-image" and "lacks" in f.message]
    folder = PLACED[to].rsplit('/', 2)[0]
    if to == "yolo":  # and says what follows: a label file without its photo is of no use (an error)
        assert lacking.startswith(f"image file not found (pass --images DIR); {folder}/ lacks it, and YOLO keeps "
                                  "no image size: labels/train/sub/Photo.txt cannot be used")
    else:  # the source's one note about its only image, saying what the output lacks
        assert lacking.endswith(f"; the output has no image either (for each image: {folder}/ lacks it)")
    assert not (tmp_path / "again" / PLACED[to]).exists()


def written_by(name, tmp_path):
    """A writer of ``name`` on the food set, and what it wrote for its first image."""
    dataset = open_dataset(FOOD / "annotations.json")
    labelmap = LabelMap.load(FOOD_LM)
    writer = WRITERS[name].target(tmp_path / name, labelmap)
    sample = next(iter(dataset))
    return writer, writer.write(sample, paint(sample, labelmap, instances=writer.needs_instances))


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_writer_records_are_small_typed_records(tmp_path, name):
    """What travels from a worker to ``collect`` has named fields (or is nothing), and survives the trip."""
    writer, written = written_by(name, tmp_path)
    record = written.record
    if record is None:
        return
    assert isinstance(record, tuple) and type(record)._fields and type(record).__doc__
    assert set(type(record).__annotations__) == set(type(record)._fields)
    assert pickle.loads(pickle.dumps(record)) == record
    writer.collect(record)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_a_writer_sent_to_a_worker_leaves_its_open_files_behind(tmp_path, name):
    """One mechanism in the base: the attributes a class names in main_process_only (its own and its bases')
    arrive as None in the worker's copy; the main process keeps them."""
    writer, written = written_by(name, tmp_path)
    if written.record is not None:
        writer.collect(written.record)  # opens the part files and shards of the writers that keep them
    local = {n for cls in type(writer).__mro__ for n in vars(cls).get("main_process_only", ())}
    assert "manifest" in local and local <= set(vars(writer))
    writer.manifest = object()  # stands for the run's open list of files
    copy = pickle.loads(pickle.dumps(writer))
    assert all(getattr(copy, n) is None for n in local)
    assert writer.manifest is not None
    assert vars(copy).keys() == vars(writer).keys()
    writer.manifest = None
    writer.finish()  # closes what collect opened


def test_only_the_base_defines_getstate():
    overriding = [cls.__name__ for cls in (e.target for e in WRITERS.values()) if "__getstate__" in vars(cls)]
    assert overriding == [] and "__getstate__" in vars(LayoutWriter)


def test_the_8_bit_layouts_check_and_encode_through_one_base(tmp_path):
    """mmseg and hf differ only in void's value (255 fixed, or the label map's when it fits): the check, the
    note and the encoding are EightBitWriter's, and the label PNG holds class indices with void as planned."""
    from PIL import Image

    from convert.formats.eightbit import EightBitWriter

    eight = [name for name, e in WRITERS.items() if issubclass(e.target, EightBitWriter)]
    assert sorted(eight) == ["cityscapes", "hf", "mmseg"]   # cityscapes: its labelIds
    for name in eight:  # neither layout encodes label images itself
        assert "label_png" not in vars(WRITERS[name].target) and "to_8bit" not in vars(WRITERS[name].module), name
    lm = LabelMap.from_dict({"void": 100, "classes": [{"name": "plate", "index": 1, "level": 1}]})
    mask = np.array([[0, 1, 100]], dtype=np.uint8)
    for name, void in (("hf", 100), ("mmseg", 255)):
        writer = WRITERS[name].target(tmp_path / name, lm)
        image = Image.open(io.BytesIO(writer.label_png(mask)))
        assert image.mode == "L" and np.asarray(image).tolist() == [[0, 1, void]], name
