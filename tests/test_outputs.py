"""Two images that would take one output name (a.jpg and a.png both become masks/a.png): the first in the
source keeps it, the second is not written and an error names both, for every writer and whatever --jobs is;
never an overwrite in silence."""


import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.formats.writers import WRITERS

from conftest import run_cli, tree_digest

LABELS = "classes:\n  - {name: background, index: 0, level: 0, fill: true}\n  - {name: plate, index: 1, level: 1}\n"
# per writer: the file both images would take (None: the layout names images, not files, and keeps both)
TAKEN = {"png": "masks/a.png", "voc": "SegmentationClass/a.png", "coco-rle": None,
         "coco-panoptic": "annotations/panoptic_default/a.png", "mmseg": "ann_dir/train/a.png", "hf": None,
         "label-studio": None, "yolo": "labels/train/a.txt", "coco": None, "cvat": None, "labelme": "a.json",
         "kaggle-rle": None,
         "cityscapes": "gtFine/train/a_gtFine_labelIds.png"}


def cvat(path, boxes):
    """A CVAT XML of 8x8 images, each with one plate box ``(name, x1, y1, x2, y2)``."""
    images = "".join(f'<image id="{i}" name="{name}" width="8" height="8"><box label="plate" xtl="{x1}" '
                     f'ytl="{y1}" xbr="{x2}" ybr="{y2}" occluded="0"/></image>'
                     for i, (name, x1, y1, x2, y2) in enumerate(boxes))
    path.write_text('<annotations><meta><task><labels><label><name>plate</name></label></labels></task></meta>'
                    f"{images}</annotations>")
    return path


@pytest.fixture
def twins(tmp_path):
    """a.jpg (a 2x2 plate) and a.png (a 4x4 plate): one stem, two images."""
    (tmp_path / "lm.yaml").write_text(LABELS)
    return cvat(tmp_path / "twins.xml", [("a.jpg", 0, 0, 2, 2), ("a.png", 0, 0, 4, 4), ("b.jpg", 0, 0, 1, 1)]), \
        tmp_path / "lm.yaml"


def test_every_writer_is_covered():
    assert set(TAKEN) == set(WRITERS)


@pytest.mark.parametrize("to", sorted(WRITERS))
def test_the_first_image_keeps_the_name_and_the_second_is_reported(tmp_path, twins, to):
    src, lm = twins
    report = api.convert(src, tmp_path / "o", labels=lm, to=to)
    refused = [f for f in report.findings if f.code == "duplicate-image"]
    if TAKEN[to] is None:  # coco-rle, coco, cvat, label-studio, hf, kaggle-rle: a.jpg and a.png are two names there
        assert refused == [] and report.written == 3
        return
    [finding] = refused
    assert finding.image == "a.png" and finding.severity.value == "error"
    assert finding.message == (f"'a.png' would be written as {TAKEN[to]}, which 'a.jpg' (image 1 of the source) "
                               "is written as; 'a.png' is not written")
    assert report.written == 2 and report.exit_code() == 1
    listed = (tmp_path / "o" / ".segconv-files.txt").read_text().split()
    assert not any(name.startswith(("images/train/a.png", "img_dir/train/a.png", "images/default/a.png"))
                   for name in listed)  # nothing of the refused image, not even the files it would not share
    if to in ("png", "voc", "mmseg"):
        mask = np.asarray(Image.open(tmp_path / "o" / TAKEN[to]))
        assert int((mask == 1).sum()) == 4  # a.jpg's 2x2 plate, not a.png's 4x4


def test_the_summary_counts_what_was_written(tmp_path, twins):
    src, lm = twins
    proc = run_cli("convert", src, "--labels", lm, "-o", tmp_path / "o")
    assert proc.returncode == 1
    assert "wrote 2 masks" in proc.stderr and "'a.png' is not written" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "o" / "masks").iterdir()) == ["a.png", "b.png"]


@pytest.mark.parametrize("to", ["png", "yolo"])
def test_the_same_bytes_whatever_jobs_is(tmp_path, to):
    """Many colliding pairs: with 2 workers the first of each pair still wins, run after run."""
    (tmp_path / "lm.yaml").write_text(LABELS)
    boxes = [(f"{i}.{ext}", 0, 0, 1 + (ext == "png") * 3, 2) for i in range(40) for ext in ("jpg", "png")]
    src = cvat(tmp_path / "many.xml", boxes)
    digests = []
    for run, jobs in enumerate(["1", "2", "2", "2"]):
        out = tmp_path / f"o{run}"
        proc = run_cli("convert", src, "--labels", tmp_path / "lm.yaml", "-o", out, "--to", to, "--jobs", jobs, "-q")
        assert proc.returncode == 1
        digests.append(tree_digest(out))
    assert all(d == digests[0] for d in digests)


