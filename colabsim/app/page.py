"""The dashboard page: one `Dashboard` per browser session, controls on the left, views on the right.

Session isolation: nothing here holds a model at module level. `Page` creates its `Dashboard` with
``solara.use_memo(..., [])``, which Solara keeps per component instance, i.e. per virtual kernel;
Solara gives every browser page (tab) its own virtual kernel. So every page has its own runs,
seed and play loop, and two people in a workshop never share or disturb a run. (Mesa's SolaraViz
takes a model instance made at import time, which all sessions would share; this page does not
use it for that reason.) A reload of the page starts a fresh session, which replays the run the
page kept in its address (``?run=...``, `colabsim.app.restore`); a run of an uploaded file first
gets the file's text back from the browser's storage (`colabsim.app.browser`), since the server
keeps no participant's file beyond its session. ``?facilitator=1`` opens the
facilitator's overview of every session instead (`colabsim.app.facilitator`).

Projector mode (the header's switch, or ``?projector=1`` in the address) is made for 1280x720 on
a wall: type of at least 18 px everywhere, black on white with a black header, a narrower control
panel, and the charts filling the height of the screen. In both modes the control panel collapses
(the header's "Controls" button) to give the charts the whole width. Side by side, the runs share the
calendar (both show the same date) and a difference strip under them shows right minus left in
performance and trust by date. On a projector side by side not all fits: each run shows its
monitors, its network and one time chart, with buttons to choose which (performance by sector, or
trust and commitment), and the difference strip, the network's legend and the marks' kinds in
the time charts' legends (explained in the info panel) are left out.
"""

from __future__ import annotations

import itertools
import logging
import os
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import reacton.core
import solara

from colabsim.app.browser import Browser, StoredFiles
from colabsim.app.catalog import Catalog
from colabsim.app.controls import FactorControls, InterventionControls, RunControls, ScenarioControls, act
from colabsim.app.export import file_stem
from colabsim.app.facilitator import TEXT as FACILITATOR_TEXT
from colabsim.app.facilitator import Facilitator
from colabsim.app.i18n import LANGUAGES, N_, Msg, Translator, language_of, translator
from colabsim.app.restore import TEXT as RESTORE_TEXT
from colabsim.app.restore import RestoreError, decode, encode, files_wanted, kept_files, restore, snapshot
from colabsim.app.room import ROOM
from colabsim.app.session import Controls, Dashboard
from colabsim.app.takehome import GroupName, SummaryCard, TakeHome
from colabsim.app.views import SAVE, ChartLayout, Clock, DifferenceStrip, InfoPanel, RunPanel, SaveRequest
from colabsim.scenario.loader import ScenarioError

__all__ = [
    "ENV_SCENARIO",
    "Layout",
    "Page",
    "files_in_address",
    "new_dashboard",
    "query_value",
    "start_from_address",
    "wants_projector",
]

#: Environment variable with the scenario file to show first (set by ``colabsim serve FILE``).
ENV_SCENARIO = "COLABSIM_SCENARIO"

logger = logging.getLogger(__name__)

#: The page's styles (a file of their own, so an editor checks them as CSS).
CSS = (Path(__file__).resolve().parent / "dashboard.css").read_text(encoding="utf-8")

#: Visible wording of the page (English; translated where shown).
TEXT = {
    "title": N_("colabsim workshop dashboard"),
    "vs": N_("{left} vs {right}"),
    "projector": N_("Projector"),
    "controls": N_("Controls"),
    "info": N_("Info"),
    "language": N_("Language"),
    "stopped": N_("Playing stopped: {error}"),
    "no_scenario": N_("No scenario files found: start the dashboard with `colabsim serve FILE.toml`."),
}


def query_value(search: str | None, name: str) -> str | None:
    """The value of `name` in the address's query (``a=1&b=2``), or None if absent."""
    for part in (search or "").lstrip("?").split("&"):
        key, _, value = part.partition("=")
        if key == name:
            return urllib.parse.unquote_plus(value)
    return None


def wants_projector(search: str | None) -> bool:
    """Whether the address's query (``projector=1``, ``projector=true``) asks for projector mode."""
    value = query_value(search, "projector")
    return value is not None and value.lower() in ("1", "true", "yes", "on", "")


HEADER_STYLE = {"align-items": "center", "column-gap": "28px"}


def files_in_address(search: str | None) -> tuple[str, ...]:
    """The hashes of the uploaded files the run in the address (``run=...``) needs from the browser."""
    text = query_value(search, "run")
    try:
        return tuple(files_wanted(decode(text))) if text else ()
    except RestoreError:
        return ()  # `start_from_address` says what is wrong with it


