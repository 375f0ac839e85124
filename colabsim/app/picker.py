"""The dashboard's file picker for a participant's own scenario file, taking nothing from the browser on trust.

The browser keeps the file; the server asks it for at most `colabsim.app.upload.UPLOAD_LIMIT` + 1
bytes, whatever size the browser reports, and the description of the file the browser sends (name
and size) is checked before ipyvuetify reads it: a page's own script can make it up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, cast

import solara
import traitlets
from ipyvuetify.extra import FileInput

from colabsim.app.i18n import N_, Translator
from colabsim.app.upload import UPLOAD_LIMIT, read_limited

__all__ = ["Picker", "ScenarioUpload"]

TEXT = {
    "unreadable": N_("The file could not be read from the browser; choose it again."),
}

logger = logging.getLogger(__name__)


def _usable(info: object) -> bool:
    """Whether a browser's description of a file is ``{name: text, size: whole number >= 0, ...}``."""
    if not isinstance(info, dict):
        return False
    size = info.get("size")
    return isinstance(info.get("name"), str) and type(size) is int and size >= 0


class Picker(FileInput):
    """ipyvuetify's file picker, taking the browser's description of the chosen file as untrusted.

    A page's own script can send any description; one that `_usable` refuses (a size that is text,
    say) would raise inside ipyvuetify, leaving a traceback in the log and no answer on the page.
    It becomes one empty file marked ``unusable``, which `ScenarioUpload` reports.
    """

    @traitlets.validate("file_info")
    def _checked(self, proposal: dict[str, Any]) -> list[Any]:
        infos = proposal["value"]
        return list(infos) if all(_usable(i) for i in infos) else [{"name": "", "size": 0, "unusable": True}]


@solara.component
def ScenarioUpload(  # noqa: N802
    on_file: Callable[[object, bytes], None], on_error: Callable[[str], None], tr: Translator
) -> None:
    """A file picker (click or keyboard, as on a tablet) for a scenario file of one's own.

    The browser keeps the file; the server asks it for at most `UPLOAD_LIMIT` + 1 bytes, whatever
    size the browser reports, and hands name and bytes to `on_file` (`on_error` if reading fails).
    """
    chosen, set_chosen = solara.use_state(cast(list[Any] | None, None))
    # No `accept` filter: a tablet may grey out a .toml file it has no type for; the content is checked.
    picker = Picker.element(multiple=False, show_progress=False, on_file_info=set_chosen)
    files, set_files = solara.use_state(cast(list[Any] | None, None))

    def wire() -> None:
        if chosen:
            widget = cast(Picker, solara.get_widget(picker))
            widget.version += 1  # Solara's FileDrop does the same: the widget's own observer is not called
            widget.reset_stats()
            set_files(widget.get_files())

    solara.use_effect(wire, [chosen])

    def read(cancel: threading.Event) -> None:
        if not files:
            return
        if files[0].get("unusable"):
            on_error(tr(TEXT["unreadable"]))
            return
        try:
            data = read_limited(files[0]["file_obj"], UPLOAD_LIMIT)
        except Exception as exc:  # the browser went away or sent something else than asked
            logger.warning("upload could not be read: %s", exc)
            on_error(tr(TEXT["unreadable"]))
            return
        on_file(files[0].get("name"), data)

    solara.use_thread(read, [files])
