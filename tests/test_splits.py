"""--split keeps images that belong together in one split: the frames of a CVAT video or of a task annotated
as a sequence (--split-by sequence, the default), a folder (folder), names a pattern groups (pattern:REGEX);
--split-by image splits one by one.  Neighbouring frames in train and val would measure memory."""

import json

import pytest

from convert import api
from convert.pipeline.splits import Split

from conftest import run_cli

SPLIT = "train=0.5,val=0.5"


def video(path, frames=20, task_id="7"):
    """A CVAT for video file: one track of a plate over every frame."""
    boxes = "".join(f'<box frame="{f}" xtl="0" ytl="0" xbr="4" ybr="4" outside="0" occluded="0" keyframe="1"/>'
                    for f in range(frames))
    path.write_text(f'<annotations><meta><task><id>{task_id}</id><size>{frames}</size><mode>interpolation</mode>'
                    '<original_size><width>8</width><height>8</height></original_size><labels><label><name>plate'
                    f'</name></label></labels></task></meta><track id="0" label="plate">{boxes}</track></annotations>')
    return path


def subsets_of(out) -> dict[str, list[str]]:
    """VOC's lists: subset -> image ids."""
    lists = out / "ImageSets" / "Segmentation"
    return {p.stem: p.read_text().split() for p in lists.glob("*.txt")}


def test_the_frames_of_a_video_go_to_one_split(tmp_path):
    src = video(tmp_path / "video.xml")
    report = api.convert(src, tmp_path / "o", to="voc", split=SPLIT)
    lists = subsets_of(tmp_path / "o")
    assert len(lists) == 1 and len(next(iter(lists.values()))) == 20
    assert "--split kept 20 images together in 1 group of more than one (--split-by sequence); each group went " \
           "whole to one split" in report.notes


def test_split_by_image_splits_frames_one_by_one(tmp_path):
    src = video(tmp_path / "video.xml")
    api.convert(src, tmp_path / "o", to="voc", split=SPLIT, split_by="image")
    lists = subsets_of(tmp_path / "o")
    assert sorted(lists) == ["train", "val"] and sum(map(len, lists.values())) == 20


def test_tasks_annotated_as_sequences_each_go_whole_to_one_split(tmp_path):
    """A CVAT project export: two interpolation tasks (sequences) of 12 images each, and 12 images of an
    annotation task, which are split one by one."""
    images, tasks = [], []
    for task, mode in ((1, "interpolation"), (2, "interpolation"), (3, "annotation")):
        tasks.append(f"<task><id>{task}</id><mode>{mode}</mode></task>")
        images += [f'<image id="{len(images)}" name="t{task}_{i:02d}.jpg" width="8" height="8" task_id="{task}">'
                   '<box label="plate" xtl="0" ytl="0" xbr="4" ybr="4" occluded="0"/></image>' for i in range(12)]
    src = tmp_path / "project.xml"
    src.write_text(f"<annotations><meta><project><labels><label><name>plate</name></label></labels><tasks>"
                   f"{''.join(tasks)}</tasks></project></meta>{''.join(images)}</annotations>")
    api.convert(src, tmp_path / "o", to="voc", split=SPLIT)
    where = {name: subset for subset, names in subsets_of(tmp_path / "o").items() for name in names}
    for task in (1, 2):
        assert len({where[f"t{task}_{i:02d}"] for i in range(12)}) == 1
    assert len({where[f"t3_{i:02d}"] for i in range(12)}) == 2  # single images: both splits


def coco(path, names):
    doc = {"images": [{"id": i, "file_name": n, "width": 8, "height": 8} for i, n in enumerate(names, start=1)],
           "categories": [{"id": 1, "name": "plate"}],
           "annotations": [{"id": i, "image_id": i, "category_id": 1, "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]}
                           for i in range(1, len(names) + 1)]}
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("by, names, group", [
    ("folder", [f"seq_{s}/{f:04d}.jpg" for s in "abc" for f in range(8)], lambda n: n.split("/")[0]),
    ("pattern:^(.+)_frame", [f"walk{s}_frame{f:04d}.jpg" for s in range(3) for f in range(8)],
     lambda n: n.split("_")[0]),
])
def test_folders_and_patterns_group_images(tmp_path, by, names, group):
    src = coco(tmp_path / "a.json", names)
    api.convert(src, tmp_path / "o", to="voc", split=SPLIT, split_by=by)
    where = {name: subset for subset, ids in subsets_of(tmp_path / "o").items() for name in ids}
    for key in {group(n) for n in names}:
        assert len({where[n.rsplit(".", 1)[0]] for n in names if group(n) == key}) == 1, key


def test_images_a_rule_does_not_group_are_split_as_before(tmp_path):
    """Without a sequence, a folder or a match, an image is a group of its own: its split is what segconv 0.2
    gave it, by its name."""
    split = Split.parse(SPLIT, by="folder")
    assert [split.assign(split.group_of(f"img_{i}.jpg")) for i in range(8)] == \
        [Split.parse(SPLIT).assign(f"img_{i}.jpg") for i in range(8)]


@pytest.mark.parametrize("by, said", [("frames", "one of sequence, folder, image, or pattern:REGEX"),
                                      ("pattern:(", "not a regular expression")])
def test_a_bad_rule_is_a_usage_error(tmp_path, by, said):
    src = coco(tmp_path / "a.json", ["a.jpg"])
    proc = run_cli("convert", src, "-o", tmp_path / "o", "--to", "voc", "--split", SPLIT, "--split-by", by)
    assert proc.returncode == 2 and said in proc.stderr and not (tmp_path / "o").exists()
