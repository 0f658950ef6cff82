"""Telling a URL from a path of this machine.

A URL is ``scheme://rest`` with a scheme segconv reads through fsspec; anything else is a local path, as it
always was (a Windows drive ``C:\\data`` or a file named ``s3:x`` stays a path).

    >>> is_url("s3://delivery/in/annotations.json"), is_url("deliveries/v3"), is_url("C:/data")
    (True, False, False)
    >>> scheme_of("gs://bucket/a.json"), join("s3://b/out", "masks/a.png"), join("s3://b/out/", "a.png")
    ('gs', 's3://b/out/masks/a.png', 's3://b/out/a.png')
    >>> parent("s3://b/in/annotations.json"), name_of("s3://b/in/annotations.json")
    ('s3://b/in', 'annotations.json')
"""

from __future__ import annotations

import os

# scheme -> the segconv extra that installs its fsspec backend (None: fsspec itself reads it)
EXTRA_OF = {
    "s3": "s3", "s3a": "s3",
    "gs": "gcs", "gcs": "gcs",
    "az": "azure", "abfs": "azure", "abfss": "azure", "adl": "azure",
    "hf": "hf",
    "http": "http", "https": "http",
    "memory": None,
}


def is_url(given: object) -> bool:
    """Whether ``given`` (a str or a path) names object storage rather than a file of this machine."""
    if not isinstance(given, str):  # a pathlib.Path is a local path ("s3://" in a Path has lost a slash)
        return False
    scheme, sep, rest = given.partition("://")
    return bool(sep) and scheme.lower() in EXTRA_OF and bool(rest)


def scheme_of(url: str) -> str:
    return url.partition("://")[0].lower()


def join(url: str, name: str) -> str:
    """``url`` / ``name`` (``name`` relative, ``/``-separated)."""
    return url.rstrip("/") + "/" + name.replace(os.sep, "/").lstrip("/")


def parent(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[0]


def name_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]
