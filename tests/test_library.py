"""Library calls leave the caller's process as it was: Pillow's limit, logging, the caller's samples, the
package's names; two runs in one process (one inside another, or in two threads) do not see each other;
``--jobs`` works where processes start by ``spawn`` (macOS, Windows)."""

import json
import logging
import os
import pkgutil
import subprocess
import sys
import threading

import pytest
from PIL import Image

import convert
from convert import api
from convert.formats.dataset import Dataset
from convert.model.labelmap import LabelMap
from convert.model.sample import Box, Origin, Region, Sample

from conftest import FOOD, ROOT, run_cli, tree_digest

PANOPTIC = FOOD / "panoptic" / "panoptic_food.json"  # its PNGs are decoded by Pillow


@pytest.fixture
def pillow_limit():
    saved = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = saved


def test_reading_leaves_pillows_limit_as_the_caller_set_it(pillow_limit):
    Image.MAX_IMAGE_PIXELS = 1000  # the caller's choice: far below the food scene's 640x480 PNGs
    report = api.validate(PANOPTIC)
    assert Image.MAX_IMAGE_PIXELS == 1000
    assert report.images == 4 and not [f for f in report.findings if f.code in ("bad-mask-file", "image-too-large")]


def test_max_pixels_still_refuses_large_masks_before_decoding(pillow_limit):
    Image.MAX_IMAGE_PIXELS = None  # the caller switched Pillow's guard off; segconv's own still holds
    report = api.validate(PANOPTIC, max_pixels=1000)
    assert Image.MAX_IMAGE_PIXELS is None
    too_large = [f for f in report.findings if f.code == "image-too-large"]
    assert len(too_large) == 4 and all("exceeds --max-pixels" in f.message for f in too_large)


def test_dask_leaves_the_callers_logging_as_it_was():
    pytest.importorskip("distributed")
    names = ["distributed", "distributed.client", "distributed.scheduler", "asyncio"]
    before = {name: logging.getLogger(name).level for name in names}
    logging.getLogger("distributed.client").setLevel(logging.INFO)
    before["distributed.client"] = logging.INFO
    try:
        report = api.validate(FOOD / "annotations.json", labels=FOOD / "labelmap.yaml", dask="local")
        assert report.images == 4
        assert {name: logging.getLogger(name).level for name in names} == before
    finally:
        logging.getLogger("distributed.client").setLevel(logging.NOTSET)


class Kept(Dataset):
    """A dataset that hands out the samples it keeps (a library user's own list): none may change."""

    format = "kept"

    def __init__(self, samples):
        super().__init__("kept")
        self.samples = samples

    @property
    def label_names(self):
        return ["plate"]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def test_a_run_does_not_change_the_callers_samples(tmp_path):
    from convert.formats.voc.write import VocWriter
    from convert.pipeline.loop import run
    from convert.pipeline.splits import Split

    o = Origin("mine")
    samples = [Sample(f"img_{i}.jpg", 4, 4, [Region("plate", Box(0, 0, 2, 2), (0,), o)], o) for i in range(8)]
    lm = LabelMap.derive(["plate"])
    writer = VocWriter(tmp_path / "voc", lm)
    report = run(Kept(samples), lm, writer=writer, split=Split.parse("train=0.5,val=0.5"))
    assert sorted(report.subsets) == ["train", "val"]  # the images were written to both splits...
    assert [s.subset for s in samples] == [None] * 8  # ...and the caller's samples say what they said


def test_a_run_inside_another_runs_progress_callback(tmp_path):
    """Old segconv kept the run's state in a module global: the inner run cleared it under the outer one."""
    inner = []

    def progress(done, total):
        if done == 1:
            inner.append(api.validate(FOOD / "labelme", labels=FOOD / "labelmap.yaml"))

    report = api.convert(FOOD / "annotations.json", tmp_path / "o", labels=FOOD / "labelmap.yaml", progress=progress)
    assert report.written == 4 and report.exit_code() == 0
    assert inner[0].images == 4 and inner[0].format == "labelme"
    assert sorted(p.name for p in (tmp_path / "o" / "masks").rglob("*.png")) == [
        "table_01.png", "table_02.png", "table_03.png", "table_04.png"]


