"""Mutation fuzzing of valid inputs: shared by tests/test_fuzz.py (small budget,
in CI) and bench/fuzz.py (large budget, results in bench/RESULTS.md).

Each ``check_*`` takes hypothesis ``data`` and a scratch folder, mutates a valid
delivery of the food fixture, runs segconv in process and lets only
:class:`~convert.errors.SegconvError` through: any other exception is a bug.
Each input is validated, then converted by a writer hypothesis draws (every
layout takes its turn), with ``--overwrite`` into the same folder each time;
the converted folder must hold only files segconv listed, no temporary file,
no run state, and the images the run says it wrote; a layout segconv reads
back is then validated too.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from convert import api
from convert.errors import SegconvError

ROOT = Path(__file__).resolve().parent.parent
FOOD = ROOT / "fixtures" / "food"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([10**20, 10**400, -10**400])  # JSON integers beyond int64, and beyond a float
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def mutate_json(data, doc):
    """Replace, delete or insert at a random place of a JSON document, a few times."""
    for _ in range(data.draw(st.integers(1, 4))):
        node, path = doc, []
        while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
            key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            path.append((node, key))
            node = node[key]
        if not path:
            return data.draw(json_values)
        parent, key = path[-1]
        action = data.draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[key] = data.draw(json_values)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.insert(key, parent[key])
    return doc


# the layouts segconv reads back, and where
READ_BACK = {"png": ("masks", "."), "voc": ("voc", "."), "coco-rle": ("coco", "annotations.json"),
             "yolo": ("yolo", "data.yaml"), "label-studio": ("label-studio", "tasks.json"),
             "coco": ("coco", "annotations"), "cvat": ("cvat", "annotations.xml"), "labelme": ("labelme", "."),
             "kaggle-rle": ("kaggle-rle", "masks.csv"),
             "cityscapes": ("cityscapes", ".")}


def _run(data, src: Path, fmt: str, labels: Path | None = None) -> None:
    try:
        api.validate(src, fmt=fmt, labels=labels)
    except SegconvError:
        return
    from convert.formats.writers import WRITERS

    to = data.draw(st.sampled_from(sorted(WRITERS)), label="writer")
    out = src.parent / "out"
    try:
        report = api.convert(src, out, fmt=fmt, labels=labels, to=to, overwrite=True)
    except SegconvError:
        return
    check_written(out, report)
    if to in READ_BACK:
        reader, where = READ_BACK[to]
        try:
            api.validate(out / where, fmt=reader)
        except SegconvError:
            pass


def check_written(out: Path, report) -> None:
    """What a finished conversion leaves in OUT: listed files only, no temporary file, no run state; nothing at
    all when no image was written."""
    if not report.written:
        assert not out.exists() or not [p for p in out.rglob("*") if p.is_file() or p.is_symlink()]
        return
    listed = set((out / ".segconv-files.txt").read_text(encoding="utf-8").splitlines())
    found = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() or p.is_symlink()}
    assert found - listed == {".segconv-files.txt"}, sorted(found - listed)
    assert not [name for name in found if name.endswith(".part")]
    assert report.written <= report.images and report.files >= 0


def _serialize(data, doc) -> bytes:
    text = json.dumps(doc, allow_nan=True).encode()
    if data.draw(st.integers(0, 9)) == 0:
        text = text[: data.draw(st.integers(0, len(text)))]
    return text


def check_coco(data, work: Path) -> None:
    doc = mutate_json(data, json.loads((FOOD / "annotations.json").read_text()))
    src = work / "a.json"
    src.write_bytes(_serialize(data, doc))
    _run(data, src, "coco", FOOD / "labelmap.yaml" if data.draw(st.booleans()) else None)


def check_labelme(data, work: Path) -> None:
    doc = mutate_json(data, json.loads((FOOD / "labelme" / "table_01.json").read_text()))
    if isinstance(doc, dict) and data.draw(st.booleans()):
        doc["imagePath"] = str((FOOD / "images" / "table_01.jpg").resolve())
    folder = work / "lm"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "a.json").write_bytes(_serialize(data, doc))
    _run(data, folder, "labelme")


def check_cvat(data, work: Path) -> None:
    text = (FOOD / "cvat" / "annotations.xml").read_text()
    attrs = list(re.finditer(r'(\w+)="([^"]*)"', text))
    for _ in range(data.draw(st.integers(1, 4))):
        m = data.draw(st.sampled_from(attrs))
        value = data.draw(st.sampled_from(["", "-1", "1e308", "nan", "0", "a,b;c", "999999999", "x" * 3,
                                           "1,2;3", "0, 0", "-5"]))
        text = text.replace(m.group(0), f'{m.group(1)}="{value}"', 1)
    if data.draw(st.integers(0, 5)) == 0:
        text = text[: data.draw(st.integers(0, len(text)))]
    src = work / "annotations.xml"
    src.write_text(text)
    _run(data, src, "cvat", FOOD / "labelmap.yaml")


def check_voc(data, work: Path) -> None:
    import io

    import numpy as np
    from PIL import Image

    root = work / "voc"
    shutil.rmtree(root, ignore_errors=True)
    (root / "SegmentationClass").mkdir(parents=True)
    (root / "ImageSets" / "Segmentation").mkdir(parents=True)
    mask = np.zeros((6, 8), np.uint8)
    mask[1:4, 2:6] = data.draw(st.integers(0, 255))
    buf = io.BytesIO()
    Image.fromarray(mask, data.draw(st.sampled_from(["L", "P"]))).save(buf, "PNG")
    raw = bytearray(buf.getvalue())
    for _ in range(data.draw(st.integers(0, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.integers(0, 4)) == 0:
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    (root / "SegmentationClass" / "a.png").write_bytes(bytes(raw))
    (root / "ImageSets" / "Segmentation" / "train.txt").write_text(
        data.draw(st.sampled_from(["a\n", "a\r\n", "", "../a\n", "a\nb\n", "\x00\n"])))
    _run(data, root, "voc")


def check_yolo(data, work: Path) -> None:
    """Mutated rows of the food fixture's YOLO labels (numbers, tokens, lines) and of its data.yaml."""
    root = work / "yolo"
    shutil.rmtree(root, ignore_errors=True)
    (root / "labels").mkdir(parents=True)
    shutil.copytree(FOOD / "images", root / "images", ignore=shutil.ignore_patterns("breakfast"))
    text = (FOOD / "labels" / "table_01.txt").read_text()
    tokens = text.split(" ")
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(tokens) - 1))
        tokens[i] = data.draw(st.sampled_from(["", "nan", "inf", "-0.5", "1.5", "1e308", "x", "0", "7", "\n",
                                               "0.5\n0", "3 0.1 0.1 0.2 0.2"]))
    raw = " ".join(tokens).encode()
    if data.draw(st.integers(0, 5)) == 0:
        raw = raw[: data.draw(st.integers(0, len(raw)))] + data.draw(st.sampled_from([b"", b"\xff\xfe", b"\x00"]))
    (root / "labels" / "table_01.txt").write_bytes(raw)
    yaml_text = (FOOD / "data.yaml").read_text()
    if data.draw(st.booleans()):
        yaml_text = yaml_text.replace(data.draw(st.sampled_from(["images", "plate", "path: .", "names:", "  0:"])),
                                      data.draw(st.sampled_from(["", "[", "{a: 1}", "- x", "9999999999", "~"])), 1)
    (root / "data.yaml").write_text(yaml_text)
    _run(data, root / "data.yaml", "yolo", FOOD / "labelmap.yaml" if data.draw(st.booleans()) else None)


