"""The dashboard's guard at the HTTP level: token on every request, read-only assets, room full.

Most tests put `Guard` in front of a tiny app that records what reaches it, so they show exactly
what the guard lets through; the asset tests also run Solara's real app behind it.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from colabsim.app.guard import COOKIE, Guard, asset_file, normal_token

TOKEN = "k7m2-x9pq-3rtv"
KERNELS = "/jupyter/api/kernels"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def assets(tmp_path: Path) -> Path:
    root = tmp_path / "cdn"
    (root / "@widgetti" / "app@1.0" / "dist").mkdir(parents=True)
    (root / "@widgetti" / "app@1.0" / "dist" / "main.js").write_text("// main")
    (root / "requirejs@2.3.6").mkdir()
    (root / "requirejs@2.3.6" / "__main.js").write_text("// require")
    (tmp_path / "secret.txt").write_text("server secret")
    (root / "link.js").symlink_to(tmp_path / "secret.txt")
    return root


def _inner() -> tuple[Starlette, list[str]]:
    reached: list[str] = []

    async def page(request: Any) -> PlainTextResponse:
        reached.append(request.url.path)
        return PlainTextResponse("solara page")

    async def socket(ws: WebSocket) -> None:
        reached.append(ws.url.path)
        await ws.accept()
        await ws.send_text("hello")
        await ws.close()

    routes = [
        WebSocketRoute("/jupyter/api/kernels/{kernel}/channels", socket),
        Route("/{path:path}", page, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes), reached


def _client(assets: Path, token: str | None = TOKEN, live: set[str] | None = None, cap: int = 40) -> Any:
    app, reached = _inner()
    client = TestClient(Guard(app, assets, token, cap, lambda: live or set()), client=("192.168.1.20", 50000))
    client.reached = reached
    return client


SOLARA_PATHS = [
    "/",
    "/some/page",
    "/resourcez",
    "/readyz",
    "/static/main-vuetify.js",
    "/static/assets/x.css",
    "/jupyter/nbextensions/x.js",
    "/jupyter/api/kernels/abc",
    "/_solara/cdn/@widgetti/app@1.0/dist/main.js",
]


@pytest.mark.parametrize("path", SOLARA_PATHS)
@pytest.mark.parametrize("cookie", [None, "wrong-code-1234", TOKEN[:-1]])
def test_without_the_token_nothing_reaches_solara(assets: Path, path: str, cookie: str | None) -> None:
    client = _client(assets)
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 403
    assert client.reached == []
    assert client.post("/_solara/api/close/abc?session_id=x").status_code == 403
    assert client.reached == []


@pytest.mark.parametrize("cookie", [None, "wrong-code-1234"])
def test_a_websocket_without_the_token_is_refused(assets: Path, cookie: str | None) -> None:
    client = _client(assets)
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(f"{KERNELS}/k1/channels") as ws:
        ws.receive_text()
    assert refused.value.code == 1008 and client.reached == []


def test_the_link_sets_an_httponly_cookie_and_drops_the_token_from_the_address(assets: Path) -> None:
    client = _client(assets)
    response = client.get("/?token=K7M2-X9PQ-3RTV", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and normal_token(TOKEN) in cookie
    assert client.get("/").text == "solara page"
    with client.websocket_connect(f"{KERNELS}/k1/channels") as ws:
        assert ws.receive_text() == "hello"
    assert client.get("/_solara/cdn/@widgetti/app@1.0/dist/main.js").text == "// main"


@pytest.mark.parametrize(
    ("link", "landing"),
    [
        ("//evil.example/?token=K7M2-X9PQ-3RTV", "/evil.example/"),
        ("/\\evil.example/?token=K7M2-X9PQ-3RTV", "/evil.example/"),
        ("/?projector=1&token=K7M2-X9PQ-3RTV", "/?projector=1"),
    ],
)
def test_the_token_link_lands_on_this_server_and_keeps_the_rest_of_the_address(
    assets: Path, link: str, landing: str
) -> None:
    status, headers = _raw_get(Guard(_inner()[0], assets, TOKEN, 40, set), link)[::2]
    assert (status, headers["location"]) == (303, landing)


def test_a_page_without_the_token_asks_for_it(assets: Path) -> None:
    client = _client(assets)
    asked = client.get("/")
    assert asked.status_code == 403 and 'name="token"' in asked.text and "needs an access code" in asked.text
    wrong = client.get("/?token=abcdefgh")
    assert wrong.status_code == 403 and "not right" in wrong.text and "abcdefgh" not in wrong.text


def test_a_start_link_keeps_its_scenario_and_seed_through_the_access_code(assets: Path) -> None:
    client = _client(assets)
    asked = client.get("/?scenario=darwin&seed=42&group=%3Cb%3E")
    assert asked.status_code == 403
    assert '<input type="hidden" name="scenario" value="darwin">' in asked.text
    assert 'name="group" value="&lt;b&gt;"' in asked.text  # escaped, never markup
    typed = client.get("/?scenario=darwin&seed=42&token=K7M2-X9PQ-3RTV", follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == "/?scenario=darwin&seed=42"


def test_no_token_on_localhost_lets_everything_through(assets: Path) -> None:
    client = _client(assets, token=None)
    assert client.get("/").text == "solara page"
    with client.websocket_connect(f"{KERNELS}/k1/channels") as ws:
        assert ws.receive_text() == "hello"


ATTACKS = [
    "@widgetti",
    "@widgetti/",
    "@widgetti/app@1.0",
    "@widgetti/app@1.0/",
    "@widgetti/app@1.0/dist",
    "../secret.txt",
    "@widgetti/../../secret.txt",
    "%2e%2e/secret.txt",
    "..%2fsecret.txt",
    "@widgetti/app@1.0/dist/..%2f..%2f..%2f..%2fsecret.txt",
    "link.js",
    "nosuch@1.0.0",
    "nosuch@1.0.0/index.js",
    "@widgetti/app@1.0/dist/main.js%00.css",
    "%5c..%5csecret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "",
]


def _raw_get(guard: Guard, target: str) -> tuple[int, bytes, dict[str, str]]:
    """Send a GET as uvicorn passes it on: percent-decoded, but ``..`` and ``//`` left as they are."""
    raw, _, query = target.partition("?")
    scope = {
        "type": "http",
        "method": "GET",
        "path": urllib.parse.unquote(raw),
        "raw_path": raw.encode(),
        "query_string": query.encode(),
        "headers": [],
        "scheme": "http",
        "server": ("127.0.0.1", 8765),
        "client": ("192.168.1.20", 50000),
        "root_path": "",
        "http_version": "1.1",
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(guard(scope, receive, send))
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:]), headers


