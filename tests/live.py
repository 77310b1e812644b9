"""The real things some tests need: ``follicle serve`` in a subprocess, headless Chromium.

Chromium is Debian's (/usr/bin/chromium; Playwright cannot download browsers here). Without
it the browser tests skip, except under CI, where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str,
    log: Path,
    *,
    port: int,
    env: Mapping[str, str] | None = None,
    seconds: float = 120.0,
    args: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """Start ``follicle serve`` on the registry at ``url`` and ``port``, its output appended
    to ``log``; return the process once ``/login`` answers (within ``seconds``: a loaded CI
    machine imports slowly). A server that exits or does not answer in time is an error
    that quotes the end of its log (and is not left running)."""
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "follicle", "serve", "--port", str(port), *args],
            env={**os.environ, **(env or {}), "FOLLICLE_DATABASE_URL": url},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: workers (--workers) die with it
        )
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1.0).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)


@contextmanager
def serving(url: str, log: Path, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """``follicle serve`` on the registry at ``url``: yields its base URL once it answers
    (:func:`start_server`); stopped at the end whatever happens."""
    port = free_port()
    process = start_server(url, log, port=port, env=env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium (the test skips without it, or fails under CI)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required under CI")
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
