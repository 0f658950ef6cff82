"""Finding codes of the family ``completeness``: pixels left unlabelled, lost between the source and
the masks, or covered twice."""

from __future__ import annotations

from convert.findings.codes.info import CodeInfo, I, W

TABLE = [
    CodeInfo(
        "unlabelled-pixels", "completeness", W,
        "Pixels that no region covers while the label map has no `fill` class (they are written as "
        "void), or, when the label map sets `every_pixel_drawn: true`, pixels only the fill class covers. "
        "Pixels the declared fill class covers are not a finding otherwise, also under --strict: covering "
        "the rest is what `fill` means. Count and bounding box given.",
        "a label map without `fill: true` and an image whose annotations leave its corners bare",
        "Mark the background class `fill: true`, or annotate the uncovered area.",
    ),
    CodeInfo(
        "region-empty", "completeness", W,
        "A region rasterises to zero pixels: it is lost in the masks (sub-pixel shapes, slivers, "
        "polygons entirely outside the image).",
        "`segmentation: [[10.1, 10.1, 10.4, 10.1, 10.4, 10.4]]`",
        "Check whether the object matters; if so, draw it larger.",
    ),
    CodeInfo(
        "area-mismatch", "completeness", W,
        "A region's pixel count differs from its geometric area inside the image by more than the "
        "tolerance (10 % of the area, at least 2 pixels): thin or self-overlapping shapes lose or gain "
        "pixels when rasterised. Rule `coco` only.",
        "a 1000 x 0.4 px sliver that rasterises to 0 or 1000 pixels",
        "Inspect the shape; thin structures may need a raster mask instead of a polygon.",
    ),
    CodeInfo(
        "outside-image", "completeness", I,
        "Part of a shape lies outside the image and is clipped; the message gives the area cut off, in px². No "
        "pixel count is given: the part outside covers no pixel of the image, and counting the pixels a rule "
        "would paint there means painting the shape as far as its coordinates reach (a vertex at x = 100000).",
        "a plate polygon whose left edge is at x = -40",
        "Usually nothing (objects cut by the frame); a large share may mean wrong coordinates.",
    ),
    CodeInfo(
        "empty-segmentation", "completeness", W,
        "A COCO annotation has no segmentation (`[]`, `[[]]` or missing): a box-only annotation, not painted.",
        '`{"id": 4, "bbox": [10, 10, 5, 5], "segmentation": []}`',
        "Deliver a polygon or RLE for the object, or drop the annotation from the segmentation set.",
    ),
    CodeInfo(
        "written-pixels-differ", "completeness", W,
        "A writer whose format cannot say everything (YOLO-seg, Label Studio brushes) reads its own output back "
        "and paints it by level: these pixels differ from the layered mask (void pixels, which YOLO cannot "
        "express, are counted and named). The writers of editable shapes (CVAT, labelme, COCO polygons) read "
        "their output back as the consumer paints it, with no levels (CVAT: z_order, then document order, "
        "pycocotools' rule; labelme: shape_to_mask in file order; COCO: annToMask in file order).",
        "a YOLO row written with `-O holes=fill` over a hole that no higher class covers",
        "Choose another policy (`segconv formats` lists them), or accept the stated loss.",
    ),
    CodeInfo(
        "faint-brush-pixels", "completeness", I,
        "A Label Studio brush stroke has anti-aliased pixels fainter than the alpha threshold (`-O alpha=`, "
        "128 by default); they are not painted. The count is given.",
        "a brush whose edge pixels have alpha 30..127",
        "Lower `-O alpha` to keep more of the edge, or raise it to keep less.",
    ),
]
