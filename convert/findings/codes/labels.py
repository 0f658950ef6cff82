"""Finding codes of the family ``labels``: a label, category or class the label map does not know,
or knows differently."""

from __future__ import annotations

from convert.findings.codes.info import CodeInfo, E, I, W

TABLE = [
    CodeInfo(
        "unknown-label", "labels", E,
        "An annotation's label is not a class or alias of the label map. Its pixels are painted as void (the "
        "label map's `void`, 255 by default), never as the fill class, beneath every class: they are the "
        "pixels nothing known covers, which would otherwise have been written as the fill class.",
        'label map has `plate`, the COCO category is named `Plate ` (capital, trailing space)',
        "Add the name to the class's `aliases`, or fix the label in the source.",
    ),
    CodeInfo(
        "unknown-category-id", "labels", E,
        "A COCO annotation's `category_id` matches no entry of `categories`; it is not painted.",
        '`{"id": 7, "category_id": 99, ...}` while categories have ids 1, 2, 5',
        "Add the category to `categories` or correct the id.",
    ),
    CodeInfo(
        "undeclared-label", "labels", W,
        "A CVAT shape's label is not declared in `<meta><labels>`; it is still painted if the label map knows it.",
        '`<polygon label="truck" ...>` while meta declares only `car`',
        "Add the label to the CVAT task or project.",
    ),
    CodeInfo(
        "label-not-drawn", "labels", I,
        "Polygons of a label that the dataset's own painting never draws: the Cityscapes label table gives "
        "`license plate` the id -1, and `createLabelImage` skips it, so what lies beneath it shows. ADE20K's "
        "JSON parts (`part_level` > 0) are not painted on the objects mask either. Counted per image.",
        "2 'license plate' polygons in aachen_000000_000019_gtFine_polygons.json",
        "Nothing to do: the masks are the dataset's own.",
    ),
    CodeInfo(
        "instance-class-mismatch", "labels", W,
        "An instance image names another class than the class image on some pixels (a Cityscapes "
        "`*_instanceIds.png` value `v` names class `v // 1000` from 1000 on, else `v`, and the `*_labelIds.png` "
        "disagrees; a Mapillary Vistas `instances/*.png` value names label `v // 256`, and `labels/*.png` "
        "disagrees); the class image decides. The count is given. In an ADE20K `*_seg.png`, one B value (one "
        "instance) lies on pixels of several classes (R and G); each class is read as its own object.",
        "instanceIds says 26001 (car) where labelIds says 24 (person) on 40 pixels",
        "Regenerate both images from the same polygons (cityscapesScripts' json2labelImg and json2instanceImg).",
    ),
    CodeInfo(
        "class-unused", "labels", I,
        "A class of the label map has no painted region in any image of the delivery: nothing is labelled with "
        "it, or only shapes without area are (polylines, points: see `no-area-shape`).",
        "the label map lists `cup`, and no image shows a cup",
        "Nothing, if the delivery is a part of a larger set; otherwise check the label names.",
    ),
    CodeInfo(
        "bad-category", "labels", E,
        "A COCO category entry lacks an integer `id` or a string `name`, or repeats an id; it is ignored. A name "
        "two ids share is a warning instead: both paint that class, and a COCO writer gives them the first id.",
        '`{"id": "3", "name": "rice"}` (id as a string)',
        "Write categories as `{\"id\": <int>, \"name\": <str>}` with unique ids.",
    ),
    CodeInfo(
        "unknown-color", "labels", E,
        "An RGB class mask holds a colour that no class of the label map (labelmap.txt) has, or a colour-coded "
        "mask a colour its class table (class_dict.csv, label_colors.txt, labelmap.txt) lacks; those pixels "
        "are written as void, never a new class. The message gives the colour, the mask and the pixel count.",
        "a CVAT 'Segmentation mask' PNG with anti-aliased edges, (127, 0, 0) next to (128, 0, 0)",
        "Re-export the masks without smoothing, or add the colour's class to labelmap.txt.",
    ),
    CodeInfo(
        "unknown-mask-value", "labels", E,
        "A class or instance mask holds a value that is no class index of the source's label list; those "
        "pixels are written as void.",
        "SegmentationClass/a.png holds value 23 while labelmap.txt has 21 lines",
        "Add the class to labelmap.txt, or fix the mask.",
    ),
    CodeInfo(
        "palette-mismatch", "labels", W,
        "A palette class PNG's colours disagree with labelmap.txt (typically after an editor re-quantised "
        "the palette); as in Datumaro and CVAT, the colours decide.",
        "labelmap.txt says `plate:200,10,10::` at line 1, the PNG's palette entry 1 is (128, 0, 0)",
        "Check a few masks by eye; re-export them from the annotation tool.",
    ),
    CodeInfo(
        "instance-mixed-classes", "labels", W,
        "A SegmentationObject instance covers pixels of several classes in SegmentationClass; each part "
        "keeps the class of its pixels.",
        "instance 3 covers 200 'person' and 12 'chair' pixels",
        "Fix the instance or the class mask so that each object has one class.",
    ),
    CodeInfo(
        "label-renamed", "labels", I,
        "A script changed a label with `Dataset.relabel({old: new})` (the library, docs/api.md): a class was "
        "renamed (its index, level and colour kept), or its regions were merged into another class (painted "
        "as that class; the merged class leaves the label map and its index is no longer written). Reported "
        "so that the run's reports say what the output's labels are and why.",
        "class 'plate' (index 1) renamed 'dish' (index, level and colour kept)",
        "Nothing, if the change was meant; otherwise change the script's mapping.",
    ),
    CodeInfo(
        "label-dropped", "labels", I,
        "A script dropped a label with `Dataset.relabel({old: None})`: its regions are not painted, so their "
        "pixels show what lies beneath (another class, the fill class); with `{old: convert.VOID}` they are "
        "painted as void (\"don't care\") instead. The class leaves the label map.",
        "class 'cup' (index 3) dropped: its regions are not painted (the pixels show what lies beneath)",
        "Nothing, if the change was meant; map the label to `convert.VOID` to keep its pixels out of training.",
    ),
    CodeInfo(
        "labelmap-replaced", "labels", I,
        "A script gave a loaded dataset a whole new label map (`Dataset.relabel(labelmap)`): the finding lists "
        "the classes it re-indexes, leaves out and adds, and the source's labels it does not know (those are "
        "painted as void and reported as `unknown-label`).",
        "label map replaced: re-indexed cup 2→1; left out plate; new rice",
        "Check that the indices the new map gives are the ones the training code expects.",
    ),
]
