"""What a run says of the whole source once its images are done (convert/pipeline/whole_source.py)."""

from convert.findings import Finding
from convert.model.labelmap import LabelMap
from convert.pipeline.whole_source import add_accounting, dropped_images, unused_classes

LM = LabelMap.from_dict({"classes": [
    {"name": "background", "index": 0, "level": 0, "fill": True},
    {"name": "plate", "index": 1, "level": 1},
    {"name": "bowl", "index": 2, "level": 1},
]})


def test_a_class_never_painted_is_said_once_and_the_fill_class_never():
    [unused] = unused_classes(LM, {"plate": {}}, 3)
    assert unused.code == "class-unused" and unused.element == "class bowl"
    assert unused.message == "class 'bowl' (index 2) has no painted region in any image (3 images checked)"
    assert unused_classes(LM, {}, 0) == []  # nothing checked: nothing to say


def test_the_per_class_totals_add_up_image_by_image():
    totals: dict = {}
    for pixels, regions in ((10, 1), (5, 2)):
        add_accounting(totals, {"classes": {"plate": {"index": 1, "level": 1, "pixels": pixels, "overwritten": 1,
                                                      "regions": regions}}})
    assert totals == {"plate": {"index": 1, "level": 1, "pixels": 15, "overwritten": 2, "regions": 3, "images": 2}}


def test_an_image_the_reader_dropped_is_told_by_its_first_error():
    class Source:
        findings = [Finding("bad-image", "no size", image="a.jpg"), Finding("bad-value", "again", image="a.jpg"),
                    Finding("unknown-label", "kept", image="b.jpg")]

        def __len__(self):
            return 1

        def names(self):
            return ["b.jpg"]

    assert [(f.code, f.image) for f in dropped_images(Source())] == [("bad-image", "a.jpg")]
