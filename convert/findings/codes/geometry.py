"""Finding codes of the family ``geometry``: shapes that cannot be painted as drawn (too few points,
self-crossing, outside the image), and rows with no outline."""

from __future__ import annotations

from convert.findings.codes.info import CodeInfo, E, I, W

TABLE = [
    CodeInfo(
        "too-few-points", "geometry", E,
        "A polygon ring has fewer than 3 vertices; it covers no area and is not painted.",
        "`segmentation: [[10, 10, 20, 20, 30]]` or a CVAT polygon with 2 points",
        "Redraw the shape with at least 3 vertices, or delete it.",
    ),
    CodeInfo(
        "box-as-polygon", "geometry", E,
        "A COCO ring has exactly 4 numbers; pycocotools reads it as a box and crashes "
        "(cocoapi#369). The ring is not painted.",
        "`segmentation: [[10, 10, 50, 50]]`",
        "Write the box as a 4-vertex polygon: `[[10,10, 50,10, 50,50, 10,50]]`.",
    ),
    CodeInfo(
        "odd-coordinate-count", "geometry", E,
        "A polygon ring has an odd number of coordinates. The dangling last number is ignored, "
        "as pycocotools does, so the mask equals what COCO tools produce.",
        "`segmentation: [[10, 10, 50, 10, 50, 50, 10]]`",
        "Find the missing coordinate in the annotation tool's export and re-export.",
    ),
    CodeInfo(
        "non-finite-coordinate", "geometry", E,
        "A coordinate is NaN or infinite; the ring is not painted.",
        "`segmentation: [[10, NaN, 50, 10, 50, 50]]`",
        "Fix the tool or script that produced NaN (often a division by a zero image size).",
    ),
    CodeInfo(
        "self-intersection", "geometry", W,
        "A polygon ring touches or crosses itself (shapely's reason is quoted), and the message says what "
        "the pixels show. Masks are filled even-odd (pycocotools, OpenCV's fillPoly): only where two loops "
        "overlap turning the same way is a face wound twice, left empty where a nonzero fill would paint it "
        "(the area is given); a bow-tie's lobe turns the other way (the area is given too). Both are warnings. "
        "A ring that only touches itself at a repeated vertex (as Ultralytics joins the parts of one object) "
        "or runs back along a bridge (as segconv's YOLO rows do) paints as a simple outline would: no hole is "
        "made, and it is an info (a note; faces wound twice or the other way below 0.5 px², as coordinates "
        "rounded in a file leave, do not count).",
        "`[[0,0, 10,10, 10,0, 0,10]]` (a bow-tie)",
        "Redraw the outline without crossings (nothing to do for a note: a ring that only touches itself).",
    ),
    CodeInfo(
        "zero-area", "geometry", W,
        "A polygon has no area: all its points lie on one line or coincide.",
        "`[[0,0, 5,5, 10,10]]`",
        "Delete the shape or redraw it.",
    ),
    CodeInfo(
        "coordinates-too-large", "geometry", E,
        "A shape's coordinates lie so far out that rasterising it would allocate gigabytes "
        "(pycocotools walks the outline in 0.2-pixel steps); it is not painted.",
        "`segmentation: [[0, 0, 1e9, 0, 1e9, 1e9]]` on a 640x480 image",
        "Fix the coordinates; they are probably in the wrong unit or corrupted.",
    ),
    CodeInfo(
        "bad-value", "geometry", E,
        "A field has the wrong type or an impossible value (a string where a number belongs, "
        "a negative size); the element is not used.",
        '`"segmentation": [["10", "10", ...]]` or `"width": -5`',
        "Correct the value; the message names the field.",
    ),
    CodeInfo(
        "no-area-shape", "geometry", W,
        "A shape without area (CVAT polyline, points, skeleton, cuboid; labelme line, linestrip, point) "
        "is skipped, never dropped silently. Under `--rule labelme` labelme's lines and points are drawn "
        "as labelme draws them. CVAT `<tag>`s are image labels, not shapes: kept on the image, no finding.",
        '`<polyline label="traffic_line" points="462.10,0.00;126.80,1200.00"/>`',
        "Nothing, if the shapes are meant for another task; otherwise redraw them as polygons.",
    ),
    CodeInfo(
        "empty-point", "geometry", W,
        "A CVAT `points` attribute has an empty pair (a trailing or doubled ';', cvat#1041); it is ignored.",
        '`points="1,2;3,4;5,6;"`',
        "Nothing to do; the shape is painted from its other points.",
    ),
    CodeInfo(
        "mask-size-mismatch", "geometry", W,
        "A labelme `mask` shape's PNG is not the size its two corner points span; the PNG's size is used, "
        "as labelme >= 5.11 does.",
        "points [[10, 10], [19, 19]] (10x10) with a 12x10 PNG",
        "Re-save the shape in labelme.",
    ),
    CodeInfo(
        "mask-outside-image", "geometry", W,
        "A raster mask (CVAT `<mask>`, labelme `mask`) extends past the image; the part outside is cropped. "
        "The message gives the pixels lost.",
        '`<mask left="630" top="0" width="20" ...>` on a 640-pixel-wide image',
        "Check the mask's position; crop it in the annotation tool.",
    ),
    CodeInfo(
        "box-row", "geometry", I,
        "A YOLO row has 4 numbers after the class (a detection box, cx cy w h); it is painted as its box. "
        "Ultralytics' segmentation training has no outline for it.",
        "`3 0.5 0.5 0.2 0.1` in a segmentation dataset",
        "Deliver a polygon for the object if the masks matter.",
    ),
]
