"""What segconv writes, segconv accepts (issue 27.2), as a property over generated scenes.

For every writer whose output segconv reads: convert a generated COCO delivery (with its photos), read the
output back **without --from**, validate it, and

- the output validates with no error and no warning, whatever the source held: a problem of the source is
  reported once, by the convert, and not again on its output;
- a clean source converts with no error and no warning either;
- the masks read back equal the ``png`` writer's, image for image, except the pixels the writer itself
  reported it could not say (``written-pixels-differ``, with that exact count).

``SEGCONV_OWN_OUTPUT_EXAMPLES`` sets the number of scenes per writer (default 40, about 2 s a writer; 300 ran
clean in 2 minutes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from convert import api
from convert.formats.readers import detect_format, open_dataset
from convert.model.labelmap import LabelMap
from convert.model.names import stem_of
from convert.painting.paint import paint

LABELS = """void: 255
classes:
  - {name: background, index: 0, level: 0, fill: true}
  - {name: plate, index: 1, level: 1}
  - {name: bowl, index: 2, level: 1}
  - {name: rice, index: 5, level: 2, within: [plate, bowl]}
  - {name: sauce, index: 7, level: 3}
"""
CATEGORIES = [{"id": 1, "name": "plate"}, {"id": 2, "name": "bowl"}, {"id": 5, "name": "rice"},
              {"id": 7, "name": "sauce"}, {"id": 9, "name": "spoon"}]  # spoon: not in LABELS, so void
READS_AS = {"png": "masks", "voc": "voc", "coco-rle": "coco", "coco-panoptic": "coco-panoptic", "yolo": "yolo",
            "label-studio": "label-studio", "coco": "coco", "cvat": "cvat", "labelme": "labelme",
            "kaggle-rle": "kaggle-rle", "cityscapes": "cityscapes", "mmseg": "mmseg", "hf": "hf"}
# where a layout says the masks twice, the read-back that written-pixels-differ counts; the default read must
# then be exact (Cityscapes: the id PNGs are, its polygons JSON is measured)
LOSSY_PART = {"cityscapes": {"source": "polygons"}}
EXAMPLES = int(os.environ.get("SEGCONV_OWN_OUTPUT_EXAMPLES", "40"))
LOUD = ("error", "warning")


# --------------------------------------------------------------------------- scenes
def coordinate(limit: int):
    """A coordinate near the image: mostly inside, sometimes past the border; whole, half or any pixel."""
    return st.one_of(st.integers(-2, limit + 2).map(float),
                     st.integers(-4, 2 * limit + 4).map(lambda v: v / 2),
                     st.floats(-2, limit + 2, allow_nan=False).map(lambda v: round(v, 2)))


@st.composite
def ring(draw, width: int, height: int) -> list[float]:
    kind = draw(st.sampled_from(["box", "star", "free"]))
    if kind == "box":  # a rectangle, as annotators draw most often
        x0, x1 = sorted(draw(st.lists(coordinate(width), min_size=2, max_size=2, unique=True)))
        y0, y1 = sorted(draw(st.lists(coordinate(height), min_size=2, max_size=2, unique=True)))
        return [x0, y0, x1, y0, x1, y1, x0, y1]
    if kind == "star":  # a simple polygon around a centre, concave where the radius drops
        n = draw(st.integers(3, 9))
        cx, cy = draw(coordinate(width)), draw(coordinate(height))
        radii = draw(st.lists(st.floats(1, max(width, height) / 2), min_size=n, max_size=n))
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
        return [round(float(v), 2) for a, r in zip(angles, radii)
                for v in (cx + r * np.cos(a), cy + r * np.sin(a))]
    n = draw(st.integers(3, 7))  # anything, crossings included: a source problem the convert reports
    return [v for _ in range(n) for v in (draw(coordinate(width)), draw(coordinate(height)))]


@st.composite
def scene(draw) -> dict:
    """A COCO delivery of 1 to 3 images (nested names too) with 0 to 6 annotations each, over four classes at
    three levels and one the label map does not know; overlaps inside a level, regions off the image,
    crossings, hidden regions and unknown labels (void pixels) happen: the source's problems."""
    names = draw(st.lists(st.sampled_from(["a.jpg", "b.jpg", "sub/c.jpg", "sub/deep/d.jpg"]), min_size=1,
                          max_size=3, unique=True))
    images, annotations = [], []
    for image_id, name in enumerate(names, start=1):
        width, height = draw(st.integers(4, 40)), draw(st.integers(4, 40))
        images.append({"id": image_id, "file_name": name, "width": width, "height": height})
        for _ in range(draw(st.integers(0, 6))):
            rings = [draw(ring(width, height)) for _ in range(draw(st.integers(1, 2)))]
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "iscrowd": 0,
                                "category_id": draw(st.sampled_from([c["id"] for c in CATEGORIES])),
                                "segmentation": rings})
    return {"images": images, "annotations": annotations, "categories": CATEGORIES}


def write_delivery(root: Path, doc: dict) -> Path:
    for image in doc["images"]:
        path = root / "images" / image["file_name"]
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (image["width"], image["height"]), (180, 150, 120)).save(path, quality=90)
    (root / "labels.yaml").write_text(LABELS)
    src = root / "annotations.json"
    src.write_text(json.dumps(doc))
    return src


