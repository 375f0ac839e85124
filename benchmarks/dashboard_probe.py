"""The hostile probe of issue 13, against a real ``colabsim serve``: uploads, assets, token, ``.env``.

Run on demand; it starts its own servers (loopback without a token, ``--host 0.0.0.0`` with one,
and one in a folder with a hostile ``.env``) and tries what a participant on the room's network
could, about 10 minutes on 2 cores:

    .venv/bin/python benchmarks/dashboard_probe.py [--parts uploads,assets,token,env]

1. **uploads**: for each of 38 server paths, an upload *named* that path and one whose TOML
   ``extends`` it, each against a twin path in a folder that does not exist (same base name): if
   the two answers differ, the server told whether the path exists; a file's words in the answer
   mean it showed content; a server path in the answer means it echoed one. The browser's file
   description is rewritten on the websocket (as a participant's own script could), so names with
   folders, NUL bytes or 5,000 characters and claimed sizes of 1 GiB really reach the server. Then
   binary, UTF-16, nested and oversized files, and the next visitor's page.
2. **assets**: ``/_solara/cdn/`` folders, ``..``, ``%2e%2e``, ``//``, uncached versions, other
   methods: 404 (405), and the asset folder is the same afterwards.
3. **token**: off localhost, every HTTP path and the kernel websockets without the token, with a
   wrong one, and (as control) with the cookie; the first request's headers cannot move the page's
   root (``X-Script-Name``); the token link does not redirect off the server.
4. **env**: a ``.env`` in the working folder that tries to turn the safety settings back.

With strace (Debian's ``strace``) every file the server touches and every connection it opens while
probed is recorded: that is how "no server file is read or probed" and "nothing is fetched" are
checked (without it, those columns say so). Prints a table per part, request -> outcome, and a
summary comparable with the issue's "before"; exits 1 if anything is found.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard_live import CHROMIUM, FLAGS, ROOT, machine, open_session, rss_mb, serving

ASSETS = Path(sys.prefix) / "share" / "solara" / "cdn"
TOKEN = "prb2-k7m4-x9qz"
#: A scenario that loads (extends a shipped one); {name} is its title.
VALID = 'extends = "darwin.toml"\n[scenario]\nname = "{name}"\n'
#: A scenario that does not validate, so the answer names the uploaded file.
INVALID = 'extends = "darwin.toml"\n[scenario]\nname = ""\n'


@dataclass
class Table:
    """Rows of request -> outcome; a row with a finding counts against the server."""

    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, request: str, outcome: str, finding: str = "", width: int = 90) -> None:
        """Add a row (`finding` empty when the outcome is as it should be; `width` 0: the whole outcome)."""
        self.rows.append((_short(request, 70), _short(outcome, width) if width else outcome, finding))

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


def _short(text: str, width: int) -> str:
    text = text.replace("\x00", "\\0")
    return text if len(text) <= width else f"{text[: width - 12]}...({len(text)} chars)"


# --- what the server touched (strace) -----------------------------------------------------------


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

    def stop(self) -> None:
        """Detach."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=20)

    def paths(self) -> set[str]:
        """Every path the server named in a file syscall (opened, stat'ed, listed...)."""
        found = set()
        for line in self.log.read_text(errors="replace").splitlines():
            for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', line.split("connect(", 1)[0]):
                found.add(match.group(1).encode().decode("unicode_escape", errors="replace"))
        return found

    def remote_connections(self) -> list[str]:
        """Connections to anything but this computer (a fetch from the internet, or telemetry)."""
        out = []
        for line in self.log.read_text(errors="replace").splitlines():
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


# --- 1. uploads ---------------------------------------------------------------------------------


