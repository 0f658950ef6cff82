"""The indexed-layer model: samples (one per image) holding regions.

Pixel model (the same for every format once imported): x grows to the right,
y grows down, both in pixel-edge units.  Pixel (column c, row r) is the square
[c, c+1) x [r, r+1) and its centre is (c + 0.5, r + 0.5).  A polygon vertex at
(2, 3) is the top-left corner of pixel (2, 3), not its centre.  Arrays are
indexed ``mask[row, column]``, shape ``(height, width)``.

A region is one piece of geometry with a source label::

    >>> ring = np.array([[0, 0], [4, 0], [4, 2], [0, 2]], dtype=float)   # (x, y) rows
    >>> r = Region(label="plate", geometry=Polygon((ring,)), order=(0, 0),
    ...            origin=Origin("a.json", "annotation id=1"))
    >>> r.geometry.bounds()
    (0.0, 0.0, 4.0, 2.0)

Regions carry their ``origin`` (file, element, line) so that every later
message can name them, an ``order`` key (the source's own painting order inside
a level: CVAT ``z_order`` then document order; COCO and LabelMe file order) and
an ``instance`` number for instance outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something came from: a file, an element in it and, if known, a line.

    >>> str(Origin("instances.json", "annotation id=7"))
    'instances.json: annotation id=7'
    """

    file: str
    element: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        head = f"{self.file}:{self.line}" if self.line else self.file
        return f"{head}: {self.element}" if self.element else head


