"""The ASGI guard in front of Solara's app: access token, read-only page assets, a cap on sessions.

Every HTTP and websocket request passes `Guard` before Solara sees it:

1. **Token.** When the server has a token (always off localhost, see `colabsim.app.server`), a
   request needs it, as ``?token=...`` (the link the trainer shows) or as the HttpOnly cookie set
   on the first visit; it is compared with `hmac.compare_digest`. A page request without it gets a
   small form to type it; any other request gets 403, and a websocket is refused before it opens.
2. **Assets.** ``/_solara/cdn/...`` is answered here, from the installed offline assets, read
   only: an existing regular file inside the asset folder, or 404. Solara's own handler (which
   deletes a cached folder and fetches what is missing from the internet) is never reached.
3. **Sessions.** A new page or kernel beyond `max_sessions` live sessions gets a "room full"
   message (503) instead of a session.
"""

from __future__ import annotations

import hmac
import html
import os
import re
import stat
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response

__all__ = ["CDN_PREFIX", "COOKIE", "Guard", "asset_file", "normal_token"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The cookie that carries the token after the first visit.
COOKIE = "colabsim_token"
#: Where Solara's page asks for its scripts and fonts.
CDN_PREFIX = "/_solara/cdn"
#: Paths that are not a page (assets, kernels, Solara's API): no "room full" page for them.
_NOT_A_PAGE = ("/_solara/", "/static/", "/jupyter/", "/resourcez", "/readyz", "/favicon")
#: A websocket that would start a new kernel: ``/jupyter/api/kernels/{id}/channels``.
_KERNEL_SOCKET = re.compile(r"^/jupyter/api/kernels/([^/]+)/")

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>colabsim dashboard</title>
<style>body{{font:20px sans-serif;margin:3em auto;max-width:34em;padding:0 1em}}
input,button{{font-size:22px;padding:.3em}}</style></head><body>{body}</body></html>"""

_ASK_TOKEN = """<h1>colabsim workshop dashboard</h1>
<p>{why} Type the access code the trainer shows, or open the trainer's link.</p>
<form method="get" action="/">{hidden}<label>Access code <input name="token" autocomplete="off"
autocapitalize="none" spellcheck="false" autofocus></label> <button type="submit">Open</button></form>"""

_ROOM_FULL = """<h1>The room is full</h1>
<p>{count} dashboards are open, as many as this server takes. Close a tab you no longer use (or
ask a neighbour to), wait a minute and reload this page.</p>"""


def normal_token(text: str) -> str:
    """A token as typed: lower case, without spaces and dashes (``K7M2-X9PQ`` is ``k7m2x9pq``)."""
    return re.sub(r"[\s\-]", "", text).lower()


def _same_site(path: str, query: list[tuple[str, str]]) -> str:
    r"""`path` and `query` as an address on this server.

    A browser takes ``//host/...`` or ``/\host/...`` for another server, so a link such as
    ``//evil.example/?token=...`` must not lead there after its token is taken.
    """
    target = "/" + path.lstrip("/\\")
    return f"{target}?{urllib.parse.urlencode(query)}" if query else target


def asset_file(root: Path, relative: str) -> Path | None:
    """The regular file that ``/_solara/cdn/<relative>`` names inside `root`, or None.

    Solara stores a package's main script (``/_solara/cdn/requirejs@2.3.6``) as
    ``requirejs@2.3.6/__main.js``; the same mapping is used here. Folders, devices, links out of
    `root`, ``..`` and anything missing are None: nothing is ever deleted, written or fetched.
    """
    parts = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative or any(p in ("", ".", "..") for p in parts):
        return None
    candidate = root.joinpath(*parts, "__main.js") if len(parts) == 1 else root.joinpath(*parts)
    real = Path(os.path.realpath(candidate))
    base = Path(os.path.realpath(root))
    if base not in real.parents:
        return None
    try:
        mode = os.stat(real).st_mode
    except (OSError, ValueError):
        return None
    return real if stat.S_ISREG(mode) else None


class Guard:
    """ASGI middleware in front of Solara's Starlette app (see the module's docstring).

    Args:
        app: Solara's ASGI app.
        assets: The folder of the installed offline assets (``solara-assets``).
        token: The access token, or None for no token (loopback only, or ``--no-token``).
        max_sessions: Most live sessions (virtual kernels) at a time.
        live_sessions: Returns the ids of the live sessions now.
    """

    def __init__(
        self,
        app: ASGIApp,
        assets: Path,
        token: str | None,
        max_sessions: int,
        live_sessions: Callable[[], set[str]],
    ) -> None:
        """Wrap `app`."""
        self.app = app
        self.assets = Path(assets)
        self.token = normal_token(token) if token is not None else None
        self.max_sessions = max_sessions
        self.live_sessions = live_sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a request, or hand it to Solara."""
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if kind == "websocket":
            refused = 1008 if not self._has_token(scope) else 1013 if self._full_for_kernel(path) else 0
            if refused:
                await receive()  # the websocket.connect message; closing now refuses the handshake
                await send({"type": "websocket.close", "code": refused})
                return
            await self.app(scope, receive, send)
            return
        response = self._answer(scope, path)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _answer(self, scope: Scope, path: str) -> Response | None:
        """The guard's own response to an HTTP request, or None to pass it to Solara."""
        pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        offered = next((value for name, value in reversed(pairs) if name == "token"), "")
        # The rest of the address (a start link's scenario and seed) survives the access code.
        kept = [(n, v) for n, v in pairs if n != "token"]
        if self.token is not None and offered and self._same(offered):
            # The link's token becomes a cookie, and the address bar loses it (and keeps the rest).
            target = RedirectResponse(_same_site(path, kept), status_code=303)
            target.set_cookie(COOKIE, self.token, httponly=True, samesite="lax", path="/")
            return target
        if not self._has_token(scope):
            if self._is_page(scope, path):
                why = "That access code is not right." if offered else "This dashboard needs an access code."
                hidden = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in kept
                )
                body = _ASK_TOKEN.format(why=why, hidden=hidden)
                return HTMLResponse(_PAGE.format(body=body), status_code=403, headers={"Cache-Control": "no-store"})
            return PlainTextResponse("access code needed", status_code=403)
        if path == CDN_PREFIX or path.startswith(CDN_PREFIX + "/"):
            return self._asset(scope, path[len(CDN_PREFIX) + 1 :])
        if self._is_page(scope, path):
            live = self.live_sessions()
            if len(live) >= self.max_sessions:
                body = _ROOM_FULL.format(count=html.escape(str(len(live))))
                return HTMLResponse(_PAGE.format(body=body), status_code=503, headers={"Retry-After": "60"})
        return None

    def _asset(self, scope: Scope, relative: str) -> Response:
        if scope.get("method") not in ("GET", "HEAD"):
            return PlainTextResponse("method not allowed", status_code=405)
        found = asset_file(self.assets, relative)
        if found is None:
            return PlainTextResponse("not found", status_code=404)
        media = "application/javascript" if found.name == "__main.js" else None
        return FileResponse(found, media_type=media, headers={"Cache-Control": "public, max-age=3600"})

    def _same(self, offered: str) -> bool:
        expected = (self.token or "").encode()
        return bool(expected) and hmac.compare_digest(normal_token(offered).encode(), expected)

    def _has_token(self, scope: Scope) -> bool:
        if self.token is None:
            return True
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    key, _, cookie = part.strip().partition("=")
                    if key == COOKIE and self._same(cookie):
                        return True
        return False

    @staticmethod
    def _is_page(scope: Scope, path: str) -> bool:
        return scope.get("method") in ("GET", "HEAD") and not path.startswith(_NOT_A_PAGE)

    def _full_for_kernel(self, path: str) -> bool:
        """Whether a websocket would open a new kernel beyond the cap (a reconnect never is)."""
        match = _KERNEL_SOCKET.match(path)
        if match is None:
            return False
        live = self.live_sessions()
        return match.group(1) not in live and len(live) >= self.max_sessions
