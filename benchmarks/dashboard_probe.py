"""The hostile probe of issue 13, against a real ``colabsim serve``: uploads, assets, token, ``.env``.

Run on demand; it starts its own servers (loopback without a token, ``--host 0.0.0.0`` with one,
and one in a folder with a hostile ``.env``) and tries what a participant on the room's network
could, about 10 minutes on 2 cores:

    .venv/bin/python benchmarks/dashboard_probe.py [--parts uploads,assets,token,env,limits]

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
5. **limits**: past ``--max-sessions`` a visitor gets the "room full" page; a dropped tab keeps
   its place for ``--keep-minutes``, then is freed.

With strace (Debian's ``strace``) every file the server touches and every connection it opens while
probed is recorded: that is how "no server file is read or probed" and "nothing is fetched" are
checked (without it, those columns say so). Prints a table per part, request -> outcome, and a
summary comparable with the issue's "before"; exits 1 if anything is found.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dashboard_live import (
    CHROMIUM,
    FLAGS,
    Table,
    machine,
    open_session,
    raw_request,
    serving,
    traced,
    websocket_status,
)
from dashboard_probe_uploads import probe_uploads

ASSETS = Path(sys.prefix) / "share" / "solara" / "cdn"
TOKEN = "prb2-k7m4-x9qz"


# --- 2. assets (part 1, the uploads, is dashboard_probe_uploads.py) ------------------------------


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


# --- 5. session limits -------------------------------------------------------------------------


def probe_limits(playwright: Any, work: Path) -> tuple[Table, dict[str, int]]:
    """Part 5: the room's cap says "room full", and a dropped tab is freed after the keep time."""
    table = Table("5. Session cap and keep time (--max-sessions 2 --keep-minutes 0.1)")
    found = 0
    with serving("--max-sessions", "2", "--keep-minutes", "0.1") as server:
        first, _ = open_session(playwright, server.url, work / "limit1")
        second, _ = open_session(playwright, server.url, work / "limit2")
        status, _, body = raw_request(server.port, "GET", "/")
        full = status == 503 and b"The room is full" in body
        found += not full
        table.add("a third visitor while two dashboards are open", f"{status}, {body[200:260]!r}"[:90],
                  "" if full else "no room-full page")  # fmt: skip
        second.close()  # dropped without a goodbye, like a closed laptop lid
        status = raw_request(server.port, "GET", "/")[0]
        kept = status == 503
        found += not kept
        table.add("the same, just after one tab was dropped", f"{status} (its run is kept)" if kept else str(status),
                  "" if kept else "dropped at once")  # fmt: skip
        deadline = time.monotonic() + 60
        while raw_request(server.port, "GET", "/")[0] == 503 and time.monotonic() < deadline:
            time.sleep(1)
        waited = 60 - (deadline - time.monotonic())
        status = raw_request(server.port, "GET", "/")[0]
        found += status != 200
        table.add("the same, after the keep time (6 s)", f"{status} after {waited:.0f} s",
                  "" if status == 200 else "never freed")  # fmt: skip
        first.close()
    return table, {"checks": 3, "failed": found}


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    """Run the parts asked for, print the tables and the summary; exit 1 if anything was found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="uploads,assets,token,env,limits", help="comma-separated parts to run")
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
        if "limits" in parts:
            table, c = probe_limits(playwright, work)
            tables.append(table)
            summary.append(f"session cap and keep time checks: {c['checks']}; failed: {c['failed']}")
    for table in tables:
        table.print()
    print(f"\n{machine()}\n")
    print("\n".join(summary))
    found = sum(t.findings for t in tables)
    print(f"\nfindings: {found}")
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
