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


def test_a_web_servers_error_answer_is_said_with_its_status(tmp_path):
    """A web server answering 500 (or 403) to a source: one line naming the link without its query values and
    the server's answer, exit 2; not 'no such file or folder', not an internal error."""
    import http.server
    import threading

    from conftest import run_cli

    statuses = {"/broken.json": 500, "/locked.json": 403}

    class Answer(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            self.send_response(statuses.get(self.path.split("?")[0], 404))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):  # noqa: N802 - http.server's name
            self._answer()

        def do_HEAD(self):  # noqa: N802 - http.server's name
            self._answer()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for name, said in (("broken.json", "the server answered 500"), ("locked.json", "access denied (the server "
                                                                                        "answered 403"),
                           ("gone.json", "no such file or folder")):
            result = run_cli("validate", f"{base}/{name}?sig={SECRET}")
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 2 and len(lines) == 1, result.stderr
            assert said in lines[0] and f"{base}/{name}?sig=***" in lines[0] and SECRET not in lines[0], lines[0]
    finally:
        server.shutdown()
