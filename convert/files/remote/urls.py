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
import re

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


# bucket stores: a key may hold "?", "#" and ";" as its own characters, and the part before "@" in an Azure
# URL (abfs://container@account.dfs.core.windows.net/...) is the container, not a user
_KEYS_ARE_NAMES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "hf", "memory"}
_CONTAINER_AT = {"az", "abfs", "abfss", "adl"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
# query parameters that sign or authorise a link (presigned S3 and GCS URLs, Azure SAS): left out of a
# source's identity, so a fresh link to the same object is the same source for --resume
_SIGNING = {"signature", "awsaccesskeyid", "expires", "sig", "se", "st", "sv", "sp", "spr", "sr", "ss", "srt",
            "si", "skoid", "sktid", "skt", "ske", "sks", "skv", "token", "access_token", "sas"}


def shown(text: str) -> str:
    """A URL as segconv says it: a password (or a lone user part, often a token) replaced by ``***``; for a
    web address also every query value (a presigned link's signature, credential and token are query
    values), a query part without a value and a ``;name=value`` path parameter's value, and the fragment
    dropped.  Anything that is not ``scheme://...`` is returned as it is.

        >>> shown("https://host?X-Amz-Signature=f00d"), shown("https://u:p@host/dl?T0KEN;x")
        ('https://host?X-Amz-Signature=***', 'https://u:***@host/dl?***')
        >>> shown("https://host/a.json;sig=f00d"), shown("ftp://ann:pw@host/a.json")
        ('https://host/a.json;sig=***', 'ftp://ann:***@host/a.json')
        >>> shown("abfs://photos@acct.dfs.core.windows.net/a.json"), shown("s3://b/a?b#c.json")
        ('abfs://photos@acct.dfs.core.windows.net/a.json', 's3://b/a?b#c.json')
    """
    found = _SCHEME.match(text)
    if not found:
        return text
    scheme = found.group()[:-3].lower()
    rest = text[found.end():]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        user_part, _, host = authority.rpartition("@")
        user, colon, _ = user_part.partition(":")
        if scheme in _CONTAINER_AT and not colon:
            pass  # the container's name
        else:
            authority = f"{user}:***@{host}" if colon and user else f"***@{host}"
    if scheme not in _KEYS_ARE_NAMES:
        tail = tail.split("#", 1)[0]
        path, question, query = tail.partition("?")
        path = re.sub(r";([^;/=]*)=[^;/]*", r";\1=***", path)
        tail = path
        if question:
            tail += "?" + "&".join(part.partition("=")[0] + "=***" if "=" in part else "***"
                                   for part in query.split("&"))
    return found.group() + authority + tail


def shown_in(text: str) -> str:
    """``text`` with every URL in it as :func:`shown` says it (a backend's message may quote the URL).

        >>> shown_in("403, url='https://h/a.json?sig=f00d&e=1'")
        "403, url='https://h/a.json?sig=***&e=***'"
    """
    return _URL_IN_TEXT.sub(lambda m: shown(m.group()), text)


def identity(url: str) -> str:
    """A short digest of what ``url`` names, for ``--resume`` to compare sources by: the URL without its
    password, fragment and signing query parameters (``X-Amz-*``, ``X-Goog-*``, ``Signature``, an Azure
    SAS's ``sig``, ``se``...), so a fresh link to the same object is the same source and another object
    (``versionId=v2``) is not; the digest holds no secret.

        >>> a = "https://h/a.json?versionId=1&X-Amz-Signature=f00d"
        >>> identity(a) == identity(a.replace("f00d", "beef")), identity(a) == identity(a.replace("=1", "=2"))
        (True, False)
    """
    import hashlib

    base, _, query = url.split("#", 1)[0].partition("?")
    found = _SCHEME.match(base)
    if found and "@" in base[found.end():].split("/", 1)[0]:
        authority = base[found.end():].split("/", 1)[0]
        user_part, _, host = authority.rpartition("@")
        base = found.group() + user_part.partition(":")[0] + "@" + host + base[found.end() + len(authority):]
    kept = sorted(part for part in query.split("&") if part and not (
        part.partition("=")[0].lower() in _SIGNING or part.lower().startswith(("x-amz-", "x-goog-"))))
    return hashlib.sha256((base + "?" + "&".join(kept)).encode()).hexdigest()[:12]
