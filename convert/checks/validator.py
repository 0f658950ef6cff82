"""The validator's checks on one painted sample: levels, completeness, geometry.

``check_sample`` reads the painter's :class:`~convert.painting.painted.Trace` and the
sample's geometry and returns findings plus the image's pixel accounting:

- **levels**: two classes of one level overlapping (``level-overlap``, pixels
  per pair of regions); a region covered entirely (``region-hidden``); a region
  outside the classes a ``within`` rule asks for (``outside-container``).
- **completeness**: regions that rasterise to nothing (``region-empty``);
  pixel counts far from the geometric area (``area-mismatch``, rule ``coco``, polygons without a rule of
  their own);
  area outside the image (``outside-image``); when the label map sets
  ``every_pixel_drawn``, pixels only the fill class covers
  (``unlabelled-pixels``).
- **geometry** (shapely: check, explain): self-intersections and zero areas.
- **the source's own fields**: COCO ``area`` and ``bbox`` against the pixels
  (``area-field-mismatch``, ``bbox-field-mismatch``).

    >>> from convert.model.labelmap import LabelMap
    >>> from convert.model.sample import Box, Origin, Region, Sample
    >>> from convert.painting.paint import paint
    >>> lm = LabelMap.derive(["plate", "bowl"])              # both at level 1
    >>> o = Origin("demo.json", "annotation id=1")
    >>> s = Sample("a.jpg", 4, 2, [Region("plate", Box(0, 0, 3, 2), (0,), o),
    ...                            Region("bowl", Box(2, 0, 4, 2), (1,), o)], o)
    >>> findings, account = check_sample(s, lm, paint(s, lm, trace=True))
    >>> [(f.code, f.pixels) for f in findings]
    [('level-overlap', 2)]
    >>> account["classes"]["plate"]
    {'index': 1, 'level': 1, 'pixels': 4, 'overwritten': 2, 'regions': 1}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point
from shapely.geometry import Polygon as ShapelyPolygon

from convert.findings import Finding, located
from convert.findings.severity import Severity
from convert.model.labelmap import LabelClass, LabelMap
from convert.model.ordering import describe_level, why_on_top
from convert.model.sample import Box, Ellipse, Polygon, Region, Sample
from convert.painting.painted import Painted
from convert.wording import plural


@dataclass(frozen=True)
class CheckOptions:
    """``area_tolerance``: relative difference between pixel count and geometric
    area that is still fine, with ``area_floor`` pixels as a minimum; the
    ``field_*`` and ``rle_*`` tolerances are for a source's own ``area`` and
    ``bbox`` fields (:func:`declared_field_findings`)."""

    rule: str = "coco"
    strict: bool = False
    area_tolerance: float = 0.1
    area_floor: float = 2.0
    field_area_tolerance: float = 0.05  # a source's 'area' field against the geometric area or pixel count
    rle_area_tolerance: float = 0.01  # a raster's 'area' field against its pixel count
    field_bbox_tolerance: float = 0.05  # per edge of a source's 'bbox' field, share of the box's side
    field_bbox_floor: float = 2.0  # per edge, at least this many pixels


def shape_of(region: Region):
    """The shapely geometry of a vector region (None for rasters and strokes)."""
    g = region.geometry
    if isinstance(g, Polygon):
        return [ShapelyPolygon(r) for r in g.rings if len(r) >= 3]
    if isinstance(g, Box):
        return [ShapelyPolygon(g.corners())]
    if isinstance(g, Ellipse):
        circle = Point(0, 0).buffer(1.0, quad_segs=64)
        shape = affinity.scale(circle, g.rx, g.ry, origin=(0, 0))
        shape = affinity.rotate(shape, g.rotation, origin=(0, 0))
        return [affinity.translate(shape, g.cx, g.cy)]
    return None


def _shapes(items):
    """Shapely polygons of the rings of every vector region, built in one call for
    polygons and boxes: ``(rings_of, shapes)``, ``rings_of`` holding
    (item, first shape, ring count) per region that has rings."""
    rings_of, coords, sizes, slots, others = [], [], [], [], []
    count = 0
    for k, (region, _) in enumerate(items):
        g = region.geometry
        if isinstance(g, (Polygon, Box)):
            rings = [r for r in g.rings if len(r) >= 3] if isinstance(g, Polygon) else [g.corners()]
            for ring in rings:
                coords.append(ring)
                sizes.append(len(ring))
                slots.append(count)
                count += 1
        else:
            rings = shape_of(region)
            for ring in rings or ():
                others.append((count, ring))
                count += 1
        if rings:
            rings_of.append((k, count - len(rings), len(rings)))
    shapes = np.empty(count, dtype=object)
    if coords:
        index = np.repeat(np.arange(len(sizes)), sizes)
        shapes[slots] = shapely.polygons(shapely.linearrings(np.concatenate(coords), indices=index))
    for position, ring in others:
        shapes[position] = ring
    return rings_of, shapes


NEGLIGIBLE_FACE = 0.5  # px²: faces wound twice or the other way smaller than this change no decision of note


def _what_pixels_show(shape) -> tuple[str, Severity]:
    """What the pixels of a ring that touches or crosses itself show (:mod:`convert.checks.fill_rules`), and how much it
    matters: a ring that only touches itself or runs back along a bridge (faces wound twice or against its
    turn adding up to less than ``NEGLIGIBLE_FACE``, as coordinates rounded in a file leave) paints as a simple
    outline would, and is a note; loops wound twice, or a bow-tie's lobe turning the other way, a warning."""
    from convert.checks.fill_rules import wound_areas

    doubled, opposite = wound_areas(np.asarray(shape.exterior.coords)[:-1])
    if doubled >= NEGLIGIBLE_FACE:
        return (f"{doubled:.1f} px² lie inside two of its loops turning the same way: an even-odd fill "
                "(pycocotools, OpenCV's fillPoly, segconv's masks) leaves them empty, a nonzero fill would paint "
                "them"), Severity.WARNING
    if opposite >= NEGLIGIBLE_FACE:
        return (f"its outline crosses itself and {opposite:.1f} px² turn the other way (a bow-tie): even-odd and "
                "nonzero fills paint the same pixels, but an outline drawn this way is rarely the shape meant"), \
            Severity.WARNING
    if doubled or opposite:
        small = " and ".join(f"{area:.2f} px² {what}" for area, what in ((doubled, "wound twice"),
                                                                       (opposite, "turning the other way")) if area)
        return (f"it crosses itself, but only {small} (under {NEGLIGIBLE_FACE:g} px²: a slip of the hand, or "
                "coordinates rounded in a file), so it paints as a simple outline would but for that"), Severity.INFO
    return ("it only touches itself or runs back along a bridge: no face is wound twice or against its turn, so "
            "it paints as a simple outline would: no hole is made"), Severity.INFO


