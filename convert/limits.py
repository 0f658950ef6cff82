"""Limits that keep hostile input from allocating gigabytes.

``DEFAULT_MAX_PIXELS`` (``--max-pixels``) bounds the declared size of an image
and of any mask before anything is allocated for it.
"""

DEFAULT_MAX_PIXELS = 1 << 28  # 268 million pixels, e.g. 16384 x 16384