@pytest.mark.parametrize("relative", ATTACKS)
def test_anything_but_an_asset_file_is_404_and_nothing_changes(assets: Path, relative: str) -> None:
    before = sorted(p.relative_to(assets.parent) for p in assets.parent.rglob("*"))
    app, reached = _inner()
    status, body, _ = _raw_get(Guard(app, assets, None, 40, set), "/_solara/cdn/" + relative)
    assert status == 404 and b"server secret" not in body
    assert reached == []
    assert sorted(p.relative_to(assets.parent) for p in assets.parent.rglob("*")) == before


def test_asset_files_are_served_read_only(assets: Path) -> None:
    client = _client(assets, token=None)
    assert client.get("/_solara/cdn/requirejs@2.3.6").text == "// require"
    assert client.post("/_solara/cdn/@widgetti/app@1.0/dist/main.js").status_code == 405
    assert asset_file(assets, "@widgetti/app@1.0/dist/main.js") is not None
    assert asset_file(assets, "@widgetti/app@1.0/dist") is None


def test_a_full_room_says_so_and_a_reconnect_still_works(assets: Path) -> None:
    live = {"k1", "k2"}
    client = _client(assets, token=None, live=live, cap=2)
    full = client.get("/")
    assert full.status_code == 503 and "The room is full" in full.text and "2 dashboards" in full.text
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(f"{KERNELS}/k3/channels") as ws:
        ws.receive_text()
    assert refused.value.code == 1013
    with client.websocket_connect(f"{KERNELS}/k1/channels") as ws:
        assert ws.receive_text() == "hello"
    assert client.get("/static/main-vuetify.js").status_code == 200  # a page already open keeps loading
    live.discard("k2")
    assert client.get("/").text == "solara page"


