"""Helpers of the dashboard's real-browser tests: ``colabsim serve`` in a subprocess, Debian's Chromium.

The fixtures built on them (``playwright``, ``server``) are in ``conftest.py``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("COLABSIM_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1920, "height": 1080}
TIMEOUT_MS = 20_000


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(
            f"the browser test cannot run: {reason}. In CI, .ci/run installs Debian's chromium and "
            "'pip install .[dev]' installs playwright.",
            pytrace=False,
        )
    pytest.skip(reason)


def start_playwright() -> Iterator[Any]:
    """Playwright with the expectations' timeout set, or a skip (a failure in CI) saying what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e .[dev])")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)  # a shared, busy machine can take more than the default 5 s
    with sync_playwright() as pw:
        yield pw


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(log_path: Path, *options: str) -> Iterator[str]:
    """``colabsim serve`` on 127.0.0.1 in a subprocess, until the block ends; yields its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("COLABSIM_SCENARIO", "COLABSIM_TOKEN")}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "colabsim", "serve", "--port", str(port), *options],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"colabsim serve exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status in (200, 403):
                        break
            except urllib.error.HTTPError as answer:
                if answer.code == 403:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"colabsim serve did not answer within 60 s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def open_dashboard(
    playwright: Any, url: str, profile: Path, offline: list[str] | None = None, viewport: dict[str, int] = VIEWPORT
) -> tuple[Any, Any]:
    """A browser of its own (fresh profile, like another person's laptop) showing the dashboard.

    With `offline` (a list), every request to anything but 127.0.0.1 is blocked and noted there.
    """
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS, viewport=viewport
    )
    context.set_default_timeout(TIMEOUT_MS)
    if offline is not None:

        def block(route: Any) -> None:
            if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                offline.append(route.request.url)
                route.abort()

        context.route("**/*", block)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(url)
    page.locator(".colabsim-network-0").wait_for()
    return context, page


def upload(page: Any, name: str, data: bytes) -> None:
    """Choose a file in the page's upload picker (as a participant would, by clicking it)."""
    with page.expect_file_chooser() as chooser:
        page.locator(".colabsim-upload .v-input__slot").click()
    chooser.value.set_files(files=[{"name": name, "mimeType": "application/toml", "buffer": data}])


def month_text(page: Any) -> str:
    return str(page.locator(".colabsim-month").text_content())


def click_until(page: Any, button: str, month: int) -> None:
    from playwright.sync_api import expect

    page.locator(button).click()
    # Any horizon: the month counts up, whichever scenario (Vlissingen 216 months, Darwin 252) is shown.
    expect(page.locator(".colabsim-month")).to_have_text(re.compile(rf"^month {month} of \d+$"))


def painted(page: Any) -> None:
    for name in ("network", "sectors", "dynamics"):
        page.locator(f".colabsim-{name}-0[data-frame]").wait_for()
