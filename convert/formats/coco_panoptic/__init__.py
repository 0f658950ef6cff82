"""COCO panoptic: the JSON and its id PNGs, where their layouts put the PNGs (``layout``), the reader and
the writer.

The format's rules and traps: ``docs/formats.md``, "COCO panoptic".
"""