def start_from_address(board: Dashboard, search: str | None, files: Mapping[str, object] | None = None) -> str:
    """Set `board` up as the address asks; return a message to show ("" for none).

    ``run=...`` restores a run (`colabsim.app.restore`, after a reload); otherwise ``scenario=STEM``
    and ``seed=N`` start the run a facilitator's start link names. ``group=NAME`` names the group.

    Args:
        board: A fresh session's dashboard.
        search: The address's query.
        files: The texts of uploaded files the browser kept, by hash. None: not asked yet, so a run
            that needs some (`files_in_address`) is left for a second call with the browser's answer.
    """
    group = query_value(search, "group")
    if group:
        board.set_group(group)
    text = query_value(search, "run")
    if text:
        try:
            shot = decode(text)
            if files is None and files_wanted(shot):
                return ""
            restore(board, shot, files)
        except RestoreError as exc:
            return board.tr.render(exc.message)
        return ""
    scenario, seed = query_value(search, "scenario"), query_value(search, "seed")
    if seed is not None and seed.strip().isdigit():
        board.set_seed(int(seed))
    if scenario:
        choice = board.catalog.find(scenario)
        if choice is None:
            return board.tr.render(Msg.of(RESTORE_TEXT["unknown"], name=scenario))
        board.choose(0, choice.key)
    return ""


def new_dashboard(tr: Translator | None = None, search: str | None = None) -> tuple[Dashboard | None, str]:
    """A fresh session's dashboard, set up as the address asks (None if no scenario is found), and a message."""
    tr = tr or translator()
    first = os.environ.get(ENV_SCENARIO) or None
    message = ""
    try:
        catalog = Catalog(first=first)
    except ScenarioError as exc:
        catalog, message = Catalog(), str(exc)
    if not catalog.choices:
        return None, message or tr(TEXT["no_scenario"])
    board = Dashboard(catalog, tr=tr)
    board.notice = start_from_address(board, search)
    ROOM.join(board)
    return board, message


@solara.component
def Layout(children: list[solara.Element] | None = None) -> solara.Element:  # noqa: N802
    """A plain full-width page (instead of Solara's default app layout)."""
    return solara.Column(children=children or [], gap="0px", style={"width": "100%"})


@solara.component
def Page() -> None:  # noqa: N802
    """The page of one browser session: the dashboard, or the facilitator's overview (``?facilitator=1``)."""
    router = solara.use_router()
    search = solara.use_memo(lambda: router.search, [])  # the address the session opened with
    solara.Style(CSS)
    if (query_value(search, "facilitator") or "").lower() in ("1", "true", "yes", "on"):
        FacilitatorPage(search)
    else:
        DashboardPage(search)


@solara.component
def FacilitatorPage(search: str | None) -> None:  # noqa: N802
    """The facilitator's overview, in its own language."""
    tr = solara.use_reactive(translator(query_value(search, "lang")))
    catalog = solara.use_memo(lambda: Catalog(first=os.environ.get(ENV_SCENARIO) or None), [])
    solara.Title(tr.value(FACILITATOR_TEXT["title"]))

    def set_language(code: str | None) -> None:
        if code in LANGUAGES:
            tr.set(translator(code))

    Facilitator(catalog, tr.value, set_language)


@solara.component
def LiveClock(board: Dashboard, frame: solara.Reactive[int], tr: Translator) -> None:  # noqa: N802
    """The header's clock, redrawn every frame (see `DashboardPage`)."""
    _ = frame.value  # subscribes this component, not the page, to the play loop's frames
    Clock(*board.calendar(), board.seed, tr)


@solara.component
def LiveAddress(  # noqa: N802
    board: Dashboard, frame: solara.Reactive[int], on_key: Callable[[str], None], files: StoredFiles
) -> None:
    """The page's behaviour in the browser, with the run's state for the address, every frame.

    While the browser is asked for a restored run's files (`files.wanted`), the address is left
    alone: it still holds the run to restore.
    """
    _ = frame.value
    state = None if files.wanted else encode(snapshot(board))
    Browser(board.tr.language, state, on_key, files=StoredFiles(kept_files(board), files.wanted, files.on_stored))


@solara.component
def LiveCharts(board: Dashboard, frame: solara.Reactive[int], layout: ChartLayout) -> None:  # noqa: N802
    """The runs' charts, redrawn every frame; tells the play loop when a frame is on screen."""
    number = frame.value
    solara.use_effect(lambda: board.frame_drawn(number), None)  # after every render of the charts
    views = board.views()
    if board.side_by_side:
        with solara.Columns([1, 1]):
            RunPanel(views[0], 0, True, layout, number)
            RunPanel(views[1], 1, True, layout, number)
        if layout.strip:
            DifferenceStrip(views[0], views[1], layout, number)
    else:
        RunPanel(views[0], 0, False, layout, number)


