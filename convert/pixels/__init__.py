"""Pixel primitives on numpy arrays, knowing nothing of samples or classes: column-major runs (the
intervals every region is painted as), COCO's compressed RLE strings, the sweep that stacks runs, tracing
pixels back into rings, PNG encoding of label images, and Ultralytics' polygon fill.

Layer: may import the bottom modules only (``convert.errors``, ``convert.wording``, ``convert.suggest``,
``convert.limits``).
"""
