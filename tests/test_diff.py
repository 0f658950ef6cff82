"""segconv diff: changes planted in one format are found against another format with exactly the pixel counts
of an independent painter (pycocotools by level), objects added, removed and changed, and a delivery against
itself is identical."""

import copy
import json
import re
import shutil

import jsonschema
import numpy as np
from PIL import Image

from convert import api
from convert.model.labelmap import LabelMap
from convert.model.schemas import load_schema

from conftest import FOOD, reference_masks, run_cli

LABELS = FOOD / "labelmap.yaml"
LM = LabelMap.load(LABELS)


def food_doc():
    return json.loads((FOOD / "annotations.json").read_text())


def expected_changes(original, modified):
    """Per image: changed pixels and the (from, to) pixel counts, painted by pycocotools by level."""
    before, after = reference_masks(original, LM), reference_masks(modified, LM)
    names = {c.index: c.name for c in LM.classes}
    out = {}
    for name in before:
        a, b = before[name], after[name]
        changed = a != b
        pairs = {}
        for x, y in zip(a[changed].tolist(), b[changed].tolist()):
            pairs[(names[x], names[y])] = pairs.get((names[x], names[y]), 0) + 1
        out[name] = (int(changed.sum()), pairs)
    return out


def shift(points_text, dx, dy):
    def one(match):
        return f"{float(match.group(1)) + dx:.2f},{float(match.group(2)) + dy:.2f}"
    return re.sub(r"(-?[\d.]+),(-?[\d.]+)", one, points_text)


def test_coco_against_cvat_with_a_class_swapped_an_object_removed_one_moved(tmp_path):
    # the planted changes, in CVAT XML: table_01's bowl relabelled cup, its meat deleted, its cup moved (3, 2)
    xml = (FOOD / "cvat" / "annotations.xml").read_text()
    head, body = xml.split('<image id="0"', 1)
    image, rest = body.split("</image>", 1)
    image = image.replace('<polygon label="bowl"', '<polygon label="cup"', 1)
    image = re.sub(r'\s*<polygon label="meat"[^>]*/>', "", image, count=1)
    image = re.sub(r'(<polygon label="cup" source="manual" occluded="0" points=")([^"]*)(" z_order="0"/>\s*$)',
                   lambda m: m.group(1) + shift(m.group(2), 3, 2) + m.group(3), image.rstrip() + "\n", count=1)
    (tmp_path / "cvat").mkdir()
    (tmp_path / "cvat" / "annotations.xml").write_text(head + '<image id="0"' + image + "</image>" + rest)
    # the same changes on the COCO document, for the independent painter
    doc = food_doc()
    modified = copy.deepcopy(doc)
    by_id = {a["id"]: a for a in modified["annotations"]}
    by_id[102]["category_id"] = next(c["id"] for c in doc["categories"] if c["name"] == "cup")
    modified["annotations"].remove(by_id[104])
    by_id[105]["segmentation"] = [[v + (3 if i % 2 == 0 else 2) for i, v in enumerate(ring)]
                                  for ring in by_id[105]["segmentation"]]
    expected = expected_changes(doc, modified)
    report = tmp_path / "diff.json"
    proc = run_cli("diff", FOOD / "annotations.json", tmp_path / "cvat", "--labels", LABELS, "--json", report,
                   "--html", tmp_path / "diff.html")
    assert proc.returncode == 1, proc.stderr
    doc_json = json.loads(report.read_text())
    jsonschema.validate(doc_json, load_schema("diff"))
    images = {x["image"]: x for x in doc_json["images"]}
    for name, (changed, pairs) in expected.items():
        assert images[name]["changed_pixels"] == changed, name
        assert {(c["from"], c["to"]): c["pixels"] for c in images[name]["confusion"]} == pairs
    assert expected["table_01.jpg"][0] > 0 and all(expected[n][0] == 0 for n in expected if n != "table_01.jpg")
    objects = images["table_01.jpg"]["objects"]
    # removed: the meat and the bowl (now a cup: another class); added: that cup; changed: the moved cup, and
    # the plate, whose pixels under the deleted meat show now
    assert (objects["removed"], objects["added"], objects["changed"]) == (2, 1, 2)
    assert doc_json["summary"]["changed_images"] == 1 and doc_json["summary"]["exit_code"] == 1
    assert "most changed images" in proc.stderr and "table_01.jpg" in proc.stderr
    page = (tmp_path / "diff.html").read_text()
    assert page.count("data:image/jpeg") == 3 and "Exit code 1" in page
    assert "A: <code>food/annotations.json</code><br>B: <code>cvat/annotations.xml</code>" in page
    assert str(tmp_path) not in page and str(FOOD) not in page  # no folder of the machine that compared