def test_two_runs_in_two_threads(tmp_path):
    """Both threads convert in turns (a barrier in their progress callbacks interleaves them image by image);
    each writes its own source's masks, equal to a run alone."""
    barrier = threading.Barrier(2, timeout=60)
    sources = {"coco": FOOD / "annotations.json", "cvat": FOOD / "cvat"}
    reports, errors = {}, []

    def convert_one(key):
        try:
            reports[key] = api.convert(sources[key], tmp_path / key, labels=FOOD / "labelmap.yaml",
                                       progress=lambda done, total: barrier.wait())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=convert_one, args=(key,)) for key in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for key, src in sources.items():
        alone = api.convert(src, tmp_path / f"{key}-alone", labels=FOOD / "labelmap.yaml")
        assert reports[key].format == alone.format == key
        assert tree_digest(tmp_path / key) == tree_digest(tmp_path / f"{key}-alone")


def test_no_lazy_name_of_the_package_is_also_a_module_of_it():
    """``convert.paint`` named both a function and a module: once the module was imported (by
    ``convert.api``), ``convert.paint`` was the module and calling it failed."""
    modules = {m.name for m in pkgutil.iter_modules(convert.__path__)}
    assert modules & set(convert.__all__) == set()
    code = ("import convert.api, convert, types; "
            "print(sorted(n for n in convert.__all__ if isinstance(getattr(convert, n), types.ModuleType)), "
            "callable(convert.paint), callable(convert.rasterize))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["[]", "True", "True"]


WITHOUT_FORK = """
import multiprocessing, sys
from convert.cli import main
fork = multiprocessing.get_context
def no_fork(method=None):  # as on Windows: no such start method
    if method in (None, "fork"):
        raise ValueError("cannot find context for 'fork'")
    return fork(method)
multiprocessing.get_context = no_fork
multiprocessing.get_all_start_methods = lambda: ["spawn"]
sys.argv = ["segconv", *sys.argv[1:]]
main()
"""


def without_fork(*args):
    """The command on a platform that cannot fork (Windows; macOS, where Python spawns by default)."""
    return subprocess.run([sys.executable, "-c", WITHOUT_FORK, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.mark.parametrize("to", ["png", "voc"])
def test_jobs_without_fork_give_the_same_bytes(tmp_path, to):
    """Where processes start by spawn only, --jobs 2 works and writes what --jobs 1 writes."""
    args = ["convert", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", "--to", to, "-q"]
    spawned = without_fork(*args, "-o", tmp_path / "spawn", "--jobs", "2")
    assert spawned.returncode == 0, spawned.stderr
    assert run_cli(*args, "-o", tmp_path / "one").returncode == 0
    assert tree_digest(tmp_path / "spawn") == tree_digest(tmp_path / "one")


def test_diff_without_fork_equals_one_job(tmp_path):
    args = ["diff", FOOD / "annotations.json", FOOD / "cvat", "--labels", FOOD / "labelmap.yaml", "-q"]
    spawned = without_fork(*args, "--jobs", "2", "--json", tmp_path / "s.json")
    one = run_cli(*args, "--json", tmp_path / "one.json")
    assert spawned.returncode == one.returncode == 0, spawned.stderr
    assert json.loads((tmp_path / "s.json").read_text()) == json.loads((tmp_path / "one.json").read_text())


def test_spawn_can_be_chosen_where_fork_exists(tmp_path):
    """SEGCONV_START_METHOD=spawn (for programs that run threads, where forking is unsafe)."""
    env = dict(os.environ, SEGCONV_START_METHOD="spawn")
    proc = subprocess.run([sys.executable, "-m", "convert", "convert", str(FOOD / "annotations.json"), "-q", "-o",
                           str(tmp_path / "o"), "--jobs", "2", "--labels", str(FOOD / "labelmap.yaml")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "o" / "masks").rglob("*.png"))) == 4


def test_an_unknown_start_method_is_named(tmp_path):
    env = dict(os.environ, SEGCONV_START_METHOD="teleport")
    proc = subprocess.run([sys.executable, "-m", "convert", "convert", str(FOOD / "annotations.json"), "-o",
                           str(tmp_path / "o"), "--jobs", "2"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "SEGCONV_START_METHOD='teleport'" in proc.stderr and "spawn" in proc.stderr


def test_jobs_under_spawn_say_plainly_why_they_cannot_run(monkeypatch):
    from convert.errors import UsageError
    from convert.pipeline.loop import run

    class Unpicklable(Kept):
        def __init__(self, samples):
            super().__init__(samples)
            self.opener = lambda: None  # a lambda cannot be pickled

    o = Origin("mine")
    samples = [Sample(f"{i}.jpg", 2, 2, [], o) for i in range(3)]
    monkeypatch.setenv("SEGCONV_START_METHOD", "spawn")
    with pytest.raises(UsageError) as caught:
        run(Unpicklable(samples), LabelMap.derive(["plate"]), jobs=2)
    assert "start by 'spawn'" in str(caught.value) and "--jobs 1" in str(caught.value)
