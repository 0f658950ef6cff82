"""Writers: one module per output layout (``docs/formats.md``), one line each in :data:`WRITERS`.

A writer (:class:`~convert.formats.layout_writer.LayoutWriter`) is built with the
output folder, the label map and its options (``coco_mode``, ``link``, ``-O``
options), receives each painted sample through ``write(sample, painted)``
(which returns a :class:`~convert.formats.layout_writer.Written`) and ends with
``finish()``, which writes the files that describe the whole set.

    >>> WRITERS["png"].target.__name__, "yolo" in WRITERS
    ('PngWriter', True)
"""

from __future__ import annotations

from convert.formats.options import Option
from convert.formats.registry import Entry

SHAPES = Option("shapes", "auto", "auto: polygons, an object with a hole (or a ring touching itself at a corner) "
                                   "as a mask; polygon: polygons only, holes "
                                   "joined by bridges (exact, but a slit to whoever edits them); mask: masks only",
                choices=("auto", "polygon", "mask"))

WRITERS: dict[str, Entry] = {w.name: w for w in [
    Entry("png", "convert.formats.png.write:PngWriter",
          "indexed PNG masks (palette, or 16-bit above index 254) + labelmap.json/.txt"),
    Entry("voc", "convert.formats.voc.write:VocWriter",
          "Pascal VOC tree: JPEGImages, SegmentationClass, SegmentationObject, ImageSets, labelmap.txt"),
    Entry("coco-rle", "convert.formats.coco.write:CocoRleWriter",
          "COCO instances JSON with compressed RLE of each object's visible pixels (or one per class)"),
    Entry("coco", "convert.formats.coco_polygons.write:CocoWriter",
          "COCO instances with polygons (annotations/instances_<subset>.json, images/<subset>/): each object's "
          "visible pixels, rings exact under pycocotools' rule, RLE for holes and crowds",
          (Option("holes", "rle", "an object with a hole: a compressed RLE, or rings with the holes joined by "
                                  "bridges (exact under pycocotools' even-odd fill)", choices=("rle", "bridge")),)),
    Entry("coco-panoptic", "convert.formats.coco_panoptic.write:CocoPanopticWriter",
          "COCO panoptic: annotations/panoptic_<subset>.json + PNGs, things per object, stuff per image, "
          "area and bbox from the PNGs"),
    Entry("cityscapes", "convert.formats.cityscapes.write:CityscapesWriter",
          "Cityscapes tree: leftImg8bit/<split>/, gtFine/<split>/*_gtFine_labelIds, instanceIds, color PNGs and "
          "polygons JSON that createLabelImage paints back"),
    Entry("mmseg", "convert.formats.mmseg.write:MmsegWriter",
          "mmsegmentation: img_dir/<split>/, ann_dir/<split>/ (8-bit, 255 = void) and mmseg_dataset.py"),
    Entry("hf", "convert.formats.hf.write:HfWriter",
          "Hugging Face datasets: data/<split>-*.parquet (image, label, file_name), id2label.json, README.md"),
    Entry("label-studio", "convert.formats.label_studio.write:LabelStudioWriter",
          "Label Studio tasks.json (a brushlabels RLE per visible object) + labeling-config.xml",
          (Option("target", "annotations", "write the brushes as annotations or as predictions (pre-annotation)",
                  choices=("annotations", "predictions")),
           Option("image-root", "/data/local-files/?d=", "put before every image name in data.image"))),
    Entry("labelme", "convert.formats.labelme.write:LabelmeWriter",
          "labelme 5.x JSON per image, to send back to labelme: each object's visible pixels as polygons exact "
          "under labelme's shape_to_mask and pycocotools' rule, or mask shapes; labels.txt",
          (SHAPES,)),
    Entry("cvat", "convert.formats.cvat.write:CvatWriter",
          "CVAT for images 1.1 XML to send back to CVAT: each object's visible pixels as polygons exact under "
          "pycocotools' rule, or masks; z_order from the levels; the loss measured as CVAT paints",
          (SHAPES,)),
    Entry("kaggle-rle", "convert.formats.kaggle_rle.write:KaggleRleWriter",
          "Kaggle run-length CSV (masks.csv, images/, README.md with the order): a row per image and class, "
          "object or image",
          (Option("order", "column", "pixels counted column by column (top to bottom, then left to right: Kaggle's "
                                     "standard, header ImageId,EncodedPixels) or row by row (Carvana's, header "
                                     "img,rle_mask)", choices=("column", "row")),
           Option("rows", "class", "one row per image and class (Severstal), per visible object (Airbus), or per "
                                   "image (Carvana: a label map of one class)", choices=("class", "object", "image")),
           Option("size-columns", "yes", "write width and height columns, so the CSV reads back without the photos",
                  choices=("yes", "no")))),
    Entry("yolo", "convert.formats.yolo.write:YoloWriter",
          "Ultralytics YOLO-seg: data.yaml, images/<split>/, labels/<split>/*.txt; the loss measured and stated",
          (Option("rows", "ultralytics", "rows exact under the fill Ultralytics trains with (cv2.fillPoly of "
                                         "truncated vertices: rows through pixel centres), or under pycocotools' "
                                         "(rows along pixel edges)", choices=("ultralytics", "pycocotools")),
           Option("multipart", "bridge", "an object in several parts: one row joined by bridges, or a row per part",
                  choices=("bridge", "split")),
           Option("holes", "bridge", "holes: joined to the outline (even-odd fill keeps them), or filled",
                  choices=("bridge", "fill")))),
]}

READS_BACK = {"masks": "png"}  # a reader whose writer has another name (segconv's own masks are written as png)


def own_writer(reader: str) -> str | None:
    """The writer of a source's own format, if segconv has one: a delivery repaired by ``segconv fix`` goes
    back to the tool that made it.  A writer named like the reader wins; else :data:`READS_BACK`.

    >>> own_writer("voc"), own_writer("masks"), own_writer("labelme-xml")
    ('voc', 'png', None)
    """
    if reader in WRITERS:
        return reader
    name = READS_BACK.get(reader)
    return name if name in WRITERS else None
