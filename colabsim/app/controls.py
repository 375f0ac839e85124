"""The dashboard's controls (Solara components): run, scenario, interventions, factor sliders.

(Solara components are named like classes, hence the ``noqa: N802``.)

Every control calls a `Dashboard` method (which does the work under the session's lock) and then
``refresh()`` to redraw the page. Each component gets what it shows as plain values (from
`Controls`), so it is redrawn only when those change, not at every month. The factor sliders are
generated from the factor registry, grouped by dimension, with each factor's one-line meaning
under its slider.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, cast

import solara
import traitlets
from ipyvuetify.extra import FileInput

from colabsim.app.interventions import INTERVENTIONS
from colabsim.app.session import SPEEDS, Controls, Dashboard
from colabsim.app.upload import UPLOAD_LIMIT, read_limited
from colabsim.scenario.factors import DIMENSIONS, FACTORS, Factor

__all__ = [
    "ConfirmLoss",
    "FactorControls",
    "InterventionControls",
    "Picker",
    "RunControls",
    "ScenarioControls",
    "ScenarioUpload",
    "act",
]

#: Seconds a slider must rest before its value is applied (a drag is one change, not fifty).
SLIDER_SETTLE = 0.35
#: Dimensions whose sliders are shown open when the page loads.
OPEN_DIMENSIONS = ("institutional", "agency")

Refresh = Callable[[], object]

#: Visible wording of the confirmation, undo and hold controls (kept together for translation).
TEXT = {
    "confirm_title": "Start again?",
    "confirm_body": "{what} restarts the run from month 0: the months simulated and your changes are lost.",
    "confirm_ok": "Restart",
    "confirm_cancel": "Keep this run",
    "switch_scenario": "Switching to {label}",
    "switch_mode_on": "Showing two runs side by side",
    "switch_mode_off": "Going back to one run",
    "let_scheduled": "Let scheduled events still apply",
    "let_scheduled_hint": (
        "Off: a change holds against the scenario's later scheduled events on the same factor or actor "
        "(they are shown as overridden). On: those events still apply."
    ),
    "undo": "Undo last change",
    "log_title": "Events and changes in this run",
    "unreadable": "The file could not be read from the browser; choose it again.",
}

logger = logging.getLogger(__name__)


def act(board: Dashboard, refresh: Refresh, action: Callable[[], object]) -> None:
    """Do `action`, then redraw; an unexpected error becomes a message on the page, not a traceback."""
    try:
        action()
        board.notice = ""
    except Exception as exc:  # a bug must never put a traceback on the projector
        logger.exception("dashboard action failed")
        board.notice = f"That did not work ({type(exc).__name__}: {exc}). Reset starts the run afresh."
    refresh()


def _title(text: str) -> None:
    solara.Text(text, classes=["colabsim-card-title"])


@solara.component
def RunControls(board: Dashboard, state: Controls, refresh: Refresh) -> None:  # noqa: N802
    """Play/pause, step, +1 year, reset, speed and seed."""

    def step(months: int) -> None:
        act(board, refresh, lambda: board.step(months))

    def toggle_play() -> None:
        act(board, refresh, lambda: setattr(board, "playing", not board.playing and not board.finished))

    def set_speed(speed: str | None) -> None:
        act(board, refresh, lambda: setattr(board, "speed", speed or "normal"))

    def set_seed(seed: int | None) -> None:
        if seed is not None and seed != board.seed:
            act(board, refresh, lambda: board.set_seed(seed))

    busy = state.playing or state.finished
    with solara.Card(classes=["colabsim-card", "colabsim-run-controls"]):
        _title("Run")
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            solara.Button(
                "Pause" if state.playing else "Play",
                icon_name="mdi-pause" if state.playing else "mdi-play",
                on_click=toggle_play,
                disabled=state.finished and not state.playing,
                color="primary",
                classes=["colabsim-play"],
            )
            solara.Button(
                "Step",
                icon_name="mdi-step-forward",
                on_click=lambda: step(1),
                disabled=busy,
                color="primary",
                outlined=True,
                classes=["colabsim-step"],
            )
            solara.Button(
                "+1 year",
                on_click=lambda: step(12),
                disabled=busy,
                color="primary",
                outlined=True,
                classes=["colabsim-year"],
            )
            solara.Button(
                "Reset",
                icon_name="mdi-restart",
                on_click=lambda: act(board, refresh, board.reset),
                outlined=True,
                classes=["colabsim-reset"],
            )
        solara.Text("Speed (months per second)", classes=["colabsim-label"])
        with solara.ToggleButtonsSingle(value=state.speed, on_value=set_speed, classes=["colabsim-speed"]):
            for name, rate in SPEEDS.items():
                solara.Button(f"{rate:g}", value=name)
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.InputInt(
                "Seed (same seed, same run)", value=state.seed, on_value=set_seed, classes=["colabsim-seed-input"]
            )
            solara.Button(
                "New seed",
                icon_name="mdi-dice-5",
                on_click=lambda: act(board, refresh, board.new_seed),
                outlined=True,
                classes=["colabsim-new-seed"],
            )


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
def ScenarioUpload(on_file: Callable[[object, bytes], None], on_error: Callable[[str], None]) -> None:  # noqa: N802
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
            on_error(TEXT["unreadable"])
            return
        try:
            data = read_limited(files[0]["file_obj"], UPLOAD_LIMIT)
        except Exception as exc:  # the browser went away or sent something else than asked
            logger.warning("upload could not be read: %s", exc)
            on_error(TEXT["unreadable"])
            return
        on_file(files[0].get("name"), data)

    solara.use_thread(read, [files])


Pending = tuple[str, Callable[[], object]] | None


@solara.component
def ConfirmLoss(  # noqa: N802
    pending: solara.Reactive[Pending], on_ok: Callable[[Callable[[], object]], None], on_cancel: Callable[[], None]
) -> None:
    """Asks before an action that restarts the run; `pending` is (what, action) or None."""
    what = pending.value[0] if pending.value else ""

    def ok() -> None:
        if pending.value:
            on_ok(pending.value[1])
        pending.set(None)

    def cancel(_: object = None) -> None:
        pending.set(None)
        on_cancel()

    def closed(open_now: bool) -> None:
        if not open_now:  # Esc or a click beside the dialog: as "Keep this run"
            cancel()

    dialog = solara.v.Dialog(v_model=pending.value is not None, on_v_model=closed, max_width=560)
    with dialog, solara.Card(TEXT["confirm_title"], classes=["colabsim-confirm"]):
        solara.Text(TEXT["confirm_body"].format(what=what), classes=["colabsim-confirm-text"])
        with solara.Row(justify="end", gap="12px"):
            solara.Button(TEXT["confirm_cancel"], on_click=cancel, text=True, classes=["colabsim-confirm-cancel"])
            solara.Button(TEXT["confirm_ok"], on_click=ok, color="primary", classes=["colabsim-confirm-ok"])


@solara.component
def ScenarioControls(board: Dashboard, state: Controls, refresh: Refresh) -> None:  # noqa: N802
    """Scenario picker(s), side-by-side switch and an upload for one's own scenario file.

    Switching scenario or mode restarts the runs, so once a run has moved or been changed the page
    asks first (`ConfirmLoss`); on "Keep this run" the pickers go back to what is shown.
    """
    labels = dict(state.labels)
    key_of = {label: key for key, label in labels.items()}
    pending = solara.use_reactive(cast(Pending, None))
    # Bumped when a switch is cancelled (only then: a control made anew just after "Restart" would
    # lose a quick next click): the pickers are made anew, showing the run's scenario again.
    generation = solara.use_reactive(0)

    def guarded(what: str, action: Callable[[], object]) -> None:
        if board.at_risk:
            pending.set((what, action))
        else:
            act(board, refresh, action)

    def choose(side: int, label: str | None) -> None:
        if label in key_of and key_of[label] != state.selected[min(side, len(state.selected) - 1)]:
            guarded(TEXT["switch_scenario"].format(label=label), lambda: board.choose(side, key_of[label]))

    def side_by_side(on: bool) -> None:
        what = TEXT["switch_mode_on"] if on else TEXT["switch_mode_off"]
        guarded(what, lambda: board.set_side_by_side(on))

    def uploaded(name: object, data: bytes) -> None:
        act(board, refresh, lambda: board.upload_file(board.target, name, data))

    def failed(message: str) -> None:
        act(board, refresh, lambda: setattr(board, "file_error", message))

    with solara.Card(classes=["colabsim-card", "colabsim-scenario-controls"]):
        _title("Scenario")
        ConfirmLoss(pending, lambda action: act(board, refresh, action), lambda: generation.set(generation.value + 1))
        for side, key in enumerate(state.selected):
            solara.Select(
                ("Left" if side == 0 else "Right") if state.side_by_side else "Scenario",
                values=list(labels.values()),
                value=labels.get(key, key),
                on_value=functools.partial(choose, side),
                classes=[f"colabsim-scenario-{side}"],
            ).key(f"scenario-{side}-{generation.value}")
        solara.Switch(
            label="Side by side (same seed)",
            value=state.side_by_side,
            on_value=side_by_side,
            classes=["colabsim-side-by-side"],
        ).key(f"side-by-side-{generation.value}")
        where = f" (opens on the {('left', 'right')[state.target]})" if state.side_by_side else ""
        limit = f"up to {UPLOAD_LIMIT // 1024} KiB"
        solara.Text(f"Your own scenario file (.toml, {limit}){where}", classes=["colabsim-label"])
        with solara.Div(classes=["colabsim-upload"]):
            ScenarioUpload(uploaded, failed)
        if state.file_error:
            solara.Error(state.file_error, classes=["colabsim-file-error"])
        for problem in state.problems:
            solara.Warning(f"Not offered: {problem}")


@solara.component
def InterventionControls(board: Dashboard, state: Controls, refresh: Refresh) -> None:  # noqa: N802
    """One button per intervention, what it will do (or why it cannot), and the run's log."""

    def press(key: str) -> None:
        act(board, refresh, lambda: board.intervene(key))

    def set_target(side: int | None) -> None:
        act(board, refresh, lambda: setattr(board, "target", side or 0))

    plans = {plan.key: plan for plan in state.plans}
    with solara.Card(classes=["colabsim-card", "colabsim-interventions"]):
        _title("Interventions")
        if state.side_by_side:
            solara.Text("Buttons and sliders act on:", classes=["colabsim-label"])
            with solara.ToggleButtonsSingle(value=state.target, on_value=set_target, classes=["colabsim-target"]):
                for side, short in enumerate(state.shorts):
                    solara.Button(short, value=side, classes=[f"colabsim-target-{side}"])
        for intervention in INTERVENTIONS:
            plan = plans[intervention.key]
            with solara.Column(gap="0px", classes=["colabsim-intervention"]):
                solara.Button(
                    intervention.label,
                    on_click=functools.partial(press, intervention.key),
                    disabled=not plan.enabled,
                    color="primary",
                    outlined=True,
                    block=True,
                    classes=["colabsim-intervention-button", f"colabsim-do-{intervention.key}"],
                )
                solara.Text(plan.note, classes=["colabsim-note", f"colabsim-note-{intervention.key}"])
        with solara.Div(classes=["colabsim-let-scheduled"]):
            solara.Checkbox(
                label=TEXT["let_scheduled"],
                value=state.let_scheduled,
                on_value=lambda on: act(board, refresh, lambda: setattr(board, "let_scheduled", bool(on))),
            )
        solara.Text(TEXT["let_scheduled_hint"], classes=["colabsim-note"])
        solara.Button(
            TEXT["undo"],
            icon_name="mdi-undo",
            on_click=lambda: act(board, refresh, board.undo),
            disabled=not state.can_undo,
            outlined=True,
            classes=["colabsim-undo"],
        )
        if state.log:
            solara.Text(TEXT["log_title"], classes=["colabsim-label"])
            for date, text, kind in state.log:
                solara.Text(f"{date}: {text}", classes=["colabsim-log", f"colabsim-log-{kind}"])


