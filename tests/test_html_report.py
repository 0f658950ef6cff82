"""The HTML report as a vendor sees it, in a real browser: every error and warning with where it is, the
reason for the exit code, a filter, pictures of the worst images with a legend, placeholders and anchors."""

import json
import re
import shutil

import pytest
from PIL import Image

from convert import api
from convert.reports.html_report import KEEP

from browser import evaluate, page_session, rendered_text
from conftest import FOOD, coco_doc, write_json

LABELS = """
classes:
  - {name: background, index: 0, level: 0, fill: true}
  - {name: plate, index: 1, level: 1}
  - {name: bowl,  index: 2, level: 1}
  - {name: rice,  index: 3, level: 2, within: [plate, bowl]}
"""


def box(x0, y0, x1, y1):
    return [[x0, y0, x1, y0, x1, y1, x0, y1]]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """20 images with a spread of problems (more than the cards shown), one image file missing, errors that
    belong to no kept image (a dangling image id, a duplicate annotation id)."""
    root = tmp_path_factory.mktemp("html")
    images, anns = [], []
    for i in range(1, 21):
        name = f"img_{i:02d}.jpg"
        images.append({"id": i, "file_name": name, "width": 60, "height": 40})
        if i != 3:
            Image.new("RGB", (60, 40), (200, 180, 150)).save(root / name)
        anns.append({"id": 100 + i, "image_id": i, "category_id": 1, "segmentation": box(0, 0, 30, 30)})
        if i % 2:  # a bowl over the plate at the same level: a warning
            anns.append({"id": 200 + i, "image_id": i, "category_id": 2, "segmentation": box(20, 0, 50, 30)})
        if i % 3 == 0:  # rice spilling off: an error
            anns.append({"id": 300 + i, "image_id": i, "category_id": 3, "segmentation": box(25, 25, 55, 38)})
    anns.append({"id": 900, "image_id": 999, "category_id": 1, "segmentation": box(0, 0, 5, 5)})  # dangling
    anns.append({"id": 101, "image_id": 2, "category_id": 1, "segmentation": box(0, 0, 5, 5)})  # duplicate id
    cats = [{"id": 1, "name": "plate"}, {"id": 2, "name": "bowl"}, {"id": 3, "name": "rice"}]
    src = write_json(root / "delivery.json", coco_doc(images, anns, cats))
    (root / "labels.yaml").write_text(LABELS)
    page, js = root / "report.html", root / "report.json"
    result = api.validate(src, labels=root / "labels.yaml", html_path=page, json_path=js)
    return page, json.loads(js.read_text()), result


def test_every_error_and_warning_is_on_the_rendered_page(report):
    page, doc, _ = report
    text = rendered_text(page)
    loud = [f for f in doc["findings"] if f["severity"] in ("error", "warning")]
    assert len(loud) > KEEP  # more than the images shown as cards
    for f in loud:
        assert f["message"] in text, f
        if "element" in f:
            assert f["element"] in text
    assert "dangling-image-id" in text and "annotation id=900" in text
    assert "duplicate-id" in text


def test_the_verdict_is_written_for_a_person_with_the_rule_below(report):
    """"Rejected: 9 errors (…)" with the count of each code, as the JSON report has them, then the rule."""
    page, doc, result = report
    errors = [f["code"] for f in doc["findings"] if f["severity"] == "error"]
    by_code = ", ".join(f"{errors.count(c)} {c}" for c in sorted(set(errors), key=lambda c: (-errors.count(c), c)))
    text = rendered_text(page)
    assert result.exit_code() == 1 and len(errors) == doc["summary"]["errors"] > 1
    lines = [line for line in text.splitlines() if line.strip()]
    at = lines.index(f"Rejected: {len(errors)} errors ({by_code}); each is listed below.")
    assert lines[at + 1] == ("The rule: a delivery is rejected when it has an error; warnings and notes do not "
                             "reject it, but say what to check. segconv exits with code 1 when it rejects a "
                             "delivery and 0 when it accepts it.")
    assert "Exit code" not in text


