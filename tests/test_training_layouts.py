"""Training layouts (mmsegmentation, Hugging Face datasets) read by their consumers' rules equal the png masks,
and --split puts every image in the same split whatever the writer, the order or --jobs."""

import ast
import json
import os

import numpy as np
import pytest
from PIL import Image

from convert import api
from convert.formats.hf import write as hf

from conftest import FOOD, corpus, generated_delivery, run_cli

LABELS = FOOD / "labelmap.yaml"


@pytest.fixture(scope="module")
def png_masks(tmp_path_factory):
    out = tmp_path_factory.mktemp("png") / "png"
    assert api.convert(FOOD / "annotations.json", out, labels=LABELS).exit_code() == 0
    return {p.relative_to(out / "masks").with_suffix("").as_posix(): np.asarray(Image.open(p))
            for p in (out / "masks").rglob("*.png")}


def test_mmseg_annotations_are_8_bit_grayscale_equal_to_the_masks(tmp_path, png_masks):
    out = tmp_path / "mm"
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", out, "--to", "mmseg",
                   "--split", "train=0.5,val=0.5")
    assert proc.returncode == 0, proc.stderr
    assert "reduce_zero_label=False" in proc.stderr and "metainfo = dict(classes=" in proc.stderr  # printed
    seen = {}
    for ann in (out / "ann_dir").rglob("*.png"):
        split, stem = ann.relative_to(out / "ann_dir").parts[0], ann.relative_to(out / "ann_dir" / ann.relative_to(
            out / "ann_dir").parts[0]).with_suffix("").as_posix()
        im = Image.open(ann)
        assert im.mode == "L"  # mmsegmentation squeezes and casts to uint8: no palette, no 16 bits
        np.testing.assert_array_equal(np.asarray(im), png_masks[stem])
        assert list((out / "img_dir" / split).glob(f"{stem}.*")), stem  # the image beside, same stem
        seen[stem] = split
    assert sorted(seen) == sorted(png_masks)
    config = {}
    exec(compile(ast.parse((out / "mmseg_dataset.py").read_text()), "mmseg_dataset.py", "exec"), config)
    classes = config["metainfo"]["classes"]
    assert classes[0] == "background" and len(classes) == 10 and config["reduce_zero_label"] is False
    assert config["ignore_index"] == 255 and config["train_dataset"]["data_prefix"]["seg_map_path"] == "ann_dir/train"


def test_mmseg_refuses_indices_it_would_wrap(tmp_path):
    lm = tmp_path / "lm.yaml"
    lm.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                  "  - {name: plate, index: 300, level: 1, aliases: [dish]}\n")
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", lm, "-o", tmp_path / "o", "--to", "mmseg")
    assert proc.returncode == 2 and "'plate' (300)" in proc.stderr and "mod 256" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_hf_loads_with_datasets_offline_in_both_ways(tmp_path, png_masks, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "hf"
    report = api.convert(FOOD / "annotations.json", out, to="hf", labels=LABELS, split="train=0.5,val=0.5")
    assert report.exit_code() == 0
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    files = {s: sorted(str(p) for p in (out / "data").glob(f"{s}-*.parquet")) for s in loaded}
    by_files = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "cache2"))
    rows = 0
    for dataset in (loaded, by_files):
        for split in dataset:
            for row in dataset[split]:
                stem = row["file_name"].rsplit(".", 1)[0]
                assert row["label"].mode == "L"
                np.testing.assert_array_equal(np.asarray(row["label"]), png_masks[stem])
                assert row["image"].size == png_masks[stem].shape[::-1]
                rows += 1
    assert rows == 2 * len(png_masks)
    assert json.loads((out / "id2label.json").read_text())["1"] == "plate"
    assert "dtype: image" in (out / "README.md").read_text()


