"""Part 1 of the dashboard probe (``dashboard_probe.py``): every browser input that could carry a path.

For each of 38 server paths, an upload *named* that path and one whose TOML ``extends`` it, each
against a twin path in a folder that does not exist (same base name): if the two answers differ,
the server told whether the path exists; a file's words in the answer mean it showed content; a
server path in the answer means it echoed one. The browser's file description is rewritten on the
websocket (as a participant's own script could), so names with folders, NUL bytes or 5,000
characters and made-up sizes really reach the server. Then the page's address (query parameters,
paths), files that are no scenario (binary, UTF-16, nested, 1 GiB, thousands of actors), and the
next visitor's page.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboard_live import ROOT, Table, open_session, raw_request, rss_mb, short, traced

#: A scenario that loads (extends a shipped one); {name} is its title.
VALID = 'extends = "darwin.toml"\n[scenario]\nname = "{name}"\n'
#: A scenario that does not validate, so the answer names the uploaded file.
INVALID = 'extends = "darwin.toml"\n[scenario]\nname = ""\n'


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


#: Query parameters a page could read (the dashboard reads ``projector`` only) and paths to the page.
ADDRESS_INPUTS = [
    "?projector=/etc/passwd", "?scenario=/etc/passwd", "?file=../pyproject.toml", "?extends=~/.env",
    "?path=/proc/self/environ", "?projector=1&scenario=%2e%2e/%2e%2e/etc/passwd",
]  # fmt: skip
RAW_PATHS = [
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/assets/%2e%2e/%2e%2e/%2e%2e/pyvenv.cfg",
    "/jupyter/nbextensions/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/public/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "//etc/passwd", "/etc/passwd",
]  # fmt: skip


def _address_inputs(table: Table, page: Any, url: str) -> None:
    """The page's address as input: query parameters and paths that name server files."""
    files = ("/etc/passwd", "pyproject.toml", str(Path(sys.prefix) / "pyvenv.cfg"))
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    plain = str(page.content()) + raw_request(port, "GET", "/")[2].decode(errors="replace")
    secrets_seen = {w for f in files for w in file_words(f) if w not in plain}  # words the page itself has are no leak
    for query in ADDRESS_INPUTS:
        page.goto(url + query)
        page.locator(".colabsim-network-0").wait_for()
        shown = {w for w in secrets_seen if w in str(page.content())}
        table.add(f"open {query}", "the dashboard, nothing of the file" if not shown else f"shows {sorted(shown)[0]}",
                  "shows content" if shown else "")  # fmt: skip
    for target in RAW_PATHS:
        status, _, body = raw_request(port, "GET", target)
        shown = {w for w in secrets_seen if w.encode() in body}
        other_status, _, other_body = raw_request(port, "GET", target.rsplit("/", 1)[0] + "/nonexistent-file")
        same = (status, len(body)) == (other_status, len(other_body))
        outcome = "the dashboard page" if b"solara.production" in body else f"{len(body)} bytes"
        found = f"shows {sorted(shown)[0]}" if shown else "" if same else "answers a missing file differently"
        table.add(f"GET {target}", f"{status}, {outcome}", found)


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
    with traced(pid) as address_trace:
        _address_inputs(table, uploader.page, server_url)
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
                found.append(f"{kind}: tells existence ({short(baseline, 40)})")
                counts["existence"] += 1
        hit = sorted(variants(path) & touched)
        if hit:
            found.append(f"server touched {hit[0]}")
            counts["touched"] += 1
        table.add(f"name / extends = {path!r}", f"{named[0]} / {extended[0]}", "; ".join(found))
    for request, outcome, finding in extras:
        table.add(request, outcome, finding)
    visitor, fresh = open_session(playwright, server_url, work / "visitor")
    fresh.locator(".colabsim-step").click()
    fresh.get_by_text("month 1 of").wait_for()
    table.add("the next visitor opens the page and steps", "renders, month 1", "")
    visitor.close()
    if trace.on:
        looked_up = sorted(p for p in address_trace.paths() if _outside(p) and not p.startswith(_IPYTHON))
        table.add("files looked up for the addresses (Starlette resolves a static path, then refuses it)",
                  ", ".join(looked_up) or "none", "", width=0)  # fmt: skip
        outside = sorted(p for p in touched if _outside(p) and not p.startswith(_IPYTHON))
        table.add("files touched while the 38 paths were uploaded", ", ".join(outside) or "none",
                  "touched" if outside else "", width=0)  # fmt: skip
        later = sorted(p for p in touched_later if _outside(p) and not p.startswith(_IPYTHON))
        table.add("files touched by the hostile files and their sessions",
                  ", ".join(later) or "none", "touched" if later else "", width=0)  # fmt: skip
    else:
        table.add("files touched", "not traced (no strace)", "")
    return table, counts


#: Where a new session's IPython kernel looks for its settings (in the home folder): not counted.
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
    rows: list[tuple[str, str, str]] = []
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
