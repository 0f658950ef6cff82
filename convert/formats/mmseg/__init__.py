"""mmsegmentation's layout: the writer.

The format's rules and traps: ``docs/formats.md``, "mmsegmentation".
"""
