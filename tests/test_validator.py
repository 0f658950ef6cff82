"""The validator on deliveries with one known defect each: the right code, at the
right annotation, with the pixel count a person gets by hand; and nothing on a
clean delivery."""

import json

import jsonschema
import numpy as np
import pytest
import shapely
from PIL import Image

from convert import api
from convert.checks.validator import CheckOptions, geometry_findings
from convert.model.sample import Origin, Polygon, Region, Sample
from convert.model.schemas import load_schema

from conftest import FOOD, corpus, run_cli

LABELS = """
classes:
  - {name: background, index: 0, level: 0, fill: true}
  - {name: plate, index: 1, level: 1}
  - {name: bowl,  index: 2, level: 1}
  - {name: rice,  index: 3, level: 2, within: [plate, bowl]}
  - {name: sauce, index: 4, level: 3}
"""
CATS = [{"id": 1, "name": "plate"}, {"id": 2, "name": "bowl"}, {"id": 3, "name": "rice"}, {"id": 4, "name": "sauce"}]


def box(x0, y0, x1, y1):
    return [[x0, y0, x1, y0, x1, y1, x0, y1]]


def delivery(tmp_path, anns, width=40, height=30, labels=LABELS):
    images = [{"id": 1, "file_name": "a.jpg", "width": width, "height": height}]
    annotations = [{"id": i, "image_id": 1, "category_id": c, "segmentation": seg}
                   for i, (c, seg) in enumerate(anns, start=1)]
    src = tmp_path / "delivery.json"
    src.write_text(json.dumps({"images": images, "annotations": annotations, "categories": CATS}))
    lm = tmp_path / "labels.yaml"
    lm.write_text(labels)
    return src, lm


def findings(tmp_path, anns, **kw):
    src, lm = delivery(tmp_path, anns, **{k: v for k, v in kw.items() if k in ("width", "height", "labels")})
    report = api.validate(src, labels=lm, strict=kw.get("strict", False))
    return [f for f in report.findings if f.code not in ("missing-image", "class-unused")]


def test_clean_delivery_has_no_findings(tmp_path):
    assert findings(tmp_path, [(1, box(2, 2, 20, 20)), (3, box(5, 5, 10, 10)), (2, box(22, 2, 38, 20))]) == []


def test_two_classes_at_one_level_overlapping(tmp_path):
    # plate 0..10 and bowl 5..15 on rows 0..10: columns 5..9 are shared, 5 x 10 = 50 pixels
    [f] = findings(tmp_path, [(1, box(0, 0, 10, 10)), (2, box(5, 0, 15, 10))])
    assert (f.code, f.pixels, f.element) == ("level-overlap", 50, "annotation id=2")
    assert f.message == ("'bowl' and annotation id=1 (plate) overlap on 50 pixels, both at level 1; 'bowl' is "
                         "painted on top because it comes later in the annotations list (position 1 after 0)")


def test_overlap_counts_every_shared_pixel_and_says_how_many_a_higher_level_covers(tmp_path):
    """plate 0..10 and bowl 5..15 (rows 0..10) share 50 pixels; a third level-1 class between them in the
    file used to lower the count to the pixels where the plate lay directly beneath the bowl."""
    labels = LABELS.replace("  - {name: sauce, index: 4, level: 3}", "  - {name: sauce, index: 4, level: 3}\n"
                            "  - {name: cup, index: 5, level: 1}")
    cats = CATS + [{"id": 5, "name": "cup"}]
    anns = [(1, box(0, 0, 10, 10)), (5, box(5, 0, 8, 3)), (2, box(5, 0, 15, 10)), (4, box(9, 8, 10, 10))]
    src, lm = delivery(tmp_path, anns, labels=labels)
    doc = json.loads(src.read_text())
    doc["categories"] = cats
    src.write_text(json.dumps(doc))
    report = api.validate(src, labels=lm)
    got = {(f.element, f.pixels): f.message for f in report.findings if f.code == "level-overlap"}
    # plate/bowl: all 50 shared pixels although the cup lies between them on 9; sauce (level 3) covers 2
    assert set(got) == {("annotation id=3", 50), ("annotation id=2", 9), ("annotation id=3", 9)}
    plate_bowl = [m for (e, p), m in got.items() if p == 50][0]
    assert "(2 of these lie under a higher level, 48 show 'bowl')" in plate_bowl


