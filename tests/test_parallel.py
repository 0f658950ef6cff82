"""--jobs: outputs and reports byte-identical whatever N is, and from run to run."""

import pytest

from convert import api

from conftest import FOOD, tree_digest


@pytest.mark.parametrize("to", ["png", "voc", "coco-rle"])
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
