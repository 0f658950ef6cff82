"""mmsegmentation's layout: the reader (`read.py`, `--from mmseg`) and the writer (`write.py`).

The format's rules and traps: ``docs/formats.md``, "mmsegmentation".
"""
