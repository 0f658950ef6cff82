"""Write the hostile corpus (run from the repository root): python tests/hostile/make_hostile.py

Every case is a small file or folder that a delivery from outside could hold;
``cases.json`` says what segconv must do with each: the exit code, text the
message must contain, and the finding code when there is one.  The test runs
the ``segconv`` command on each case, under a 3 GiB address-space limit.
"""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMG = {"id": 1, "file_name": "a.jpg", "width": 8, "height": 6}
CATS = [{"id": 1, "name": "plate"}]
SQUARE = [[1, 1, 5, 1, 5, 5, 1, 5]]


def coco(images=None, annotations=None, categories=None):
    return {"images": images if images is not None else [IMG],
            "annotations": annotations if annotations is not None else
            [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": SQUARE}],
            "categories": categories if categories is not None else CATS}


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (a decompression bomb's first bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")


def png_broken_chunk() -> bytes:
    """A 4x4 grey PNG with a chunk whose type is not four letters: Pillow opens it and then
    raises SyntaxError ("broken PNG file") while decoding."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00\x00\x00\x00\x00" * 4)  # split over two IDATs, the broken chunk between
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data[:4]) + \
        chunk(b"\x006\x00\x01", b"") + chunk(b"IDAT", data[4:]) + chunk(b"IEND", b"")


CVAT_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>' \
            '<meta><task><labels><label><name>plate</name></label></labels></task></meta>\n'


def main() -> None:
    cases = []

    def case(name, content, code, expect, finding=None, args=()):
        path = HERE / name
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        if isinstance(content, dict):  # a folder: {relative path: bytes or str}
            for rel, data in content.items():
                target = path / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data if isinstance(data, bytes) else data.encode())
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        cases.append({"path": name, "exit": code, "expect": expect, "finding": finding, "args": list(args)})

    j = json.dumps
    img = dict(IMG)
    case("coco_path_escape.json", j(coco([{**img, "file_name": "../../escape.jpg"}])), 1, "escape.jpg", "unsafe-path")
    case("coco_absolute_path.json", j(coco([{**img, "file_name": "/etc/passwd.jpg"}])), 1, "is absolute",
         "unsafe-path")
    case("coco_drive_letter.json", j(coco([{**img, "file_name": "C:\\data\\a.jpg"}])), 1, "drive letter",
         "unsafe-path")
    case("coco_unc_path.json", j(coco([{**img, "file_name": "\\\\server\\share\\a.jpg"}])), 1, "UNC",
         "unsafe-path")
    case("coco_huge_declared.json", j(coco([{**img, "width": 100000, "height": 100000}])), 1, "--max-pixels",
         "image-too-large")
    case("coco_truncated.json", j(coco())[:57], 2, "the file ends early: the JSON stops at the end of the file "
         "(line 1, column 58, character 57) inside images[0]; it was cut short")
    case("coco_empty.json", b"", 2, "file is empty")
    case("coco_non_utf8.json", j(coco([{**img, "file_name": "caf\u00e9.jpg"}])).encode("utf-8").replace(
        b"caf\\u00e9", b"caf\xe9"), 2, "not valid UTF-8")
    case("coco_images_null.json", j({"images": None, "annotations": [], "categories": []}), 2,
         "'images' must be a list")
    case("coco_wrong_types.json", j(coco([{**img, "width": "8"}])), 1, "positive integers", "bad-image")
    case("coco_string_coordinates.json", j(coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1,
                                                              "segmentation": [["1", "1", "5", "1", "5", "5"]]}])),
         1, "list of numbers", "bad-value")
    case("coco_null_segmentation.json", j(coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1,
                                                             "segmentation": None}])),
         0, "no segmentation", "empty-segmentation")
    case("coco_nan.json", j(coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1,
                                               "segmentation": [[1, float("nan"), 5, 1, 5, 5]]}])),
         1, "NaN", "non-finite-coordinate")
    case("coco_infinity.json", j(coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1,
                                                    "segmentation": [[1, 1, float("inf"), 1, 5, 5]]}])),
         1, "infinity", "non-finite-coordinate")
    case("coco_huge_coordinates.json", j(coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1,
                                                            "segmentation": [[0, 0, 1e12, 0, 1e12, 1e12]]}])),
         1, "rasterisation steps", "coordinates-too-large")
    case("coco_duplicate_ids.json", j(coco([img, img], [{"id": 1, "image_id": 1, "category_id": 1,
                                                         "segmentation": SQUARE}] * 2)),
         1, "appears twice", "duplicate-image")
    case("coco_rle_short.json", j(coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1,
                                                     "segmentation": {"size": [6, 8], "counts": [3, 4]}}])),
         1, "sum to 7", "rle-count-sum")
    case("coco_rle_huge_run.json", j(coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1,
                                                        "segmentation": {"size": [6, 8],
                                                                         "counts": [0, 10**15, 5]}}])),
         1, "not height x width", "rle-count-sum")
    bomb = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">' \
           '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>\n<annotations>&lol3;</annotations>\n'
    case("cvat_billion_laughs.xml", bomb, 2, "DOCTYPE", args=["--from", "cvat"])
    case("cvat_external_entity.xml", '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                     '\n<annotations>&x;</annotations>\n', 2, "DOCTYPE", args=["--from", "cvat"])
    case("cvat_path_escape.xml", CVAT_HEAD + '<image id="0" name="../../../x.jpg" width="8" height="6">'
                                             '<polygon label="plate" points="1,1;5,1;5,5"/></image></annotations>\n',
         1, "contains '..'", "unsafe-path")
    case("cvat_truncated.xml", CVAT_HEAD + '<image id="0" name="a.jpg" width="8" heig', 2,
         "the file ends early: the XML stops at the end of the file (line 3, column 42) inside <annotations>;",
         args=["--from", "cvat"])
    case("cvat_unknown_encoding.xml", CVAT_HEAD.replace('encoding="utf-8"', 'encoding="nan"') + "</annotations>\n",
         2, "encoding", args=["--from", "cvat"])  # found by bench/fuzz.py
    case("cvat_huge_mask.xml", CVAT_HEAD + '<image id="0" name="a.jpg" width="8" height="6">'
                                           '<mask label="plate" rle="0, 1" left="0" top="0" width="1000000" '
                                           'height="1000000"/></image></annotations>\n',
         1, "--max-pixels", "image-too-large")
    lm = {"version": "5.5.0", "flags": {}, "imagePath": "a.jpg", "imageData": None, "imageHeight": 6,
          "imageWidth": 8, "shapes": [{"label": "plate", "points": [[1, 1], [5, 1], [5, 5]], "group_id": None,
                                       "shape_type": "polygon", "flags": {}}]}
    case("labelme_zero_byte_image", {"a.json": j(lm), "a.jpg": b""}, 1, "not a decodable image", "missing-image",
         args=["--fail-on", "warning"])
    case("labelme_undecodable_image", {"a.json": j(lm), "a.jpg": b"GIF89a not really"}, 1,
         "not a decodable image", "missing-image", args=["--fail-on", "warning"])
    case("labelme_bad_imagedata.json", j({**lm, "imageData": "!!!!not base64 at all"}), 1, "imageData",
         "bad-value")
    case("labelme_bomb_imagedata.json", j({**lm, "imageData": __import__("base64").b64encode(
        png_header_only(100000, 100000)).decode()}), 1, "imageData", "bad-value")
    case("voc_bomb_mask", {"SegmentationClass/a.png": png_header_only(100000, 100000),
                           "ImageSets/Segmentation/train.txt": "a\n"}, 1, "--max-pixels", "image-too-large")
    case("voc_list_escape", {"SegmentationClass/a.png": png_header_only(4, 4),
                             "ImageSets/Segmentation/train.txt": "../../../etc/passwd\n"}, 1, "contains '..'",
         "unsafe-path")
    # found by bench/fuzz.py (2026-11-24): each raised an exception before it was handled
    case("coco_unhashable_ids.json", j(coco(annotations=[{"id": [], "image_id": [], "category_id": 1,
                                                          "segmentation": SQUARE}])), 1,
         "matches no image", "dangling-image-id")
    case("labelme_shapes_not_list.json", j({**lm, "shapes": True}), 1, "no 'shapes' list", "unreadable-file")
    case("labelme_non_ascii_imagedata.json", j({**lm, "imageData": "\u0080\u00e9"}), 1, "imageData", "bad-value")
    case("voc_broken_png", {"SegmentationClass/a.png": png_broken_chunk(),
                            "ImageSets/Segmentation/train.txt": "a\n"}, 1, "broken PNG", "bad-mask-file")
    # Kaggle run-length CSVs (issue 35): numbers that are no pixel, sizes that are no image, names that escape
    sized = "ImageId,EncodedPixels,width,height\n"
    case("kaggle_past_end.csv", sized + "a.jpg,99999999999999999 999999999999999999,8,6\n", 1,
         "reach past the image's last pixel (48)", "rle-past-end")
    case("kaggle_huge_number.csv", sized + "a.jpg,1 2 3 123456789012345678901234567890,4,4\n", 1,
         "has more than 18 digits", "bad-value")
    case("kaggle_huge_declared.csv", sized + "a.jpg,1 2,100000,100000\n", 1, "--max-pixels", "image-too-large")
    case("kaggle_no_image.csv", "ImageId,EncodedPixels\nmissing.jpg,1 3\n", 1, "image 'missing.jpg' not found",
         "missing-image")
    case("kaggle_path_escape.csv", sized + "../../escape.jpg,1 2,4,4\n", 1, "contains '..'", "unsafe-path")
    case("kaggle_not_utf8.csv", sized.encode() + b"a\xff.jpg,1 2,4,4\n", 1, "not UTF-8", "bad-value")
    (HERE / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")


if __name__ == "__main__":
    main()
