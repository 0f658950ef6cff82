"""LabelMe JSON (wkentaro/labelme, X-AnyLabeling): the reader.

The format's rules and traps: ``docs/formats.md``, "LabelMe JSON".
"""
