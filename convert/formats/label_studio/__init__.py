"""Label Studio JSON: the reader (and which annotation of a task it reads, ``choice``), the writer, and
the brush RLE codec both use (``brush``).

The format's rules and traps: ``docs/formats.md``, "Label Studio".
"""