def test_food_spilling_off_its_plate(tmp_path):
    # plate 0..10 x 0..10; rice 8..12 x 2..6: columns 10, 11 x 4 rows = 8 pixels outside
    [f] = findings(tmp_path, [(1, box(0, 0, 10, 10)), (3, box(8, 2, 12, 6))])
    assert (f.code, f.pixels, f.element) == ("outside-container", 8, "annotation id=2")
    assert "x=10 y=2 w=2 h=4" in f.message and f.severity.value == "error"


def test_food_on_a_bowl_is_fine_and_on_the_table_is_not(tmp_path):
    [f] = findings(tmp_path, [(2, box(0, 0, 10, 10)), (3, box(2, 2, 6, 6)), (3, box(20, 20, 23, 22))])
    assert (f.code, f.pixels, f.element) == ("outside-container", 6, "annotation id=3")


def test_region_hidden_by_a_higher_level(tmp_path):
    fs = findings(tmp_path, [(1, box(0, 0, 20, 20)), (3, box(2, 2, 6, 6)), (4, box(1, 1, 8, 8))])
    [f] = [f for f in fs if f.code == "region-hidden"]
    assert (f.pixels, f.element) == (16, "annotation id=2")
    assert f.message == ("'rice' is covered entirely (16 pixels, none visible) by annotation id=3 (sauce), "
                         "because its level is higher (3 over 2)")


def test_region_hidden_by_a_later_region_of_its_level_names_both_positions(tmp_path):
    fs = findings(tmp_path, [(2, box(0, 0, 4, 4)), (1, box(0, 0, 8, 8))])
    [f] = [f for f in fs if f.code == "region-hidden"]
    assert f.element == "annotation id=1"
    assert "by annotation id=2 (plate), because it comes later in the annotations list (position 1 after 0)" \
        in f.message


def test_region_lost_in_rasterisation(tmp_path):
    [f] = findings(tmp_path, [(1, [[10.1, 10.1, 10.4, 10.1, 10.4, 10.4]])])
    assert (f.code, f.pixels, f.element) == ("region-empty", 0, "annotation id=1")


def test_thin_sliver_gains_pixels(tmp_path):
    # 20 px long, 0.2 px high, straddling the pixel centres of row 5: 4 px² of area, 20 pixels
    fs = findings(tmp_path, [(1, [[0, 5.4, 20, 5.4, 20, 5.6, 0, 5.6]])])
    [f] = [f for f in fs if f.code == "area-mismatch"]
    assert f.pixels == 16 and "rasterises to 20 pixels" in f.message


def test_pixel_counts_in_messages_have_thousands_separators(tmp_path):
    fs = findings(tmp_path, [(1, [[0, 5.4, 2000, 5.4, 2000, 5.6, 0, 5.6]])], width=2000)
    [f] = [f for f in fs if f.code == "area-mismatch"]
    assert "rasterises to 2,000 pixels" in f.message


def test_area_outside_the_image(tmp_path):
    [f] = findings(tmp_path, [(1, box(-5, 0, 5, 10))])
    assert (f.code, f.severity.value) == ("outside-image", "info")
    assert f.pixels is None and f.message.startswith("50.0 px² of its area lie outside")  # an area: no count


def test_self_intersection_and_zero_area(tmp_path):
    fs = findings(tmp_path, [(1, [[0, 0, 10, 10, 10, 0, 0, 10]]), (2, [[0, 0, 5, 5, 10, 10]])])
    codes = sorted((f.code, f.element) for f in fs)
    assert ("self-intersection", "annotation id=1") in codes and ("zero-area", "annotation id=2") in codes
    assert any("Self-intersection" in f.message for f in fs if f.code == "self-intersection")


def test_unlabelled_pixels_without_fill_or_when_every_pixel_must_be_drawn(tmp_path):
    no_fill = LABELS.replace(", fill: true", "")
    [f] = findings(tmp_path, [(1, box(0, 0, 40, 20))], labels=no_fill)
    assert (f.code, f.pixels) == ("unlabelled-pixels", 400) and "x=0 y=20 w=40 h=10" in f.message
    # the fill class covering the rest is what `fill` means: no finding, also under --strict
    assert findings(tmp_path, [(1, box(0, 0, 40, 20))]) == []
    assert findings(tmp_path, [(1, box(0, 0, 40, 20))], strict=True) == []
    # a label map that wants every pixel drawn says so; then with or without --strict
    drawn = "every_pixel_drawn: true\n" + LABELS
    for strict in (False, True):
        [f] = findings(tmp_path, [(1, box(0, 0, 40, 20))], labels=drawn, strict=strict)
        assert (f.code, f.pixels) == ("unlabelled-pixels", 400) and "every_pixel_drawn" in f.message


