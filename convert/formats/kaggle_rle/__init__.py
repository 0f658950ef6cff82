"""Kaggle run-length CSVs (Carvana, Airbus, Severstal, TGS, SIIM, HuBMAP, Sartorius): the header's columns
(``columns``), the rows indexed by image (``table``), the run-length strings and their traps (``rle_strings``),
reference masks that confirm the pixel order (``reference``), the reader and the writer.

The format's rules and traps: ``docs/formats.md``, "Kaggle run-length CSV".
"""