def server_paths(work: Path) -> list[str]:
    """The 38 server paths the issue's probe typed into the old path box, as this machine has them."""
    canary = work / "canary"
    canary.mkdir()
    (canary / "scenario.toml").write_text((ROOT / "scenarios" / "darwin.toml").read_text().replace(
        'name = "Ambon-Darwin sister city"', 'name = "CANARY scenario outside the catalogue"'
    ))  # fmt: skip
    (canary / "secret.toml").write_text('api_key = "canary-secret-4711"\n[scenario]\nname = "canary-secret"\n')
    os.mkfifo(canary / "pipe")
    relative = os.path.relpath(canary / "scenario.toml", ROOT)
    return [
        "/etc/passwd", "/etc/shadow", "/etc/hostname", "/etc/hosts", "/etc/os-release",
        "/proc/self/environ", "/proc/self/cmdline", "/proc/self/status", "/proc/self/maps",
        "/proc/self/cwd/pyproject.toml", "/proc/version", "/dev/zero", "/dev/urandom",
        str(canary / "pipe"), str(canary / "scenario.toml"), str(canary / "secret.toml"), str(canary),
        str(canary / "missing.toml"), relative, "~/.env", "~/.bashrc", "~/.ssh/id_rsa", "~root/x",
        "~nosuchuser/x", "pyproject.toml", "../pyproject.toml", "./.env", "scenarios/darwin.toml",
        str(ROOT / "scenarios" / "darwin.toml"), "../../../../etc/passwd", "/etc/../etc/passwd", "/root",
        "/tmp", "C:\\Windows\\win.ini", "file:///etc/passwd", "%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd\x00.toml", "/" + "a" * 4999,
    ]  # fmt: skip


def twin(path: str) -> str:
    """A path in a folder that does not exist, with the same last part (so the same name is shown)."""
    head, _, last = path.replace("\\", "/").rpartition("/")
    return f"/nonexistent-{secrets.token_hex(3)}/{last or head}"


def variants(path: str) -> set[str]:
    """What the server would have to name in a syscall to read or probe `path`."""
    plain = path.split("\x00")[0].removeprefix("file://")
    out = {plain, os.path.expanduser(plain), os.path.normpath(ROOT / plain)}
    return {p for p in out if p.startswith("/") and len(p) > 1 and not p.startswith("/nonexistent-")}


def file_words(path: str) -> set[str]:
    """Words of the file at `path` (read here, as the probe runs on the server's machine)."""
    target = Path(os.path.expanduser(path.split("\x00")[0].removeprefix("file://")))
    if not target.is_absolute():
        target = ROOT / target
    try:
        if not target.is_file():
            return set()
        with target.open("rb") as stream:
            text = stream.read(65536).decode("utf-8", "replace")
    except OSError:
        return set()
    return set(re.findall(r"[A-Za-z0-9_@.-]{8,}", text))


class Uploader:
    """Uploads into one dashboard page; the file description on the websocket may be rewritten."""

    def __init__(self, playwright: Any, url: str, profile: Path) -> None:
        """Open the dashboard in a browser of its own, its websockets hooked before the page loads."""
        self.send: dict[str, Any] = {}
        self.context, self.page = open_session(playwright, url, profile, self._hook)

    def _hook(self, page: Any) -> None:
        page.route_web_socket(re.compile(r".*/channels.*"), self._bridge)

    def _bridge(self, ws: Any) -> None:
        server = ws.connect_to_server()

        def upward(message: str | bytes) -> None:
            if isinstance(message, str) and '"file_info"' in message and self.send:
                data = json.loads(message)
                for info in data["content"]["data"]["state"].get("file_info", []):
                    info.update(self.send)
                message = json.dumps(data)
            server.send(message)

        ws.on_message(upward)
        server.on_message(ws.send)

    def _choose(self, name: str, data: bytes | Path) -> None:
        with self.page.expect_file_chooser() as chooser:
            self.page.locator(".colabsim-upload .v-input__slot").click()
        files = str(data) if isinstance(data, Path) else [{"name": name, "mimeType": "text/plain", "buffer": data}]
        chooser.value.set_files(files=files)

    def _title(self) -> str:
        return str(self.page.locator(".colabsim-scenario-names").text_content()).strip()

    def _answer(self) -> str:
        error, notice = self.page.locator(".colabsim-file-error"), self.page.locator(".colabsim-notice")
        if error.count():
            return "error: " + str(error.first.text_content()).strip()
        if notice.count():
            return "notice: " + str(notice.first.text_content()).strip()
        return "accepted: " + self._title()

    def upload(self, data: bytes | Path, sent: dict[str, Any] | None = None, wait_s: float = 45) -> str:
        """Upload `data` (bytes, or a file by path); return what the page shows once it changes.

        Callers alternate uploads whose answers differ, so a change marks the answer; an answer
        equal to the one before shows after `wait_s` seconds.
        """
        before = self._answer()
        self.send = dict(sent or {})
        self._choose("probe.toml", data)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            answer = self._answer()
            if answer != before:
                return answer
            self.page.wait_for_timeout(100)
        return f"unchanged after {wait_s:g} s: {self._answer()}"