# ------------------------------------------------------------------ geometry
@dataclass(frozen=True, slots=True)
class Polygon:
    """One or more rings, each an ``(n, 2)`` float array of (x, y) vertices.

    Rings close implicitly.  How several rings combine is the rasteriser's
    rule: under ``coco`` they are unioned (a ring inside another is added, not
    subtracted), as pycocotools' ``merge`` does.  ``rule`` is the polygon's own
    pixel rule where its format has one, whatever the run's: ``"ultralytics"``
    for YOLO rows (:mod:`convert.pixels.ultralytics_fill`).
    """

    rings: tuple[np.ndarray, ...]
    rule: str | None = field(default=None, repr=False)

    def bounds(self) -> tuple[float, float, float, float]:
        allpts = np.concatenate(self.rings) if self.rings else np.zeros((0, 2))
        if not len(allpts):
            return (0.0, 0.0, 0.0, 0.0)
        x0, y0 = allpts.min(axis=0)
        x1, y1 = allpts.max(axis=0)
        return (float(x0), float(y0), float(x1), float(y1))


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box from edge (x0, y0) to edge (x1, y1), rotated by
    ``rotation`` degrees clockwise on screen about its centre."""

    x0: float
    y0: float
    x1: float
    y1: float
    rotation: float = 0.0

    def corners(self) -> np.ndarray:
        """The four corners as a ring, rotation applied (y down: clockwise)."""
        pts = np.array(
            [[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1]],
            dtype=float,
        )
        if self.rotation:
            cx, cy = (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2
            t = np.deg2rad(self.rotation)
            c, s = np.cos(t), np.sin(t)
            d = pts - [cx, cy]
            pts = np.stack([cx + d[:, 0] * c - d[:, 1] * s, cy + d[:, 0] * s + d[:, 1] * c], axis=1)
        return pts

    def bounds(self) -> tuple[float, float, float, float]:
        pts = self.corners()
        return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


@dataclass(frozen=True, slots=True)
class Rle:
    """A pycocotools RLE of a whole image: ``size`` = (height, width),
    ``counts`` the compressed ASCII string, column-major (Fortran) order.
    Importers check size and counts before building one."""

    size: tuple[int, int]
    counts: str

    def as_pycoco(self) -> dict:
        return {"size": list(self.size), "counts": self.counts.encode("ascii")}

    def bounds(self) -> tuple[float, float, float, float]:
        from pycocotools import mask as _m

        x, y, w, h = _m.toBbox(self.as_pycoco()).tolist()
        return (x, y, x + w, y + h)


@dataclass(frozen=True, slots=True)
class Bitmap:
    """A boolean ``mask[row, col]`` whose top-left pixel is (left, top) in the
    image.  It may stick out of the image; painting crops it."""

    mask: np.ndarray
    left: int = 0
    top: int = 0

    def bounds(self) -> tuple[float, float, float, float]:
        h, w = self.mask.shape
        return (float(self.left), float(self.top), float(self.left + w), float(self.top + h))

    def pixels_outside(self, width: int, height: int) -> int:
        """How many set pixels fall outside a ``width`` x ``height`` image (painting crops them).

            >>> Bitmap(np.ones((2, 3), bool), left=-1, top=0).pixels_outside(4, 1)   # 6 set, 2 inside
            4
        """
        top, left = self.top, self.left
        inside = self.mask[max(0, -top):max(0, height - top), max(0, -left):max(0, width - left)]
        return int(self.mask.sum() - inside.sum())


@dataclass(frozen=True, slots=True)
class Runs:
    """Pixels given as column-major runs (:mod:`convert.pixels.runs`) of a ``size`` = (height, width) image: what
    a label image (a VOC class mask, segconv's own masks) is read into, one pass for all its classes.

        >>> Runs(np.array([6, 11]), np.array([8, 13]), (5, 4)).bounds()
        (1.0, 1.0, 3.0, 3.0)
    """

    starts: np.ndarray
    ends: np.ndarray
    size: tuple[int, int]

    def bounds(self) -> tuple[float, float, float, float]:
        from convert.pixels.runs import bbox

        if not len(self.starts):
            return (0.0, 0.0, 0.0, 0.0)
        x, y, w, h = bbox(self.starts, self.ends, self.size[0])
        return (float(x), float(y), float(x + w), float(y + h))


@dataclass(frozen=True, slots=True)
class Ellipse:
    """An ellipse centred on (cx, cy) with semi-axes rx, ry, rotated by
    ``rotation`` degrees clockwise on screen (CVAT ``ellipse``, labelme
    ``circle``)."""

    cx: float
    cy: float
    rx: float
    ry: float
    rotation: float = 0.0

    def bounds(self) -> tuple[float, float, float, float]:
        r = max(self.rx, self.ry)
        return (self.cx - r, self.cy - r, self.cx + r, self.cy + r)


@dataclass(frozen=True, slots=True)
class Stroke:
    """Geometry without area: labelme ``line``/``linestrip`` (``kind='line'``)
    and ``point`` (``kind='point'``).  Rule ``coco`` paints nothing and reports
    it; rule ``labelme`` draws it as labelme does (10 px lines, 5 px discs)."""

    points: np.ndarray
    kind: str = "line"

    def bounds(self) -> tuple[float, float, float, float]:
        x0, y0 = self.points.min(axis=0)
        x1, y1 = self.points.max(axis=0)
        return (float(x0), float(y0), float(x1), float(y1))


Geometry = Polygon | Box | Rle | Bitmap | Runs | Ellipse | Stroke


# ------------------------------------------------------------------ regions
@dataclass(frozen=True, slots=True)
class OrderRule:
    """What the components of ``Region.order`` mean for one reader.

    ``keys`` names each component (``"position"`` is the region's position in
    the source, ``"smaller"`` minus the object's pixel count, so that smaller
    objects come later, anything else a value of the source's own, like CVAT
    ``z_order``); ``source`` says where positions count, for messages
    ("the annotations list").  ``decides`` marks a rule that is the format's
    own way of composing overlapping objects, which its consumer applies too
    (YOLO rows under Ultralytics' fill): an overlap it decides is a note.
    """

    keys: tuple[str, ...] = ("position",)
    source: str = "the source"
    decides: bool = False  # the format's own rule of composition (Ultralytics: smaller objects on top)


SOURCE_ORDER = OrderRule()


@dataclass(slots=True)
class Region:
    """One labelled piece of geometry.

    ``label`` is the source's own label name; the label map resolves it to a
    class (or to void) when the sample is painted.  ``None`` is void itself.  ``order`` sorts regions
    inside one level.  ``instance`` groups regions into one object (COCO
    annotation, CVAT group, labelme group_id); ``None`` means the region is
    its own instance.
    """

    label: str | None  # None: void ("don't care"), e.g. VOC 255
    geometry: Geometry
    order: tuple
    origin: Origin
    instance: object = None  # a hashable key; regions with one key and one label are one object
    crowd: bool = False
    attributes: dict = field(default_factory=dict)
    source_id: object = None  # the source's own id of the annotation (COCO ``id``), kept by writers


@dataclass(slots=True)
class Sample:
    """One image and its regions.

    ``name`` is the image's path relative to the image folder, with '/'
    separators; it is also the key of the output files
    (``masks/<name without extension>.png``).  ``findings`` holds what the
    importer found wrong with this image's annotations.
    """

    name: str
    width: int
    height: int
    regions: list[Region]
    origin: Origin
    subset: str | None = None
    image_id: object = None
    findings: list = field(default_factory=list)  # found while importing this image
    usable: bool = True  # False: nothing can be painted (the findings say why)
    image_path: str | None = None  # the image file on disk, when the importer found it
    image_data: bytes | None = None  # the photo itself, where the source embeds it (labelme's imageData)
    size_checked: bool = False  # the importer compared width/height with the image file itself
    size_source: str = "declared"  # where width/height came from, as findings word it ("its panoptic PNG")
    order_rule: OrderRule = SOURCE_ORDER  # what ``Region.order`` means in this source
    attributes: dict = field(default_factory=dict)  # image-level attributes (CVAT ``<tag>`` labels...)
    sequence: str | None = None  # the sequence the image is a frame of (a CVAT video): --split keeps it whole

    @property
    def stem(self) -> str:
        """``name`` without its extension: ``'sub/a.jpg'`` → ``'sub/a'``."""
        from convert.model.names import stem_of

        return stem_of(self.name)
