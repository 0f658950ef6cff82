"""The output folder: --overwrite removes what segconv wrote before and nothing else; --resume finishes an
interrupted run, starts afresh where there is none, and says what it kept."""

from convert import api
from convert.errors import SegconvError

from conftest import FOOD, coco_doc, run_cli, write_json


def two_image_delivery(tmp_path, names=("a.jpg", "b.jpg")):
    images = [{"id": i, "file_name": n, "width": 4, "height": 4} for i, n in enumerate(names, start=1)]
    anns = [{"id": i, "image_id": i, "category_id": 1, "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}
            for i in range(1, len(names) + 1)]
    return write_json(tmp_path / f"d{len(names)}.json", coco_doc(images, anns, [{"id": 1, "name": "plate"}]))


def test_overwrite_removes_the_earlier_runs_files_and_keeps_the_users(tmp_path):
    out = tmp_path / "out"
    first = two_image_delivery(tmp_path, ("a.jpg", "b.jpg", "old.jpg"))
    assert run_cli("convert", first, "-o", out).returncode == 0
    (out / "notes.txt").write_text("mine")
    (out / "masks" / "mine.png").write_bytes(b"not segconv's")
    second = two_image_delivery(tmp_path, ("a.jpg", "b.jpg"))
    proc = run_cli("convert", second, "-o", out, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert not (out / "masks" / "old.png").exists()  # the stale mask of the earlier run is gone
    assert (out / "notes.txt").read_text() == "mine" and (out / "masks" / "mine.png").exists()
    assert "removed 5 files an earlier segconv run wrote here; kept 2 other files" in proc.stderr
    assert sorted(p.name for p in (out / "masks").iterdir()) == ["a.png", "b.png", "mine.png"]
    listed = (out / ".segconv-files.txt").read_text().split()
    assert listed == ["labelmap.json", "labelmap.txt", "masks/a.png", "masks/b.png"]


def test_overwrite_of_another_layout_leaves_no_stale_tree(tmp_path):
    out = tmp_path / "out"
    src = two_image_delivery(tmp_path)
    assert run_cli("convert", src, "-o", out, "--to", "voc").returncode == 0
    assert run_cli("convert", src, "-o", out, "--to", "png", "--overwrite").returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [".segconv-files.txt", "labelmap.json", "labelmap.txt", "masks"]


def test_resume_where_there_is_nothing_to_resume_converts_afresh(tmp_path):
    src = two_image_delivery(tmp_path)
    proc = run_cli("convert", src, "-o", tmp_path / "new", "--resume")  # OUT does not exist
    assert proc.returncode == 0 and "nothing to resume here: converting afresh" in proc.stderr
    proc = run_cli("convert", src, "-o", tmp_path / "new", "--resume", "--overwrite")  # a finished OUT
    assert proc.returncode == 0, proc.stderr
    assert "nothing to resume here: converting afresh" in proc.stderr and "use --overwrite" not in proc.stderr
    proc = run_cli("convert", src, "-o", tmp_path / "new", "--resume")  # finished, no --overwrite
    assert proc.returncode == 2 and "there is no interrupted run here" in proc.stderr


def test_a_non_empty_out_is_refused_in_the_callers_words(tmp_path):
    """The command line names the option (--overwrite), the library the keyword argument (overwrite=True)."""
    src, out = two_image_delivery(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    proc = run_cli("convert", src, "-o", out)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {out}: output folder exists and is not empty; pass --overwrite to write " \
                                  "into it"
    words = "output folder exists and is not empty; pass overwrite=True to write into it"
    with pytest.raises(SegconvError, match=words):
        api.convert(src, out)
    with pytest.raises(SegconvError, match=words.replace("; ", r" \(resume=True: there is no interrupted run here "
                                                               r"to finish\); ")):
        api.load(src).export(out, resume=True)


def test_food_fixture_untouched_by_overwrite(tmp_path):
    from conftest import tree_digest

    before = tree_digest(FOOD)
    out = tmp_path / "o"
    for _ in range(2):
        assert run_cli("convert", FOOD / "annotations.json", "-o", out, "--overwrite").returncode == 0
    assert tree_digest(FOOD) == before


def interrupted(src, out, after=1, **kwargs):
    """An api.convert stopped by Ctrl-C once ``after`` images are done."""
    import pytest

    from convert import api

    def progress(done, total):
        if done == after:
            raise KeyboardInterrupt

    with pytest.raises(api.Interrupted):
        api.convert(src, out, progress=progress, **kwargs)


def files_under(out):
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() or p.is_symlink())


def test_other_part_files_survive_runs_and_overwrite(tmp_path):
    """A user's `.notes.part` is not segconv's: neither the end of a run nor --overwrite removes it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / ".notes.part").write_text("mine")
    (out / "masks").mkdir()
    (out / "masks" / ".draft.png.part").write_text("mine too")
    src = two_image_delivery(tmp_path)
    for _ in range(2):
        proc = run_cli("convert", src, "-o", out, "--overwrite")
        assert proc.returncode == 0, proc.stderr
        assert (out / ".notes.part").read_text() == "mine" and (out / "masks" / ".draft.png.part").exists()
    assert "removed 4 files an earlier segconv run wrote here; kept 2 other files" in proc.stderr


import pytest  # noqa: E402


@pytest.mark.parametrize("to", ["hf", "coco-rle", "label-studio", "voc"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_an_interrupted_run_leaves_nothing_unlisted_and_overwrite_says_so_truly(tmp_path, to, jobs):
    """Ctrl-C after 2 of 4 images: every file in OUT is in the manifest (hf's unfinished shards, coco-rle's and
    Label Studio's part files, the images written so far); --overwrite removes them all and keeps the
    user's one file, saying exactly that."""
    if to == "hf":
        pytest.importorskip("pyarrow")
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("mine")
    interrupted(FOOD / "annotations.json", out, after=2, labels=FOOD / "labelmap.yaml", to=to, jobs=jobs,
                overwrite=True)
    listed = set((out / ".segconv-files.txt").read_text().split())
    unlisted = [f for f in files_under(out) if f not in listed]
    assert unlisted == [".segconv-files.txt", ".segconv-run.json", "mine.txt"]
    there = [f for f in listed if (out / f).is_file() or (out / f).is_symlink()]
    assert there and not [f for f in files_under(out) if f.endswith(".part")]  # the run removed its temporaries
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out, "--to", "png",
                   "--overwrite")
    assert proc.returncode == 0, proc.stderr
    from convert.wording import plural

    assert f"removed {plural(len(there), 'file')} an earlier segconv run wrote here; kept 1 other file" in proc.stderr
    assert [f for f in files_under(out) if not f.startswith(("masks/", "labelmap."))] == [
        ".segconv-files.txt", "mine.txt"]


def test_a_killed_parallel_run_leaves_only_listed_files_and_its_own_temporaries(tmp_path):
    """SIGKILL to the run and its workers mid-way: every file left is listed, or a temporary file named with
    the run's token; --overwrite removes them all."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT, generated_delivery

    src, labels = generated_delivery(tmp_path / "d", 80, 640, 480)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "convert", "convert", str(src), "--labels", str(labels), "-o",
                             str(out), "--to", "voc", "--jobs", "2", "-q"], cwd=ROOT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "SegmentationClass").glob("*.png"))) < 10:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    token = json.loads((out / ".segconv-run.json").read_text())["token"]
    listed = set((out / ".segconv-files.txt").read_text().split("\n")[:-1])
    left = [f for f in files_under(out) if f not in listed and f not in (".segconv-files.txt", ".segconv-run.json")]
    assert all(f".{token}." in f.rsplit("/", 1)[-1] and f.endswith(".part") for f in left), left
    again = run_cli("convert", src, "--labels", labels, "-o", out, "--to", "png", "--overwrite", "-q")
    assert again.returncode == 0, again.stderr
    assert not [f for f in files_under(out) if f.endswith(".part")]
    assert not (out / "SegmentationClass").exists()


@pytest.mark.parametrize("change, named", [
    (["--link"], "--link (then off, now on)"),
    (["--images", str(FOOD / "images")], "--images (then none, now"),
    (["--from", "coco"], None),  # detected as coco already: the same reader, resumable
    (["--max-pixels", "1000000"], "--max-pixels (then 268435456, now 1000000)"),
    (["--rule", "labelme"], "--rule (then coco, now labelme)"),
    (["--split", "train=0.5,val=0.5"], "--split, --split-by, --seed"),
    (["-O", "holes=fill"], "-O (the writer's options)"),
])
def test_resume_compares_every_setting_that_changes_bytes(tmp_path, change, named):
    out = tmp_path / "out"
    interrupted(FOOD / "annotations.json", out, labels=FOOD / "labelmap.yaml", to="yolo")
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "-o", out, "--to", "yolo",
                   "--resume", *change)
    if named is None:
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 2
    assert "--resume: the interrupted run used other settings: " + named in proc.stderr


def test_every_parameter_of_convert_is_classified():
    """A new option of api.convert (a field of RunOptions, or a parameter of its own) must say whether it
    changes the bytes (and --resume compares it)."""
    import dataclasses
    import inspect

    from convert import api
    from convert.pipeline.settings import CHANGES_BYTES, PARAMETERS

    own = set(inspect.signature(api.convert).parameters) - {"options", "changes"}
    assert own == {"src", "out", "progress", "profile"}
    assert set(PARAMETERS) == own | {f.name for f in dataclasses.fields(api.RunOptions)}
    for param, key in PARAMETERS.items():
        assert key in CHANGES_BYTES or key.startswith("no: "), param


def test_overwrite_sets_the_earlier_files_aside_and_nothing_of_them_outlives_the_run(tmp_path):
    """--overwrite moves an earlier run's files into OUT/.segconv-removing.<token>/ and a thread unlinks them
    while the run writes: after the run, and after a run stopped by Ctrl-C, none of them and no such folder is
    left; the user's own file stays, and the summary counts the files removed."""
    from convert import api

    out = tmp_path / "out"
    kw = {"labels": FOOD / "labelmap.yaml", "to": "coco-panoptic"}
    api.convert(FOOD / "annotations.json", out, **kw)
    (out / "mine.txt").write_text("mine")
    first = set(files_under(out))
    report = api.convert(FOOD / "annotations.json", out, overwrite=True, **kw)
    assert set(files_under(out)) == first
    assert not list(out.glob(".segconv-removing*"))
    assert any(f"removed {len(first) - 2} files" in n for n in report.notes)  # all but mine.txt and the list
    interrupted(FOOD / "annotations.json", out, after=2, overwrite=True, **kw)
    assert not list(out.glob(".segconv-removing*")) and not list(out.rglob("*.part"))
    api.convert(FOOD / "annotations.json", out, overwrite=True, **kw)
    assert set(files_under(out)) == first and not list(out.glob(".segconv-removing*"))