def test_filter_by_severity_code_and_text(report):
    page, doc, _ = report
    with page_session(page) as call:
        def visible_rows():
            return call("Runtime.evaluate", returnByValue=True, expression=(
                "Array.from(document.querySelectorAll('tr.f')).filter(r => !r.closest('.hidden')"
                " && !r.classList.contains('hidden')).length"))["result"]["value"]

        everything = visible_rows()
        assert everything == sum(1 for f in doc["findings"])
        call("Runtime.evaluate", expression=(
            "var c = document.querySelector(\"input[data-sev='warning']\"); c.checked = false;"
            "c.dispatchEvent(new Event('change', {bubbles: true}))"))
        assert visible_rows() == sum(1 for f in doc["findings"] if f["severity"] != "warning")
        call("Runtime.evaluate", expression=(
            "var s = document.getElementById('code'); s.value = 'outside-container';"
            "s.dispatchEvent(new Event('change', {bubbles: true}))"))
        assert visible_rows() == sum(1 for f in doc["findings"] if f["code"] == "outside-container")
        call("Runtime.evaluate", expression=(
            "var t = document.getElementById('text'); t.value = 'img_03.jpg';"
            "t.dispatchEvent(new Event('input', {bubbles: true}))"))
        assert visible_rows() == sum(1 for f in doc["findings"] if f["code"] == "outside-container"
                                     and f.get("image") == "img_03.jpg")


def test_cards_have_a_legend_anchors_and_a_placeholder_for_a_missing_photo(report):
    page, _, _ = report
    html = page.read_text()
    assert html.count("class='card'") == KEEP
    assert "offending pixels" in html and "class='legend'" in html and ">plate <small>1</small>" in html
    for anchor in re.findall(r"href='#(image-\d+)'", html):
        assert f"id='{anchor}'" in html
    assert "alt='image not found (placeholder)'" in html  # img_03.jpg is not on disk
    assert re.search(r"img_03\.jpg</h3>", html)
    assert "data:image/jpeg;base64," in html and "data:image/png" not in html
    assert not re.search(r"(src|href)=['\"](https?:)?//", html) and "<script src" not in html
    assert "pixels no region covers: " in html and "shown by the fill class" in html


def test_classes_are_in_index_order_and_zero_counts_are_not_red(tmp_path):
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 40, "height": 30}],
                   [{"id": 1, "image_id": 1, "category_id": 3, "segmentation": box(0, 0, 10, 10)},
                    {"id": 2, "image_id": 1, "category_id": 1, "segmentation": box(20, 0, 30, 10)}],
                   [{"id": 3, "name": "zebra"}, {"id": 1, "name": "apple"}])
    src = write_json(tmp_path / "clean.json", doc)
    lm = tmp_path / "lm.yaml"
    lm.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                  "  - {name: apple, index: 1, level: 1}\n  - {name: zebra, index: 2, level: 1}\n")
    page = tmp_path / "r.html"
    api.validate(src, labels=lm, html_path=page)
    html = page.read_text()
    body = html.split("<h2>Pixels per class, whole delivery</h2>")[1]
    assert body.index("<td>background</td>") < body.index("<td>apple</td>") < body.index("<td>zebra</td>")
    colour = evaluate(page, "getComputedStyle(document.querySelector('span.zero')).color")
    assert colour != "rgb(187, 0, 0)" and "Accepted: no errors (1 note to review below)." in rendered_text(page)


def test_page_of_the_bundled_example_is_small(tmp_path):
    shutil.copytree(FOOD, tmp_path / "food")
    page = tmp_path / "r.html"
    api.validate(tmp_path / "food" / "annotations.json", labels=FOOD / "labelmap.yaml", html_path=page)
    assert page.stat().st_size < 400_000


def test_small_images_are_enlarged_in_whole_blocks_so_their_pixels_and_placeholders_can_be_seen(report, tmp_path):
    """The 60x40 images are drawn 8x larger (480x320); the placeholder of the missing photo has the same size,
    so its text fits; an enlarged photo is its pixels as sharp blocks, not a blur."""
    import base64
    import io
    from types import SimpleNamespace

    import numpy as np

    from convert.reports.html_pictures import photo_thumbnail

    page, _, _ = report
    pictures = [Image.open(io.BytesIO(base64.b64decode(uri)))
                for uri in re.findall(r"src='data:image/jpeg;base64,([^']+)'", page.read_text())]
    assert pictures and all(p.size == (480, 320) for p in pictures)
    pixels = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "tiny.png")
    tiny = SimpleNamespace(image_path=str(tmp_path / "tiny.png"), image_data=None, name="tiny.png")
    photo, found = photo_thumbnail(tiny, 6, 4)
    assert found and photo.size == (480, 320)
    assert (np.asarray(photo) == np.kron(pixels, np.ones((80, 80, 1), dtype=np.uint8))).all()
