"""Telling a URL from a path of this machine.

A URL is ``scheme://rest`` with a scheme segconv reads through fsspec; anything else is a local path, as it
always was (a Windows drive ``C:\\data`` or a file named ``s3:x`` stays a path).

    >>> is_url("s3://delivery/in/annotations.json"), is_url("deliveries/v3"), is_url("C:/data")
    (True, False, False)
    >>> scheme_of("gs://bucket/a.json"), join("s3://b/out", "masks/a.png"), join("s3://b/out/", "a.png")
    ('gs', 's3://b/out/masks/a.png', 's3://b/out/a.png')
    >>> parent("s3://b/in/annotations.json"), name_of("s3://b/in/annotations.json")
    ('s3://b/in', 'annotations.json')

A URL may carry credentials: a password (``https://user:pass@host/...``) or a signed query (a presigned S3,
GCS or Azure SAS link: ``...?X-Amz-Credential=...&X-Amz-Signature=...``).  segconv reads it as given and
prints it, logs it and writes it into reports and run states only as :func:`shown` gives it:

    >>> shown("https://host/in/a.json?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=f00d#top")
    'https://host/in/a.json?X-Amz-Credential=***&X-Amz-Signature=***'
    >>> shown("https://ann:s3cret@host/a.json"), shown("https://tok3n@host/a.json"), shown("s3://b/a.json")
    ('https://ann:***@host/a.json', 'https://***@host/a.json', 's3://b/a.json')
    >>> name_of("https://host/in/a.json?sig=x"), parent("https://host/in/a.json?sig=x")
    ('a.json', 'https://host/in')
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
    return _path_part(url).rstrip("/").rsplit("/", 1)[0]


def name_of(url: str) -> str:
    return _path_part(url).rstrip("/").rsplit("/", 1)[-1]


def _path_part(url: str) -> str:
    """``url`` without the query and fragment of a web address (``?``, ``#`` are a name's own characters in
    a bucket's keys)."""
    if scheme_of(url) in ("http", "https"):
        return url.split("#", 1)[0].split("?", 1)[0]
    return url


def shown(text: str) -> str:
    """A URL as segconv says it: a password (or a lone user part, often a token) replaced by ``***``, and
    every query value of a web address replaced by ``***`` (a presigned link's signature, credential and
    token are query values; the fragment goes); anything that is not a URL is returned as it is."""
    if not is_url(text):
        return text
    scheme, _, rest = text.partition("://")
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        user_part, _, host = authority.rpartition("@")
        user, colon, _ = user_part.partition(":")
        authority = f"{user}:***@{host}" if colon and user else f"***@{host}"
    if scheme.lower() in ("http", "https"):
        tail = tail.split("#", 1)[0]
        path, question, query = tail.partition("?")
        if question:
            tail = path + "?" + "&".join(pair.partition("=")[0] + ("=***" if "=" in pair else "")
                                         for pair in query.split("&"))
    return f"{scheme}://{authority}{slash}{tail}"
