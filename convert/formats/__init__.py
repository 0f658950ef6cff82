"""Readers and writers, one folder per format (``formats/<name>/read.py`` and/or ``write.py``, with the
format's own helpers beside them), registered one line each in :mod:`convert.formats.readers` (``READERS``)
and :mod:`convert.formats.writers` (``WRITERS``).  The bases they share: :mod:`convert.formats.dataset`
(a reader's dataset), :mod:`convert.formats.layout_writer` (a layout writer), :mod:`convert.formats.options`
(``-O`` options), and the pieces several formats share, written once: :mod:`convert.formats.eightbit`
(8-bit label images), :mod:`convert.formats.objects` (the objects that show after layering),
:mod:`convert.formats.placed_mask` (a mask placed by its corner), :mod:`convert.formats.ids` (COCO ids kept
or renumbered, for coco-rle and coco-panoptic).

Layer: may import ``convert.checks``, ``convert.painting``, ``convert.model``, ``convert.findings``,
``convert.pixels``, ``convert.files`` and the bottom modules; never the reports, the pipeline, the API or the
CLI.
"""