def test_solaras_asset_route_is_never_reached(assets: Path, tmp_path: Path) -> None:
    """Behind the guard, Solara's own handler (which deletes folders and fetches) never runs."""
    import requests
    from solara.server.starlette import app

    installed = Path(sys.prefix) / "share" / "solara" / "cdn"
    if not (installed / "@widgetti").is_dir():
        pytest.skip("solara-assets is not installed")
    copy = tmp_path / "copy"
    shutil.copytree(installed / "@widgetti", copy / "@widgetti")
    folder = next(p for p in (copy / "@widgetti").iterdir() if p.name.startswith("solara-vuetify-app@"))
    fetched: list[str] = []
    monkey = pytest.MonkeyPatch()
    monkey.setattr(requests, "get", lambda url, *a, **k: fetched.append(url))
    try:
        client = TestClient(Guard(app, copy, None, 40, set))
        assert client.get(f"/_solara/cdn/@widgetti/{folder.name}").status_code == 404
        assert client.get("/_solara/cdn/nosuch@9.9.9/x.js").status_code == 404
        some_file = next(p for p in folder.rglob("*.js"))
        assert client.get("/_solara/cdn/" + some_file.relative_to(copy).as_posix()).status_code == 200
    finally:
        monkey.undo()
    assert folder.is_dir() and fetched == []


def test_a_stray_env_file_does_not_turn_the_settings_back(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SOLARA_KERNEL_CULL_TIMEOUT=1s\nSOLARA_MODE=development\nSOLARA_ASSETS_PROXY=False\n"
        "SOLARA_ASSETS_PROXY_CACHE_DIR=/\nSOLARA_APP=os\nSOLARA_STATE_TEST_EVICTION=True\n"
        "SOLARA_USE_PDB=True\nSOLARA_KERNEL_MAX_COUNT=1\nCOLABSIM_SCENARIO=/etc/passwd\n"
        "SOLARA_ASSETS_CDN=https://example.com/\n"
    )
    probe = (
        "import os, sys\n"
        "from colabsim.app.server import ServeOptions, build_app\n"
        "guard = build_app(ServeOptions(keep_minutes=12, max_sessions=5), None)\n"
        "import solara.server.settings as s, solara.settings as t\n"
        "print(s.kernel.cull_timeout, s.main.mode, t.assets.proxy, s.state.test_eviction, s.main.use_pdb,"
        " s.kernel.max_count, os.environ['SOLARA_APP'], repr(os.environ['COLABSIM_SCENARIO']),"
        " guard.assets == __import__('pathlib').Path(sys.prefix, 'share/solara/cdn'), guard.max_sessions)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "720s", "production", "True", "False", "False", "None", "colabsim.app.page", "''", "True", "5",
    ]  # fmt: skip


def test_the_first_request_cannot_move_the_pages_root_for_everyone(tmp_path: Path) -> None:
    """Solara took its root path from the first request's (X-)Script-Name: every page's scripts moved."""
    probe = (
        "from starlette.testclient import TestClient\n"
        "from colabsim.app.server import ServeOptions, build_app\n"
        "client = TestClient(build_app(ServeOptions(), None))\n"
        "hostile = {'X-Script-Name': '//evil.example', 'Script-Name': '//evil.example'}\n"
        "first = client.get('/', headers={**hostile, 'X-Forwarded-Host': 'evil.example'})\n"
        "later = client.get('/')\n"
        "print(first.status_code, later.status_code, 'evil.example' in first.text + later.text,"
        " '/_solara/cdn/' in later.text)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "200", "False", "True"]
