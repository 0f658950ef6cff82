"""Finding codes of the family ``files``: files and entries that are missing, unreadable,
duplicated, unsafe or too large."""

from __future__ import annotations

from convert.findings.codes.info import CodeInfo, E, I, W

TABLE = [
    CodeInfo(
        "area-field-mismatch", "files", W,
        "A COCO annotation's `area` (or a panoptic segment's) disagrees with its segmentation. Tolerance: an "
        "RLE's area must be its pixel count within 1 % (at least 1 pixel); a polygon's area must be its "
        "geometric area or its pixel count within 5 %, or within half its outline length plus 2 pixels, "
        "whichever is larger (a rule that counts boundary pixels, like labelme's, adds about that); a panoptic "
        "segment's area must be its pixel count exactly.",
        'crowd RLE with 34,073 pixels and `"area": 31463` (the count of the pixels outside the object)',
        "Recompute `area` from the mask (`pycocotools.mask.area`); COCO evaluation bins objects by it.",
    ),
    CodeInfo(
        "bbox-field-mismatch", "files", W,
        "A COCO annotation's `bbox` (or a panoptic segment's) disagrees with its segmentation, or has no "
        "area. Tolerance per edge: 5 % of the box's side, at least 2 pixels, against the pixels' box or the "
        "shape's own box; a panoptic segment's bbox must be its tight pixel box exactly, and a bbox that is "
        "not 4 numbers (`[]`, a string) is reported with the box the pixels give.",
        '`"bbox": [0, 5, 256, 251]` for a mask whose pixels span [0, 0, 209, 199]',
        "Recompute `bbox` from the mask (`pycocotools.mask.toBbox`) or from the polygon's extent.",
    ),
    CodeInfo(
        "rle-size-mismatch", "files", E,
        "An RLE's `size` differs from its image's [height, width]; the mask is not painted. "
        "When `size` equals [width, height] the message says so (a transposed mask).",
        'image 640x480, `"segmentation": {"size": [640, 480], ...}`',
        "Re-encode the mask with `size` = [height, width] in column-major order.",
    ),
    CodeInfo(
        "rle-count-sum", "files", E,
        "An RLE's counts do not add up to height x width (pycocotools would read garbage or raise); "
        "the mask is not painted.",
        '`{"size": [5, 4], "counts": [6, 2, 3]}` sums to 11, not 20',
        "Re-encode the mask; a truncated export is the usual cause.",
    ),
    CodeInfo(
        "rle-invalid", "files", E,
        "A compressed RLE string holds characters outside '0'..'o' or decodes to a negative run; "
        "the mask is not painted.",
        '`"counts": "62 3~"`',
        "Re-encode the mask with pycocotools.mask.encode and `.decode('ascii')` the counts.",
    ),
    CodeInfo(
        "rle-bytes-literal", "files", W,
        "Compressed RLE counts were written as a Python bytes literal (`\"b'…'\"`), "
        "a Python 3 pycocotools pitfall (cocoapi#70). The string inside is used.",
        "`\"counts\": \"b'62304'\"`",
        "`.decode('ascii')` the counts before `json.dump`.",
    ),
    CodeInfo(
        "dangling-image-id", "files", E,
        "An annotation's `image_id` matches no image; the annotation is not painted. The annotations of an image "
        "entry that is there but not converted (`unsafe-path`, `image-too-large`, `bad-image`, `duplicate-image`) "
        "are not dangling: that image's own finding counts them.",
        '`{"id": 9, "image_id": 404, ...}` with no image 404',
        "Add the image entry or drop the annotation.",
    ),
    CodeInfo(
        "duplicate-id", "files", W,
        "Two annotations share an id; both are painted, but later messages cannot tell them apart.",
        "two annotations with `\"id\": 12`",
        "Renumber the annotations.",
    ),
    CodeInfo(
        "duplicate-image", "files", E,
        "Two image entries share an id or an output name; the later one is not converted. Output names are "
        "checked for every reader and layout when writing, in the source's order (the first image keeps the "
        "name, whatever --jobs is); the message names both images.",
        '`{"id": 1, "file_name": "a.jpg"}` twice, or `a.jpg` and `a.png` (both become masks/a.png)',
        "Give every image a unique id and a unique name without its extension.",
    ),
    CodeInfo(
        "bad-image", "files", E,
        "An image entry lacks `id`, `file_name`, `width` or `height`, or has impossible values; "
        "the image is not converted.",
        '`{"id": 3, "file_name": "c.jpg", "width": 0, "height": 480}`',
        "Write the image's real size and a relative file name.",
    ),
    CodeInfo(
        "unsafe-path", "files", E,
        "An image name is absolute, contains '..', a drive letter or a UNC prefix, so its mask "
        "could land outside the output folder; the image is not converted.",
        '`"file_name": "../../etc/x.jpg"` or `"C:\\\\data\\\\a.jpg"`',
        "Write image names relative to the image folder.",
    ),
    CodeInfo(
        "missing-mask", "files", W,
        "An image's mask file is not there: a VOC image listed in ImageSets has no SegmentationClass PNG "
        "(normal for a test split), or a COCO panoptic annotation's PNG is not in the folder its JSON's PNGs "
        "are in. No mask is written for it.",
        "ImageSets/Segmentation/test.txt lists 2007_000002, SegmentationClass/2007_000002.png is absent",
        "Deliver the mask, or remove the id from the list.",
    ),
    CodeInfo(
        "no-usable-image", "files", E,
        "The source lists images, but none of them could be used (every mask missing, every size unknown, "
        "every file unreadable), so the run wrote nothing (or, in `validate`, checked nothing). The message "
        "counts the reasons by code and quotes the first; those findings are listed too.",
        "nothing was written: none of the 12 images could be used (12 missing-mask; the first, a.jpg: its PNG "
        "panoptic/panoptic_2018/a.png does not exist)",
        "Fix the cause the message names: usually a layout segconv does not know (see docs/formats.md for where "
        "each reader looks), or --images pointing at the wrong folder.",
    ),
    CodeInfo(
        "no-image", "files", E,
        "The source holds no image at all (an empty `images` list, a Label Studio export without tasks, YOLO "
        "splits with no image): there is nothing to convert or check, and an empty delivery is not accepted in "
        "silence; a conversion writes nothing. A source whose images are all refused is `no-usable-image`.",
        '`{"images": [], "annotations": [], "categories": []}`',
        "Check that SRC is the export meant (an export of an empty task or subset), and that its images are listed.",
    ),
    CodeInfo(
        "missing-image", "files", W,
        "The image file an annotation refers to cannot be found, so its size cannot be checked. One finding per "
        "missing file, the same in `convert` and `validate` and for segconv's own output read back: a warning "
        "per image; an info instead when no image at all is found (an annotations-only delivery: one finding "
        "for the set, quoting where the reader looked for the first) and when a YOLO YAML's `path` does not "
        "exist here (its folder is used). A writer that places photos adds what its output lacks to that "
        "finding's words (`JPEGImages/ lacks it`, `its row's image is null`), never a second finding. It is an "
        "error where the format keeps no image size of its own (a YOLO image that is missing or unreadable, a YOLO "
        "label file whose split's images folder is not there, an image of a Kaggle run-length CSV without width "
        "and height columns): its labels cannot be placed, so the image is not converted; and so is a photo the "
        "`yolo` writer (or `kaggle-rle` with `-O size-columns=no`) lacks, as a finding of its own: what it writes "
        "cannot be used until the photo is put beside it.",
        "labelme `imagePath: \"..\\\\images\\\\a.jpg\"` with no such file and no `imageData`",
        "Deliver the image, pass --images DIR, or fix the path (a Kaggle CSV of one image size: -O size=WxH).",
    ),
    CodeInfo(
        "image-size-mismatch", "files", E,
        "The declared image size differs from the real image (EXIF orientation applied) or from its mask; "
        "the real size is used.",
        "labelme `imageWidth: 640` for a JPEG that is 480 wide once rotated by its EXIF tag",
        "Re-save the annotation with the right size; check EXIF rotation in the annotation tool.",
    ),
    CodeInfo(
        "bad-mask-file", "files", E,
        "A mask PNG cannot be decoded, or is not palette, grayscale or RGB; the image is not converted.",
        "SegmentationClass/a.png is a JPEG renamed to .png",
        "Re-export the mask as a palette (P) or grayscale (L) PNG.",
    ),
    CodeInfo(
        "unreadable-file", "files", E,
        "One annotation file of a folder cannot be read or parsed; the other files are still converted.",
        "a truncated labelme JSON in a folder of 500",
        "Re-export the file; the message names it and the parser's line.",
    ),
    CodeInfo(
        "skipped-file", "files", I,
        "A file in the source folder is not of the source's format (a COCO `annotations.json` among LabelMe "
        "files); it is skipped, not reported as a broken file of the format.",
        "labelme/annotations.json beside labelme/a.json and labelme/b.json",
        "Convert it on its own (`segconv convert labelme/annotations.json`), or move it out of the folder.",
    ),
    CodeInfo(
        "point-outside-mask", "files", I,
        "An SA-1B mask's `point_coords` point (the prompt SAM was given, in continuous [x, y] image "
        "coordinates) does not lie on the mask: pixel (floor x, floor y) is not set. SAM's output mask need "
        "not hold its prompt, so this is a note.",
        "point_coords [[16.0, 48.0]] not on the mask",
        "Nothing to do, unless every mask of a file says so (the points may be in another image's frame).",
    ),
    CodeInfo(
        "deleted-object", "files", I,
        "An object marked deleted is skipped, as the format's own tool does: an MIT LabelMe object with "
        "`<deleted>1</deleted>`, a Cityscapes polygon with a true `deleted` (cityscapesScripts' `createLabelImage`).",
        "`<object><name>car</name><deleted>1</deleted>...`",
        "Nothing to do.",
    ),
    CodeInfo(
        "subset-overlap", "files", W,
        "An image is listed in two subsets (train and val): evaluation would see training data. It is "
        "converted once, in the first subset (train, val, test, then the others). A YOLO split that names "
        "exactly the folders or lists of an earlier one (`val: images/train`, how a dataset without a val "
        "split points Ultralytics at its training images) is an info (a note): its images are read once.",
        "ImageSets/Segmentation/train.txt and val.txt both list 2007_000033",
        "Remove the id from one of the lists.",
    ),
    CodeInfo(
        "image-not-jpeg", "files", I,
        "A VOC output image keeps its own format and extension (never re-encoded); torchvision's "
        "VOCSegmentation expects `.jpg` and will not find it.",
        "JPEGImages/frame_000010.png",
        "Nothing for Datumaro; for torchvision, convert the images to JPEG yourself.",
    ),
    CodeInfo(
        "panoptic-segment-unlisted", "files", E,
        "A COCO panoptic PNG holds a segment id that the image's `segments_info` does not list (panopticapi's "
        "evaluation raises on it); its pixels are void. The pixel count is given.",
        "PNG colour (12, 34, 0) = id 8716 in 000000142238.png, no segment 8716 in the JSON",
        "Re-export the panoptic set; the PNG and the JSON were written from different states.",
    ),
    CodeInfo(
        "panoptic-segment-missing", "files", E,
        "A segment listed in `segments_info` has no pixel in the image's PNG (panopticapi's evaluation raises "
        "on it).",
        "`{\"id\": 3937500, \"category_id\": 1, ...}` and no pixel of that colour in the PNG",
        "Remove the segment from the JSON, or re-export.",
    ),
    CodeInfo(
        "unlabelled-task", "files", W,
        "A Label Studio task gives nothing to read under the `-O use=` rule (no annotation, or every one "
        "cancelled; with `use=prediction`, no prediction). Nobody drew on it, which is not an image without "
        "objects, so it is not painted (never as background); the message says what the task holds and the "
        "option that would read it.",
        "a task with 2 predictions and no annotation, read with the default `-O use=annotation`",
        "Annotate the task, or pass `-O use=auto` to read the predictions of tasks without an annotation.",
    ),
    CodeInfo(
        "prediction-read", "files", I,
        "With `-O use=auto`, tasks without an annotation were read from their newest prediction; one note "
        "for the file, counting them and naming the first.",
        "3 tasks without an annotation read from their newest prediction (-O use=auto): task id=4, task id=9, …",
        "Nothing, if model predictions are meant to count as labels; otherwise annotate those tasks.",
    ),
    CodeInfo(
        "skipped-result", "files", I,
        "Label Studio results that paint no pixels (keypoints, choices, text areas, relations) are skipped; "
        "the message counts them by type.",
        "`choices` and `relation` results beside the polygons of a task",
        "Nothing: they are for other tasks than segmentation.",
    ),
    CodeInfo(
        "ultralytics-rejects", "files", E,
        "A YOLO label file holds what Ultralytics refuses: a value outside [0, 1], an odd number of coordinates, "
        "box rows among polygon rows, a class index not in `names`, a row that is not numbers. Ultralytics then "
        "drops the whole image as corrupt, with a warning only. segconv paints the rows it can.",
        "`0 0.2 0.3 1.04 0.3 0.9 0.8` (1.04 is past the right edge)",
        "Clip the coordinates to [0, 1] and fix the class indices, then export again.",
    ),
    CodeInfo(
        "duplicate-row", "files", W,
        "A YOLO label file repeats a row exactly; Ultralytics removes the copy with a warning, and so does segconv.",
        "the same `2 0.1 0.1 0.5 0.1 0.5 0.5` twice in img_001.txt",
        "Remove the copy; it usually means an object was exported twice.",
    ),
    CodeInfo(
        "label-without-image", "files", W,
        "A YOLO label file has no image in the dataset. Ultralytics looks for labels from the images, so it never "
        "reads the file; segconv does not either, and says so.",
        "labels/train/img_7.txt and no images/train/img_7.*",
        "Deliver the image, or remove the label file if the image was dropped on purpose.",
    ),
    CodeInfo(
        "no-label-file", "files", I,
        "A YOLO image has no label file: an image without objects (all background), as Ultralytics reads it.",
        "images/val/img_9.jpg and no labels/val/img_9.txt",
        "Nothing, if the image shows nothing to annotate; otherwise deliver its labels.",
    ),
    CodeInfo(
        "image-too-large", "files", E,
        "An image's declared width x height exceeds --max-pixels; nothing is allocated for it and "
        "it is not converted.",
        '`"width": 100000, "height": 100000` (10^10 pixels)',
        "Check the declared size; if it is real, raise --max-pixels.",
    ),
    CodeInfo(
        "rle-order", "files", I,
        "The pixel order a Kaggle run-length CSV was read in (row by row, or column by column), how its starts "
        "count, and why: the CSV does not say, so the default comes from the known competitions' headers "
        "(Carvana's `img,rle_mask` counts row by row; Airbus', Severstal's and the standard text column by "
        "column) unless -O order= is given. One note per CSV.",
        "`train_masks.csv: pixels counted row by row (left to right, then top to bottom), starts from 1: the "
        "default for Carvana's header`",
        "Check it against the competition's evaluation page; -O order=row|column reads the other way.",
    ),
    CodeInfo(
        "rle-order-mismatch", "files", E,
        "An image's runs, counted in the order the run uses, differ from its reference mask (Carvana's "
        "`train_masks/<id>_mask.gif`), and counted in the other order they equal it: the CSV counts the other "
        "way, and every mask read from it is transposed. The pixel count is the difference.",
        "runs read row by row that match the GIF only when read column by column",
        "Read the CSV with the -O order= the message names.",
    ),
    CodeInfo(
        "rle-reference-mismatch", "files", W,
        "An image's runs differ from its reference mask in either order: the CSV and the mask images disagree.",
        "`train_masks.csv` and `train_masks/a_mask.gif` differ on 1,204 pixels",
        "Find which of the two is stale; the message gives both counts.",
    ),
    CodeInfo(
        "rle-odd-count", "files", E,
        "A run-length string holds an odd count of numbers: the last start has no length and is ignored. "
        "Kaggle's \"fast\" encoders (no padding) write this when the mask's first pixel is set and its last is "
        "not.",
        "`5 3 10`",
        "Re-encode the mask with an encoder that pads the mask with a 0 at both ends.",
    ),
    CodeInfo(
        "rle-start-zero", "files", E,
        "A run starts at 0, but Kaggle counts pixels from 1: pixel 0 does not exist (a 0-based encoder, or an "
        "off-by-one). The pixel before the first is not painted.",
        "`0 5 20 3`",
        "Add 1 to every start, or read a file that counts from 0 with -O base=0.",
    ),
    CodeInfo(
        "rle-past-end", "files", E,
        "A run reaches past the image's last pixel (width x height): a mask of another image size, or numbers "
        "too big to be real. What lies past the end is not painted; nothing is allocated for it.",
        "`9990 20` in a 100x100 image",
        "Check the image size the runs were encoded for (--images, -O size=).",
    ),
    CodeInfo(
        "rle-unsorted", "files", W,
        "A run-length string's pairs are not in pixel order; Kaggle's metric refuses such a submission. The runs "
        "are painted in pixel order. SIIM's organisers' relative starts, read as absolute ones, look like this "
        "(the message says when -O starts=relative would read them).",
        "`10 5 1 3`",
        "Sort the pairs by start, or read SIIM's relative form with -O starts=relative.",
    ),
    CodeInfo(
        "rle-run-overlap", "files", W,
        "Runs of one string cover a pixel twice; Kaggle's metric refuses duplicated pixels. Each pixel is "
        "painted once; the message counts the pixels covered twice.",
        "`1 5 3 4`: pixels 3 to 5 twice",
        "Merge overlapping runs before encoding.",
    ),
]