def check_label_studio(data, work: Path) -> None:
    """A mutated Label Studio export of the food fixture (brush RLE bytes included)."""
    doc = json.loads((FOOD / "label-studio" / "tasks.json").read_text())[:2]
    if data.draw(st.booleans()):  # damage a brush's RLE bytes
        for task in doc:
            for result in task["annotations"][0]["result"]:
                rle = result["value"].get("rle")
                if rle:
                    i = data.draw(st.integers(0, len(rle) - 1))
                    rle[i] = data.draw(st.sampled_from([0, 255, -1, 256, 3.5, "x", None]))
                    if data.draw(st.booleans()):
                        del rle[data.draw(st.integers(0, len(rle) - 1)):]
    doc = mutate_json(data, doc)
    src = work / "tasks.json"
    src.write_bytes(_serialize(data, doc))
    _run(data, src, "label-studio", FOOD / "labelmap.yaml" if data.draw(st.booleans()) else None)


def check_coco_panoptic(data, work: Path) -> None:
    """A mutated panoptic JSON beside the fixture's PNGs, one of them damaged at times."""
    root = work / "panoptic"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(FOOD / "panoptic", root)
    doc = mutate_json(data, json.loads((root / "panoptic_food.json").read_text()))
    (root / "panoptic_food.json").write_bytes(_serialize(data, doc))
    if data.draw(st.integers(0, 3)) == 0:
        png = root / "panoptic_food" / "table_01.png"
        raw = bytearray(png.read_bytes())
        for _ in range(data.draw(st.integers(1, 3))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        png.write_bytes(bytes(raw[: data.draw(st.integers(0, len(raw)))]))
    labels = FOOD / "labelmap.yaml" if data.draw(st.booleans()) else None
    _run(data, root / "panoptic_food.json", "coco-panoptic", labels)


def check_kaggle_rle(data, work: Path) -> None:
    """A mutated Kaggle CSV (Severstal's fixture with size columns, or Carvana's beside its photos and GIF
    masks): numbers, cells, lines, bytes and the header changed; read with mutated -O options at times."""
    kaggle = FOOD.parent / "kaggle"
    root = work / "kaggle"
    shutil.rmtree(root, ignore_errors=True)
    if data.draw(st.booleans()):
        shutil.copytree(kaggle / "carvana", root)
        src = root / "train_masks.csv"
    else:
        root.mkdir()
        src = root / "train.csv"
        lines = (kaggle / "severstal" / "train.csv").read_text().splitlines()
        src.write_text("\n".join([lines[0] + ",width,height"] + [line + ",8,4" for line in lines[1:]]) + "\n")
    lines = src.read_text().split("\n")
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(lines) - 1))
        tokens = lines[i].replace(",", " , ").split(" ")
        j = data.draw(st.integers(0, len(tokens) - 1))
        tokens[j] = data.draw(st.sampled_from(["", "0", "-1", "-", "1.5", "nan", "x", '"', "99999999999999999999",
                                               "9223372036854775807", "4000000000", "1 1 1", "\x00", ",", "img",
                                               "ImageId_ClassId", "../a.jpg", "7 2 1 3"]))
        lines[i] = " ".join(tokens).replace(" , ", ",")
        if data.draw(st.integers(0, 4)) == 0:
            lines.insert(i, lines[i])
    raw = "\n".join(lines).encode()
    if data.draw(st.integers(0, 5)) == 0:
        raw = raw[: data.draw(st.integers(0, len(raw)))] + data.draw(st.sampled_from([b"", b"\xff\xfe", b"\r"]))
    src.write_bytes(raw)
    options = {key: data.draw(st.sampled_from(values)) for key, values in
               (("order", ["auto", "row", "column"]), ("starts", ["auto", "absolute", "relative"]))
               if data.draw(st.booleans())}
    try:
        api.validate(src, fmt="kaggle-rle", format_options=options)
    except SegconvError:
        return
    _run(data, src, "kaggle-rle")


