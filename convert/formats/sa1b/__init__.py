"""SA-1B (Segment Anything): per-image JSON with class-agnostic COCO RLE masks, painted in a stated order,
with area, bbox and point_coords checked (``read``).

The format's rules and traps: ``docs/formats.md``, "SA-1B".
"""
