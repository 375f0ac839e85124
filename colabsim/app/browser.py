"""The page's own behaviour in the browser: language attribute, zoom, keyboard, the run in the address.

`Browser` is an invisible widget (template ``browser.vue``) that each dashboard page holds once:

- it sets the page's ``lang`` attribute to the session's language;
- it keeps pinch-zoom allowed (see ``colabsim/templates/solara.html.j2``);
- it turns keys into the dashboard's actions: Space plays or pauses, Right and PageDown step (a
  presentation clicker sends PageDown), Ctrl+Z (Cmd+Z) undoes the last change. Keys typed in a
  field, and Space or Right on a focused button, slider or switch (which handle them themselves),
  are left alone;
- it writes the run's state (`colabsim.app.restore`) into the address as ``?run=...`` with
  ``history.replaceState``, so a reload, or a tab reopened from the history, restores the run;
- it keeps the uploaded files the run shows in the browser's ``localStorage`` (``keep``, under the
  SHA-256 of each file's bytes; the few most recently used, so the storage's quota of a few MiB is
  never reached by a file of at most 256 KiB), and gives back those a restored run asks for
  (``wanted``) to `on_stored`. The server checks what comes back as an upload (`colabsim.app.restore`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ipyvuetify
import solara
import traitlets

__all__ = ["KEY_ACTIONS", "Browser", "BrowserWidget", "StoredFiles"]

#: What the keyboard can do (the `on_key` callback gets one of these).
KEY_ACTIONS = ("play", "step", "undo")


@dataclass(frozen=True)
class StoredFiles:
    """The uploaded files a page keeps in its browser's storage (see the module).

    Attributes:
        keep: The files to keep: ``{sha256: {"name": ..., "text": ...}}`` (`colabsim.app.restore.kept_files`).
        wanted: The hashes of the files to ask the browser for (a run being restored).
        on_stored: Called once with the texts found, by hash (a file the browser lacks is left out).
    """

    keep: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    wanted: tuple[str, ...] = ()
    on_stored: Callable[[dict[str, str]], None] | None = None


class BrowserWidget(ipyvuetify.VuetifyTemplate):
    """The widget behind `Browser` (see the module)."""

    template_file = (__file__, "browser.vue")

    lang = traitlets.Unicode("en").tag(sync=True)
    state = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    shortcuts = traitlets.Bool(True).tag(sync=True)
    keep = traitlets.Dict({}).tag(sync=True)
    wanted = traitlets.List(traitlets.Unicode(), []).tag(sync=True)
    on_key = traitlets.Callable(None, allow_none=True)
    on_origin = traitlets.Callable(None, allow_none=True)
    on_stored = traitlets.Callable(None, allow_none=True)

    def vue_press(self, action: Any) -> None:
        """A key the page turns into an action (called from the browser)."""
        if self.on_key is not None and action in KEY_ACTIONS:
            self.on_key(action)

    def vue_located(self, origin: Any) -> None:
        """The page's origin (``http://host:port``), as the browser sees it (called once it is shown)."""
        if self.on_origin is not None and isinstance(origin, str) and origin.startswith(("http://", "https://")):
            self.on_origin(origin[:200])

    def vue_stored(self, found: Any) -> None:
        """The texts of the `wanted` files this browser kept, by hash (called from the browser, once).

        A page's script can send anything: only strings under a wanted hash are passed on (and the
        server checks each as an upload); a file the browser lacks is left out.
        """
        if self.on_stored is None:
            return
        files = found if isinstance(found, dict) else {}
        self.on_stored(
            {digest: text for digest, text in files.items() if digest in self.wanted and isinstance(text, str)}
        )


@solara.component
def Browser(  # noqa: N802
    lang: str,
    state: str | None,
    on_key: Callable[[str], None] | None,
    on_origin: Callable[[str], None] | None = None,
    files: StoredFiles | None = None,
) -> Any:
    """The page's behaviour in the browser: `lang` attribute, the run's `state` in the address, keys.

    Args:
        lang: The session's language code.
        state: The run's state for the address (None: leave the address alone; "": remove it).
        on_key: Called with an action of `KEY_ACTIONS` (None: keys do nothing).
        on_origin: Called with the page's origin as the browser sees it (for links to share).
        files: The uploaded files for the browser to keep, and those to ask it for (None: none).
    """
    files = files or StoredFiles()
    return BrowserWidget.element(
        lang=lang,
        state=state,
        shortcuts=on_key is not None,
        on_key=on_key,
        on_origin=on_origin,
        keep=dict(files.keep),
        wanted=list(files.wanted),
        on_stored=files.on_stored,
    )
