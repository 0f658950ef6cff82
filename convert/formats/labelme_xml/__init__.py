"""MIT LabelMe XML (the CSAIL web tool): the reader.

The format's rules and traps: ``docs/formats.md``, "MIT LabelMe XML".
"""
