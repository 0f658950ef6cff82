"""A run: the loop (open, paint, check, write, report, one image at a time), what it says of the whole
source once the images are done, the names images take in OUT, the output folder and its manifest, the
settings ``--resume`` compares, worker processes and Dask, splits, the diff of two deliveries, and errors
the machine causes.

Layer: may import every layer below it (``convert.reports``, ``convert.formats``, ``convert.checks``,
``convert.painting``, ``convert.model``, ``convert.findings``, ``convert.pixels``, ``convert.files``) and
the bottom modules; never the API or the CLI.
"""