def _leaks(answer: str, path: str, baseline: str) -> str:
    """What `answer` gives away about `path` (empty if nothing)."""
    served = [str(ROOT), str(Path.home()), sys.prefix, tempfile.gettempdir(), "/etc/", "/proc/", "/dev/", "/root"]
    if "/" in path and path.split("\x00")[0] in answer:
        return "echoes the path"
    echoed = [s for s in served if s in answer and s not in baseline]
    if echoed:
        return f"echoes a server path ({echoed[0]})"
    words = {w for w in file_words(path) if w in answer and w not in baseline}
    if words:
        return f"shows content ({sorted(words)[0]})"
    return ""


def probe_uploads(server_url: str, pid: int, playwright: Any, work: Path) -> tuple[Table, dict[str, int]]:
    """Part 1: every browser input that could carry a path, and files no scenario is."""
    table = Table("1. Uploads (loopback server, one participant's browser)")
    counts = {"paths": 0, "content": 0, "existence": 0, "echo": 0, "touched": 0}
    uploader = Uploader(playwright, server_url, work / "attacker")
    paths = server_paths(work)
    with traced(pid) as trace:  # the session is open: whatever the server touches now, an upload made it
        results = []
        for number, path in enumerate(paths, 1):
            answers = []
            for name in (path, twin(path)):  # a name's answer, then an extends answer: each differs from the last
                answers.append(uploader.upload(INVALID.encode(), {"name": name}))
                answers.append(uploader.upload(f"extends = {json.dumps(name)}\n".encode(), {"name": "extends.toml"}))
            results.append((path, (answers[0], answers[2]), (answers[1], answers[3])))
            print(f"path {number} of {len(paths)}: {path[:60]!r}", file=sys.stderr, flush=True)
    uploader.context.close()
    touched = trace.paths() if trace.on else set()
    with traced(pid) as other_trace:  # new sessions read the catalogue and IPython's settings
        extras = _hostile_files(playwright, server_url, pid, work)
    touched_later = other_trace.paths() if other_trace.on else set()
    for path, named, extended in results:
        counts["paths"] += 1
        found = []
        for kind, (answer, baseline) in (("named", named), ("extends", extended)):
            leak = _leaks(answer, path, baseline)
            if leak:
                found.append(f"{kind}: {leak}")
                counts["content" if "content" in leak else "echo"] += 1
            if answer != baseline:
                found.append(f"{kind}: tells existence ({_short(baseline, 40)})")
                counts["existence"] += 1
        hit = sorted(variants(path) & touched)
        if hit:
            found.append(f"server touched {hit[0]}")
            counts["touched"] += 1
        table.add(f"name / extends = {path!r}", f"{named[0]} / {extended[0]}", "; ".join(found))
    for request, outcome, found in extras:
        table.add(request, outcome, found)
    visitor, fresh = open_session(playwright, server_url, work / "visitor")
    fresh.locator(".colabsim-step").click()
    fresh.get_by_text("month 1 of").wait_for()
    table.add("the next visitor opens the page and steps", "renders, month 1", "")
    visitor.close()
    if trace.on:
        outside = sorted(p for p in touched if _outside(p))
        table.add("files touched while the 38 paths were uploaded", ", ".join(outside) or "none",
                  "touched" if outside else "", width=0)  # fmt: skip
        later = sorted(p for p in touched_later if _outside(p) and not p.startswith(_IPYTHON))
        table.add("files touched by the hostile files and new sessions (but IPython's settings)",
                  ", ".join(later) or "none", "touched" if later else "", width=0)  # fmt: skip
    else:
        table.add("files touched", "not traced (no strace)", "")
    return table, counts


#: Where a new session's IPython kernel looks for its settings (in the home folder).
_IPYTHON = tuple(str(Path.home() / p) for p in (".ipython", ".config", ".jupyter", ".local/share/jupyter"))