def _damage(data, path: Path) -> None:
    """Flip a few bytes of a file and cut it short at times."""
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path.write_bytes(bytes(raw))


def check_cityscapes(data, work: Path) -> None:
    """The public Cityscapes fixture with a mutated polygon file and, at times, a damaged labelIds or
    instanceIds PNG; read from its PNGs or its polygons, under labelIds or trainIds."""
    root = work / "cityscapes"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "fixtures" / "public" / "cityscapes", root)
    gt = root / "gtFine" / "train" / "tinytown" / "tinytown_000000_000001_gtFine_"
    polygons = Path(f"{gt}polygons.json")
    doc = mutate_json(data, json.loads(polygons.read_text()))
    polygons.write_bytes(_serialize(data, doc))
    if data.draw(st.integers(0, 3)) == 0:
        _damage(data, Path(f"{gt}{data.draw(st.sampled_from(['labelIds', 'instanceIds']))}.png"))
    options = {"source": data.draw(st.sampled_from(["auto", "masks", "polygons"])),
               "ids": data.draw(st.sampled_from(["label", "train"]))}
    try:
        api.validate(root, fmt="cityscapes", format_options=options)
    except SegconvError:
        return
    _run(data, root, "cityscapes")


def check_color_masks(data, work: Path) -> None:
    """The public CamVid fixture with its class_dict.csv mutated line by line and, at times, a damaged or
    recoloured mask."""
    root = work / "camvid"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "fixtures" / "public" / "camvid", root)
    lines = (root / "class_dict.csv").read_text().splitlines()
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        lines[i] = data.draw(st.sampled_from(["", "#", "name,r,g,b", "Sky,1,2", "Sky,1,2,3", "x,-1,0,0",
                                              "Road,128,64,128", "Void,0,0,0", ",,,", "a,b,c,d", "\x00"]))
    (root / "class_dict.csv").write_text("\n".join(lines))
    if data.draw(st.integers(0, 2)) == 0:
        _damage(data, next((root / "train_labels").glob("*.png")))
    options = {"void": data.draw(st.sampled_from(["auto", "none", "Sky", "Nope"]))}
    try:
        api.validate(root, fmt="color-masks", format_options=options)
    except SegconvError:
        return
    _run(data, root, "color-masks")