def _name(region: Region) -> str:
    return region.origin.element or region.label or "region"


def geometry_findings(items, sample: Sample, opts: CheckOptions,
                      measured: dict | None = None) -> list[Finding]:
    """Geometry checks of every vector region of a sample at once (shapely's
    vectorised functions): ``items`` is a list of (region, raster pixel count).
    ``measured``, when given, receives per item position ``(area, area inside
    the image, (x0, y0, x1, y1) bounds, outline length)`` of its geometry."""
    rings_of, shapes = _shapes(items)
    if not len(shapes):
        return []
    valid = shapely.is_valid(shapes)
    bounds_of = shapely.bounds(shapes)
    out: list[Finding] = []
    merged = []
    for k, first, count in rings_of:
        region, raster = items[k]
        for i in range(count):
            if not valid[first + i]:
                reason = shapely.is_valid_reason(shapes[first + i])
                shows, severity = _what_pixels_show(shapes[first + i])
                out.append(Finding("self-intersection", f"ring {i} is not a simple polygon ({reason}); {shows}",
                                   severity=severity, **located(region, sample)))
        if count == 1 and valid[first]:
            merged.append(shapes[first])
        elif count <= 64 and valid[first:first + count].all() and _apart(bounds_of[first:first + count]):
            # valid parts whose boxes do not meet: their union is the parts as they are (GEOS' union costs
            # about 0.1 ms per region, and an object split in two by an occluder is common; the pairwise
            # test is for a few parts, not thousands)
            merged.append(shapely.multipolygons(shapes[first:first + count]))
        else:
            merged.append(shapely.union_all([shapely.make_valid(r) for r in shapes[first:first + count]]))
    parts = np.array(merged, dtype=object)
    areas = shapely.area(parts)
    bounds = shapely.bounds(parts)
    crossing = (bounds[:, 0] < 0) | (bounds[:, 1] < 0) | (bounds[:, 2] > sample.width) | \
        (bounds[:, 3] > sample.height)
    inside = areas.copy()
    if crossing.any():
        # GEOS's rectangle clip: 8x faster than a general intersection, the same area on valid shapes
        # (invalid rings were made valid above)
        inside[crossing] = shapely.area(shapely.clip_by_rect(parts[crossing], 0, 0, sample.width, sample.height))
    if measured is not None:
        outline = shapely.length(parts)
        for (k, _, _), area, inner, box, length in zip(rings_of, areas.tolist(), inside.tolist(),
                                                       bounds.tolist(), outline.tolist()):
            measured[k] = (area, inner, tuple(box), length)
    for (k, _, _), area, inner in zip(rings_of, areas.tolist(), inside.tolist()):
        region, raster = items[k]
        own_rule = getattr(region.geometry, "rule", None)
        if area == 0:
            if own_rule is None or raster == 0:  # a fill of its own (a YOLO row: cv2.fillPoly) paints its outline
                out.append(Finding("zero-area", "the shape has no area (points on one line, or repeated)",
                                   **located(region, sample, pixels=raster)))
            continue
        lost = area - inner
        if lost > 0.5:  # an area, not pixels: no pixel count (docs/findings.md, outside-image)
            out.append(Finding("outside-image", f"{lost:.1f} px² of its area lie outside the "
                                                f"{sample.width}x{sample.height} image and are clipped",
                               **located(region, sample)))
        if opts.rule == "coco" and inner > 0 and own_rule is None:
            limit = max(opts.area_floor, opts.area_tolerance * inner)
            diff = raster - inner
            if abs(diff) > limit:
                out.append(Finding(
                    "area-mismatch",
                    f"rasterises to {plural(raster, 'pixel')} but its area inside the image is {inner:.1f} px² "
                    f"({'gained' if diff > 0 else 'lost'} {abs(diff):.1f}, tolerance {limit:.1f})",
                    **located(region, sample, pixels=int(round(abs(diff))))))
    return out