def independent_voc(root, doc):
    """A VOC tree written here from pycocotools' masks: palette PNGs, a list, a labelmap.txt."""
    masks = reference_masks(doc, LM)
    (root / "SegmentationClass" / "breakfast").mkdir(parents=True)
    (root / "ImageSets" / "Segmentation").mkdir(parents=True)
    palette = [v for c in sorted(LM.classes, key=lambda c: c.index) for v in c.color]
    for name, mask in masks.items():
        im = Image.fromarray(mask, "P")
        im.putpalette(palette + [0] * (768 - len(palette)))
        im.save(root / "SegmentationClass" / (name.rsplit(".", 1)[0] + ".png"))
    (root / "ImageSets" / "Segmentation" / "train.txt").write_text(
        "".join(n.rsplit(".", 1)[0] + "\n" for n in masks))
    (root / "labelmap.txt").write_text("".join(f"{c.name}:{c.color[0]},{c.color[1]},{c.color[2]}::\n"
                                               for c in sorted(LM.classes, key=lambda c: c.index)))


def test_voc_against_labelme_with_planted_changes(tmp_path):
    doc = food_doc()
    independent_voc(tmp_path / "voc", doc)
    shutil.copytree(FOOD / "labelme", tmp_path / "labelme")
    page = json.loads((tmp_path / "labelme" / "table_02.json").read_text())
    shapes = page["shapes"]
    [bread] = [s for s in shapes if s["label"] == "bread"]
    bread["label"] = "rice"
    page["shapes"] = [s for s in shapes if s["label"] != "packaging"]
    [dish] = [s for s in page["shapes"] if s["label"] == "dish"]
    dish["points"] = [[x - 2, y + 4] for x, y in dish["points"]]
    (tmp_path / "labelme" / "table_02.json").write_text(json.dumps(page))
    modified = copy.deepcopy(doc)
    cats = {c["name"]: c["id"] for c in doc["categories"]}
    by_id = {a["id"]: a for a in modified["annotations"]}
    by_id[208]["category_id"] = cats["rice"]
    modified["annotations"].remove(by_id[207])
    by_id[206]["segmentation"] = [[v + (-2 if i % 2 == 0 else 4) for i, v in enumerate(r)]
                                  for r in by_id[206]["segmentation"]]
    expected = expected_changes(doc, modified)
    proc = run_cli("diff", tmp_path / "voc", tmp_path / "labelme", "--labels", LABELS, "--json", tmp_path / "d.json")
    assert proc.returncode == 1, proc.stderr
    images = {x["image"]: x for x in json.loads((tmp_path / "d.json").read_text())["images"]}
    for name, (changed, pairs) in expected.items():
        assert images[name]["changed_pixels"] == changed, name
        assert {(c["from"], c["to"]): c["pixels"] for c in images[name]["confusion"]} == pairs


def test_class_masks_against_objects_compare_pixels_not_objects(tmp_path):
    """A VOC tree of class masks alone (one region per class, no objects) against the same pixels drawn as
    objects: no image changed, and the objects are said not to be compared rather than counted as added."""
    independent_voc(tmp_path / "voc", food_doc())
    proc = run_cli("diff", tmp_path / "voc", FOOD / "labelme", "--labels", LABELS, "--json", tmp_path / "d.json")
    assert proc.returncode == 0, proc.stderr
    assert "4 images compared: 0 changed, 0 pixels" in proc.stderr
    assert "objects not compared (one side holds class masks only)" in proc.stderr
    report = json.loads((tmp_path / "d.json").read_text())
    jsonschema.validate(report, load_schema("diff"))
    assert {x["status"] for x in report["images"]} == {"same"}
    assert all(x["objects_compared"] is False and not any(x["objects"].values()) for x in report["images"])


def test_a_delivery_against_itself_and_another_form_of_it(tmp_path):
    proc = run_cli("diff", FOOD / "annotations.json", FOOD / "annotations.json", "--labels", LABELS)
    assert proc.returncode == 0 and "0 changed, 0 pixels" in proc.stderr
    proc = run_cli("diff", FOOD / "annotations.json", FOOD / "labelme", "--labels", LABELS)
    assert proc.returncode == 0, proc.stderr


