"""The registry of finding codes: one entry per code, with its documentation.

Codes are stable, lower-case and hyphenated; they are what a CI job greps for
and what ``segconv validate --explain CODE`` prints.  ``docs/findings.md`` is
generated from this table (``python -m convert.codes > docs/findings.md``) and a
test keeps the two in sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from .severity import Severity


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    family: str
    severity: Severity
    summary: str
    example: str
    fix: str


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

_TABLE = [
    # ---- labels -----------------------------------------------------------
    CodeInfo(
        "unknown-label", "labels", _E,
        "An annotation's label is not a class or alias of the label map. Its pixels are painted as void (the "
        "label map's `void`, 255 by default), never as the fill class, beneath every class: they are the "
        "pixels nothing known covers, which would otherwise have been written as the fill class.",
        'label map has `plate`, the COCO category is named `Plate ` (capital, trailing space)',
        "Add the name to the class's `aliases`, or fix the label in the source.",
    ),
    CodeInfo(
        "unknown-category-id", "labels", _E,
        "A COCO annotation's `category_id` matches no entry of `categories`; it is not painted.",
        '`{"id": 7, "category_id": 99, ...}` while categories have ids 1, 2, 5',
        "Add the category to `categories` or correct the id.",
    ),
    CodeInfo(
        "undeclared-label", "labels", _W,
        "A CVAT shape's label is not declared in `<meta><labels>`; it is still painted if the label map knows it.",
        '`<polygon label="truck" ...>` while meta declares only `car`',
        "Add the label to the CVAT task or project.",
    ),
    CodeInfo(
        "class-unused", "labels", _I,
        "A class of the label map has no pixel in any image of the delivery.",
        "the label map lists `cup`, and no image shows a cup",
        "Nothing, if the delivery is a part of a larger set; otherwise check the label names.",
    ),
    CodeInfo(
        "bad-category", "labels", _E,
        "A COCO category entry lacks an integer `id` or a string `name`, or repeats an id; it is ignored.",
        '`{"id": "3", "name": "rice"}` (id as a string)',
        "Write categories as `{\"id\": <int>, \"name\": <str>}` with unique ids.",
    ),
    # ---- completeness -----------------------------------------------------
    CodeInfo(
        "unlabelled-pixels", "completeness", _W,
        "Pixels that no region covers while the label map has no `fill` class (they are written as "
        "void), or, when the label map sets `every_pixel_drawn: true`, pixels only the fill class covers. "
        "Pixels the declared fill class covers are not a finding otherwise, also under --strict: covering "
        "the rest is what `fill` means. Count and bounding box given.",
        "a label map without `fill: true` and an image whose annotations leave its corners bare",
        "Mark the background class `fill: true`, or annotate the uncovered area.",
    ),
    CodeInfo(
        "region-empty", "completeness", _W,
        "A region rasterises to zero pixels: it is lost in the masks (sub-pixel shapes, slivers, "
        "polygons entirely outside the image).",
        "`segmentation: [[10.1, 10.1, 10.4, 10.1, 10.4, 10.4]]`",
        "Check whether the object matters; if so, draw it larger.",
    ),
    CodeInfo(
        "area-mismatch", "completeness", _W,
        "A region's pixel count differs from its geometric area inside the image by more than the "
        "tolerance (10 % of the area, at least 2 pixels): thin or self-overlapping shapes lose or gain "
        "pixels when rasterised. Rule `coco` only.",
        "a 1000 x 0.4 px sliver that rasterises to 0 or 1000 pixels",
        "Inspect the shape; thin structures may need a raster mask instead of a polygon.",
    ),
    CodeInfo(
        "outside-image", "completeness", _I,
        "Part of a shape lies outside the image and is clipped; the pixel count is the area cut off.",
        "a plate polygon whose left edge is at x = -40",
        "Usually nothing (objects cut by the frame); a large share may mean wrong coordinates.",
    ),
    CodeInfo(
        "empty-segmentation", "completeness", _W,
        "A COCO annotation has no segmentation (`[]`, `[[]]` or missing): a box-only annotation, not painted.",
        '`{"id": 4, "bbox": [10, 10, 5, 5], "segmentation": []}`',
        "Deliver a polygon or RLE for the object, or drop the annotation from the segmentation set.",
    ),
    CodeInfo(
        "unknown-color", "labels", _E,
        "An RGB class mask holds a colour that no class of the label map (labelmap.txt) has; those pixels "
        "are written as void. The message gives the colour and the pixel count.",
        "a CVAT 'Segmentation mask' PNG with anti-aliased edges, (127, 0, 0) next to (128, 0, 0)",
        "Re-export the masks without smoothing, or add the colour's class to labelmap.txt.",
    ),
    CodeInfo(
        "unknown-mask-value", "labels", _E,
        "A class or instance mask holds a value that is no class index of the source's label list; those "
        "pixels are written as void.",
        "SegmentationClass/a.png holds value 23 while labelmap.txt has 21 lines",
        "Add the class to labelmap.txt, or fix the mask.",
    ),
    CodeInfo(
        "palette-mismatch", "labels", _W,
        "A palette class PNG's colours disagree with labelmap.txt (typically after an editor re-quantised "
        "the palette); as in Datumaro and CVAT, the colours decide.",
        "labelmap.txt says `plate:200,10,10::` at line 1, the PNG's palette entry 1 is (128, 0, 0)",
        "Check a few masks by eye; re-export them from the annotation tool.",
    ),
    CodeInfo(
        "instance-mixed-classes", "labels", _W,
        "A SegmentationObject instance covers pixels of several classes in SegmentationClass; each part "
        "keeps the class of its pixels.",
        "instance 3 covers 200 'person' and 12 'chair' pixels",
        "Fix the instance or the class mask so that each object has one class.",
    ),
    CodeInfo(
        "level-overlap", "levels", _W,
        "Regions of two different classes at the same level overlap: which class the shared pixels get "
        "depends on the source's order inside the level, and the message says what decided (CVAT `z_order` "
        "with both values, or the position of both regions in the source). The count is per pair of regions: "
        "every pixel that lies in both, whatever lies between them or above them. When a higher level covers "
        "part of those pixels the message says how many, and how many show the upper region's class.",
        "a `plate` and a `bowl` (both level 1) drawn over each other on 340 pixels",
        "Fix the annotation, or give the classes different levels in the label map.",
    ),
    CodeInfo(
        "outside-container", "levels", _E,
        "A class with a `within` rule in the label map has pixels outside the classes it must lie on; "
        "the message gives the count and bounding box.",
        "`rice: {level: 2, within: [plate, bowl]}` and a rice polygon spilling 120 pixels onto the table",
        "Correct the food outline, or the plate's.",
    ),
    CodeInfo(
        "region-hidden", "levels", _W,
        "An object is covered entirely; the message names the regions on top of it and why each is on top "
        "(a higher level, a higher CVAT `z_order`, or a later position in the source). Instance outputs "
        "cannot show it, so it is reported instead of written as an empty mask.",
        "a `rice` polygon lying wholly under a `sauce` polygon of a higher level",
        "Check the levels in the label map, or delete the hidden annotation.",
    ),
    # ---- geometry ---------------------------------------------------------
    CodeInfo(
        "too-few-points", "geometry", _E,
        "A polygon ring has fewer than 3 vertices; it covers no area and is not painted.",
        "`segmentation: [[10, 10, 20, 20, 30]]` or a CVAT polygon with 2 points",
        "Redraw the shape with at least 3 vertices, or delete it.",
    ),
    CodeInfo(
        "box-as-polygon", "geometry", _E,
        "A COCO ring has exactly 4 numbers; pycocotools reads it as a box and crashes "
        "(cocoapi#369). The ring is not painted.",
        "`segmentation: [[10, 10, 50, 50]]`",
        "Write the box as a 4-vertex polygon: `[[10,10, 50,10, 50,50, 10,50]]`.",
    ),
    CodeInfo(
        "odd-coordinate-count", "geometry", _E,
        "A polygon ring has an odd number of coordinates. The dangling last number is ignored, "
        "as pycocotools does, so the mask equals what COCO tools produce.",
        "`segmentation: [[10, 10, 50, 10, 50, 50, 10]]`",
        "Find the missing coordinate in the annotation tool's export and re-export.",
    ),
    CodeInfo(
        "non-finite-coordinate", "geometry", _E,
        "A coordinate is NaN or infinite; the ring is not painted.",
        "`segmentation: [[10, NaN, 50, 10, 50, 50]]`",
        "Fix the tool or script that produced NaN (often a division by a zero image size).",
    ),
    CodeInfo(
        "self-intersection", "geometry", _W,
        "A polygon ring crosses itself (shapely's reason is quoted). Pixels are filled even-odd, so a "
        "loop that overlaps the rest of the ring becomes a hole.",
        "`[[0,0, 10,10, 10,0, 0,10]]` (a bow-tie)",
        "Redraw the outline without crossings.",
    ),
    CodeInfo(
        "zero-area", "geometry", _W,
        "A polygon has no area: all its points lie on one line or coincide.",
        "`[[0,0, 5,5, 10,10]]`",
        "Delete the shape or redraw it.",
    ),
    CodeInfo(
        "coordinates-too-large", "geometry", _E,
        "A shape's coordinates lie so far out that rasterising it would allocate gigabytes "
        "(pycocotools walks the outline in 0.2-pixel steps); it is not painted.",
        "`segmentation: [[0, 0, 1e9, 0, 1e9, 1e9]]` on a 640x480 image",
        "Fix the coordinates; they are probably in the wrong unit or corrupted.",
    ),
    CodeInfo(
        "bad-value", "geometry", _E,
        "A field has the wrong type or an impossible value (a string where a number belongs, "
        "a negative size); the element is not used.",
        '`"segmentation": [["10", "10", ...]]` or `"width": -5`',
        "Correct the value; the message names the field.",
    ),
    CodeInfo(
        "no-area-shape", "geometry", _W,
        "A shape without area (polyline, points, skeleton, tag, cuboid; labelme line, linestrip, point) "
        "is skipped, never dropped silently. Under `--rule labelme` labelme's lines and points are drawn "
        "as labelme draws them.",
        '`<polyline label="traffic_line" points="462.10,0.00;126.80,1200.00"/>`',
        "Nothing, if the shapes are meant for another task; otherwise redraw them as polygons.",
    ),
    CodeInfo(
        "empty-point", "geometry", _W,
        "A CVAT `points` attribute has an empty pair (a trailing or doubled ';', cvat#1041); it is ignored.",
        '`points="1,2;3,4;5,6;"`',
        "Nothing to do; the shape is painted from its other points.",
    ),
    CodeInfo(
        "mask-size-mismatch", "geometry", _W,
        "A labelme `mask` shape's PNG is not the size its two corner points span; the PNG's size is used, "
        "as labelme >= 5.11 does.",
        "points [[10, 10], [19, 19]] (10x10) with a 12x10 PNG",
        "Re-save the shape in labelme.",
    ),
    CodeInfo(
        "mask-outside-image", "geometry", _W,
        "A raster mask (CVAT `<mask>`, labelme `mask`) extends past the image; the part outside is cropped. "
        "The message gives the pixels lost.",
        '`<mask left="630" top="0" width="20" ...>` on a 640-pixel-wide image',
        "Check the mask's position; crop it in the annotation tool.",
    ),
    # ---- files ------------------------------------------------------------
    CodeInfo(
        "area-field-mismatch", "files", _W,
        "A COCO annotation's `area` (or a panoptic segment's) disagrees with its segmentation. Tolerance: an "
        "RLE's area must be its pixel count within 1 % (at least 1 pixel); a polygon's area must be its "
        "geometric area or its pixel count within 5 %, or within half its outline length plus 2 pixels, "
        "whichever is larger (a rule that counts boundary pixels, like labelme's, adds about that); a panoptic "
        "segment's area must be its pixel count exactly.",
        'crowd RLE with 34,073 pixels and `"area": 31463` (the count of the pixels outside the object)',
        "Recompute `area` from the mask (`pycocotools.mask.area`); COCO evaluation bins objects by it.",
    ),
    CodeInfo(
        "bbox-field-mismatch", "files", _W,
        "A COCO annotation's `bbox` (or a panoptic segment's) disagrees with its segmentation, or has no "
        "area. Tolerance per edge: 5 % of the box's side, at least 2 pixels, against the pixels' box or the "
        "shape's own box; a panoptic segment's bbox must be its tight pixel box exactly.",
        '`"bbox": [0, 5, 256, 251]` for a mask whose pixels span [0, 0, 209, 199]',
        "Recompute `bbox` from the mask (`pycocotools.mask.toBbox`) or from the polygon's extent.",
    ),
    CodeInfo(
        "rle-size-mismatch", "files", _E,
        "An RLE's `size` differs from its image's [height, width]; the mask is not painted. "
        "When `size` equals [width, height] the message says so (a transposed mask).",
        'image 640x480, `"segmentation": {"size": [640, 480], ...}`',
        "Re-encode the mask with `size` = [height, width] in column-major order.",
    ),
    CodeInfo(
        "rle-count-sum", "files", _E,
        "An RLE's counts do not add up to height x width (pycocotools would read garbage or raise); "
        "the mask is not painted.",
        '`{"size": [5, 4], "counts": [6, 2, 3]}` sums to 11, not 20',
        "Re-encode the mask; a truncated export is the usual cause.",
    ),
    CodeInfo(
        "rle-invalid", "files", _E,
        "A compressed RLE string holds characters outside '0'..'o' or decodes to a negative run; "
        "the mask is not painted.",
        '`"counts": "62 3~"`',
        "Re-encode the mask with pycocotools.mask.encode and `.decode('ascii')` the counts.",
    ),
    CodeInfo(
        "rle-bytes-literal", "files", _W,
        "Compressed RLE counts were written as a Python bytes literal (`\"b'…'\"`), "
        "a Python 3 pycocotools pitfall (cocoapi#70). The string inside is used.",
        "`\"counts\": \"b'62304'\"`",
        "`.decode('ascii')` the counts before `json.dump`.",
    ),
    CodeInfo(
        "dangling-image-id", "files", _E,
        "An annotation's `image_id` matches no image; the annotation is not painted.",
        '`{"id": 9, "image_id": 404, ...}` with no image 404',
        "Add the image entry or drop the annotation.",
    ),
    CodeInfo(
        "duplicate-id", "files", _W,
        "Two annotations share an id; both are painted, but later messages cannot tell them apart.",
        "two annotations with `\"id\": 12`",
        "Renumber the annotations.",
    ),
    CodeInfo(
        "duplicate-image", "files", _E,
        "Two image entries share an id or an output name; the later one is not converted.",
        '`{"id": 1, "file_name": "a.jpg"}` twice, or `a.jpg` and `a.png` (both become masks/a.png)',
        "Give every image a unique id and a unique name without its extension.",
    ),
    CodeInfo(
        "bad-image", "files", _E,
        "An image entry lacks `id`, `file_name`, `width` or `height`, or has impossible values; "
        "the image is not converted.",
        '`{"id": 3, "file_name": "c.jpg", "width": 0, "height": 480}`',
        "Write the image's real size and a relative file name.",
    ),
    CodeInfo(
        "unsafe-path", "files", _E,
        "An image name is absolute, contains '..', a drive letter or a UNC prefix, so its mask "
        "could land outside the output folder; the image is not converted.",
        '`"file_name": "../../etc/x.jpg"` or `"C:\\\\data\\\\a.jpg"`',
        "Write image names relative to the image folder.",
    ),
    CodeInfo(
        "missing-mask", "files", _W,
        "An image listed in ImageSets has no SegmentationClass PNG; no mask is written for it "
        "(normal for a test split).",
        "ImageSets/Segmentation/test.txt lists 2007_000002, SegmentationClass/2007_000002.png is absent",
        "Deliver the mask, or remove the id from the list.",
    ),
    CodeInfo(
        "missing-image", "files", _W,
        "The image file an annotation refers to cannot be found, so its size cannot be checked.",
        "labelme `imagePath: \"..\\\\images\\\\a.jpg\"` with no such file and no `imageData`",
        "Deliver the image, pass --images DIR, or fix the path.",
    ),
    CodeInfo(
        "image-size-mismatch", "files", _E,
        "The declared image size differs from the real image (EXIF orientation applied) or from its mask; "
        "the real size is used.",
        "labelme `imageWidth: 640` for a JPEG that is 480 wide once rotated by its EXIF tag",
        "Re-save the annotation with the right size; check EXIF rotation in the annotation tool.",
    ),
    CodeInfo(
        "bad-mask-file", "files", _E,
        "A mask PNG cannot be decoded, or is not palette, grayscale or RGB; the image is not converted.",
        "SegmentationClass/a.png is a JPEG renamed to .png",
        "Re-export the mask as a palette (P) or grayscale (L) PNG.",
    ),
    CodeInfo(
        "unreadable-file", "files", _E,
        "One annotation file of a folder cannot be read or parsed; the other files are still converted.",
        "a truncated labelme JSON in a folder of 500",
        "Re-export the file; the message names it and the parser's line.",
    ),
    CodeInfo(
        "skipped-file", "files", _I,
        "A file in the source folder is not of the source's format (a COCO `annotations.json` among LabelMe "
        "files); it is skipped, not reported as a broken file of the format.",
        "labelme/annotations.json beside labelme/a.json and labelme/b.json",
        "Convert it on its own (`segconv convert labelme/annotations.json`), or move it out of the folder.",
    ),
    CodeInfo(
        "deleted-object", "files", _I,
        "An MIT LabelMe object marked `<deleted>1</deleted>` is skipped, as the LabelMe tool does.",
        "`<object><name>car</name><deleted>1</deleted>...`",
        "Nothing to do.",
    ),
    CodeInfo(
        "subset-overlap", "files", _W,
        "An image is listed in two subsets (train and val): evaluation would see training data. It is "
        "converted once, in the first subset (train, val, test, then the others).",
        "ImageSets/Segmentation/train.txt and val.txt both list 2007_000033",
        "Remove the id from one of the lists.",
    ),
    CodeInfo(
        "image-not-jpeg", "files", _I,
        "A VOC output image keeps its own format and extension (never re-encoded); torchvision's "
        "VOCSegmentation expects `.jpg` and will not find it.",
        "JPEGImages/frame_000010.png",
        "Nothing for Datumaro; for torchvision, convert the images to JPEG yourself.",
    ),
    CodeInfo(
        "written-pixels-differ", "completeness", _W,
        "A writer whose format cannot say everything (YOLO-seg, Label Studio brushes) reads its own output back "
        "and paints it by level: these pixels differ from the layered mask (void pixels, which YOLO cannot "
        "express, are counted and named).",
        "a YOLO row written with `-O holes=fill` over a hole that no higher class covers",
        "Choose another policy (`segconv formats` lists them), or accept the stated loss.",
    ),
    CodeInfo(
        "panoptic-segment-unlisted", "files", _E,
        "A COCO panoptic PNG holds a segment id that the image's `segments_info` does not list (panopticapi's "
        "evaluation raises on it); its pixels are void. The pixel count is given.",
        "PNG colour (12, 34, 0) = id 8716 in 000000142238.png, no segment 8716 in the JSON",
        "Re-export the panoptic set; the PNG and the JSON were written from different states.",
    ),
    CodeInfo(
        "panoptic-segment-missing", "files", _E,
        "A segment listed in `segments_info` has no pixel in the image's PNG (panopticapi's evaluation raises "
        "on it).",
        "`{\"id\": 3937500, \"category_id\": 1, ...}` and no pixel of that colour in the PNG",
        "Remove the segment from the JSON, or re-export.",
    ),
    CodeInfo(
        "panoptic-stuff-repeated", "levels", _W,
        "A stuff category (`isthing: 0`) has several segments in one image; COCO panoptic gives a stuff class "
        "one segment per image.",
        "two `sky` segments in one image",
        "Merge them, or mark the category `isthing: 1` if it has countable instances.",
    ),
    CodeInfo(
        "no-annotation", "files", _I,
        "A Label Studio task has no annotation to read (none, or every one cancelled; with `-O use=prediction`, "
        "no prediction): an image without objects.",
        "a task whose only annotation has `was_cancelled: true`",
        "Nothing, if the image was skipped on purpose; otherwise annotate it.",
    ),
    CodeInfo(
        "skipped-result", "files", _I,
        "Label Studio results that paint no pixels (keypoints, choices, text areas, relations) are skipped; "
        "the message counts them by type.",
        "`choices` and `relation` results beside the polygons of a task",
        "Nothing: they are for other tasks than segmentation.",
    ),
    CodeInfo(
        "faint-brush-pixels", "completeness", _I,
        "A Label Studio brush stroke has anti-aliased pixels fainter than the alpha threshold (`-O alpha=`, "
        "128 by default); they are not painted. The count is given.",
        "a brush whose edge pixels have alpha 30..127",
        "Lower `-O alpha` to keep more of the edge, or raise it to keep less.",
    ),
    CodeInfo(
        "ultralytics-rejects", "files", _E,
        "A YOLO label file holds what Ultralytics refuses: a value outside [0, 1], an odd number of coordinates, "
        "box rows among polygon rows, a class index not in `names`, a row that is not numbers. Ultralytics then "
        "drops the whole image as corrupt, with a warning only. segconv paints the rows it can.",
        "`0 0.2 0.3 1.04 0.3 0.9 0.8` (1.04 is past the right edge)",
        "Clip the coordinates to [0, 1] and fix the class indices, then export again.",
    ),
    CodeInfo(
        "duplicate-row", "files", _W,
        "A YOLO label file repeats a row exactly; Ultralytics removes the copy with a warning, and so does segconv.",
        "the same `2 0.1 0.1 0.5 0.1 0.5 0.5` twice in img_001.txt",
        "Remove the copy; it usually means an object was exported twice.",
    ),
    CodeInfo(
        "no-label-file", "files", _I,
        "A YOLO image has no label file: an image without objects (all background), as Ultralytics reads it.",
        "images/val/img_9.jpg and no labels/val/img_9.txt",
        "Nothing, if the image shows nothing to annotate; otherwise deliver its labels.",
    ),
    CodeInfo(
        "box-row", "geometry", _I,
        "A YOLO row has 4 numbers after the class (a detection box, cx cy w h); it is painted as its box. "
        "Ultralytics' segmentation training has no outline for it.",
        "`3 0.5 0.5 0.2 0.1` in a segmentation dataset",
        "Deliver a polygon for the object if the masks matter.",
    ),
    CodeInfo(
        "image-too-large", "files", _E,
        "An image's declared width x height exceeds --max-pixels; nothing is allocated for it and "
        "it is not converted.",
        '`"width": 100000, "height": 100000` (10^10 pixels)',
        "Check the declared size; if it is real, raise --max-pixels.",
    ),
]

CODES: dict[str, CodeInfo] = {c.code: c for c in _TABLE}


def explain(code: str) -> str:
    """The documentation of ``code`` as plain text (for ``--explain``)."""
    info = CODES.get(code)
    if info is None:
        known = ", ".join(sorted(CODES))
        raise KeyError(f"unknown finding code {code!r}; known codes: {known}")
    return (
        f"{info.code} ({info.family}, {info.severity.value})\n\n"
        f"{info.summary}\n\n"
        f"Example: {info.example}\n\n"
        f"What to do: {info.fix}\n"
    )


def markdown() -> str:
    """``docs/findings.md``: every code, grouped by family."""
    lines = [
        "# Finding codes",
        "",
        "Generated from `convert/codes.py` by `python -m convert.codes > docs/findings.md`.",
        "Every finding segconv reports carries one of these codes. "
        "`segconv validate --explain CODE` prints one entry.",
        "",
    ]
    families: dict[str, list[CodeInfo]] = {}
    for info in _TABLE:
        families.setdefault(info.family, []).append(info)
    for family, infos in families.items():
        lines += [f"## {family}", ""]
        for info in infos:
            lines += [
                f"### `{info.code}` ({info.severity.value})",
                "",
                info.summary,
                "",
                f"- Example: {info.example}",
                f"- What to do: {info.fix}",
                "",
            ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
