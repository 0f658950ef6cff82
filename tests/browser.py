"""A real browser for the HTML report tests: headless Chromium driven over its DevTools protocol.

``rendered_text(page)`` opens a local HTML file, lets its scripts run, opens every ``<details>`` (as a reader
clicking them would) and returns ``document.body.innerText``: the text as rendered, without what CSS hides.
``screenshot(page, png)`` saves what the page looks like.  Tests are skipped when no Chromium is installed
(``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--remote-allow-origins=*"]


def chromium() -> str:
    for name in (os.environ.get("SEGCONV_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    pytest.skip("no Chromium installed (Debian: apt-get install chromium)")


@contextlib.contextmanager
def page_session(page: Path, width: int = 1200, height: int = 900):
    """A DevTools session with ``page`` loaded; yields a function ``call(method, **params)``."""
    import websocket

    profile = tempfile.mkdtemp(prefix="segconv-chromium-")
    proc = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        address = None
        deadline = time.time() + 60
        while address is None and time.time() < deadline:
            line = proc.stderr.readline()
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                address = found.group(1)
            elif not line and proc.poll() is not None:
                raise RuntimeError("Chromium exited before listening")
        port = address.split(":")[2].split("/")[0]
        targets = json.loads(_get(f"http://127.0.0.1:{port}/json/list"))
        target = next(t for t in targets if t.get("type") == "page")
        ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60)
        counter = iter(range(1, 1 << 30))

        def call(method: str, **params):
            message_id = next(counter)
            ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
            while True:
                reply = json.loads(ws.recv())
                if reply.get("id") == message_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})

        call("Page.enable")
        call("Page.navigate", url=Path(page).resolve().as_uri())
        for _ in range(600):  # until the document has loaded and its scripts ran
            state = call("Runtime.evaluate", expression="document.readyState", returnByValue=True)
            if state["result"].get("value") == "complete":
                break
            time.sleep(0.05)
        yield call
        ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def _get(url: str) -> str:
    import urllib.request

    for _ in range(100):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url}")


def rendered_text(page: Path) -> str:
    with page_session(page) as call:
        call("Runtime.evaluate", expression="document.querySelectorAll('details').forEach(d => d.open = true)")
        result = call("Runtime.evaluate", expression="document.body.innerText", returnByValue=True)
        return result["result"]["value"]


def evaluate(page: Path, expression: str):
    with page_session(page) as call:
        return call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 900) -> None:
    with page_session(page, width, height) as call:
        data = call("Page.captureScreenshot", format="png")["data"]
    Path(png).write_bytes(base64.b64decode(data))
