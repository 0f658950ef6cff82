"""--jobs: outputs and reports byte-identical whatever N is, and from run to run."""

import pytest

from convert import api

from conftest import FOOD, tree_digest


@pytest.mark.parametrize("to", ["png", "voc", "coco-rle", "coco", "cvat", "labelme"])
def test_outputs_are_identical_across_jobs_and_runs(tmp_path, to):
    digests = []
    for n, jobs in enumerate([1, 2, 2]):
        out = tmp_path / f"out{n}"
        report = api.convert(FOOD / "annotations.json", out, to=to, labels=FOOD / "labelmap.yaml", jobs=jobs)
        assert report.written == 4
        digests.append(tree_digest(out))
    assert digests[0] == digests[1] == digests[2]


def test_reports_are_identical_across_jobs(tmp_path):
    labels = (FOOD / "labelmap.yaml").read_text().replace("{name: bread, ", "{name: bread, within: [plate], ")
    (tmp_path / "lm.yaml").write_text(labels)
    texts = []
    for jobs in (1, 2):
        report = api.validate(FOOD / "annotations.json", labels=tmp_path / "lm.yaml", jobs=jobs,
                              json_path=tmp_path / f"r{jobs}.json", html_path=tmp_path / f"r{jobs}.html")
        assert any(f.code == "outside-container" for f in report.findings)
        texts.append(((tmp_path / f"r{jobs}.json").read_bytes(), (tmp_path / f"r{jobs}.html").read_bytes(),
                      [str(f) for f in report.findings]))
    assert texts[0] == texts[1]


def test_a_worker_killed_mid_run_stops_the_run_with_a_message(tmp_path):
    """A worker process killed (as the out-of-memory killer does) stops the run with one message instead of
    leaving it waiting for results that never come."""
    import os
    import signal

    import pytest

    from convert.formats.dataset import Dataset
    from convert.model.labelmap import LabelMap
    from convert.model.sample import Origin, Sample
    from convert.pipeline.environment import EnvironmentProblem
    from convert.pipeline.loop import run

    parent = os.getpid()

    class Deadly(Dataset):
        format = "deadly"
        label_names = ["plate"]

        def __init__(self):
            super().__init__("deadly")

        def __len__(self):
            return 20

        def __getitem__(self, i):
            if i == 7 and os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return Sample(f"{i}.jpg", 2, 2, [], Origin("deadly"))

    with pytest.raises(EnvironmentProblem) as caught:
        run(Deadly(), LabelMap.derive(["plate"]), jobs=2)
    assert "a worker process was killed by signal 9 in the middle of the run" in str(caught.value)
