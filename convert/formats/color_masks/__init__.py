"""Colour-coded mask folders and index masks with a names file (CamVid, KITTI ``semantic_rgb``, Kaggle
sets, SegNet's CamVid): the class tables (``tables``), where masks and photos lie (``layout``), the reader.

The format's rules and traps: ``docs/formats.md``, "Colour-coded masks".
"""
