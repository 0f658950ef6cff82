"""`segconv fix` (and `convert` with the same flags) from the command line: the counts it reports, in the
terminal, the JSON and the HTML report, against a scene whose repair is worked out by hand; `--dry-run`;
`segconv diff SRC OUT` and `segconv validate OUT` after it; the output format it picks; inputs untouched."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from PIL import Image

from convert.formats.writers import own_writer

from conftest import ROOT, coco_doc, run_cli, tree_digest, write_json

LABELS = "classes:\n  - {name: plate, index: 1, level: 1}\n  - {name: bowl, index: 2, level: 1}\n" \
         "  - {name: rice, index: 3, level: 2}\n"
FILL_LABELS = "classes:\n  - {name: background, index: 0, level: 0, fill: true}\n" + LABELS[len("classes:\n"):]


def rect(x0, y0, x1, y1):
    return [[x0, y0, x1, y0, x1, y1, x0, y1]]


def scene(tmp_path: Path, labels: str = LABELS) -> tuple[Path, Path]:
    """a.jpg (40 x 20): a plate over columns 0-9 and a bowl over 12-21, a 2-pixel gap between them from the top
    border to the bottom one, columns 22-39 bare up to the right border, a 2-pixel rice speck on the plate.
    b.jpg (10 x 20): a plate over rows 0-7, a bowl over rows 11-19: a 3-pixel gap from border to border."""
    anns = [(1, 1, rect(0, 0, 10, 20)), (1, 2, rect(12, 0, 22, 20)), (1, 3, rect(3, 5, 5, 6)),
            (2, 1, rect(0, 0, 10, 8)), (2, 2, rect(0, 11, 10, 20))]
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 40, "height": 20},
                    {"id": 2, "file_name": "b.jpg", "width": 10, "height": 20}],
                   [{"id": k + 1, "image_id": i, "category_id": c, "segmentation": s, "iscrowd": 0}
                    for k, (i, c, s) in enumerate(anns)],
                   [{"id": 1, "name": "plate"}, {"id": 2, "name": "bowl"}, {"id": 3, "name": "rice"}])
    (tmp_path / "labels.yaml").write_text(labels)
    return write_json(tmp_path / "scene.json", doc), tmp_path / "labels.yaml"


# by hand: a.jpg's gap is 2 wide (W = 2 fills it: column 10 from the plate, 11 from the bowl, 20 rows each);
# the speck has 2 pixels (A = 3 merges it into the plate, its only neighbour); b.jpg's gap is 3 high: kept
A_REPAIR = {"close_gaps": {"pixels": 40, "changes": [{"from": "void", "to": "bowl", "pixels": 20},
                                                     {"from": "void", "to": "plate", "pixels": 20}]},
            "min_area": {"pixels": 2, "pieces": 1, "kept": 0,
                         "changes": [{"from": "rice", "to": "plate", "pixels": 2}]},
            "changed": {"pixels": 42, "changes": [{"from": "void", "to": "bowl", "pixels": 20},
                                                  {"from": "void", "to": "plate", "pixels": 20},
                                                  {"from": "rice", "to": "plate", "pixels": 2}]}}
NOTHING = {"close_gaps": {"pixels": 0, "changes": []}, "min_area": {"pixels": 0, "pieces": 0, "kept": 0,
                                                                    "changes": []},
           "changed": {"pixels": 0, "changes": []}}


def fix(tmp_path, *extra, out="out"):
    src, labels = scene(tmp_path)
    before = tree_digest(tmp_path)
    result = run_cli("fix", src, "--labels", labels, "-o", tmp_path / out, "--close-gaps", "2", "--min-area", "3",
                     "--json", tmp_path / f"{out}.json", *extra)
    assert tree_digest(tmp_path) == {**before, **{k: v for k, v in tree_digest(tmp_path).items()
                                                  if k not in before}}  # inputs never modified
    return result, json.loads((tmp_path / f"{out}.json").read_text())


def test_counts_per_image_and_rule(tmp_path):
    result, report = fix(tmp_path)
    assert result.returncode == 0, result.stderr
    jsonschema.validate(report, json.loads((ROOT / "schemas" / "report.schema.json").read_text()))
    entries = {image["image"]: image["repair"] for image in report["images"]}
    assert entries == {"a.jpg": A_REPAIR, "b.jpg": NOTHING}
    assert report["repair"] == {"close_gaps": 2, "min_area": 3}
    totals = report["summary"]["repairs"]
    assert totals["images"] == 1 and totals["changed"]["pixels"] == 42
    assert totals["close_gaps"] == A_REPAIR["close_gaps"] and totals["min_area"] == A_REPAIR["min_area"]
    # the terminal says the same, image by image and rule by rule
    table = result.stderr.split("repairs per image")[1].split("--close-gaps 2:")[0]
    line = next(x for x in table.splitlines() if x.startswith(" a.jpg"))
    assert "void → bowl 20, void → plate 20" in line and "rice → plate 2 (1 piece)" in line
    assert line.rstrip().endswith("42")
    assert "--close-gaps 2: 40 pixels (void → bowl 20, void → plate 20)" in result.stderr
    assert "--min-area 3: 2 pixels in 1 piece merged (rice → plate 2)" in result.stderr
    assert "repaired: 1 image of 2; 42 pixels changed class" in result.stderr
    assert "b.jpg" not in table  # nothing repaired there


def test_the_written_masks_are_the_repaired_ones(tmp_path):
    result, _ = fix(tmp_path, "--to", "png")
    a = np.asarray(Image.open(tmp_path / "out" / "masks" / "a.png"))
    expected = np.full((20, 40), 255, dtype=np.uint8)
    expected[:, :11] = 1
    expected[:, 11:22] = 2
    assert a.tolist() == expected.tolist()
    b = np.asarray(Image.open(tmp_path / "out" / "masks" / "b.png"))
    assert (b[8:11] == 255).all() and (b[:8] == 1).all() and (b[11:] == 2).all()


def test_dry_run_reports_the_same_and_writes_nothing(tmp_path):
    result, report = fix(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "out").exists()
    assert {image["image"]: image["repair"] for image in report["images"]} == {"a.jpg": A_REPAIR, "b.jpg": NOTHING}
    assert "repaired: 1 image of 2; 42 pixels changed class" in result.stderr
    assert "dry run: nothing written" in result.stderr


def test_diff_agrees_with_the_counts(tmp_path):
    _, report = fix(tmp_path, "--to", "coco-rle")
    diff = run_cli("diff", tmp_path / "scene.json", tmp_path / "out", "--labels", tmp_path / "labels.yaml",
                   "--json", tmp_path / "diff.json")
    assert diff.returncode == 1, diff.stderr  # something changed
    compared = {x["image"]: x for x in json.loads((tmp_path / "diff.json").read_text())["images"]}
    for image in report["images"]:
        changed = image["repair"]["changed"]
        assert compared[image["image"]].get("changed_pixels", 0) == changed["pixels"]
        assert sorted(map(str, compared[image["image"]].get("confusion", []))) == sorted(map(str, changed["changes"]))


def test_validate_after_the_fix_finds_no_unlabelled_pixels_in_closed_gaps(tmp_path):
    """Without a fill class, the source has 400 unlabelled pixels in a.jpg (the gap and the bare area) and 30 in
    b.jpg; after the fix only the bare area (18 x 20) and b.jpg's 3-pixel gap are left."""
    fix(tmp_path, "--to", "coco-rle")
    for source, expected in ((tmp_path / "scene.json", {"a.jpg": 400, "b.jpg": 30}),
                             (tmp_path / "out", {"a.jpg": 360, "b.jpg": 30})):
        checked = run_cli("validate", source, "--labels", tmp_path / "labels.yaml", "--json", tmp_path / "v.json")
        found = json.loads((tmp_path / "v.json").read_text())["findings"]
        assert {f["image"]: f["pixels"] for f in found if f["code"] == "unlabelled-pixels"} == expected, checked.stderr