def _outside(path: str) -> bool:
    """Whether the server has no business with `path` while serving uploads."""
    allowed = (sys.prefix, sys.base_prefix, str(ROOT / "colabsim"), str(ROOT / "scenarios"), "/usr/lib/python3",
               "/usr/local/lib/python3", "/proc/self/task", "/sys/", "/etc/localtime", "/dev/urandom")  # fmt: skip
    folders = {str(ROOT), str(Path.home()), *map(str, ROOT.parents)}  # looked up on the way to the package
    return path.startswith("/") and not path.startswith(allowed) and path not in folders


def _hostile_files(playwright: Any, url: str, pid: int, work: Path) -> list[tuple[str, str, str]]:
    """Files that are no scenario at all; each must get a clear message and leave memory alone."""
    huge = work / "huge.toml"
    with huge.open("wb") as stream:
        stream.truncate(1 << 30)  # 1 GiB, sparse
    actors = "".join(
        f'[[actors]]\nid = "a{i}"\nname = "a"\nkind = "agency"\nside = "{("local", "foreign")[i % 2]}"\n'
        'sectors = ["tourism"]\n'
        for i in range(2500)
    )
    many = f'{VALID.format(name="many")}{actors}[[tie_rules]]\nbetween = ["local", "foreign"]\n'.encode()
    cases: list[tuple[str, bytes | Path, dict[str, Any], Callable[[str], bool]]] = [
        ("a real 1 GiB file", huge, {}, lambda a: "larger than" in a),
        ("1 GiB claimed, 40 bytes sent", VALID.format(name="claimed").encode(), {"size": 1 << 30},
         lambda a: a.startswith(("error", "accepted"))),
        ("size claimed as text", VALID.format(name="text size").encode(), {"size": "many"},
         lambda a: a.startswith("error")),
        ("size claimed negative", VALID.format(name="negative").encode(), {"size": -5},
         lambda a: a.startswith("error")),
        ("binary", bytes(range(256)) * 64, {}, lambda a: "not a text file" in a),
        ("NUL bytes in TOML", b'[scenario]\nname = "a\x00b"\n', {}, lambda a: a.startswith("error")),
        ("UTF-16", VALID.format(name="utf16").encode("utf-16"), {}, lambda a: "UTF-16" in a),
        ("TOML nested 100,000 deep", b"a = " + b"[" * 100_000 + b"]" * 100_000, {},
         lambda a: a.startswith("error")),
        ("2,500 actors and a tie rule (6 million ties)", many, {}, lambda a: a.startswith("error")),
        ("name of 5,000 characters", INVALID.encode(), {"name": "n" * 5000 + ".toml"},
         lambda a: a.startswith("error") and len(a) < 2000),
        ("name with NUL and a new line", INVALID.encode(), {"name": "a\x00b\nc.toml"},
         lambda a: a.startswith("error") and "\x00" not in a),
        ("name with HTML", INVALID.encode(), {"name": "<img src=x onerror=alert(1)>.toml"},
         lambda a: a.startswith("error")),
    ]  # fmt: skip
    rows = []
    for what, data, sent, expected in cases:
        uploader = Uploader(playwright, url, work / f"hostile{len(rows)}")  # its own session: it may break
        before = rss_mb(pid)
        started = time.monotonic()
        answer = uploader.upload(data, sent)
        uploader.context.close()
        grown, took = rss_mb(pid) - before, time.monotonic() - started
        found = [] if expected(answer) else ["unexpected answer"]
        if grown > 100:
            found.append(f"server memory +{grown:.0f} MB")
        if took > 40:
            found.append(f"took {took:.0f} s")
        rows.append((what, f"{answer} (+{grown:.0f} MB, {took:.1f} s)", "; ".join(found)))
    return rows


# --- 2. assets ----------------------------------------------------------------------------------


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


def _assets_now() -> set[tuple[str, bool, int, int]]:
    return {(str(p.relative_to(ASSETS)), p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns) for p in ASSETS.rglob("*")}


