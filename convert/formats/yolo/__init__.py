"""Ultralytics YOLO-seg: the reader, the writer, the rows Ultralytics' fill paints back exactly
(``centre_rows``) and which subsets become train and val (``split_keys``).

The format's rules and traps: ``docs/formats.md``, "YOLO-seg".
"""