@solara.component
def FactorSlider(factor: Factor, level: float, on_commit: Callable[[str, float], None]) -> None:  # noqa: N802
    """A slider for one factor: its name and value, the slider, its meaning underneath.

    The value is applied once the slider rests for `SLIDER_SETTLE` seconds.
    """
    local, set_local = solara.use_state(cast(float | None, None))
    timer = solara.use_ref(cast(threading.Timer | None, None))

    def cancel_timer() -> Callable[[], None]:
        def cleanup() -> None:
            if timer.current is not None:
                timer.current.cancel()

        return cleanup

    solara.use_effect(cancel_timer, [])

    def on_value(value: Any) -> None:
        if value is None:
            return
        chosen = round(float(value), 2)
        if local is None and abs(chosen - level) < 0.005:
            return  # the slider only echoed the value it shows
        set_local(chosen)
        if timer.current is not None:
            timer.current.cancel()

        def commit() -> None:
            on_commit(factor.name, chosen)
            set_local(None)

        timer.current = threading.Timer(SLIDER_SETTLE, commit)
        timer.current.daemon = True
        timer.current.start()

    shown = level if local is None else local
    with solara.Column(gap="0px", classes=["colabsim-factor", f"colabsim-factor-{factor.name}"]):
        with solara.Row(justify="space-between"):
            solara.Text(factor.name.replace("_", " "), classes=["colabsim-factor-name"])
            solara.Text(f"{shown:.2f}", classes=["colabsim-factor-value"])
        solara.v.Slider(
            v_model=shown,
            on_v_model=on_value,
            min=factor.low,
            max=factor.high,
            step=0.01,
            thumb_label=True,
            hint=factor.meaning,
            persistent_hint=True,
            color="primary",
        )


@solara.component
def FactorControls(board: Dashboard, state: Controls, refresh: Refresh) -> None:  # noqa: N802
    """The factor sliders, grouped by dimension, for the run the controls act on."""
    levels = dict(state.levels)

    def commit(name: str, value: float) -> None:
        act(board, refresh, lambda: board.set_factor(name, value))

    with solara.Card(classes=["colabsim-card", "colabsim-factors"]):
        _title("Determinant factors")
        if state.at_start:
            solara.Text("Before the first step a slider sets the start value, held for the whole run.")
        else:
            solara.Text("A slider changes its factor from this month on, as a scenario event would.")
        if state.start_values:
            held = ", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in state.start_values)
            with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Text(f"Start values: {held}", classes=["colabsim-start-values"])
                solara.Button(
                    "Scenario's values",
                    on_click=lambda: act(board, refresh, board.clear_start_values),
                    outlined=True,
                    classes=["colabsim-clear"],
                )
        for dimension in DIMENSIONS:
            with solara.Details(summary=dimension.capitalize(), expand=dimension in OPEN_DIMENSIONS):
                for factor in FACTORS.values():
                    if factor.dimension == dimension:
                        FactorSlider(factor, levels[factor.name], commit)
