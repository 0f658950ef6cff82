"""The HTML report as a vendor acts on it, in a real browser: what to do beside each group of findings, the
verdict for a person, paths relative to the delivery (nothing of the checking machine), void pixels counted,
pictures also when there are only notes, box problems drawn."""

import base64
import io
import json
import os
import re
import shutil

import numpy as np
from PIL import Image

from convert import api
from convert.findings.codes import CODES
from convert.reports.html_pictures import DECLARED_BOX, MEASURED_BOX, thumb_size

from browser import page_session, rendered_text
from conftest import FOOD, corpus


def plain(text: str) -> str:
    """A code's words as the browser renders them (`code` spans lose their backticks)."""
    return text.replace("`", "")


def group_texts(page) -> dict:
    with page_session(page) as call:
        return call("Runtime.evaluate", returnByValue=True, expression=(
            "Object.fromEntries(Array.from(document.querySelectorAll('details.group')).map("
            "g => { g.open = true; return [g.dataset.sev + ':' + g.dataset.code, "
            "g.querySelector('.todo') ? g.querySelector('.todo').innerText : '']; }))"))["result"]["value"]


def test_each_group_says_what_the_code_means_and_what_to_do(tmp_path):
    """labelme's own example: level-overlap, self-intersection, class-unused and outside-image groups, each
    with --explain's summary and what to do, inside the group (shown when the group is open)."""
    page = tmp_path / "r.html"
    report = api.validate(corpus("labelme-examples/instance_segmentation/data_annotated"), html_path=page)
    texts = group_texts(page)
    assert set(texts) == {f"{f.severity.value}:{f.code}" for f in report.findings}
    assert {"warning:level-overlap", "warning:self-intersection", "info:class-unused"} <= set(texts)
    for key, text in texts.items():
        info = CODES[key.split(":", 1)[1]]
        assert plain(info.summary) in text and f"What to do: {plain(info.fix)}" in text, key


def test_an_accepted_delivery_says_so_and_what_is_left_to_review(tmp_path):
    page = tmp_path / "r.html"
    api.validate(FOOD / "annotations.json", labels=FOOD / "labelmap.yaml", html_path=page)
    lines = [line for line in rendered_text(page).splitlines() if line.strip()]
    assert lines[1] == "Accepted: no errors (4 notes to review below)."
    assert lines[2].startswith("The rule: a delivery is rejected when it has an error;")


def test_strict_rejects_on_warnings_and_says_which(tmp_path):
    doc = json.loads((FOOD / "annotations.json").read_text())
    doc["annotations"][0]["bbox"] = [1, 1, 2, 2]  # a warning: bbox-field-mismatch
    src = tmp_path / "a.json"
    src.write_text(json.dumps(doc))
    page = tmp_path / "r.html"
    result = api.validate(src, labels=FOOD / "labelmap.yaml", html_path=page, strict=True)
    assert result.exit_code(api.Severity.WARNING) == 1
    lines = [line for line in rendered_text(page).splitlines() if line.strip()]
    assert lines[1] == "Rejected: 1 warning (1 bbox-field-mismatch); each is listed below."
    assert lines[2].startswith("The rule: a delivery is rejected when it has an error or a warning (--strict")


def test_no_path_of_the_checking_machine_is_on_the_page(tmp_path):
    """A delivery deep in the user's folders, its label map elsewhere, an image missing, one not an image and
    one of another size than declared: every path on the page is relative to the delivery, or a bare file
    name, in the messages too."""
    home = tmp_path / "home" / "ana" / "deliveries" / "vendor-x" / "v3"
    shutil.copytree(FOOD, home)
    (home / "images" / "table_02.jpg").unlink()
    Image.new("RGB", (64, 48)).save(home / "images" / "table_04.jpg")
    (home / "images" / "table_01.jpg").write_bytes(b"not a picture")
    labels = tmp_path / "home" / "ana" / "labels.yaml"
    labels.write_text((FOOD / "labelmap.yaml").read_text() + "  - {name: spoon, index: 20, level: 1}\n")
    page = tmp_path / "r.html"
    report = api.validate(home / "annotations.json", labels=labels, html_path=page, json_path=tmp_path / "r.json")
    codes = {f.code for f in report.findings}
    assert {"missing-image", "image-size-mismatch", "class-unused"} <= codes
    assert any(str(tmp_path) in (f.file or "") + f.message for f in report.findings)  # the findings hold them
    source = page.read_text()
    for root in {str(tmp_path), os.path.realpath(tmp_path), "/home/ana"}:
        assert root not in source
    text = rendered_text(page)
    [unreadable] = [f for f in report.findings if f.code == "missing-image" and f.image == "table_01.jpg"]
    assert unreadable.message.startswith(str(home / "images" / "table_01.jpg"))
    assert unreadable.message.replace(str(home) + os.sep, "") in text  # images/table_01.jpg: ...
    assert "labels.yaml" in text and "annotations.json" in text
    assert not re.search(r"(?<![\w.])/(?:[\w.-]+/)+[\w.-]+", text), re.findall(r"(?<![\w.])/\S+", text)