def test_images_only_on_one_side_and_other_sizes(tmp_path):
    doc = food_doc()
    doc["images"] = [i for i in doc["images"] if i["file_name"] != "table_04.jpg"]
    doc["images"][0]["width"] = 641
    (tmp_path / "a.json").write_text(json.dumps(doc))
    proc = run_cli("diff", tmp_path / "a.json", FOOD / "annotations.json", "--labels", LABELS, "--json",
                   tmp_path / "d.json")
    assert proc.returncode == 1
    summary = json.loads((tmp_path / "d.json").read_text())["summary"]
    assert (summary["only_b"], summary["size_differs"]) == (1, 1)
    assert "1 only in B: table_04.jpg" in proc.stderr


def test_unusable_input_exits_2(tmp_path):
    proc = run_cli("diff", FOOD / "annotations.json", tmp_path / "missing.json")
    assert proc.returncode == 2 and "missing.json" in proc.stderr and "Traceback" not in proc.stderr


def test_jobs_give_the_same_report(tmp_path):
    for jobs in ("1", "2"):
        run_cli("diff", FOOD / "annotations.json", FOOD / "cvat", "--labels", LABELS, "--json",
                tmp_path / f"{jobs}.json", "--jobs", jobs)
    one, two = (json.loads((tmp_path / f"{j}.json").read_text()) for j in ("1", "2"))
    assert one == two
    assert np.isclose(one["summary"]["classes"]["plate"]["iou"], 1.0)


def test_every_form_of_the_bundled_example_against_its_coco_form(tmp_path):
    """YOLO, Label Studio and panoptic sources through diff (their readers' names(), their image
    matching): panoptic paints the same masks; YOLO (painted as Ultralytics fills it) differs by the outline
    tests/test_cross_format.py measures; Label Studio by the edge pixels where pycocotools paints its
    normalised coordinates otherwise (derived there); diff finds exactly those."""
    from test_cross_format import ULTRALYTICS_OUTLINE, tie_pixels

    for fmt, src, expected in (("coco-panoptic", FOOD / "panoptic" / "panoptic_food.json", 0),
                               ("yolo", FOOD / "data.yaml", ULTRALYTICS_OUTLINE),
                               ("label-studio", FOOD / "label-studio" / "tasks.json", tie_pixels("label-studio"))):
        out = tmp_path / f"{fmt}.json"
        proc = run_cli("diff", FOOD / "annotations.json", src, "--labels", FOOD / "labelmap.yaml", "--json", out)
        assert proc.returncode == (1 if expected else 0), proc.stderr
        report = json.loads(out.read_text())
        assert report["summary"]["images"] == 4 and report["summary"]["compared"] == 4, fmt
        assert report["summary"]["changed_pixels"] == expected, fmt
        assert sum(entry.get("changed_pixels", 0) for entry in report["images"]) == expected


def test_every_image_of_either_side_appears_exactly_once(tmp_path):
    """A delivers a.jpg and a.png (CVAT keeps both), B only a.jpg: A's a.jpg is compared with B's a.jpg and
    A's a.png is only in A.  (segconv 0.2 keyed images by name without extension and lost A's a.jpg.)"""
    a = tmp_path / "a.xml"
    a.write_text('<annotations><meta><task><labels><label><name>plate</name></label></labels></task></meta>'
                 '<image id="0" name="a.jpg" width="4" height="4"><box label="plate" xtl="0" ytl="0" xbr="2" '
                 'ybr="2" occluded="0"/></image>'
                 '<image id="1" name="a.png" width="4" height="4"><box label="plate" xtl="0" ytl="0" xbr="4" '
                 'ybr="4" occluded="0"/></image></annotations>')
    b = tmp_path / "b.json"
    b.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 4}],
                             "categories": [{"id": 1, "name": "plate"}],
                             "annotations": [{"id": 1, "image_id": 1, "category_id": 1,
                                              "segmentation": [[0, 0, 2, 0, 2, 2, 0, 2]]}]}))
    proc = run_cli("diff", a, b, "--json", tmp_path / "d.json")
    doc = json.loads((tmp_path / "d.json").read_text())
    entries = sorted((x["image"], x.get("b_image"), x["status"]) for x in doc["images"])
    assert entries == [("a.jpg", "a.jpg", "same"), ("a.png", None, "only-a")], proc.stderr
    assert proc.returncode == 1 and "1 only in A, 0 only in B" in proc.stderr


