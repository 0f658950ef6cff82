"""COCO instances with polygons, to send a delivery back to an annotation tool (``write``: ``--to coco``): each
visible object's rings along pixel edges, RLE for holes (or bridged rings) and crowds.  It shares the COCO
categories and RLE encoding of :mod:`convert.formats.coco`; ``--from coco`` reads what it writes.

The format's rules and traps: ``docs/formats.md``, "Sending a delivery back", "COCO instances with polygons".
"""
