"""segconv's own png layout (indexed PNG masks and ``labelmap.json``): the writer, and the reader
(``--from masks``) that reads it back.

The format's rules and traps: ``docs/formats.md``, "segconv png".
"""