def test_a_yolo_source_with_two_images_of_one_stem(tmp_path):
    """YOLO's images/train/a.jpg and a.png with one label file each: both would become labels/train/a.txt."""
    root = tmp_path / "yolo"
    (root / "images" / "train").mkdir(parents=True)
    (root / "labels" / "train").mkdir(parents=True)
    for ext in ("jpg", "png"):
        Image.new("RGB", (8, 8)).save(root / "images" / "train" / f"a.{ext}")
    (root / "labels" / "train" / "a.txt").write_text("0 0 0 0.5 0 0.5 0.5 0 0.5\n")
    (root / "data.yaml").write_text("train: images/train\nval: images/train\nnames: [plate]\n")
    report = api.convert(root, tmp_path / "o", to="png")
    assert sorted(p.name for p in (tmp_path / "o" / "masks").rglob("*.png")) == ["a.png"]
    [refused] = [f for f in report.findings if f.code == "duplicate-image"]
    assert refused.image == "train/a.png" and "'train/a.jpg' (image 1 of the source)" in refused.message
    assert report.written == 1


def test_names_differing_in_case_are_one_name_where_the_file_system_ignores_case():
    from convert.pipeline.outputs import Outputs

    names = Outputs(None, name_of=["A.jpg", "a.jpg"].__getitem__, fold_case=True)
    assert names.place(0, {"name": "A.jpg", "files": ["masks/A.png"], "staged": {}}) is None
    finding = names.place(1, {"name": "a.jpg", "files": ["masks/a.png"], "staged": {}})
    assert finding is not None and "'A.jpg' (image 1 of the source)" in finding.message
    exact = Outputs(None, name_of=["A.jpg", "a.jpg"].__getitem__)
    assert exact.place(0, {"name": "A.jpg", "files": ["masks/A.png"], "staged": {}}) is None
    assert exact.place(1, {"name": "a.jpg", "files": ["masks/a.png"], "staged": {}}) is None


@pytest.mark.parametrize("to", ["coco-rle", "label-studio", "hf", "kaggle-rle"])
def test_one_image_name_twice_inside_a_file_of_the_set(tmp_path, to):
    """coco-rle, label-studio, hf and kaggle-rle name images inside files of the set: the same name twice is refused
    there too (readers mostly refuse it already; a library user's dataset may not)."""
    pytest.importorskip("pyarrow")
    from convert.formats.dataset import Dataset
    from convert.model.labelmap import LabelMap
    from convert.model.sample import Box, Origin, Region, Sample
    from convert.pipeline.loop import run

    class Twice(Dataset):
        format = "mine"

        def __init__(self):
            super().__init__("mine")
            o = Origin("mine")
            self.samples = [Sample("a.jpg", 4, 4, [Region("plate", Box(0, 0, w, w), (0,), o)], o) for w in (1, 2)]

        label_names = ["plate"]

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return self.samples[i]

    lm = LabelMap.derive(["plate"])
    writer = WRITERS[to].target(tmp_path / "o", lm)
    report = run(Twice(), lm, writer=writer)
    [refused] = [f for f in report.findings if f.code == "duplicate-image"]
    assert refused.image == "a.jpg" and "'a.jpg' (image 1 of the source)" in refused.message
    assert report.written == 1


def test_the_names_taken_cost_what_readme_says():
    """README: 116 bytes a name of 35 characters (the memory that grows with the number of images)."""
    import tracemalloc

    from convert.pipeline.outputs import Outputs

    names = Outputs(None)
    tracemalloc.start()
    try:
        for i in range(20000):
            names.place(i, {"name": f"img_{i:07d}.jpg", "files": [f"SegmentationClass/img_{i:07d}.png",
                                                                  f"JPEGImages/img_{i:07d}.jpg"], "staged": {}})
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert 90 < used / 40000 < 140


def test_a_dry_run_counts_what_the_real_run_would_write(tmp_path, twins):
    """The dry run's line counts the images the real run writes, not every image of the source."""
    src, lm = twins
    proc = run_cli("convert", src, "--labels", lm, "-o", tmp_path / "o", "--dry-run")
    assert proc.returncode == 1 and not (tmp_path / "o").exists()
    assert ("nothing written; 2 images would be written as png" in proc.stderr
            and "(1 of the 3 would not: see the findings)" in proc.stderr), proc.stderr
