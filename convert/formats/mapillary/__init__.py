"""Mapillary Vistas v1.2 and v2.0: the config as a label map (``config``) and the reader of the labels and
instances PNGs (``read``); the panoptic PNGs are read by the COCO panoptic reader.

The format's rules and traps: ``docs/formats.md``, "Mapillary Vistas".
"""
