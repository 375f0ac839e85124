"""A real ``colabsim serve`` for the dashboard scripts: start it, wait for it, watch it, open sessions.

Shared by ``dashboard_sessions.py`` (memory per session) and ``dashboard_probe.py`` (the hostile
probe of issue 13). The server runs in a subprocess as a trainer would start it; browsers are
Debian's Chromium driven by Playwright (no browser is downloaded). `Trace` records the files and
connections of the server (strace); `raw_request` and `websocket_status` talk to it as a script
would, with nothing cleaned up on the way; `Table` prints request -> outcome.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COLABSIM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
#: Environment variables a test run may have set that would change what the server serves.
_SCRUBBED = ("COLABSIM_SCENARIO", "COLABSIM_TOKEN", "COLABSIM_SCENARIOS")


@dataclass(frozen=True)
class Server:
    """A running ``colabsim serve``.

    Attributes:
        process: The server's process.
        url: Its address on 127.0.0.1 (``http://127.0.0.1:PORT/``).
        port: Its port.
        log: Its standard output and error.
    """

    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_up(
    url: str, process: subprocess.Popen[bytes], seconds: float = 90, headers: dict[str, str] | None = None
) -> None:
    """Wait until `url` answers (a page, or the access-code form of a server with a token).

    The first request that reaches the server carries `headers`.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"colabsim serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2):
                return
        except urllib.error.HTTPError as answer:
            if answer.code == 403:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"colabsim serve did not answer within {seconds:g} s")


@contextlib.contextmanager
def serving(
    *options: str, cwd: Path = ROOT, env: dict[str, str] | None = None, first_headers: dict[str, str] | None = None
) -> Iterator[Server]:
    """``colabsim serve --port P OPTIONS...`` in a subprocess until the block ends.

    Args:
        options: Further command-line options (``--host``, ``--token``, ``--keep-minutes``...).
        cwd: The working folder (a trainer's folder, with or without a ``.env``).
        env: Variables added to this process's environment.
        first_headers: Headers of the first request the server gets (the probe's first request).
    """
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in _SCRUBBED} | (env or {})
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH", "")]))
    log = Path(tempfile.mkstemp(prefix="colabsim-serve-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "colabsim", "serve", "--port", str(port), *options],
            cwd=cwd,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}/", port, log)
    # A `timeout` or Ctrl+C on the script must not leave the server behind.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    finished = False
    try:
        wait_up(server.url, process, headers=first_headers)
        yield server
        finished = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if finished:
            log.unlink(missing_ok=True)
        else:
            print(f"colabsim serve's output: {log}", file=sys.stderr)


def open_session(
    playwright: Any, url: str, profile: Path, prepare: Callable[[Any], object] | None = None
) -> tuple[Any, Any]:
    """A browser of its own (a fresh profile, like another participant's device) showing the dashboard.

    `prepare` gets the page before it loads (to route its websockets, say).
    """
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS
    )
    context.set_default_timeout(60_000)
    page = context.pages[0] if context.pages else context.new_page()
    if prepare is not None:
        prepare(page)
    page.goto(url)
    page.locator(".colabsim-network-0").wait_for()
    return context, page


def machine() -> str:
    """One line about this machine: processor, cores, memory, load, Python."""
    import platform

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = next((int(line.split()[1]) / 1024**2 for line in meminfo if line.startswith("MemTotal")), 0.0)
    load = os.getloadavg()[0]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    cores = os.cpu_count()
    return f"{cpu}, {cores} cores, {memory:.0f} GB, load average {load:.1f}, Python {platform.python_version()}"


@dataclass
class Table:
    """Rows of request -> outcome; a row with a finding counts against the server."""

    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, request: str, outcome: str, finding: str = "", width: int = 90) -> None:
        """Add a row (`finding` empty when the outcome is as it should be; `width` 0: the whole outcome)."""
        self.rows.append((short(request, 70), short(outcome, width) if width else outcome, finding))

    @property
    def findings(self) -> int:
        """Rows with a finding."""
        return sum(1 for *_, found in self.rows if found)

    def print(self) -> None:
        """Print as a Markdown table."""
        print(f"\n### {self.title}\n\n| request | outcome | finding |\n|---|---|---|")
        for request, outcome, found in self.rows:
            cells = [c.replace("|", "\\|").replace("\n", " ") for c in (request, outcome, found or "-")]
            print(f"| {' | '.join(cells)} |")


def short(text: str, width: int) -> str:
    text = text.replace("\x00", "\\0")
    return text if len(text) <= width else f"{text[: width - 12]}...({len(text)} chars)"


class Trace:
    """Every file path and connection of process `pid` while the block runs (strace -f -p)."""

    def __init__(self, pid: int) -> None:
        """Attach to `pid`, if strace is there."""
        self.log = Path(tempfile.mkstemp(prefix="colabsim-probe-", suffix=".strace")[1])
        self.process: subprocess.Popen[bytes] | None = None
        if Path("/usr/bin/strace").exists():
            command = ["strace", "-f", "-qq", "-s", "6000", "-e", "trace=%file,connect", "-o", str(self.log)]
            self.process = subprocess.Popen([*command, "-p", str(pid)], stderr=subprocess.DEVNULL)
            time.sleep(2)  # attached to every thread

    @property
    def on(self) -> bool:
        """Whether syscalls are recorded."""
        return self.process is not None

        self.lines: list[str] = []

    def stop(self) -> None:
        """Detach, and keep what was recorded (the log file goes)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=20)
        self.lines = self.log.read_text(errors="replace").splitlines()
        self.log.unlink(missing_ok=True)

    def paths(self) -> set[str]:
        """Every path the server named in a file syscall (opened, stat'ed, listed...) until `stop`."""
        found = set()
        for line in self.lines:
            for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', line.split("connect(", 1)[0]):
                found.add(match.group(1).encode().decode("unicode_escape", errors="replace"))
        return found

    def remote_connections(self) -> list[str]:
        """Connections to anything but this computer (a fetch from the internet, or telemetry)."""
        out = []
        for line in self.lines:
            if "connect(" not in line or "AF_UNIX" in line:
                continue
            address = re.search(r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"', line)
            if address and not address.group(1).startswith(("127.", "::1", "::ffff:127.")):
                out.append(address.group(1))
        return out


@contextlib.contextmanager
def traced(pid: int) -> Iterator[Trace]:
    """Trace process `pid` while the block runs."""
    trace = Trace(pid)
    try:
        yield trace
    finally:
        trace.stop()


def raw_request(
    port: int, method: str, target: str, headers: dict[str, str] | None = None, host: str = "127.0.0.1"
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request with `target` sent exactly as written (no ``..`` or ``//`` cleaned)."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def websocket_status(host: str, port: int, path: str, cookie: str = "") -> str:
    """The status line the server answers a websocket handshake with (101 is an open websocket)."""
    import base64
    import socket

    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade"]
    lines += [f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", *([f"Cookie: {cookie}"] if cookie else [])]
    with socket.create_connection((host, port), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return connection.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
