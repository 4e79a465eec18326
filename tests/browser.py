"""Real processes for the browser tests: the demo data on SQLite, `rapport serve --dev` on it,
pages on other origins, and headless Chromium from the system's packages driven by Selenium.

Chromium and chromedriver are Debian's (`apt-get install chromium chromium-driver`; .ci/run
installs them); nothing is downloaded. The ports are this project's test range.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

RAPPORT = str(Path(sys.executable).parent / "rapport")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
API_PORT = 8160
ALLOWED_PORT = 8161  # a page on this origin may call the API (RAPPORT_CORS_ORIGINS)
REFUSED_PORT = 8162  # a page on this one may not
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
]


def require_chromium() -> None:
    if shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER):
        return
    message = f"{CHROMIUM} and {CHROMEDRIVER} are needed: apt-get install chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Site:
    url: str  # the API server, e.g. http://127.0.0.1:8160
    token: str
    demo_output: str

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert "errors" not in body, body["errors"]
        return body["data"]


@contextmanager
def demo_site(folder: Path) -> Iterator[Site]:
    """`rapport demo --no-serve` into a SQLite file, then `rapport serve --dev` on it."""
    database = f"sqlite:///{folder}/demo.db"
    demo = subprocess.run(
        [RAPPORT, "demo", "--no-serve", "--database", database, "--port", str(API_PORT)],
        capture_output=True, text=True, timeout=300, check=True, cwd=folder,
    )  # fmt: skip
    [token] = re.findall(r"^Token: (rpt_\S+)$", demo.stdout, re.MULTILINE)
    env = {**os.environ, "RAPPORT_CORS_ORIGINS": f"http://127.0.0.1:{ALLOWED_PORT}"}
    env.pop("RAPPORT_DEMO_TOKEN", None)
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(
        [RAPPORT, "serve", "--dev", "--port", str(API_PORT), "--database", database],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder,
    )  # fmt: skip
    url = f"http://127.0.0.1:{API_PORT}"
    try:
        _wait_for(f"{url}/healthz", server, folder / "serve.log")
        yield Site(url, token, demo.stdout)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise AssertionError(f"rapport serve stopped: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer: {log.read_text()}")


CORS_PAGE = """<!doctype html><meta charset="utf-8"><title>another origin</title>
<pre id="result">waiting</pre>
<script>
  const params = new URLSearchParams(location.search);
  fetch(params.get("api") + "/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + params.get("token") },
    body: JSON.stringify({ query: "{ inboxes { id name } }" }),
  })
    .then((response) => response.json())
    .then((body) => { document.getElementById("result").textContent = "answer " + JSON.stringify(body); })
    .catch((error) => { document.getElementById("result").textContent = "refused " + error; });
</script>
"""


@contextmanager
def other_origins() -> Iterator[None]:
    """A page that calls the API, served on an allowed origin and on a refused one."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            body = CORS_PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    servers = [
        ThreadingHTTPServer(("127.0.0.1", port), Page) for port in (ALLOWED_PORT, REFUSED_PORT)
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@contextmanager
def chromium(*, offline: bool = False) -> Iterator[Any]:
    """Headless Chromium in a fresh profile; `offline`: every host but loopback unreachable
    (through a proxy that does not exist; loopback never goes through a proxy)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="rapport-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    if offline:
        options.add_argument("--proxy-server=http://127.0.0.1:9")
        options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_until(driver: Any, script: str, timeout: float = 30, *args: Any) -> Any:
    """Polls a JavaScript expression (`return …`) until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")
