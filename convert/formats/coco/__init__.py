"""COCO instances: the JSON file or the folder tools export (``read``), one instances file
(``instances``, with its segmentations in ``segmentation``), the categories COCO layouts keep
(``categories``), and the RLE writer (``write``: ``--to coco-rle``).

The format's rules and traps: ``docs/formats.md``, "COCO instances".
"""