def test_hf_shards_stay_under_the_limit(tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setattr(hf, "MAX_SHARD_BYTES", 80_000)  # the fixture's photos are 22 to 39 kB
    out = tmp_path / "hf"
    api.convert(FOOD / "annotations.json", out, to="hf", labels=LABELS)
    shards = sorted((out / "data").glob("train-*.parquet"))
    assert len(shards) > 1 and shards[0].name == f"train-00000-of-{len(shards):05d}.parquet"
    assert sum(pq.read_metadata(s).num_rows for s in shards) == 4
    for shard in shards:  # the image and label bytes of each shard stay under the limit
        table = pq.read_table(shard)
        payload = sum(len(v["bytes"] or b"") for column in ("image", "label") for v in table[column].to_pylist())
        assert payload <= 80_000
    assert not list((out / "data").glob(".*"))


SPLIT_WRITERS = {  # where each writer says which split an image is in
    "voc": lambda out: {line: p.stem for p in (out / "ImageSets" / "Segmentation").glob("*.txt")
                        for line in p.read_text().split()},
    "mmseg": lambda out: {p.relative_to(out / "ann_dir").with_suffix("").as_posix().split("/", 1)[1]:
                          p.relative_to(out / "ann_dir").parts[0] for p in (out / "ann_dir").rglob("*.png")},
    "yolo": lambda out: {p.relative_to(out / "labels").with_suffix("").as_posix().split("/", 1)[1]:
                         p.relative_to(out / "labels").parts[0] for p in (out / "labels").rglob("*.txt")},
    "coco-panoptic": lambda out: {a["file_name"][:-4]: p.stem[len("panoptic_"):]
                                  for p in (out / "annotations").glob("*.json")
                                  for a in json.loads(p.read_text())["annotations"]},
}


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    return generated_delivery(tmp_path_factory.mktemp("split"), 60, 64, 48)


def test_the_same_split_from_every_writer_whatever_the_jobs(delivery, tmp_path):
    src, labels = delivery
    found = {}
    for to, read in SPLIT_WRITERS.items():
        for jobs in (1, 2):
            out = tmp_path / f"{to}-{jobs}"
            report = api.convert(src, out, to=to, labels=labels, split="train=0.7,val=0.2,test=0.1", seed=3,
                                 jobs=jobs)
            errors = {f.code for f in report.findings if f.severity.value == "error"}
            assert errors == ({"missing-image"} if to == "yolo" else set())  # no photos: YOLO labels of no use
            found[(to, jobs)] = read(out)
            assert dict(report.subsets) == {s: list(found[(to, jobs)].values()).count(s)
                                            for s in set(found[(to, jobs)].values())}
    first = next(iter(found.values()))
    assert all(split == first for split in found.values())
    assert set(first.values()) == {"train", "val", "test"} and len(first) == 60
    other_seed = api.convert(src, tmp_path / "seed", to="voc", labels=labels, split="train=0.7,val=0.2,test=0.1",
                             seed=4)
    assert SPLIT_WRITERS["voc"](tmp_path / "seed") != first and other_seed.exit_code() == 0


def test_source_subsets_win_over_split_and_the_summary_gives_sizes(tmp_path):
    src = corpus("datumaro-openvino-assets/cvat_dataset/for_images/export_project")
    proc = run_cli("convert", src, "-o", tmp_path / "o", "--to", "voc", "--split", "a=0.5,b=0.5")
    assert proc.returncode in (0, 1), proc.stderr
    lists = sorted(p.stem for p in (tmp_path / "o" / "ImageSets" / "Segmentation").glob("*.txt"))
    assert lists == ["Test", "Train", "Validation"]
    assert "subsets: Test 2, Train 2, Validation 2" in proc.stderr
    assert ("note: --split was not applied to 6 images: the source gives their subsets (Test 2, Train 2, "
            "Validation 2), and a source's own subsets win") in " ".join(proc.stderr.split())
    without = run_cli("convert", src, "-o", tmp_path / "o2", "--to", "voc")
    assert "--split was not applied" not in without.stderr  # no --split, nothing to say


def test_without_split_or_subsets_everything_is_train(tmp_path):
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", tmp_path / "o", "--to", "voc")
    assert proc.returncode == 0 and "subsets: train 4" in proc.stderr
    assert os.listdir(tmp_path / "o" / "ImageSets" / "Segmentation") == ["train.txt"]


@pytest.mark.parametrize("spec", ["train", "train=x", "train=0.5,train=0.5", "=1", "train=-1", "train=0,val=0"])
def test_bad_split_specs_are_usage_errors(tmp_path, spec):
    proc = run_cli("convert", FOOD / "annotations.json", "-o", tmp_path / "o", "--split", spec)
    assert proc.returncode == 2 and "--split" in proc.stderr and not (tmp_path / "o").exists()


def test_hf_card_is_read_by_datasets_without_a_warning(tmp_path, caplog, monkeypatch):
    """The card's splits carry name, num_bytes and num_examples, as `datasets` wants them (without num_bytes it
    logs "The `splits` field in YAML is malformed" on every load); num_bytes is the Arrow size `datasets`
    measures itself, so the card is true."""
    datasets = pytest.importorskip("datasets")
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "hf"
    assert api.convert(FOOD / "annotations.json", out, to="hf", labels=LABELS,
                       split="train=0.5,val=0.5").exit_code() == 0
    card = (out / "README.md").read_text()
    with caplog.at_level("WARNING"):
        loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    assert not [r for r in caplog.records if "splits" in r.getMessage()], caplog.text
    for split in loaded:
        measured = sum(pq.read_table(f).nbytes for f in (out / "data").glob(f"{split}-*.parquet"))
        assert f"  - name: {split}\n    num_bytes: {measured}\n    num_examples: {len(loaded[split])}\n" in card


def test_hf_resume_says_what_was_kept(tmp_path):
    """hf writes its shards when the run ends: an interrupted run leaves nothing to keep, and the resumed run
    says so and how many images it wrote (the line README promises for every resumed run)."""
    out = tmp_path / "hf"

    def stop(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(api.Interrupted):
        api.convert(FOOD / "annotations.json", out, to="hf", labels=LABELS, progress=stop)
    assert (out / ".segconv-run.json").exists() and not list((out / "data").glob("*.parquet"))
    proc = run_cli("convert", FOOD / "annotations.json", "--labels", LABELS, "-o", out, "--to", "hf", "--resume")
    assert proc.returncode == 0, proc.stderr
    assert ("resumed: --to hf writes its files when the run ends, so the interrupted run left none to keep; all "
            "4 images written now") in proc.stderr
    assert len(list((out / "data").glob("train-*.parquet"))) == 1


@pytest.mark.parametrize("to", ["png", "coco-rle"])
def test_split_given_to_a_layout_without_subsets_is_said_not_applied(tmp_path, to):
    """--to png and --to coco-rle keep no subsets: --split was ignored without a word."""
    report = api.convert(FOOD / "annotations.json", tmp_path / "o", to=to, labels=FOOD / "labelmap.yaml",
                         split="train=0.5,val=0.5", split_by="folder")
    assert report.notes == [f"--split was not applied: the {to} layout keeps no subsets (every image is written in "
                            "one set)"]  # and not 'kept N images together in groups' as well (--split-by folder)
    assert report.subsets == api.convert(FOOD / "annotations.json", tmp_path / "plain", to=to,
                                         labels=FOOD / "labelmap.yaml").subsets  # as without --split
    assert not [n for n in api.convert(FOOD / "annotations.json", tmp_path / "v", to="voc",
                                       labels=FOOD / "labelmap.yaml", split="train=0.5,val=0.5").notes
                if "was not applied" in n]