def check_mapillary(data, work: Path) -> None:
    """The public Mapillary fixture with a mutated config and, at times, a damaged labels or instances PNG."""
    root = work / "mapillary"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "fixtures" / "public" / "mapillary", root)
    config = root / "config_v2.0.json"
    if data.draw(st.booleans()):
        config.write_bytes(_serialize(data, mutate_json(data, json.loads(config.read_text()))))
    if data.draw(st.integers(0, 2)) == 0:
        kind = data.draw(st.sampled_from(["labels", "instances"]))
        _damage(data, next((root / "training" / "v2.0" / kind).glob("*.png")))
    _run(data, root, "mapillary")


def check_ade20k(data, work: Path) -> None:
    """The public ADE20K fixture with objectInfo150.txt mutated line by line and, at times, a damaged mask."""
    root = work / "ade20k"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "fixtures" / "public" / "ade20k", root)
    info = root / "ADEChallengeData2016" / "objectInfo150.txt"
    lines = info.read_text().splitlines()
    for _ in range(data.draw(st.integers(0, 3))):
        lines[data.draw(st.integers(0, len(lines) - 1))] = data.draw(st.sampled_from(
            ["", "Idx\tName", "1\t0\t0\t0\twall", "0\t0\t0\t0\tx", "999\t1\t1\t1\ty", "a\tb", "\x00"]))
    info.write_text("\n".join(lines))
    if data.draw(st.integers(0, 2)) == 0:
        _damage(data, next((root / "ADEChallengeData2016" / "annotations" / "training").glob("*.png")))
    _run(data, root, "ade20k")


def check_ade20k_full(data, work: Path) -> None:
    """The public full-ADE20K fixture with objects.txt mutated line by line and, at times, a damaged
    _seg.png or one whose pixels are overwritten with drawn colours (classes beyond objects.txt, shared B), a
    mutated per-image JSON; read from the masks, the polygons or both."""
    root = work / "ade20k-full"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "fixtures" / "public" / "ade20k-full", root)
    release = root / "ADE20K_2021_17_01"
    names = release / "objects.txt"
    lines = names.read_text().splitlines()
    for _ in range(data.draw(st.integers(0, 3))):
        lines[data.draw(st.integers(0, len(lines) - 1))] = data.draw(st.sampled_from(
            ["", "\t", "Object Names", "car\tcar.n.01", "\tx", "\x00", "é"]))
    names.write_text("\n".join(lines))
    seg = next(release.rglob("ADE_train_*_seg.png"))
    action = data.draw(st.integers(0, 3))
    if action == 0:
        _damage(data, seg)
    elif action == 1:
        from PIL import Image

        pixels = np.asarray(Image.open(seg)).copy()
        for _ in range(data.draw(st.integers(1, 4))):
            y, x = data.draw(st.integers(0, pixels.shape[0] - 1)), data.draw(st.integers(0, pixels.shape[1] - 1))
            pixels[y, x] = [data.draw(st.integers(0, 255)) for _ in range(3)]
        Image.fromarray(pixels, "RGB").save(seg)
    if data.draw(st.booleans()):
        polygons = next(release.rglob(f"ADE_train_{data.draw(st.sampled_from(['00000001', '00000002']))}.json"))
        polygons.write_bytes(_serialize(data, mutate_json(data, json.loads(polygons.read_text()))))
    options = {"source": data.draw(st.sampled_from(["auto", "masks", "polygons"]))}
    try:
        api.validate(root, fmt="ade20k-full", format_options=options)
    except SegconvError:
        return
    _run(data, root, "ade20k-full")


