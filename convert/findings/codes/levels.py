"""Finding codes of the family ``levels``: regions of one level that overlap, regions hidden by
others, ``within`` rules broken."""

from __future__ import annotations

from convert.findings.codes.info import CodeInfo, E, W

TABLE = [
    CodeInfo(
        "level-overlap", "levels", W,
        "Regions of two different classes at the same level overlap: which class the shared pixels get "
        "depends on the source's order inside the level, and the message says what decided (CVAT `z_order` "
        "with both values, or the position of both regions in the source). The count is per pair of regions: "
        "every pixel that lies in both, whatever lies between them or above them. When a higher level covers "
        "part of those pixels the message says how many, and how many show the upper region's class. Where the "
        "format itself composes overlapping objects and its consumer does the same (YOLO rows read as "
        "Ultralytics fills them: smaller objects on top), the overlap is decided, not ambiguous: an info (a note).",
        "a `plate` and a `bowl` (both level 1) drawn over each other on 340 pixels",
        "Fix the annotation, or give the classes different levels in the label map.",
    ),
    CodeInfo(
        "outside-container", "levels", E,
        "A class with a `within` rule in the label map has pixels outside the classes it must lie on; "
        "the message gives the count and bounding box. A label image (masks, VOC, panoptic PNGs) holds one "
        "class per pixel, so nothing lies beneath its regions and the rule is not checked there; the label "
        "maps segconv writes beside YOLO rows and Label Studio brushes (visible pixels only) leave it out.",
        "`rice: {level: 2, within: [plate, bowl]}` and a rice polygon spilling 120 pixels onto the table",
        "Correct the food outline, or the plate's.",
    ),
    CodeInfo(
        "region-hidden", "levels", W,
        "An object is covered entirely; the message names the regions on top of it and why each is on top "
        "(a higher level, a higher CVAT `z_order`, or a later position in the source). Instance outputs "
        "cannot show it, so it is reported instead of written as an empty mask.",
        "a `rice` polygon lying wholly under a `sauce` polygon of a higher level",
        "Check the levels in the label map, or delete the hidden annotation.",
    ),
    CodeInfo(
        "panoptic-stuff-repeated", "levels", W,
        "A stuff category (`isthing: 0`) has several segments in one image; COCO panoptic gives a stuff class "
        "one segment per image.",
        "two `sky` segments in one image",
        "Merge them, or mark the category `isthing: 1` if it has countable instances.",
    ),
]
