"""CVAT for images / for video 1.1 XML: the reader.

The format's rules and traps: ``docs/formats.md``, "CVAT XML".
"""