def probe_assets(port: int, pid: int, headers: dict[str, str], title: str) -> tuple[Table, dict[str, int]]:
    """Part 2: the asset request of the issue and its variants are 404 and change nothing."""
    table = Table(title)
    app = next(p.name for p in (ASSETS / "@widgetti").iterdir() if p.name.startswith("solara-vuetify-app@"))
    folder = f"/_solara/cdn/@widgetti/{app}"
    attacks = [
        folder, folder + "/", folder + "/dist", folder + "/dist/", "/_solara/cdn/@widgetti", "/_solara/cdn/@widgetti/",
        "/_solara/cdn", "/_solara/cdn/", "/_solara/cdn/.", "/_solara/cdn/..", f"/_solara/cdn/./@widgetti/{app}",
        f"/_solara/cdn//@widgetti/{app}", f"/_solara/cdn/@widgetti//{app}", f"/_solara//cdn/@widgetti/{app}",
        f"/_solara/%63dn/@widgetti/{app}", f"/_solara/cdn/%40widgetti/{app}", "/_solara/cdn/../../etc/passwd",
        "/_solara/cdn/%2e%2e/%2e%2e/%2e%2e/pyvenv.cfg", "/_solara/cdn/%2e%2e%2f%2e%2e%2fpyvenv.cfg",
        "/_solara/cdn/..%2f..%2f..%2fpyvenv.cfg", f"/_solara/cdn/@widgetti/{app}/../../../../pyvenv.cfg",
        "/_solara/cdn/%5c..%5c..%5cpyvenv.cfg", "/_solara/cdn//etc/passwd", "/_solara/cdn/requirejs@2.3.7/require.js",
        "/_solara/cdn/nosuch@9.9.9", "/_solara/cdn/nosuch@9.9.9/index.js", "/_solara/cdn/echarts@9.9.9",
        "/_solara/cdn/requirejs@2.3.6/require.js%00.css", "/_SOLARA/CDN/requirejs@2.3.6/require.js",
    ]  # fmt: skip
    before = _assets_now()
    outside = 0
    with traced(pid) as trace:
        for target in attacks:
            status, _, body = raw_request(port, "GET", target, headers)
            # Solara answers any path outside its routes with the dashboard page itself: no asset.
            page = status == 200 and b"solara.production" in body
            ok = status == 404 or page
            outside += not ok
            outcome = f"{status}, the dashboard page" if page else f"{status}, {len(body)} bytes"
            table.add(f"GET {target}", outcome, "" if ok else "served")
        for method in ("DELETE", "POST", "PUT"):
            status, _, _ = raw_request(port, method, folder, headers)
            outside += status < 400
            table.add(f"{method} {folder}", str(status), "" if status >= 400 else "accepted")
        status, _, body = raw_request(port, "GET", "/_solara/cdn/requirejs@2.3.6/require.js", headers)
        table.add("GET /_solara/cdn/requirejs@2.3.6/require.js (control: a real asset)", f"{status}, {len(body)} bytes",
                  "" if status == 200 else "the page's own asset is missing")  # fmt: skip
    changed = sorted(before ^ _assets_now())
    table.add("the asset folder afterwards", f"{len(changed)} entries changed" if changed else "unchanged",
              "changed" if changed else "")  # fmt: skip
    remote = trace.remote_connections() if trace.on else []
    table.add("connections out of this computer", ", ".join(remote) or ("none" if trace.on else "not traced"),
              "fetched" if remote else "")  # fmt: skip
    return table, {"requests": len(attacks) + 3, "served": outside, "changed": len(changed), "remote": len(remote)}


# --- 3. token -----------------------------------------------------------------------------------

POISON = {"X-Script-Name": "//evil.example", "Script-Name": "//evil.example", "X-Forwarded-Host": "evil.example"}


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


def lan_host(log: Path) -> str:
    """The first address ``serve`` printed for the room (127.0.0.1 when this computer has no network)."""
    match = re.search(r"colabsim dashboard: http://\[?([^\]/]+?)\]?:\d+/", log.read_text())
    return match.group(1) if match else "127.0.0.1"