def _apart(boxes: np.ndarray) -> bool:
    """Whether no two of some ``(x0, y0, x1, y1)`` boxes meet, edges included (closed boxes: shapes
    touching along an edge or at a corner are not apart).

    >>> _apart(np.array([[0, 0, 2, 2], [3, 0, 4, 1]])), _apart(np.array([[0, 0, 2, 2], [2, 2, 3, 3]]))
    (True, False)
    """
    x0, y0, x1, y1 = boxes.T
    meet = (x0[:, None] <= x1[None, :]) & (x0[None, :] <= x1[:, None]) & \
        (y0[:, None] <= y1[None, :]) & (y0[None, :] <= y1[:, None])
    return int(meet.sum()) == len(boxes)  # each box meets only itself


def _describe(region: Region, cls: LabelClass | None) -> str:
    """An element and its class, without saying the label twice."""
    element = region.origin.element or "a region"
    name = "void" if cls is None else cls.name
    return element if f"({region.label})" in element or f"({name})" in element else f"{element} ({name})"


def overlap_findings(trace, sample: Sample) -> list[Finding]:
    """``level-overlap``: two regions of one level and two classes share pixels; says how many,
    how many the order inside the level decided (the rest lie under higher levels) and what decided."""
    out = []
    for (i, j), (both, shown) in trace.overlaps.items():
        (ri, ci), (rj, cj) = trace.painted[i], trace.painted[j]
        level = int(trace.levels[j])
        why = why_on_top(ri, level, rj, level, sample.order_rule)
        message = (f"{cj.name!r} and {_describe(ri, ci)} overlap on {plural(both, 'pixel')}, both at level {level}; "
                   f"{cj.name!r} is painted on top because {why}")
        if shown < both:
            message += (f" ({both - shown:,} of these lie under a higher level, {shown:,} show {cj.name!r})")
        finding = Finding("level-overlap", message, **located(rj, sample, pixels=both))
        if sample.order_rule.decides:  # the format composes overlapping objects itself: decided, a note
            finding = Finding("level-overlap", message, severity=Severity.INFO, **located(rj, sample, pixels=both))
        out.append(finding)
    return out


def hidden_message(trace, index: int, sample: Sample, labelmap: LabelMap, limit: int = 3) -> str:
    """What covers a region that shows no pixel, and why each is on top."""
    region, cls = trace.painted[index]
    level = int(trace.levels[index])
    parts = []
    covers = trace.covered_by.get(index, [])
    for k in covers[:limit]:
        other, other_cls = trace.painted[k]
        other_level = int(trace.levels[k])
        if other_cls is None:
            why = f"void paints at level {describe_level(other_level, labelmap)}"
        else:
            why = why_on_top(region, level, other, other_level, sample.order_rule)
        parts.append(f"{_describe(other, other_cls)}, because {why}")
    more = f"; and {len(covers) - limit} more" if len(covers) > limit else ""
    return (f"{cls.name!r} is covered entirely ({plural(int(trace.raster[index]), 'pixel')}, none visible) by "
            + "; ".join(parts) + more)


