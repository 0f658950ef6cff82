"""The output folder: --overwrite removes what segconv wrote before and nothing else; --resume finishes an
interrupted run, starts afresh where there is none, and says what it kept."""


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


def test_food_fixture_untouched_by_overwrite(tmp_path):
    from conftest import tree_digest

    before = tree_digest(FOOD)
    out = tmp_path / "o"
    for _ in range(2):
        assert run_cli("convert", FOOD / "annotations.json", "-o", out, "--overwrite").returncode == 0
    assert tree_digest(FOOD) == before
