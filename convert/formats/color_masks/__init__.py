"""Colour-coded mask folders and index masks with a names file (CamVid, KITTI ``semantic_rgb``, Kaggle
sets, SegNet's CamVid): the class tables (``class_tables``), where masks and photos lie (``mask_folders``), the reader.

The format's rules and traps: ``docs/formats.md``, "Colour-coded masks".
"""