def declared_field_findings(region: Region, sample: Sample, raster: int, box: tuple | None,
                            geometric: tuple | None, opts: CheckOptions) -> list[Finding]:
    """A source's own ``area`` and ``bbox`` fields (COCO annotations, panoptic segments) against the pixels.

    ``declared_area`` / ``declared_bbox`` come from ``region.attributes``; with ``declared_exact`` (panoptic:
    area is the pixel count, bbox the tight pixel box) they must match exactly.  Otherwise an area matches
    the pixel count (RLE: within ``rle_area_tolerance``) or, for vector shapes, the geometric area or the pixel
    count within ``field_area_tolerance`` of it, or half the outline plus ``area_floor`` pixels (a rule that
    counts boundary pixels, like labelme's, adds about that), whichever is larger; a bbox's edges match the
    pixel box, or the shape's own box, within ``field_bbox_tolerance`` of the box's side, at least
    ``field_bbox_floor`` pixels.
    """
    attrs = region.attributes
    out = []
    exact = bool(attrs.get("declared_exact"))
    area = attrs.get("declared_area")
    if area is not None:
        refs = [("pixel count", float(raster), 0.0)]
        if geometric is not None and not exact:
            refs.append(("geometric area", geometric[0], geometric[3] / 2 + opts.area_floor))
        if exact:
            ok = float(area) == float(raster)
            tolerance = "exact"
        elif geometric is None:  # a raster: the pixel count
            limit = max(1.0, opts.rle_area_tolerance * raster)
            ok = abs(float(area) - raster) <= limit
            tolerance = f"±{limit:.1f}"
        else:
            ok = any(abs(float(area) - ref) <= max(opts.area_floor, opts.field_area_tolerance * ref, slack)
                     for _, ref, slack in refs)
            tolerance = f"±{100 * opts.field_area_tolerance:g} % or half the outline + {opts.area_floor:g} px"
        if not ok:
            ref_name, ref, _ = min(refs, key=lambda r: abs(float(area) - r[1]))
            off = 100 * abs(float(area) - ref) / ref if ref else float("inf")
            out.append(Finding(
                "area-field-mismatch",
                f"'area' is {area:g} but the segmentation's {ref_name} is {ref:g} ({off:.1f} % off, tolerance "
                f"{tolerance})", **located(region, sample, pixels=int(round(abs(float(area) - ref))))))
    bbox = attrs.get("declared_bbox")
    if bbox is not None:
        x, y, w, h = (float(v) for v in bbox)
        declared = (x, y, x + w, y + h)
        boxes: list[tuple[str, tuple]] = []
        if box is not None:
            boxes.append(("pixel box", (box[0], box[1], box[0] + box[2], box[1] + box[3])))
        if geometric is not None and not exact:
            x0, y0, x1, y1 = geometric[2]
            boxes.append(("shape's own box", (x0, y0, x1, y1)))
            boxes.append(("shape's box inside the image", (max(x0, 0), max(y0, 0), min(x1, sample.width),
                                                            min(y1, sample.height))))
        if w <= 0 or h <= 0:
            out.append(Finding("bbox-field-mismatch", f"'bbox' {list(bbox)} has no area (width or height <= 0)",
                               **located(region, sample)))
        elif boxes:
            floor, share = opts.field_bbox_floor, opts.field_bbox_tolerance

            def excess(edges) -> float:
                """How far the worst edge is beyond its tolerance (> 0: a mismatch)."""
                width, height = edges[2] - edges[0], edges[3] - edges[1]
                if exact:
                    return max(abs(a - b) for a, b in zip(declared, edges))
                across, down = max(floor, share * width), max(floor, share * height)
                return max(abs(declared[0] - edges[0]) - across, abs(declared[1] - edges[1]) - down,
                           abs(declared[2] - edges[2]) - across, abs(declared[3] - edges[3]) - down)
            if any(excess(edges) <= 0 for _, edges in boxes):  # one box within tolerance: no finding
                return out
            worst, best_name, best = min(((excess(edges), name, edges) for name, edges in boxes),
                                         key=lambda r: r[0])  # the first of the closest, as before
            if worst > 0:
                fmt = "[{:g}, {:g}, {:g}, {:g}]"
                out.append(Finding(
                    "bbox-field-mismatch",
                    f"'bbox' is {fmt.format(*bbox)} but the segmentation's {best_name} is "
                    + fmt.format(best[0], best[1], best[2] - best[0], best[3] - best[1])
                    + (" (exact match required)" if exact else
                       f" (tolerance per edge: {100 * opts.field_bbox_tolerance:g} % of the side, at least "
                       f"{opts.field_bbox_floor:g} px)"),
                    **located(region, sample)))
    return out


