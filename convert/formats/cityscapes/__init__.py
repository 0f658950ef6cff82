"""Cityscapes (cityscapesScripts): the official label table (``label_table``), the polygon JSON painted as
``createLabelImage`` paints it (``polygons``), the reader of ``gtFine``/``gtCoarse`` trees and the
``--to cityscapes`` writer (``traced_polygons`` traces its polygons).

The format's rules and traps: ``docs/formats.md``, "Cityscapes".
"""
