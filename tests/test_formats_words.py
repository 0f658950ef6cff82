"""Words that are true (issue 26, point 9): missing-image does not ask for --images when it was passed; the
worst-images table counts every warning that names an image (a missing image's too); docs/findings.md says
CVAT <tag>s are image labels, not shapes without area."""

import shutil

from convert import api
from convert.findings import codes

from conftest import FOOD, ROOT, corpus


def lone_delivery(tmp_path):
    """The bundled COCO file without its photos; one photo in a separate folder for --images."""
    (tmp_path / "src").mkdir()
    shutil.copy(FOOD / "annotations.json", tmp_path / "src" / "annotations.json")
    (tmp_path / "photos").mkdir()
    shutil.copy(FOOD / "images" / "table_01.jpg", tmp_path / "photos" / "table_01.jpg")
    return tmp_path / "src" / "annotations.json", tmp_path / "photos"


def test_missing_image_names_the_images_folder_it_was_given(tmp_path):
    src, photos = lone_delivery(tmp_path)
    given = api.convert(src, tmp_path / "voc", to="voc", images=photos)
    missing = [f.message for f in given.findings if f.code == "missing-image"]
    assert missing and all("pass --images" not in m for m in missing)
    assert all(f"not beside the annotations nor in --images {photos}" in m for m in missing)
    assert any(m.endswith("; JPEGImages/ lacks it") for m in missing)  # the writer's words too
    without = api.validate(src)
    (note,) = [f.message for f in without.findings if f.code == "missing-image"]
    assert note.endswith("image sizes are not checked (pass --images DIR)")


def test_the_worst_images_table_counts_every_warning_naming_an_image(tmp_path):
    src, photos = lone_delivery(tmp_path)
    report = api.validate(src, images=photos)
    assert report.worst
    for errors, warnings, name in report.worst:
        named = [f for f in report.findings if f.image == name]
        assert errors == sum(f.severity.value == "error" for f in named)
        assert warnings == sum(f.severity.value == "warning" for f in named), name  # missing-image counted
    shown = {name for _, _, name in report.worst}
    assert any(f.code == "missing-image" and f.image in shown for f in report.findings)  # it was left out


def test_cvat_tags_are_not_said_to_be_shapes_without_area():
    entry = codes.CODES["no-area-shape"].summary
    assert "CVAT `<tag>`s are image labels, not shapes" in entry and "skeleton, tag" not in entry
    assert "skeleton, tag" not in (ROOT / "docs" / "findings.md").read_text()
    report = api.validate(corpus("cvat-docs-example/for_images/annotations.xml"))
    assert not [f for f in report.findings if f.code == "no-area-shape" and "tag" in f.message]


def test_the_loss_table_covers_every_writer():
    """docs/formats.md "What each writer loses" has a row for each writer, and bench/loss_table.py, which
    measures it, lists each one."""
    import re

    from convert.formats.writers import WRITERS

    text = (ROOT / "docs/formats.md").read_text()
    section = text[text.index("### What each writer loses"):text.index("## Sources")]
    rows = set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.M))
    assert rows == set(WRITERS)
    bench = (ROOT / "bench" / "loss_table.py").read_text()
    listed = re.search(r"^WRITERS = \[(.*?)\]", bench, flags=re.M | re.S).group(1)
    assert set(re.findall(r'"([a-z0-9-]+)"', listed)) == set(WRITERS)