def check_sample(sample: Sample, labelmap: LabelMap, painted: Painted,
                 opts: CheckOptions = CheckOptions()) -> tuple[list[Finding], dict]:
    """Findings and pixel accounting of one sample painted with ``trace=True``."""
    trace = painted.traced
    findings: list[Finding] = overlap_findings(trace, sample)
    for index, (n, box) in trace.outside.items():
        region, cls = trace.painted[index]
        assert cls is not None  # within rules are about classes
        findings.append(Finding(
            "outside-container",
            f"{cls.name!r} has {plural(n, 'pixel')} outside {' / '.join(cls.within)} "
            f"(bounding box x={box[0]} y={box[1]} w={box[2]} h={box[3]})",
            **located(region, sample, pixels=n)))
    vector_items, positions = [], []
    for index, (region, cls) in enumerate(trace.painted):
        raster, visible = int(trace.raster[index]), int(trace.visible[index])
        if cls is None:
            continue
        if raster == 0:
            findings.append(Finding("region-empty", "rasterises to zero pixels: the region is lost",
                                    **located(region, sample, pixels=0)))
        elif visible == 0:
            findings.append(Finding("region-hidden", hidden_message(trace, index, sample, labelmap),
                                    **located(region, sample, pixels=raster)))
        vector_items.append((region, raster))
        positions.append(index)
    measured: dict = {}
    findings.extend(geometry_findings(vector_items, sample, opts, measured))
    boxes = None
    for k, ((region, raster), index) in enumerate(zip(vector_items, positions)):
        if "declared_area" in region.attributes or "declared_bbox" in region.attributes:
            if boxes is None:
                boxes = trace.raster_bboxes()
            findings.extend(declared_field_findings(region, sample, raster, boxes[index], measured.get(k), opts))

    bare = int((trace.bare_runs[1] - trace.bare_runs[0]).sum())
    fill = labelmap.fill
    if labelmap.every_pixel_drawn and fill is not None and bare:
        box = trace.bare_box()
        findings.append(Finding(
            "unlabelled-pixels",
            f"no drawn region covers {plural(bare, 'pixel')}, and the label map asks for every pixel to be "
            f"drawn (every_pixel_drawn); the fill class {fill.name!r} shows there; "
            f"bounding box x={box[0]} y={box[1]} w={box[2]} h={box[3]}",
            file=sample.origin.file, image=sample.name, pixels=bare))
    return findings, accounting(sample, labelmap, painted, bare)


def accounting(sample: Sample, labelmap: LabelMap, painted: Painted, bare: int) -> dict:
    """Pixels per class (with level, how many of its painted pixels were later
    overwritten, how many regions) of one image; ``filled``: pixels no region
    covers, shown by the fill class; ``unlabelled``: pixels no region covers and
    no fill class takes (written as void); ``void``: every void pixel (explicit
    void, unknown labels, and the unlabelled ones).  Computed from the trace's
    per-region counts, without another pass over the image."""
    trace = painted.traced
    classes: dict[str, dict] = {}
    void = 0
    for index, (_region, cls) in enumerate(trace.painted):
        if cls is None:
            void += int(trace.visible[index])
            continue
        entry = classes.setdefault(cls.name, {"index": cls.index, "level": cls.level, "pixels": 0,
                                              "overwritten": 0, "regions": 0})
        entry["pixels"] += int(trace.visible[index])
        entry["overwritten"] += int(trace.raster[index] - trace.visible[index])
        entry["regions"] += 1
    fill = labelmap.fill
    filled = bare if fill is not None else 0
    unlabelled = 0 if fill is not None else bare
    if filled and fill is not None:
        entry = classes.setdefault(fill.name, {"index": fill.index, "level": fill.level, "pixels": 0,
                                               "overwritten": 0, "regions": 0})
        entry["pixels"] += filled
    void += unlabelled
    classes = dict(sorted(classes.items(), key=lambda kv: kv[1]["index"]))
    return {"image": sample.name, "width": sample.width, "height": sample.height, "classes": classes,
            "filled": filled, "unlabelled": unlabelled, "void": void}