def test_unknown_label_pixels_are_void_never_the_fill_class(tmp_path):
    """A typo 'plat' for 'plate': its pixels become void (255), not background; known classes still paint
    over it (rice on the plate stays rice)."""
    src, lm = delivery(tmp_path, [(1, box(0, 0, 10, 10)), (3, box(2, 2, 4, 4))])
    doc = json.loads(src.read_text())
    doc["categories"][0]["name"] = "plat"
    src.write_text(json.dumps(doc))
    report = api.convert(src, tmp_path / "out", labels=lm)
    [f] = [f for f in report.findings if f.code == "unknown-label"]
    assert f.severity.value == "error" and f.element == "annotation id=1"
    assert "painted as void (255)" in f.message and "did you mean 'plate'?" in f.message
    mask = np.asarray(Image.open(tmp_path / "out/masks/a.png"))
    assert (mask[:10, :10] == 255).sum() == 100 - 4 and (mask[2:4, 2:4] == 3).all()
    assert (mask[:, 10:] == 0).all()  # the rest is background
    assert report.exit_code() == 1


def test_image_size_against_the_real_file_with_exif(tmp_path):
    src, lm = delivery(tmp_path, [(1, box(0, 0, 10, 10))], width=40, height=30)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (40, 30)).save(tmp_path / "a.jpg", exif=exif.tobytes())  # shown as 30 x 40
    [f] = [f for f in api.validate(src, labels=lm).findings if f.code == "image-size-mismatch"]
    assert "30x40" in f.message and f.image == "a.jpg"


def test_food_case_counts_a_person_checks_by_hand(tmp_path):
    """Food spills off its plate and two classes share a level, in one delivery."""
    anns = [(1, box(0, 0, 20, 20)),          # plate
            (2, box(15, 0, 35, 20)),         # bowl, overlapping the plate on columns 15..19: 5 x 20 = 100
            (3, box(10, 5, 25, 10)),         # rice on plate and bowl: inside both, fine
            # rice spilling: cols 30..37 x rows 18..25 = 64, inside bowl 30..34 x 18..19 = 10
            (3, box(30, 18, 38, 26))]
    fs = findings(tmp_path, anns)
    got = sorted((f.code, f.element, f.pixels) for f in fs)
    assert got == [("level-overlap", "annotation id=2", 100), ("outside-container", "annotation id=4", 54)]


def test_json_report_validates_against_its_schema(tmp_path):
    src, lm = delivery(tmp_path, [(1, box(0, 0, 10, 10)), (2, box(5, 0, 15, 10)), (3, box(8, 2, 12, 6))])
    out = tmp_path / "r" / "report.json"
    report = api.validate(src, labels=lm, json_path=out)
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, load_schema("report"))
    assert doc["summary"]["by_code"] == {"class-unused": 1, "level-overlap": 1, "missing-image": 1}
    assert doc["summary"]["exit_code"] == report.exit_code() == 0  # warnings only
    [image] = doc["images"]
    assert image["filled"] == 40 * 30 - 150 and image["unlabelled"] == 0 and image["void"] == 0
    assert image["classes"]["plate"] == {"index": 1, "level": 1, "pixels": 50, "overwritten": 50, "regions": 1}
    # the bowl (cols 5..14) takes cols 5..9 from the plate; rice (cols 8..11, rows 2..5) lies on bowl only
    assert image["classes"]["bowl"] == {"index": 2, "level": 1, "pixels": 84, "overwritten": 16, "regions": 1}
    assert image["classes"]["rice"]["pixels"] == 16
    assert sum(c["pixels"] for c in image["classes"].values()) + image["void"] == 40 * 30
    assert not list((tmp_path / "r").glob(".*"))  # no part file left behind


def test_html_report_has_pictures_and_tables(tmp_path):
    src, lm = delivery(tmp_path, [(1, box(0, 0, 10, 10)), (3, box(8, 2, 12, 6))])
    Image.new("RGB", (40, 30), (200, 180, 150)).save(tmp_path / "a.jpg")
    out = tmp_path / "report.html"
    api.validate(src, labels=lm, html_path=out)
    page = out.read_text()
    assert page.count("data:image/jpeg;base64,") == 2 and "outside-container" in page and "<table>" in page