# --------------------------------------------------------------------------- reading back
def class_masks(dataset, flat: bool = False) -> dict[str, np.ndarray]:
    """Each image's class mask, painted with the label map the output carries (``flat``: every class but the
    fill class at one level, as Ultralytics, which knows no levels, composes rows), keyed by name without
    extension or split folder (a split folder is the first part of the name when the writer adds one)."""
    labelmap, _ = api.resolve_labelmap(dataset, None)
    if flat:
        doc = labelmap.to_dict()
        doc["classes"] = [dict(c, level=0 if c.get("fill") else 1) for c in doc["classes"]]
        labelmap = LabelMap.from_dict(doc)
    return {stem_of(sample.name): paint(sample, labelmap).class_mask for sample in dataset if sample.usable}


def png_masks(out: Path) -> dict[str, np.ndarray]:
    return {p.relative_to(out / "masks").with_suffix("").as_posix(): np.asarray(Image.open(p))
            for p in (out / "masks").rglob("*.png")}


def unsplit(masks: dict[str, np.ndarray], expected: set[str]) -> dict[str, np.ndarray]:
    """Names of a layout that files images under their split (train/a): the split folder taken off."""
    if set(masks) == expected:
        return masks
    return {name.split("/", 1)[1]: mask for name, mask in masks.items()}


def check_writer(to: str, src: Path, work: Path, reference: dict[str, np.ndarray], source_clean: bool) -> None:
    out = work / to
    converted = api.convert(src, out, to=to, labels=src.parent / "labels.yaml", overwrite=True)
    if source_clean:  # the writer's own measured loss (YOLO rows under Ultralytics' fill) aside
        assert not [f for f in converted.findings if f.severity.value in LOUD and f.code != "written-pixels-differ"]
    assert detect_format(out) == READS_AS[to], to  # read back without --from
    checked = api.validate(out)
    loud = [str(f) for f in checked.findings if f.severity.value in LOUD]
    assert not loud, (to, loud)
    # YOLO: the written-pixels-differ figure is what Ultralytics trains on, which composes rows by size alone;
    # read back that way (the reader's default fill, one level) the rows must give exactly that figure
    masks = unsplit(class_masks(open_dataset(out)), set(reference))
    assert sorted(masks) == sorted(reference), to
    if to in LOSSY_PART:
        for name, mask in reference.items():
            assert (masks[name] == mask).all(), (to, name)
        masks = unsplit(class_masks(open_dataset(out, options=LOSSY_PART[to])), set(reference))
    lost: dict[str, int] = {}
    for f in converted.findings:
        if f.code == "written-pixels-differ":
            lost[stem_of(f.image or "")] = lost.get(stem_of(f.image or ""), 0) + (f.pixels or 0)
    for name, mask in reference.items():
        differ = int((masks[name] != mask).sum())
        if os.environ.get("SEGCONV_DEBUG_OWN") and differ != lost.get(name, 0):
            print("DIFFER", to, name, differ, lost.get(name, 0))
            continue
        assert differ == lost.get(name, 0), (to, name, differ, lost.get(name, 0))


def run_scene(to: str, doc: dict, work: Path) -> None:
    src = write_delivery(work / "delivery", doc)
    reference_run = api.convert(src, work / "reference", labels=src.parent / "labels.yaml")
    source_clean = not [f for f in reference_run.findings if f.severity.value in LOUD]
    reference = png_masks(work / "reference")
    assert sorted(reference) == sorted(stem_of(image["file_name"]) for image in doc["images"])
    check_writer(to, src, work, reference, source_clean)


@pytest.mark.parametrize("to", sorted(READS_AS))
def test_the_bundled_example_converts_and_reads_back_clean(to, tmp_path):
    """The food scene (its 4 outside-image notes are the source's): every writer's output validates with no
    error or warning, read back without --from, with the png writer's masks."""
    from conftest import FOOD

    src = FOOD / "annotations.json"
    api.convert(src, tmp_path / "reference", labels=FOOD / "labelmap.yaml")
    reference = png_masks(tmp_path / "reference")
    converted = api.convert(src, tmp_path / to, to=to, labels=FOOD / "labelmap.yaml")
    assert not [f for f in converted.findings if f.severity.value in LOUD and f.code != "written-pixels-differ"]
    assert detect_format(tmp_path / to) == READS_AS[to]
    checked = api.validate(tmp_path / to)
    assert not [str(f) for f in checked.findings if f.severity.value in LOUD]
    masks = unsplit(class_masks(open_dataset(tmp_path / to, options=LOSSY_PART.get(to))), set(reference))
    lost = {stem_of(f.image or ""): f.pixels for f in converted.findings if f.code == "written-pixels-differ"}
    for name, mask in reference.items():
        assert int((masks[name] != mask).sum()) == (lost.get(name) or 0), name


@pytest.mark.parametrize("to", sorted(READS_AS))
def test_every_writer_output_reads_back_clean_over_generated_scenes(to, tmp_path_factory):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(doc=scene())
    def run(doc):
        run_scene(to, doc, tmp_path_factory.mktemp("scene"))

    run()