def probe_token(port: int, host: str) -> tuple[Table, dict[str, int]]:
    """Part 3: off localhost, nothing reaches Solara without the token, on HTTP or websocket."""
    table = Table(f"3. Token (--host 0.0.0.0 --token, requests to {host})")
    cookie = f"colabsim_token={TOKEN.replace('-', '')}"
    targets = [
        ("GET", "/"), ("GET", "/?projector=1"), ("GET", "/some/page"), ("POST", "/_solara/api/close/abc"),
        ("POST", "/_solara/api/evict/abc"), ("GET", "/resourcez"), ("GET", "/resourcez?verbose=1"), ("GET", "/readyz"),
        ("GET", "/static/main-vuetify.js"), ("GET", "/static/assets/favicon.svg"), ("GET", "/static/public/x.png"),
        ("GET", "/jupyter/nbextensions/jupyter-vuetify/extension.js"), ("GET", "/jupyter/api/kernels/abc"),
        ("GET", "/_solara/cdn/requirejs@2.3.6/require.js"), ("GET", "/_solara/auth/login"),
    ]  # fmt: skip
    tries = {"no token": {}, "wrong token": {"q": "token=abcd-efgh-jkmn"},
             "wrong cookie": {"Cookie": "colabsim_token=abcdefghjkmn"}, "token in a header": {"Authorization": TOKEN},
             "a prefix of the token": {"Cookie": cookie[:-1]}}  # fmt: skip
    reached = total = 0
    for method, target in targets:
        for label, how in tries.items():
            query = how.get("q")
            full = target + (("&" if "?" in target else "?") + query if query else "")
            status, _, body = raw_request(port, method, full, {k: v for k, v in how.items() if k != "q"}, host)
            total += 1
            refused = status == 403 and b"solara" not in body.lower()
            reached += not refused
            table.add(f"{method} {full} ({label})", f"{status}, {len(body)} bytes", "" if refused else "reached")
        status, _, _ = raw_request(port, method, target, {"Cookie": cookie}, host)
        table.add(f"{method} {target} (control: the cookie)", str(status), "" if status != 403 else "refused")
    for path in ("/jupyter/api/kernels/{}/channels?session_id=p", "/jupyter/api/kernels/{}/iopub"):
        for label, header in (("no token", ""), ("wrong cookie", "colabsim_token=abcdefghjkmn")):
            line = websocket_status(host, port, path.format(secrets.token_hex(8)), header)
            total += 1
            reached += " 101 " in line + " "
            table.add(f"websocket {path.format('NEW')} ({label})", line, "opened" if " 101 " in line + " " else "")
        line = websocket_status(host, port, path.format(secrets.token_hex(8)), cookie)
        table.add(f"websocket {path.format('NEW')} (control: the cookie)", line, "")
    status, headers, _ = raw_request(port, "GET", f"//evil.example/?token={TOKEN}", {}, host)
    where = headers.get("location", "")
    away = where.startswith(("//", "http:", "https:", "\\"))
    table.add("GET //evil.example/?token=TOKEN (a link posted in the chat)", f"{status} -> {where}",
              "redirects off the server" if away else "")  # fmt: skip
    status, _, body = raw_request(port, "GET", "/", {"Cookie": cookie}, host)
    moved = b"evil.example" in body
    table.add("GET / after a first request with X-Script-Name //evil.example", f"{status}, {len(body)} bytes",
              "every page loads its scripts from evil.example" if moved else "")  # fmt: skip
    return table, {"requests": total, "reached": reached, "redirect": int(away), "poisoned": int(moved)}


# --- 4. .env ------------------------------------------------------------------------------------

HOSTILE_ENV = """SOLARA_KERNEL_CULL_TIMEOUT=1s
SOLARA_MODE=development
SOLARA_ASSETS_PROXY=False
SOLARA_ASSETS_CDN=https://evil.example/npm/
SOLARA_ASSETS_EXTRA_LOCATIONS=/
SOLARA_ROOT_PATH=//evil.example
SOLARA_BASE_URL=http://evil.example/
SOLARA_SESSION_HTTP_ONLY=False
SOLARA_KERNEL_MAX_COUNT=1
SOLARA_STATE_TEST_EVICTION=True
SOLARA_USE_PDB=True
SOLARA_TELEMETRY_MIXPANEL_ENABLE=True
SOLARA_OAUTH_PRIVATE=True
COLABSIM_SCENARIO=/etc/passwd
COLABSIM_SCENARIOS=/etc
"""