def test_pairing_keeps_every_index_once():
    """Random name lists: every image of A and of B is paired once or listed once."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from convert.pipeline.diff import pair

    name = st.builds(lambda d, s, e: f"{d}{s}{e}", st.sampled_from(["", "x/", "train/"]), st.sampled_from("abc"),
                     st.sampled_from([".jpg", ".png", ""]))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(name, max_size=8), st.lists(name, max_size=8))
    def check(a_names, b_names):
        pairs, only_a, only_b = pair(a_names, b_names)
        assert sorted([i for i, _ in pairs] + only_a) == list(range(len(a_names)))
        assert sorted([j for _, j in pairs] + only_b) == list(range(len(b_names)))
        for i, j in pairs:  # a pair is the same name, or the same stem, or the same last part of it
            assert a_names[i].rsplit(".", 1)[0].rsplit("/", 1)[-1] == b_names[j].rsplit(".", 1)[0].rsplit("/", 1)[-1]

    check()


def test_the_terminal_summary_names_the_findings_new_in_b(tmp_path):
    """B relabels one annotation with a label the map does not know, and gives another a bow-tie outline:
    both are new in B, and the terminal lists them with their image, as the JSON report has them."""
    doc = food_doc()
    b = copy.deepcopy(doc)
    b["categories"].append({"id": 99, "name": "plat"})
    b["annotations"][0]["category_id"] = 99
    x0, y0, x1, y1 = 10, 10, 60, 40
    b["annotations"][1]["segmentation"] = [[x0, y0, x1, y1, x1, y0, x0, y1]]  # crosses itself
    src_b = tmp_path / "b.json"
    src_b.write_text(json.dumps(b))
    report = tmp_path / "diff.json"
    proc = run_cli("diff", FOOD / "annotations.json", src_b, "--labels", LABELS, "--json", report)
    assert proc.returncode == 1, proc.stderr
    new = [f for x in json.loads(report.read_text())["images"] for f in x.get("findings_new", [])]
    codes = sorted(f["code"] for f in new)
    assert "unknown-label" in codes and "self-intersection" in codes
    assert f"findings new in B ({len(new)}):" in proc.stderr
    for f in new:
        assert f"  {f['severity']}[{f['code']}] {f['image']}: {f['element']}: {f['message']}\n" in proc.stderr
    by_code = ", ".join(f"{c} {codes.count(c)}" for c in sorted(set(codes), key=lambda c: (-codes.count(c), c)))
    assert f"findings new in B: {len(new)} ({by_code})" in proc.stderr
    same = run_cli("diff", FOOD / "annotations.json", FOOD / "annotations.json", "--labels", LABELS)
    assert "new in B" not in same.stderr


def test_without_labels_a_source_against_segconvs_output_is_painted_through_the_outputs_label_map(tmp_path):
    """A has no label map of its own, B (segconv's cvat output) has labelmap.json: B's is used.  Derived from
    both names instead, with the food map's levels lost, the trial saw 57 % of the pixels 'changed'."""
    api.convert(FOOD / "annotations.json", tmp_path / "cvat", labels=LABELS, to="cvat")
    proc = run_cli("diff", FOOD / "annotations.json", tmp_path / "cvat")
    assert proc.returncode == 0, proc.stderr
    assert "both painted through the label map " in proc.stderr and "labelmap.json" in proc.stderr
    assert "0 changed, 0 pixels" in proc.stderr


def test_a_label_map_a_script_made_and_loaded_datasets_are_painted_as_the_command_line_paints(tmp_path):
    """api.diff(path, path, labels=LabelMap) raised TypeError in LabelMap.load; a loaded A without a map of its
    own was painted through its derived map, not B's (the command line's rule)."""
    api.convert(FOOD / "annotations.json", tmp_path / "cvat", labels=LABELS, to="cvat")
    assert not api.diff(FOOD / "annotations.json", tmp_path / "cvat", labels=LM).changed
    loaded = api.diff(api.load(FOOD / "annotations.json"), api.load(tmp_path / "cvat"))
    by_path = api.diff(FOOD / "annotations.json", tmp_path / "cvat")
    assert loaded.summary()["changed_pixels"] == by_path.summary()["changed_pixels"] == 0
