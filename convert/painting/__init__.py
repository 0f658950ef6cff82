"""Painting a sample with the indexed-layer rule: every region rasterised to runs (``rasterize``, under
the ``coco`` or ``labelme`` pixel rule), then levels, the source's order, void and the fill class decide each
pixel (``paint``); what it gives, the class mask with its stretches, objects and the trace the validator
counts from, is ``painted``.

Layer: may import ``convert.model``, ``convert.pixels``, ``convert.findings``, ``convert.files`` and the
bottom modules.
"""