def check_sa1b(data, work: Path) -> None:
    """A mutated SA-1B file of the public fixture (RLE strings, sizes, boxes, points), read in each order."""
    root = work / "sa1b"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "fixtures" / "public" / "sa1b", root)
    path = root / "sa_1.json"
    doc = json.loads(path.read_text())
    if data.draw(st.booleans()):  # damage an RLE string
        seg = doc["annotations"][data.draw(st.integers(0, len(doc["annotations"]) - 1))]["segmentation"]
        counts = seg["counts"]
        i = data.draw(st.integers(0, len(counts) - 1))
        seg["counts"] = counts[:i] + data.draw(st.sampled_from(["", "0", "o", "~", "\\", "ÿ"])) + counts[i + 1:]
    path.write_bytes(_serialize(data, mutate_json(data, doc)))
    order = data.draw(st.sampled_from(["area", "iou", "stability", "file"]))
    try:
        api.validate(root, fmt="sa1b", format_options={"order": order})
    except SegconvError:
        return
    _run(data, root, "sa1b")


_OWN_OUTPUT: dict[str, Path] = {}  # segconv's own output of the food fixture per layout, made once per process


def own_output(to: str, work: Path) -> Path:
    """A fresh copy under ``work`` of segconv's ``--to`` output of the food fixture (written once per process)."""
    if to not in _OWN_OUTPUT:
        import tempfile

        made = Path(tempfile.mkdtemp(prefix=f"segconv-fuzz-{to}-")) / to
        api.convert(FOOD / "annotations.json", made, to=to, labels=FOOD / "labelmap.yaml")
        _OWN_OUTPUT[to] = made
    root = work / to
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(_OWN_OUTPUT[to], root)
    return root


def check_mmseg(data, work: Path) -> None:
    """segconv's mmseg output of the food fixture, read from its labelmap.json or (without it) from a config
    mutated line by line, at times with a damaged annotation PNG."""
    root = own_output("mmseg", work)
    if data.draw(st.booleans()):
        (root / "labelmap.json").unlink()
        config = root / "mmseg_dataset.py"
        lines = config.read_text().splitlines()
        for _ in range(data.draw(st.integers(0, 3))):
            lines[data.draw(st.integers(0, len(lines) - 1))] = data.draw(st.sampled_from(
                ["", "metainfo = dict(classes=())", "metainfo = dict(classes=('a',), palette=[[1, 2]])",
                 "reduce_zero_label = True", "reduce_zero_label = 'yes'", "ignore_index = 0", "metainfo = 3",
                 "metainfo = dict(classes=x)", "import os", "metainfo = dict(", "\x00"]))
        config.write_text("\n".join(lines))
    if data.draw(st.integers(0, 2)) == 0:
        _damage(data, next((root / "ann_dir").rglob("*.png")))
    _run(data, root, "mmseg")


def check_hf(data, work: Path) -> None:
    """segconv's hf output of the food fixture: its labelmap.json or id2label.json mutated, a row's label or
    image bytes or file name replaced, or the shard itself damaged."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = own_output("hf", work)
    shard = next((root / "data").glob("*.parquet"))
    if data.draw(st.booleans()):
        (root / "labelmap.json").unlink()
        names = root / "id2label.json"
        names.write_bytes(_serialize(data, mutate_json(data, json.loads(names.read_text()))))
    what = data.draw(st.sampled_from(["row", "row", "shard", "none"]))
    if what == "row":
        table = pq.read_table(shard)
        rows = table.to_pylist()
        row = rows[data.draw(st.integers(0, len(rows) - 1))]
        column = data.draw(st.sampled_from(["label", "image", "file_name"]))
        if column == "file_name":
            row["file_name"] = data.draw(st.sampled_from(["", "../x.jpg", "a//b.jpg", "C:/x.jpg", "same.jpg"]))
        else:
            cell = row[column]
            raw = bytearray(cell["bytes"])
            for _ in range(data.draw(st.integers(1, 3))):
                raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
            cell["bytes"] = bytes(raw[: data.draw(st.integers(0, len(raw)))]) if data.draw(st.booleans()) else None
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), shard)
    elif what == "shard":
        _damage(data, shard)
    _run(data, root, "hf")


CHECKS = {"coco": check_coco, "labelme": check_labelme, "cvat": check_cvat, "voc": check_voc, "yolo": check_yolo,
          "label-studio": check_label_studio, "coco-panoptic": check_coco_panoptic, "kaggle-rle": check_kaggle_rle,
          "cityscapes": check_cityscapes, "color-masks": check_color_masks, "mapillary": check_mapillary,
          "ade20k": check_ade20k, "ade20k-full": check_ade20k_full, "sa1b": check_sa1b, "mmseg": check_mmseg,
          "hf": check_hf}