def test_gap_beside_the_fill_class_is_drawn_and_counted(tmp_path):
    """With a fill class the gap shows the fill class before and after where it copies a fill-class end; here
    both ends are objects: the pixels change from the fill class."""
    src, labels = scene(tmp_path, FILL_LABELS)
    result = run_cli("fix", src, "--labels", labels, "-o", tmp_path / "out", "--close-gaps", "2", "--json",
                     tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    a = next(x for x in json.loads((tmp_path / "r.json").read_text())["images"] if x["image"] == "a.jpg")
    assert a["repair"]["close_gaps"]["changes"] == [{"from": "background", "to": "bowl", "pixels": 20},
                                                   {"from": "background", "to": "plate", "pixels": 20}]
    assert "min_area" not in a["repair"]


def test_convert_takes_the_same_flags(tmp_path):
    src, labels = scene(tmp_path)
    fixed = run_cli("fix", src, "--labels", labels, "-o", tmp_path / "f", "--to", "png", "--close-gaps", "2",
                    "--min-area", "3")
    converted = run_cli("convert", src, "--labels", labels, "-o", tmp_path / "c", "--close-gaps", "2",
                        "--min-area", "3")
    assert fixed.returncode == converted.returncode == 0, converted.stderr
    assert tree_digest(tmp_path / "f" / "masks") == tree_digest(tmp_path / "c" / "masks")
    assert "repaired: 1 image of 2; 42 pixels changed class" in converted.stderr


# the writer a source goes back to without --to: the writer named like the reader (the send-back writers)
SENT_BACK = {"coco": "coco", "voc": "voc", "labelme": "labelme"}


@pytest.mark.parametrize("source_format", sorted(SENT_BACK))
def test_the_source_format_is_written_when_segconv_can(tmp_path, source_format):
    src, labels = scene(tmp_path)
    if source_format == "voc":
        made = run_cli("convert", src, "--labels", labels, "-o", tmp_path / "voc", "--to", "voc")
        assert made.returncode == 0, made.stderr
        src = tmp_path / "voc"
    if source_format == "labelme":
        src, labels = ROOT / "fixtures" / "food" / "labelme", ROOT / "fixtures" / "food" / "labelmap.yaml"
    result = run_cli("fix", src, "--labels", labels, "-o", tmp_path / "out", "--min-area", "3",
                     "--json", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    chosen = SENT_BACK[source_format]
    assert own_writer(source_format) == chosen
    if chosen:
        assert f"no --to given: writing {chosen}, the source's own format" in result.stderr
    else:
        assert (f"no --to given: segconv cannot write {source_format}, the source's format; writing png"
                in result.stderr)
        assert (tmp_path / "out" / "masks" / "table_01.png").is_file()
    # what was written is what was said: segconv reads the output back as that format
    back = run_cli("inspect", tmp_path / "out")
    assert back.returncode == 0, back.stderr
    written = chosen or "png"
    assert f": {READ_AS.get(written, written)}, " in back.stdout.splitlines()[0], back.stdout


READ_AS = {"png": "masks", "coco-rle": "coco"}  # the reader that takes each writer's output


def test_fixing_the_output_again_changes_nothing(tmp_path):
    """The scene's repair leaves no piece kept and no bounded stretch of at most W bare: fixed again, the masks
    are the same bytes and no pixel is counted."""
    fix(tmp_path, "--to", "png")
    again = run_cli("fix", tmp_path / "out", "--labels", tmp_path / "labels.yaml", "-o", tmp_path / "again",
                    "--close-gaps", "2", "--min-area", "3", "--json", tmp_path / "again.json")
    assert again.returncode == 0, again.stderr
    assert "no --to given: writing png, the source's own format" in again.stderr
    report = json.loads((tmp_path / "again.json").read_text())
    assert report["summary"]["repairs"]["changed"]["pixels"] == 0
    assert tree_digest(tmp_path / "again" / "masks") == tree_digest(tmp_path / "out" / "masks")


def test_fix_needs_a_rule(tmp_path):
    src, labels = scene(tmp_path)
    result = run_cli("fix", src, "--labels", labels, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert "say what to repair: --close-gaps W" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_resume_refuses_other_repair_rules(tmp_path):
    """The rules change the bytes written: an interrupted run's rules must be the resumed run's."""
    src, labels = scene(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".segconv-run.json").write_text(json.dumps({"segconv-run": 2, "token": "0123456789ab", "settings": {
        "repair": {"close_gaps": 2, "min_area": 0}}}))
    again = run_cli("fix", src, "--labels", labels, "-o", out, "--to", "png", "--close-gaps", "3", "--resume")
    assert again.returncode == 2
    assert ('--close-gaps, --min-area (then {"close_gaps": 2, "min_area": 0}, now {"close_gaps": 3, "min_area": 0})'
            in again.stderr)


def test_html_cards_show_the_repaired_pixels(tmp_path):
    src, labels = scene(tmp_path)
    result = run_cli("fix", src, "--labels", labels, "-o", tmp_path / "out", "--close-gaps", "2", "--min-area", "3",
                     "--html", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r.html").read_text()
    assert "--close-gaps 2" in page and "close_gaps=" not in page  # the command line's words
    from convert import api

    api.fix(src, tmp_path / "lib", labels=labels, close_gaps=2, min_area=3, html_path=tmp_path / "lib.html")
    library = (tmp_path / "lib.html").read_text()
    assert "close_gaps=2" in library and "--close-gaps" not in library  # a script's words
    card = page.split("id='image-1'")[1].split("id='image-2'")[0]
    assert "a.jpg" in card.split("</h3>")[0]  # the most repaired image comes first
    assert card.count("<img ") == 3 and "after the repair, repaired pixels in yellow" in card
    after = card.split("<img src='")[3].split("'")[0]
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(after.split(",", 1)[1]))).convert("RGB")).astype(int)
    scale = picture.shape[1] // 40
    r, g, b = picture[10 * scale, int(10.5 * scale)]  # the middle of the gap's column 10: yellow
    assert r > 200 and g > 200 and b < 100
    r, g, b = picture[10 * scale, int(30.5 * scale)]  # the bare area, left as it was: dark void, not yellow
    assert r < 100 and g < 100
    assert "<b>gaps closed</b>: 40 pixels (void → bowl 20, void → plate 20)" in card
    assert "<b>small pieces merged</b>: 2 pixels in 1 piece (rice → plate 2)" in card


def test_min_area_fills_small_holes_of_the_fill_class_and_validate_agrees(tmp_path):
    """every_pixel_drawn with a fill class: a plate over the whole image but a 2 x 2 hole (bare: the fill class
    shows there, and it is reported). The hole is too wide for --close-gaps 1; --min-area 5 draws it as plate:
    the output has no unlabelled pixel left, where the source had the hole's 4."""
    labels = ("every_pixel_drawn: true\nclasses:\n  - {name: background, index: 0, level: 0, fill: true}\n"
              "  - {name: plate, index: 1, level: 1}\n")
    polygons = [(2, rect(0, 0, 12, 5)), (2, rect(0, 7, 12, 12)), (2, rect(0, 5, 5, 7)), (2, rect(7, 5, 12, 7))]
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 12, "height": 12}],
                   [{"id": k + 1, "image_id": 1, "category_id": c, "segmentation": s, "iscrowd": 0}
                    for k, (c, s) in enumerate(polygons)],
                   [{"id": 1, "name": "background"}, {"id": 2, "name": "plate"}])
    src = write_json(tmp_path / "s.json", doc)
    (tmp_path / "labels.yaml").write_text(labels)
    checked = run_cli("validate", src, "--labels", tmp_path / "labels.yaml", "--json", tmp_path / "v.json")
    found = json.loads((tmp_path / "v.json").read_text())["findings"]
    assert [f["pixels"] for f in found if f["code"] == "unlabelled-pixels"] == [4], checked.stderr
    result = run_cli("fix", src, "--labels", tmp_path / "labels.yaml", "-o", tmp_path / "out", "--to", "coco-rle",
                     "--close-gaps", "1", "--min-area", "5", "--json", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    entry = json.loads((tmp_path / "r.json").read_text())["images"][0]["repair"]
    assert entry["close_gaps"]["pixels"] == 0
    assert entry["min_area"]["changes"] == [{"from": "background", "to": "plate", "pixels": 4}]
    checked = run_cli("validate", tmp_path / "out", "--labels", tmp_path / "labels.yaml", "--json", tmp_path / "v.json")
    found = json.loads((tmp_path / "v.json").read_text())["findings"]
    assert [f for f in found if f["code"] == "unlabelled-pixels"] == [], checked.stderr


def test_findings_docs_name_what_each_rule_repairs():
    from convert.findings.codes import CODES, explain, markdown
    from convert.findings.codes.repair_words import REPAIRS

    for repair in REPAIRS:
        for code in repair.resolves:
            assert code in CODES
            assert f"Repaired by `segconv fix {repair.flag}`" in explain(code)
    assert (ROOT / "docs" / "findings.md").read_text() == markdown()


def test_profile_has_a_repair_stage(tmp_path):
    """--profile says what the repair costs apart from painting and writing (bench/bench.py's fix scene
    compares fix with convert); convert without rules has no such row."""
    from convert import api

    src, labels = scene(tmp_path)
    stages: dict = {}
    api.convert(src, tmp_path / "out", to="png", labels=labels, close_gaps=2, min_area=3, profile=stages)
    assert {"paint", "check", "repair", "write"} <= set(stages) and stages["repair"] > 0
    plain: dict = {}
    api.convert(src, tmp_path / "plain", to="png", labels=labels, profile=plain)
    assert "repair" not in plain and "write" in plain
    shown = run_cli("fix", src, "--labels", labels, "-o", tmp_path / "cli", "--close-gaps", "2", "--profile")
    table = shown.stderr.split("ms / image", 1)[1].split(" wall ", 1)[0]
    assert shown.returncode == 0, shown.stderr
    assert [line.split()[0] for line in table.splitlines()[2:]] == ["parse", "import", "paint", "check", "repair",
                                                                    "write", "collect"], table


def test_gap_pixels_that_keep_their_value_are_said_so_and_the_totals_agree(tmp_path):
    """New-user trial: without a fill class, gap pixels given to an explicit void region (labelme's
    ``__ignore__``) were listed as "void → void" and counted in the rule's total, which then exceeded the
    pixels that "changed class": a 20 x 10 image, a plate over columns 0-9, a 2-pixel gap, ``__ignore__``
    over 12-19: column 10 takes the plate, column 11 the void region, its value unchanged."""
    doc = coco_doc([{"id": 1, "file_name": "a.jpg", "width": 20, "height": 10}],
                   [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": rect(0, 0, 10, 10), "iscrowd": 0},
                    {"id": 2, "image_id": 1, "category_id": 2, "segmentation": rect(12, 0, 20, 10), "iscrowd": 0}],
                   [{"id": 1, "name": "plate"}, {"id": 2, "name": "__ignore__"}])
    src = write_json(tmp_path / "scene.json", doc)
    labels = tmp_path / "labels.yaml"
    labels.write_text("void_aliases: [__ignore__]\nvoid_level: 1\nclasses:\n  - {name: plate, index: 1, level: 1}\n")
    result = run_cli("fix", src, "--labels", labels, "-o", tmp_path / "out", "--close-gaps", "2",
                     "--json", tmp_path / "r.json", "--html", tmp_path / "r.html")
    assert result.returncode == 0, result.stderr
    words = "void → plate 10, unlabelled → void (explicit) 10"
    assert f"--close-gaps 2: 20 pixels, 10 of them keeping their value ({words})" in result.stderr
    assert "repaired: 1 image of 1; 10 pixels changed class" in result.stderr
    assert "void → void" not in result.stderr
    table = result.stderr.split("repairs per image")[1].split("--close-gaps 2:")[0]
    assert "unlabelled → void" in table and table.splitlines()[-1].rstrip().endswith("10")
    card = (tmp_path / "r.html").read_text()
    assert f"<b>gaps closed</b>: 20 pixels ({words})</li><li><b>class changed</b>: 10 pixels" in card
    totals = json.loads((tmp_path / "r.json").read_text())["summary"]["repairs"]
    assert totals["close_gaps"]["changes"] == [{"from": "void", "to": "plate", "pixels": 10},
                                               {"from": "void", "to": "void", "pixels": 10}]  # values, as before
    assert totals["changed"] == {"pixels": 10, "changes": [{"from": "void", "to": "plate", "pixels": 10}]}


def test_html_lists_the_totals_per_rule_and_every_repaired_image(tmp_path):
    """More repaired images than the page pictures (KEEP): the repairs section has the totals of the JSON's
    summary.repairs and a row per image its images[].repair says a rule changed, with the same numbers."""
    from convert.reports.html_report import KEEP

    n = KEEP + 4
    anns = [(i, c, s) for i in range(1, n + 1)
            for c, s in ((1, rect(0, 0, 10, 20)), (2, rect(12, 0, 22, 20)), (3, rect(3, 5, 5, 6)))]
    doc = coco_doc([{"id": i, "file_name": f"img{i:02}.jpg", "width": 40, "height": 20} for i in range(1, n + 1)],
                   [{"id": k + 1, "image_id": i, "category_id": c, "segmentation": s, "iscrowd": 0}
                    for k, (i, c, s) in enumerate(anns)],
                   [{"id": 1, "name": "plate"}, {"id": 2, "name": "bowl"}, {"id": 3, "name": "rice"}])
    src = write_json(tmp_path / "many.json", doc)
    (tmp_path / "labels.yaml").write_text(LABELS)
    result = run_cli("fix", src, "--labels", tmp_path / "labels.yaml", "-o", tmp_path / "out", "--close-gaps", "2",
                     "--min-area", "3", "--html", tmp_path / "r.html", "--json", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    totals = report["summary"]["repairs"]
    assert totals["close_gaps"]["pixels"] == 40 * n and totals["changed"]["pixels"] == 42 * n
    page = (tmp_path / "r.html").read_text()
    assert page.count("class='card'") == KEEP
    section = page.split("<h2>Repairs</h2>")[1].split("<h2>")[0]
    assert f"{n} images of {n} repaired; {42 * n:,} pixels changed class" in section
    assert (f"<tr><td>--close-gaps 2</td><td class='n'>{40 * n:,}</td><td class='n'></td><td class='n'></td>"
            f"<td>void → bowl {20 * n:,}, void → plate {20 * n:,}</td></tr>") in section
    assert (f"<tr><td>--min-area 3</td><td class='n'>{2 * n:,}</td><td class='n'>{n}</td><td class='n'>0</td>"
            f"<td>rice → plate {2 * n:,}</td></tr>") in section
    assert f"<tr><td>class changed</td><td class='n'>{42 * n:,}</td>" in section
    rows = section.split("Per image")[1].split("<tr>")[2:]
    assert len(rows) == n == len([i for i in report["images"] if i["repair"]["changed"]["pixels"]])
    for row, image in zip(rows, report["images"]):
        entry = image["repair"]
        assert image["image"] in row
        assert row.count("<td class='n'>") == 3
        cells = [c.split("<")[0] for c in row.split("<td class='n'>")[1:]]
        assert cells == [f"{entry['close_gaps']['pixels']:,}", f"{entry['min_area']['pixels']:,}",
                         f"{entry['changed']['pixels']:,}"]
    assert "rice → plate 2 (1 piece)" in rows[0]
