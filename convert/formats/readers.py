"""Readers: one module per input format, and detection of a source's format.

A reader is a module that defines ``detect(path) -> str | None`` (why the path
looks like its format) and a dataset class (:class:`~convert.formats.dataset.Dataset`),
plus one line in :data:`READERS` naming both; nothing is imported until the
format is used.

    >>> READERS["coco"].target.__name__, "yolo" in READERS
    ('CocoSource', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from convert.errors import SegconvError, UsageError
from convert.formats.options import Option
from convert.formats.registry import Entry

if TYPE_CHECKING:
    from convert.formats.dataset import Dataset


@dataclass(frozen=True)
class Reader(Entry):
    """A reader: its module defines ``detect(path) -> str | None`` (why the path looks like the format)
    and the dataset class named here; ``looks_for`` tells a user what detection looked for; ``files`` are
    the suffixes of a single file the format is read from (none: it is read from folders only)."""

    looks_for: str = ""
    files: tuple[str, ...] = ()

    def __init__(self, name: str, where: str, description: str, looks_for: str, option_list: tuple = (), *,
                 files: tuple[str, ...] = ()):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "where", where)
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "looks_for", looks_for)
        object.__setattr__(self, "option_list", option_list)
        object.__setattr__(self, "files", files)

    def detect(self, path: Path) -> str | None:
        """Why ``path`` looks like the format, or ``None``.  A file whose suffix is not one of :attr:`files`
        is not the format, and its module is not even imported: detecting a COCO file loads the JSON
        readers, not the readers of Cityscapes trees or Kaggle CSVs."""
        if path.suffix.lower() not in self.files and path.is_file():
            return None
        return self.module.detect(path)

    def open(self, src, **options) -> Dataset:
        return self.target(src, **options)


READERS: dict[str, Reader] = {r.name: r for r in [
    Reader("coco", "convert.formats.coco.read:CocoSource",
           "COCO instances JSON: polygons, uncompressed and compressed RLE; a folder of subsets as exported",
           "a .json file holding an object with 'images' and 'annotations', or a folder holding "
           "annotations/instances_<subset>.json (CVAT's, Datumaro's export, the COCO download) or annotations.json",
           files=(".json",)),
    Reader("coco-panoptic", "convert.formats.coco_panoptic.read:CocoPanopticDataset",
           "COCO panoptic: panoptic_<subset>.json and its PNGs (id = R + 256 G + 256² B), segments checked both ways",
           "a .json whose annotations hold 'segments_info', or a folder holding annotations/panoptic_*.json",
           files=(".json",)),
    Reader("label-studio", "convert.formats.label_studio.read:LabelStudioDataset",
           "Label Studio JSON export: polygons, rectangles, ellipses in percent; brush RLE; the chosen annotation",
           "a .json file holding a list of tasks, or one task, with 'data' and 'annotations' or 'predictions' "
           "(from its structure, in any key order), or a folder holding tasks.json",
           (Option("use", "annotation", "read each task's annotation (ground truth, else the newest not cancelled), "
                                        "its newest prediction, or auto: the annotation, else the newest prediction; "
                                        "a task that gives nothing is unlabelled, not painted",
                   choices=("annotation", "prediction", "auto")),
            Option("alpha", 128, "brush pixels with at least this alpha (1-255) are painted", type=int,
                   bounds=(1, 255))), files=(".json",)),
    Reader("labelme", "convert.formats.labelme.read:LabelmeDataset",
           "LabelMe JSON (wkentaro/labelme, X-AnyLabeling): every shape type, imageData or imagePath, labels.txt",
           "a .json file with 'shapes', or a folder of them", files=(".json",)),
    Reader("cvat", "convert.formats.cvat.read:CvatDataset",
           "CVAT XML 1.1, for images and for video: box, polygon, ellipse, mask, z_order, groups, subsets",
           "an .xml file whose root is <annotations>, or a folder holding one", files=(".xml",)),
    Reader("labelme-xml", "convert.formats.labelme_xml.read:LabelmeXmlDataset",
           "MIT LabelMe XML (CSAIL web tool): polygons, boxes, segm masks, parts, deleted objects",
           "an .xml file whose root is <annotation> with <imagesize>/<polygon>/<segm>, or a folder "
           "(Annotations/) of them", files=(".xml",)),
    Reader("kaggle-rle", "convert.formats.kaggle_rle.read:KaggleRleDataset",
           "Kaggle run-length CSVs (Carvana, Airbus, Severstal, TGS, SIIM, HuBMAP): a row per image, object or "
           "image and class; sizes from the images",
           "a .csv whose header names an image column (img, ImageId, id) and a run-length column (rle_mask, "
           "EncodedPixels, encoding), or a folder holding one",
           (Option("order", "auto", "the pixel order the runs count in: row (left to right, then top to bottom), "
                                    "column (top to bottom, then left to right), or auto: the one the header's "
                                    "competition uses (Carvana's img,rle_mask: row; others: column)",
                   choices=("auto", "row", "column")),
            Option("starts", "auto", "starts are pixel numbers (absolute), or count the pixels since the "
                                     "previous run ended (relative: SIIM's organisers' encoding), or auto: "
                                     "relative for SIIM's header 'ImageId, EncodedPixels', else absolute",
                   choices=("auto", "absolute", "relative")),
            Option("base", "1", "the number of the first pixel for absolute starts (Kaggle's is 1)",
                   choices=("1", "0")),
            Option("size", "", "WIDTHxHEIGHT of every image, where neither image files nor width and height "
                               "columns give it (e.g. 1918x1280)"),
            Option("label", "", "the class of a CSV without a class column (default: the only class of "
                                "labelmap.json beside it, else foreground)")), files=(".csv",)),
    Reader("masks", "convert.formats.png.read:MasksDataset",
           "segconv's png layout read back: masks/**/*.png with labelmap.json; folders of binary *_mask.gif masks",
           "a folder with masks/ and labelmap.json (segconv's png layout), or of binary *_mask.gif masks "
           "(Carvana's train_masks/)"),
    Reader("yolo", "convert.formats.yolo.read:YoloDataset",
           "Ultralytics YOLO segmentation: data.yaml (names list or dict), images/ and labels/*.txt, CVAT's export",
           "a dataset YAML with 'names' (data.yaml), a folder holding one, or images/ and labels/*.txt",
           (Option("fill", "ultralytics", "rows painted as Ultralytics trains on them (cv2.fillPoly of truncated "
                                          "vertices, outline included) or by pycocotools' centre rule",
                   choices=("ultralytics", "pycocotools")),), files=(".yaml", ".yml")),
    Reader("cityscapes", "convert.formats.cityscapes.read:CityscapesDataset",
           "Cityscapes: gtFine/gtCoarse polygons painted as createLabelImage does, or labelIds/instanceIds PNGs",
           "a folder holding gtFine/ or gtCoarse/ (or that folder) with <split>/<city>/*_gtFine_polygons.json, "
           "*_labelIds.png or *_instanceIds.png",
           (Option("ids", "label", "class indices: the label table's ids (0-33), or its trainIds (0-18, the rest "
                                   "void 255)", choices=("label", "train")),
            Option("source", "auto", "read each image's id PNGs where it has them, else its polygons; or only "
                                     "one of them", choices=("auto", "masks", "polygons")))),
    Reader("mapillary", "convert.formats.mapillary.read:MapillaryDataset",
           "Mapillary Vistas v1.2/v2.0: labels/*.png (value = position in config['labels']) and instances/*.png "
           "(16-bit, label * 256 + instance) with config_v2.0.json / config_v1.2.json / config.json",
           "a folder with config_v2.0.json, config_v1.2.json or config.json and <split>/v2.0/labels/, "
           "<split>/v1.2/labels/ or <split>/labels/ (or one such split folder)",
           (Option("version", "auto", "which annotations of a split that holds both: v2.0 (auto) or v1.2",
                   choices=("auto", "v2.0", "v1.2")),)),
    Reader("mmseg", "convert.formats.mmseg.read:MmsegDataset",
           "mmsegmentation's layout: ann_dir/<split>/*.png (value = class, 255 ignore) and img_dir/; classes from "
           "segconv's labelmap.json or the config's metainfo (read, never run; reduce_zero_label kept)",
           "a folder with ann_dir/ and img_dir/, labelmap.json or a config .py with metainfo"),
    Reader("ade20k", "convert.formats.ade20k.read:Ade20kDataset",
           "ADE20K SceneParsing (ADEChallengeData2016): annotations/<split>/*.png, value = class 1-150, 0 other "
           "(void); names from objectInfo150.txt / .csv",
           "a folder with annotations/ and images/ and objectInfo150.txt or .csv (or named ADEChallengeData2016, "
           "or holding it)"),
    Reader("ade20k-full", "convert.formats.ade20k_full.read:Ade20kFullDataset",
           "the full ADE20K release (ADE20K_2021_17_01): *_seg.png, class = R // 10 * 256 + G, instances by B, or "
           "the per-image JSON polygons (1-based); names from objects.txt (index_ade20k.pkl is never unpickled)",
           "a folder holding objects.txt or index_ade20k.pkl (or named ADE20K_2021_17_01) with *_seg.png below "
           "it, or a folder of *_seg.png",
           (Option("source", "auto", "read each image's *_seg.png where it has one, else its JSON polygons "
                                     "(1-based pixel indices); or only one of them",
                   choices=("auto", "masks", "polygons")),)),
    Reader("sa1b", "convert.formats.sa1b.read:Sa1bDataset",
           "SA-1B (Segment Anything): sa_*.json per image, class-agnostic COCO RLE masks in a stated order; area, "
           "bbox and point_coords checked",
           "an sa_*.json with 'image' and 'annotations', or a folder of them (a shard unpacked)",
           (Option("order", "area", "which mask is on top where masks overlap: area (smaller on top), iou "
                                    "(higher predicted_iou on top), stability (higher stability_score on top), "
                                    "file (later on top)", choices=("area", "iou", "stability", "file")),
            Option("label", "", "the one class every mask is (default: the one class of --labels besides its "
                                "fill class, else object)")), files=(".json",)),
    Reader("color-masks", "convert.formats.color_masks.read:ColorMasksDataset",
           "colour-coded masks with class_dict.csv, label_colors.txt or labelmap.txt (CamVid, Kaggle sets), or "
           "index masks with a names file (SegNet CamVid); an unknown colour is an error",
           "a folder with class_dict.csv, label_colors.txt, labelmap.txt or classes.txt and a mask folder "
           "(train_labels/, trainannot/, masks/, labels/ ...)",
           (Option("void", "auto", "the class table's row that is void: auto (a row named void, unlabelled, "
                                   "unlabeled, ignore), none, or a row's name"),), files=(".csv", ".txt")),
    Reader("hf", "convert.formats.hf.read:HfDataset",
           "segconv's Hugging Face datasets folder read back: data/*.parquet rows (image, label PNG, file_name) with "
           "labelmap.json or id2label.json; one row group in memory at a time",
           "a folder with data/*.parquet and labelmap.json or id2label.json (segconv's --to hf)"),
    Reader("voc", "convert.formats.voc.read:VocDataset",
           "Pascal VOC segmentation tree (palette, grayscale or RGB masks; Datumaro/CVAT labelmap.txt)",
           "a folder with SegmentationClass/ (Pascal VOC, Datumaro, CVAT mask export)"),
]}


def detect_format(src: str | Path) -> str:
    """The one format ``src`` matches; a clear error when it matches none or several."""
    path = Path(src)
    if not path.exists():
        raise SegconvError("no such file or folder", file=str(path))
    if path.is_file() and path.stat().st_size == 0:
        raise SegconvError("file is empty", file=str(path))
    try:
        matches = {name: r.detect(path) for name, r in READERS.items()}
    except OSError as exc:  # a file or folder that vanished or cannot be read while the layouts are looked at
        raise SegconvError(f"could not be read while detecting the format: {exc.strerror or exc}",
                           file=str(exc.filename or path)) from None
    found = {k: v for k, v in matches.items() if v}
    if len(found) == 1:
        return next(iter(found))
    if not found:
        from convert.formats.coco import instances as coco

        _raise_if_cut_json(path)  # a file cut short is named as one: --from would only meet the same end
        if coco.looks_like_results(path):
            raise SegconvError("this is a COCO results list (a bare array of detections), not a dataset; segconv "
                               "reads the dataset the detections refer to (a COCO .json with 'images', "
                               "'annotations' and 'categories')", file=str(path))
        if path.is_dir():
            from convert.formats.found_below import found_words, sources_below

            below = sources_below(path, _formats_of)
            if [(p.as_posix(), names) for p, names in below] == [("annotations.json", ["coco"])]:
                return "coco"  # another tool's annotations.json, the folder's only source: the folder's COCO
            if below:
                raise SegconvError(f"matches no known format itself; {found_words(below)}. Pass one of "
                                   "them as the source, or use --from to force a format here.", file=str(path))
        looked = "; ".join(f"{name}: {r.looks_for}" for name, r in READERS.items())
        raise SegconvError(f"matches no known format (looked for {looked}). Use --from to force one.",
                           file=str(path))
    which = "; ".join(f"{k} ({v})" for k, v in found.items())
    held = ""
    if path.is_dir():  # name every source there, not only the layouts the folder itself matched
        from convert.formats.found_below import found_words, sources_below

        below = sources_below(path, _formats_of)
        if below:
            held = f". Sources {found_words(below)}. Pass one of them as the source, or use --from to choose"
    raise SegconvError(f"matches several formats: {which}{held or '. Use --from to choose'}.", file=str(path))


def _formats_of(path: Path) -> list[str]:
    """The formats a folder or file below a source matches (a file no reader can open matches none)."""
    try:
        return [name for name, r in READERS.items() if r.detect(path)]
    except (OSError, SegconvError):
        return []


def _raise_if_cut_json(path: Path) -> None:
    """A JSON file no reader recognised is parsed whole: if it does not parse (a file cut short, a wrong
    character), that is what the user needs to hear, not a list of formats."""
    if not path.is_file():
        return
    from convert.files.json_source import head, load_json

    start = head(path, 64).lstrip()
    if path.suffix.lower() == ".json" or start[:1] in (b"{", b"["):
        load_json(path)


def open_dataset(src: str | Path, fmt: str | None = None, **options) -> Dataset:
    """Open ``src`` with the reader ``fmt`` (detected when ``None``)."""
    if fmt is None:
        fmt = detect_format(src)
    reader = READERS.get(fmt)
    if reader is None:
        raise SegconvError(f"unknown input format {fmt!r}; known: {', '.join(sorted(READERS))}")
    if not Path(src).exists():
        raise SegconvError("no such file or folder", file=str(src))
    images = options.get("images")
    if images is not None and not Path(images).is_dir():
        what = "is not a folder" if Path(images).exists() else "does not exist"
        raise UsageError(f"--images {images} {what}; give the folder that holds the image files")
    given = options.pop("options", None)
    if reader.options:
        from convert.formats.options import parse_options

        options["options"] = parse_options(given, reader.options, f"--from {fmt}")
    elif given:
        from convert.formats.options import parse_options

        parse_options(given, {}, f"--from {fmt}")  # an error naming the key
    dataset = reader.open(src, **options)
    dataset.images_given = str(images) if images is not None else None
    return dataset