def test_food_fixture_with_within_rules_is_caught_by_the_cli(tmp_path):
    labels = (FOOD / "labelmap.yaml").read_text()
    for food in ("rice", "salad", "bread", "meat", "sauce"):
        labels = labels.replace(f"{{name: {food}, ", f"{{name: {food}, within: [plate, bowl], ")
    lm = tmp_path / "within.yaml"
    lm.write_text(labels)
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", lm, "--json", tmp_path / "r.json")
    assert proc.returncode == 1 and "outside-container" in proc.stderr and "worst images" in proc.stderr
    doc = json.loads((tmp_path / "r.json").read_text())
    spills = {f["image"] for f in doc["findings"] if f["code"] == "outside-container"}
    assert "breakfast/table_03.jpg" in spills  # the bread lies on the table


@pytest.mark.parametrize("args, code", [
    ([], 0), (["--fail-on", "warning"], 0), (["--strict"], 0),  # the fill class covering the table is fine
])
def test_exit_codes_on_the_clean_fixture(args, code):
    proc = run_cli("validate", FOOD / "annotations.json", "--labels", FOOD / "labelmap.yaml", *args)
    assert proc.returncode == code, proc.stderr


def test_classes_never_used_are_noted(tmp_path):
    src, lm = delivery(tmp_path, [(1, box(0, 0, 10, 10))])
    unused = [f for f in api.validate(src, labels=lm).findings if f.code == "class-unused"]
    assert sorted(f.element for f in unused) == ["class bowl", "class rice", "class sauce"]
    assert all(f.severity.value == "info" and f.file == str(lm) for f in unused)
    assert unused[0].message == "class 'bowl' (index 2) has no painted region in any image (1 image checked)"


def test_a_class_painted_but_hidden_is_not_called_unused(tmp_path):
    """The message claims no region of the class was painted: a bowl painted and then hidden entirely by a
    plate of its level was painted (region-hidden says so), so it is not 'unused'."""
    src, lm = delivery(tmp_path, [(2, box(2, 2, 6, 6)), (1, box(0, 0, 10, 10))])
    report = api.validate(src, labels=lm)
    unused = sorted(f.element for f in report.findings if f.code == "class-unused")
    assert unused == ["class rice", "class sauce"]
    assert any(f.code == "region-hidden" for f in report.findings)


def test_coco_area_and_bbox_fields_are_checked_against_the_pixels(tmp_path):
    """pycococreator's crowd RLE: area 31,463 is the count of the pixels *outside* the object (34,073 inside),
    bbox [0, 5, 256, 251] against [0, 0, 209, 199]."""
    from conftest import corpus

    report = api.validate(corpus("pycococreator-example/example_data/annotations/coco_example.json"))
    got = {(f.code, f.element): f for f in report.findings if f.code.endswith("field-mismatch")}
    area = got[("area-field-mismatch", "annotation id=3")]
    assert area.file.endswith("coco_example.json") and area.pixels == 34073 - 31463
    assert "'area' is 31463 but the segmentation's pixel count is 34073 (7.7 % off" in area.message
    bbox = got[("bbox-field-mismatch", "annotation id=3")]
    assert "'bbox' is [0, 5, 256, 251] but the segmentation's pixel box is [0, 0, 209, 199]" in bbox.message
    assert all(f.element == "annotation id=3" for f in got.values())  # the polygons' fields agree


def test_polygon_area_and_bbox_fields(tmp_path):
    """The area may be the geometric area or a pixel count (within 5 %, or half the outline: labelme2coco
    counts boundary pixels, 121 for a 10 x 10 square), the bbox the shape's box or the pixels' box."""
    anns = [(1, box(0, 0, 100, 100)), (2, box(100, 0, 200, 100)), (2, box(0, 100, 100, 200)),
            (1, box(100, 100, 110, 110))]
    src, lm = delivery(tmp_path, anns, width=200, height=200)
    doc = json.loads(src.read_text())
    doc["annotations"][0].update(area=10000.0, bbox=[0, 0, 100, 100])      # geometric: fine
    doc["annotations"][1].update(area=11570, bbox=[100, 0, 100, 100])      # 15.7 % off
    doc["annotations"][2].update(area=10000, bbox=[0, 100, 100, 0])        # a bbox without area
    doc["annotations"][3].update(area=121, bbox=[100, 100, 11, 11])        # labelme2coco: boundary included
    src.write_text(json.dumps(doc))
    fs = {(f.code, f.element): f.message for f in api.validate(src, labels=lm).findings
          if f.code.endswith("field-mismatch")}
    assert set(fs) == {("area-field-mismatch", "annotation id=2"), ("bbox-field-mismatch", "annotation id=3")}
    assert "15.7 % off" in fs[("area-field-mismatch", "annotation id=2")]