def probe_env(playwright: Any, work: Path) -> tuple[Table, dict[str, int]]:
    """Part 4: a stray ``.env`` in the working folder turns no safety setting back."""
    table = Table("4. A hostile .env in the working folder (loopback server)")
    folder = work / "trainer"
    folder.mkdir()
    (folder / ".env").write_text(HOSTILE_ENV)
    table.add(".env", HOSTILE_ENV.strip().replace("\n", "; "), "")
    found = 0
    with serving(cwd=folder) as server, traced(server.pid) as trace:
        _, headers, body = raw_request(server.port, "GET", "/")
        page = body.decode(errors="replace")
        checks = [
            ("GET /: production mode", "solara.production = true" in page),
            ("GET /: assets from this server", 'solara.cdn = "/_solara/cdn"' in page),
            ("GET /: no foreign root or CDN", "evil.example" not in page),
            ("GET /: session cookie HttpOnly", "httponly" in headers.get("set-cookie", "").lower()),
        ]
        for target in ("/static/assets/etc/passwd", "/static/assets/proc/self/environ"):
            checks.append((f"GET {target} (extra asset location /)", raw_request(server.port, "GET", target)[0] == 404))
        evicted = raw_request(server.port, "POST", "/_solara/api/evict/abc")[0]
        checks.append(("POST /_solara/api/evict/abc", evicted >= 400))
        first, one = open_session(playwright, server.url, work / "env1")
        second, _ = open_session(playwright, server.url, work / "env2")  # SOLARA_KERNEL_MAX_COUNT=1 would hang it
        checks.append(("two sessions open (max count 1 ignored)", True))
        checks.append(("the page does not offer /etc/passwd", "passwd" not in str(one.content())))
        first.close()
        second.close()
        time.sleep(10)
        kernels = json.loads(raw_request(server.port, "GET", "/resourcez")[2])["kernels"]["total"]
        checks.append((f"dropped sessions kept past 1 s (10 s later: {kernels} kernels)", kernels >= 2))
    checks.append(("no folder /etc listed for scenarios", not trace.on or "/etc" not in trace.paths()))
    remote = trace.remote_connections() if trace.on else []
    checks.append((f"no connection out (telemetry): {', '.join(remote) or 'none'}", not remote))
    for what, held in checks:
        found += not held
        table.add(what, "holds" if held else "turned back", "" if held else "turned back")
    return table, {"checks": len(checks), "turned": found}


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    """Run the parts asked for, print the tables and the summary; exit 1 if anything was found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="uploads,assets,token,env", help="comma-separated parts to run")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium); flags {FLAGS}")
    tables: list[Table] = []
    summary: list[str] = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        work = Path(folder)
        if parts & {"uploads", "assets"}:
            with serving(env={}) as server:
                if "uploads" in parts:
                    table, c = probe_uploads(server.url, server.pid, playwright, work)
                    tables.append(table)
                    summary.append(
                        f"server paths tried: {c['paths']} (as a name and as extends); showed content: {c['content']};"
                        f" told existence: {c['existence']}; echoed a server path: {c['echo']};"
                        f" server touched the path: {c['touched']}"
                    )
                if "assets" in parts:
                    table, c = probe_assets(server.port, server.pid, {}, "2. Assets (loopback server)")
                    tables.append(table)
                    summary.append(
                        f"asset requests: {c['requests']}; not 404: {c['served']}; asset entries changed:"
                        f" {c['changed']}; connections out: {c['remote']}"
                    )
        if "token" in parts or "assets" in parts:
            first = {**POISON, "Cookie": f"colabsim_token={TOKEN.replace('-', '')}"}
            with serving("--host", "0.0.0.0", "--token", TOKEN, first_headers=first) as server:
                host = lan_host(server.log)
                if "token" in parts:
                    table, c = probe_token(server.port, host)
                    tables.append(table)
                    summary.append(
                        f"requests off localhost without the right token: {c['requests']}; reached Solara:"
                        f" {c['reached']}; redirect off the server: {c['redirect']}; page root moved by a"
                        f" first request: {c['poisoned']}"
                    )
                if "assets" in parts:
                    cookie = {"Cookie": f"colabsim_token={TOKEN.replace('-', '')}"}
                    table, c = probe_assets(server.port, server.pid, cookie, "2b. Assets (0.0.0.0 with the token)")
                    tables.append(table)
                    summary.append(f"asset requests with the token: {c['requests']}; not 404: {c['served']}")
        if "env" in parts:
            table, c = probe_env(playwright, work)
            tables.append(table)
            summary.append(f".env settings checked: {c['checks']}; turned back: {c['turned']}")
    for table in tables:
        table.print()
    print(f"\n{machine()}\n")
    print("\n".join(summary))
    found = sum(t.findings for t in tables)
    print(f"\nfindings: {found}")
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
