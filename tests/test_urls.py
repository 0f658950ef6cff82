"""URLs said without their credentials (convert.files.remote.urls), and the source a --resume compares."""

from __future__ import annotations

import pytest

from convert.api.running import _said_source
from convert.files.remote.urls import identity, shown, shown_in
from convert.pipeline.settings import changed_settings

SECRET = "S3CR3T"


@pytest.mark.parametrize("url", [
    f"https://host/a.json?X-Amz-Credential=AK%2F1&X-Amz-Signature={SECRET}",
    f"https://host?X-Amz-Signature={SECRET}",              # no path
    f"https://u:{SECRET}@host?sig={SECRET}",               # a password and a query, no path
    f"https://host/dl?{SECRET}",                           # a query part without a value
    f"https://host/a.json;sig={SECRET}",                   # a path parameter
    f"https://host/a.json#{SECRET}",                       # a fragment
    f"https://{SECRET}@host/a.json",                       # a lone user part: a token
    f"ftp://ann:{SECRET}@host/a.json",                     # a scheme segconv does not read
    f"HTTPS://ann:{SECRET}@[::1]:8443/a.json?t={SECRET}",  # upper-case scheme, an IPv6 host
    f"https://ann:p@ss{SECRET}@host/a.json",               # "@" in the password
])
def test_no_credential_is_shown(url):
    assert SECRET not in shown(url)
    assert SECRET not in shown_in(f"error: {url}: refused ({url!r})")


@pytest.mark.parametrize("url", ["s3://bucket/odd?name#with;chars.json", "abfs://photos@acct.dfs.core.windows.net/a",
                                 "gs://b/a.json", "hf://datasets/user/name@main/data", "fixtures/food/a.json"])
def test_names_that_are_no_credentials_are_shown_as_they_are(url):
    assert shown(url) == url


def test_resume_compares_what_a_link_names_not_its_signature():
    a = "https://host/a.json?versionId=1&X-Amz-Signature=f00d&Expires=1"
    fresh = a.replace("f00d", "beef").replace("Expires=1", "Expires=2")
    other = a.replace("versionId=1", "versionId=2")
    assert changed_settings({"source": _said_source(a)}, {"source": _said_source(fresh)}) == ""
    assert changed_settings({"source": _said_source(a)}, {"source": _said_source(other)}).startswith("SRC")
    assert "f00d" not in _said_source(a) and identity(a) in _said_source(a)
    assert _said_source("s3://b/a.json") == "s3://b/a.json"