@solara.component
def DashboardPage(search: str | None) -> None:  # noqa: N802
    """The dashboard page of one browser session.

    Two counters drive redraws. `frame` counts the play loop's frames and is read only by the live
    parts (charts, clock, the address), so while a run plays only they are redrawn; `revision`
    redraws the whole page, after a control is used and whenever what the controls show changes
    (`Controls`: a scheduled event that enables a button, the run's end).
    """
    board, message = solara.use_memo(lambda: new_dashboard(translator(query_value(search, "lang")), search), [])
    projector = solara.use_reactive(wants_projector(search))
    controls_open = solara.use_reactive(True)
    info_open = solara.use_reactive(False)
    revision = solara.use_reactive(0)
    frame = solara.use_reactive(0)
    shown = solara.use_ref(cast(Controls | None, None))
    wanted = solara.use_memo(lambda: files_in_address(search), [])
    waiting = solara.use_reactive(bool(wanted))  # for the browser's kept files (see `start_from_address`)
    saving = solara.use_reactive(cast(SaveRequest | None, None))
    counter = solara.use_memo(lambda: itertools.count(1), [])

    # One render pass for all that a change marks (else each live part would redraw on its own).
    batch = solara.use_memo(lambda: reacton.core.get_render_context(), [])

    def refresh() -> int:
        number = next(counter)
        with batch:
            frame.set(number)
            revision.set(number)
        return number

    def next_frame() -> int:
        number = next(counter)
        with batch:
            if board is not None and board.controls() != shown.current:
                revision.set(number)
            frame.set(number)
        return number

    _ = revision.value  # the whole page redraws when a control or the controls' state changes
    playing = board is not None and board.playing

    def play(cancel: object) -> None:
        if board is None or not playing:
            return
        try:
            board.play(cancel, next_frame)  # type: ignore[arg-type]
        except Exception as exc:  # a bug must never put a traceback on the projector
            logger.exception("play loop failed")
            board.playing = False
            board.notice = board.tr(TEXT["stopped"], error=f"{type(exc).__name__}: {exc}")
            refresh()

    solara.use_thread(play, dependencies=[playing], intrusive_cancel=False)
    if board is None:
        solara.Title(translator()(TEXT["title"]))
        solara.Error(message)
        return
    tr = board.tr
    solara.Title(tr(TEXT["title"]))
    SAVE.provide(saving.value)

    def set_language(code: str | None) -> None:
        if code in LANGUAGES and code != board.tr.language:
            board.set_language(language_of(code))
            refresh()

    state = board.controls()
    shown.current = state

    def save_charts(kind: str) -> None:
        serial = saving.value.serial + 1 if saving.value else 1
        saving.set(SaveRequest(kind, serial, file_stem(board.views())))

    def on_key(action: str) -> None:
        if action == "play":
            act(board, refresh, lambda: setattr(board, "playing", not board.playing and not board.finished))
        elif action == "step" and not board.playing:
            act(board, refresh, lambda: board.step(1))
        elif action == "undo":
            act(board, refresh, board.undo)

    def stored(found: dict[str, str]) -> None:
        if waiting.value:
            board.notice = start_from_address(board, search, found)
            waiting.set(False)
            refresh()

    layout = ChartLayout.of(projector.value, board.side_by_side)
    page_classes = ["colabsim-page", *(["colabsim-projector"] if projector.value else [])]
    with solara.Column(classes=page_classes, gap="0px", style={"width": "100%"}):
        LiveAddress(board, frame, on_key, StoredFiles(wanted=wanted if waiting.value else (), on_stored=stored))
        with solara.Row(classes=["colabsim-header"], style=HEADER_STYLE):
            solara.Button(
                tr(TEXT["controls"]),
                icon_name="mdi-chevron-left" if controls_open.value else "mdi-chevron-right",
                text=True,
                on_click=lambda: controls_open.set(not controls_open.value),
                classes=["colabsim-toggle-controls"],
            )
            solara.Text("colabsim", classes=["colabsim-app-title"])
            short = projector.value and len(board.runs) > 1
            names = [run.choice.short if short else tr(run.choice.scenario.name) for run in board.runs]
            title = names[0] if len(names) == 1 else tr(TEXT["vs"], left=names[0], right=names[1])
            solara.Text(title, classes=["colabsim-scenario-names"])
            LiveClock(board, frame, tr)
            with solara.Div(classes=["colabsim-projector-switch"]):
                solara.Switch(label=tr(TEXT["projector"]), value=projector)
            with solara.ToggleButtonsSingle(
                value=tr.language, on_value=set_language, classes=["colabsim-language"], dense=True
            ):
                for code in LANGUAGES:
                    solara.Button(code.upper(), value=code, classes=[f"colabsim-language-{code}"])
            solara.Button(
                tr(TEXT["info"]),
                icon_name="mdi-information-outline",
                text=True,
                on_click=lambda: info_open.set(True),
                classes=["colabsim-open-info"],
            )
        InfoPanel(info_open, tr)
        with solara.Row(classes=["colabsim-body"], gap="12px", style={"align-items": "flex-start"}):
            if controls_open.value:
                with solara.Column(classes=["colabsim-sidebar"], gap="10px"):
                    if message:
                        solara.Warning(message)
                    if board.notice:
                        solara.Error(board.notice, classes=["colabsim-notice"])
                    for side, run in enumerate(board.runs):
                        ended = board.summary_key(side) if run.finished else None
                        SummaryCard(board, side, ended, board.summary(side), tr, refresh)
                    RunControls(board, state, refresh)
                    InterventionControls(board, state, refresh)
                    TakeHome(board, file_stem(board.views()), tr, save_charts)
                    GroupName(board, tr, refresh)
                    ScenarioControls(board, state, refresh)
                    FactorControls(board, state, refresh)
            with solara.Column(classes=["colabsim-main"], gap="8px"):
                LiveCharts(board, frame, layout)