def test_within_rules_are_not_checked_on_label_images(tmp_path):
    """The food scene with rice within plate or bowl: the COCO source keeps the rule (rice lies on its plates);
    its png masks hold one class per pixel, where no plate lies beneath the rice: no outside-container, as
    nothing beneath can be checked there. The same rule still catches rice drawn off its plate."""
    labels = tmp_path / "lm.yaml"
    labels.write_text((FOOD / "labelmap.yaml").read_text().replace(
        "{name: rice,       index: 5,  level: 2}", "{name: rice,       index: 5,  level: 2, within: [plate, bowl]}"))
    assert "within" in labels.read_text()
    source = api.validate(FOOD / "annotations.json", labels=labels)
    assert not [f for f in source.findings if f.code == "outside-container"]
    api.convert(FOOD / "annotations.json", tmp_path / "png", labels=labels)
    masks = api.validate(tmp_path / "png", labels=labels)
    assert masks.images == 4 and not [f for f in masks.findings if f.code == "outside-container"]
    doc = json.loads((FOOD / "annotations.json").read_text())
    rice = next(c["id"] for c in doc["categories"] if c["name"] == "rice")
    doc["annotations"].append({"id": 9000, "image_id": doc["images"][0]["id"], "category_id": rice,
                               "segmentation": [[600, 440, 630, 440, 630, 470, 600, 470]]})  # on the table
    (tmp_path / "spilt.json").write_text(json.dumps(doc))
    spilt = api.validate(tmp_path / "spilt.json", labels=labels)
    [off] = [f for f in spilt.findings if f.code == "outside-container"]
    assert off.element == "annotation id=9000" and off.pixels == 900


@pytest.mark.parametrize("rings", [
    [[0, 0, 4, 0, 4, 4], [6, 1, 12, 1, 12, 5, 6, 5]],            # parts apart: kept as they are
    [[-3, 0, 4, 0, 4, 4], [6, 1, 12, 1, 12, 5], [20, 0, 30, 9, 20, 9]],  # one of three leaves the image
    [[0, 0, 4, 0, 4, 4, 0, 4], [4, 0, 9, 0, 9, 4, 4, 4]],        # boxes touching: unioned by GEOS
    [[0, 0, 6, 0, 6, 6], [3, 3, 9, 3, 9, 9]],                    # overlapping parts
])
def test_parts_of_a_polygon_are_measured_as_their_union(rings):
    """The area, area inside the image, bounds and outline the checks use are those of the union of the
    parts, whether the parts are taken as they are (boxes apart) or unioned."""
    polygon = Polygon(tuple(np.array(r, dtype=float).reshape(-1, 2) for r in rings))
    region = Region("plate", polygon, (0,), Origin("a.json", "annotation id=1"))
    sample = Sample("a.jpg", 25, 8, [region], Origin("a.json"))
    measured: dict = {}
    geometry_findings([(region, 10)], sample, CheckOptions(), measured)
    union = shapely.union_all([shapely.Polygon(r) for r in polygon.rings])
    area, inside, bounds, length = measured[0]
    assert area == pytest.approx(union.area) and length == pytest.approx(union.length)
    assert bounds == pytest.approx(union.bounds)
    assert inside == pytest.approx(shapely.clip_by_rect(union, 0, 0, 25, 8).area)


def test_outside_image_gives_its_area_in_the_message_and_no_pixel_count(tmp_path):
    """New-user trial: labelme's example under its own rule said "16.5 px²" and the JSON ``pixels: 17``, while
    the pixels the rule paints beyond the image are 1: the area was given as a pixel count."""
    root = corpus("labelme-examples/instance_segmentation")
    report = tmp_path / "r.json"
    proc = run_cli("validate", root / "data_annotated", "--labels", root / "labels.txt", "--rule", "labelme",
                   "--json", report)
    assert proc.returncode == 0, proc.stderr
    [note] = [f for f in json.loads(report.read_text())["findings"] if f["code"] == "outside-image"]
    assert note["element"] == "shapes[3] (chair)" and "pixels" not in note
    assert note["message"] == "16.5 px² of its area lie outside the 500x375 image and are clipped"