def test_a_source_given_relative_to_the_working_folder_names_its_files_relative_to_the_delivery(tmp_path,
                                                                                                monkeypatch):
    """Found trying ``segconv fix ../shared/corpus/…/data_annotated --html``: the page said paths are relative
    to the delivery, and showed ``../shared/corpus/…/2011_000003.json``."""
    delivery = tmp_path / "deliveries" / "v3"
    shutil.copytree(FOOD, delivery)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    page = tmp_path / "r.html"
    src = os.path.join("..", "deliveries", "v3", "annotations.json")
    report = api.validate(src, labels=FOOD / "labelmap.yaml", html_path=page)
    assert any((f.file or "").startswith(os.path.join("..", "deliveries")) for f in report.findings)
    source = page.read_text()
    assert "../deliveries" not in source and "deliveries/v3" not in source
    assert ">annotations.json<" in source  # the file, relative to the delivery

def test_void_pixels_are_counted_in_pixels_per_class(tmp_path):
    """The panoptic sample: 9,901 void pixels (segment id 0), the sum of the JSON report's per-image void."""
    page, js = tmp_path / "r.html", tmp_path / "r.json"
    api.validate(corpus("panopticapi-sample/panoptic_examples.json"), html_path=page, json_path=js)
    images = json.loads(js.read_text())["images"]
    void = sum(image["void"] for image in images)
    assert void == 9_901
    with page_session(page) as call:
        rows = call("Runtime.evaluate", returnByValue=True, expression=(
            "Array.from(document.querySelectorAll('tr.void')).map(r => r.innerText)"))["result"]["value"]
    assert rows[-1].split("\t")[:4] == ["void", "255", "", f"{void:,}"]
    assert rows[-1].split("\t")[-1] == str(sum(1 for image in images if image["void"]))


def test_a_delivery_with_only_notes_shows_a_sample_of_its_images(tmp_path):
    page = tmp_path / "r.html"
    api.validate(FOOD / "annotations.json", labels=FOOD / "labelmap.yaml", html_path=page)
    text = rendered_text(page)
    assert "A sample of the images (4): no errors or warnings, shown so that their masks can be checked" in text
    assert "The images with the most problems" not in text
    source = page.read_text()
    cards = re.findall(r"<div class='card' id='image-\d+'><h3><a href='#image-\d+'>#</a> ([^<]+)</h3>", source)
    # the images with notes first (table_02 and table_04 have the outside-image notes), then the others
    assert cards[:2] == ["table_02.jpg", "table_04.jpg"] and sorted(cards[2:]) == ["breakfast/table_03.jpg",
                                                                                  "table_01.jpg"]
    assert source.count("data:image/jpeg;base64,") == 8


def card_overlay(source: str, name: str) -> np.ndarray:
    card = source.split(f"</a> {name}</h3>", 1)[1]
    uris = re.findall(r"src='data:image/jpeg;base64,([^']+)'", card)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uris[1]))).convert("RGB")).astype(int)


def near(pixels: np.ndarray, colour) -> np.ndarray:
    return np.abs(pixels - np.array(colour)).sum(axis=-1) < 90


def test_box_problems_are_drawn_declared_beside_measured(tmp_path):
    """table_01's plate says its bbox is [90, 115, 180, 240]; its pixels span [50, 90, 300, 300]: on the
    overlay the declared box's edges are dashed orange and the pixels' box's edges cyan, where the finding
    puts them (scaled to the thumbnail)."""
    doc = json.loads((FOOD / "annotations.json").read_text())
    plate = next(a for a in doc["annotations"] if a["id"] == 101)
    plate["bbox"] = [90, 115, 180, 240]
    src = FOOD.parent / "food" / "annotations.json"  # the photos beside it
    delivery = tmp_path / "food"
    shutil.copytree(src.parent, delivery)
    (delivery / "annotations.json").write_text(json.dumps(doc))
    page = tmp_path / "r.html"
    report = api.validate(delivery / "annotations.json", labels=FOOD / "labelmap.yaml", html_path=page)
    [finding] = [f for f in report.findings if f.code == "bbox-field-mismatch"]
    assert "'bbox' is [90, 115, 180, 240] but the segmentation's pixel box is [50, 90, 300, 300]" in finding.message
    pixels = card_overlay(page.read_text(), "table_01.jpg")
    scale = thumb_size(640, 480)[0] / 640
    x, y, w, h = (round(v * scale) for v in (50, 90, 300, 300))
    assert near(pixels[y + 5:y + h - 5, x], MEASURED_BOX).mean() > 0.9  # the cyan left edge, solid
    x, y, w, h = (round(v * scale) for v in (90, 115, 180, 240))
    dashed = near(pixels[y + 5:y + h - 5, x], DECLARED_BOX).mean()
    assert 0.3 < dashed < 0.8  # the orange left edge, dashed
    text = rendered_text(page)
    assert "declared bbox" in text and "box of the pixels" in text


def test_a_label_map_derived_from_an_absolute_source_is_named_relative_to_it(tmp_path):
    """New-user trial: without --labels, class-unused rows said "derived from /work/shared/corpus/…"."""
    home = tmp_path / "home" / "ana" / "deliveries" / "v3"
    home.mkdir(parents=True)
    doc = json.loads((FOOD / "annotations.json").read_text())
    doc["categories"].append({"id": 99, "name": "spoon"})
    (home / "annotations.json").write_text(json.dumps(doc))
    for src in (home, home / "annotations.json"):
        page = tmp_path / "r.html"
        report = api.validate(src, html_path=page)
        [unused] = [f for f in report.findings if f.code == "class-unused"]
        assert unused.file == f"derived from {home / 'annotations.json'}"  # the terminal's and JSON's words
        source = page.read_text()
        assert str(tmp_path) not in source and "/home/ana" not in source
        assert "derived from annotations.json<br>" in source
