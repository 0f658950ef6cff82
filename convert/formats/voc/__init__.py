"""Pascal VOC segmentation trees: the reader and the writer.

The format's rules and traps: ``docs/formats.md``, "Pascal VOC".
"""
