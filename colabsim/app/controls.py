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

from colabsim.app.i18n import N_, Translator
from colabsim.app.interventions import INTERVENTIONS, factor_label
from colabsim.app.picker import ScenarioUpload
from colabsim.app.session import SPEEDS, Controls, Dashboard
from colabsim.app.upload import UPLOAD_LIMIT
from colabsim.scenario.factors import DIMENSIONS, FACTORS, Factor

__all__ = [
    "ConfirmLoss",
    "FactorControls",
    "InterventionControls",
    "RunControls",
    "ScenarioControls",
    "act",
]

#: Seconds a slider must rest before its value is applied (a drag is one change, not fifty).
SLIDER_SETTLE = 0.35
#: Dimensions whose sliders are shown open when the page loads.
OPEN_DIMENSIONS = ("institutional", "agency")

Refresh = Callable[[], object]

#: Visible wording of the controls (English; translated where shown).
TEXT = {
    "failed": N_("That did not work ({error}). Reset starts the run afresh."),
    "run": N_("Run"),
    "play": N_("Play"),
    "pause": N_("Pause"),
    "step": N_("Step"),
    "year": N_("+1 year"),
    "reset": N_("Reset"),
    "speed": N_("Speed (months per second)"),
    "seed": N_("Seed (same seed, same run)"),
    "new_seed": N_("New seed"),
    "confirm_title": N_("Start again?"),
    "confirm_body": N_("{what} restarts the run from month 0: the months simulated and your changes are lost."),
    "confirm_ok": N_("Restart"),
    "confirm_cancel": N_("Keep this run"),
    "switch_scenario": N_("Switching to {label}"),
    "switch_mode_on": N_("Showing two runs side by side"),
    "switch_mode_off": N_("Going back to one run"),
    "switch_upload": N_("Opening your file {name}"),
    "switch_values": N_("Going back to the scenario's values"),
    "scenario": N_("Scenario"),
    "left": N_("Left"),
    "right": N_("Right"),
    "side_by_side": N_("Side by side (same seed)"),
    "own_file": N_("Your own scenario file (.toml, up to {kib} KiB)"),
    "own_file_left": N_("Your own scenario file (.toml, up to {kib} KiB; opens on the left)"),
    "own_file_right": N_("Your own scenario file (.toml, up to {kib} KiB; opens on the right)"),
    "not_offered": N_("Not offered: {problem}"),
    "interventions": N_("Interventions"),
    "acts_on": N_("Buttons and sliders act on:"),
    "let_scheduled": N_("Let scheduled events still apply"),
    "let_scheduled_hint": N_(
        "Off: a change holds against the scenario's later scheduled events on the same factor or actor "
        "(they are shown as overridden). On: those events still apply."
    ),
    "undo": N_("Undo last change"),
    "log_title": N_("Events and changes in this run"),
    "log_line": N_("{date}: {text}"),
    "factors": N_("Determinant factors"),
    "at_start": N_("Before the first step a slider sets the start value, held for the whole run."),
    "during": N_("A slider changes its factor from this month on, as a scenario event would."),
    "start_values": N_("Start values: {held}"),
    "scenario_values": N_("Scenario's values"),
}
#: The dimensions' names as shown (the registry's identifiers are English words).
DIMENSION_LABELS = {
    "environment": N_("Environment"),
    "institutional": N_("Institutional"),
    "social capital": N_("Social capital"),
    "agency": N_("Agency"),
    "communication": N_("Communication"),
    "membership": N_("Membership"),
    "purpose": N_("Purpose"),
    "resources": N_("Resources"),
    "shocks": N_("Shocks"),
}

logger = logging.getLogger(__name__)


def act(board: Dashboard, refresh: Refresh, action: Callable[[], object]) -> None:
    """Do `action`, then redraw; an unexpected error becomes a message on the page, not a traceback."""
    try:
        action()
        board.notice = ""
    except Exception as exc:  # a bug must never put a traceback on the projector
        logger.exception("dashboard action failed")
        board.notice = board.tr(TEXT["failed"], error=f"{type(exc).__name__}: {exc}")
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

    tr = board.tr
    busy = state.playing or state.finished
    with solara.Card(classes=["colabsim-card", "colabsim-run-controls"]):
        _title(tr(TEXT["run"]))
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            solara.Button(
                tr(TEXT["pause"] if state.playing else TEXT["play"]),
                icon_name="mdi-pause" if state.playing else "mdi-play",
                on_click=toggle_play,
                disabled=state.finished and not state.playing,
                color="primary",
                classes=["colabsim-play"],
            )
            solara.Button(
                tr(TEXT["step"]),
                icon_name="mdi-step-forward",
                on_click=lambda: step(1),
                disabled=busy,
                color="primary",
                outlined=True,
                classes=["colabsim-step"],
            )
            solara.Button(
                tr(TEXT["year"]),
                on_click=lambda: step(12),
                disabled=busy,
                color="primary",
                outlined=True,
                classes=["colabsim-year"],
            )
            solara.Button(
                tr(TEXT["reset"]),
                icon_name="mdi-restart",
                on_click=lambda: act(board, refresh, board.reset),
                outlined=True,
                classes=["colabsim-reset"],
            )
        solara.Text(tr(TEXT["speed"]), classes=["colabsim-label"])
        with solara.ToggleButtonsSingle(value=state.speed, on_value=set_speed, classes=["colabsim-speed"]):
            for name, rate in SPEEDS.items():
                solara.Button(f"{rate:g}", value=name)
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.InputInt(tr(TEXT["seed"]), value=state.seed, on_value=set_seed, classes=["colabsim-seed-input"])
            solara.Button(
                tr(TEXT["new_seed"]),
                icon_name="mdi-dice-5",
                on_click=lambda: act(board, refresh, board.new_seed),
                outlined=True,
                classes=["colabsim-new-seed"],
            )


Pending = tuple[str, Callable[[], object]] | None


@solara.component
def ConfirmLoss(  # noqa: N802
    pending: solara.Reactive[Pending],
    on_ok: Callable[[Callable[[], object]], None],
    tr: Translator,
    on_cancel: Callable[[], None] | None = None,
) -> None:
    """Asks before an action that restarts the run; `pending` is (what, action) or None.

    `on_cancel` is called when the run is kept ("Keep this run", Esc or a click beside the dialog).
    """
    what = pending.value[0] if pending.value else ""

    def ok() -> None:
        if pending.value:
            on_ok(pending.value[1])
        pending.set(None)

    def cancel(_: object = None) -> None:
        pending.set(None)
        if on_cancel is not None:
            on_cancel()

    def closed(open_now: bool) -> None:
        if not open_now:  # Esc or a click beside the dialog: as "Keep this run"
            cancel()

    dialog = solara.v.Dialog(v_model=pending.value is not None, on_v_model=closed, max_width=560)
    with dialog, solara.Card(tr(TEXT["confirm_title"]), classes=["colabsim-confirm"]):
        solara.Text(tr(TEXT["confirm_body"], what=what), classes=["colabsim-confirm-text"])
        with solara.Row(justify="end", gap="12px"):
            solara.Button(tr(TEXT["confirm_cancel"]), on_click=cancel, text=True, classes=["colabsim-confirm-cancel"])
            solara.Button(tr(TEXT["confirm_ok"]), on_click=ok, color="primary", classes=["colabsim-confirm-ok"])


def use_confirm(board: Dashboard, refresh: Refresh) -> tuple[Callable[[str, Callable[[], object]], None], Any]:
    """A hook: ``guarded(what, action)`` does `action` now, or asks first once a run would be lost.

    Returns the function and the pending question, for a `ConfirmLoss` in the same component.
    """
    pending = solara.use_reactive(cast(Pending, None))

    def guarded(what: str, action: Callable[[], object]) -> None:
        if board.at_risk:
            pending.set((what, action))
        else:
            act(board, refresh, action)

    return guarded, pending


@solara.component
def ScenarioControls(board: Dashboard, state: Controls, refresh: Refresh) -> None:  # noqa: N802
    """Scenario picker(s), side-by-side switch and an upload for one's own scenario file.

    Switching scenario or mode, or opening an uploaded file, restarts the runs, so once a run has
    moved or been changed the page asks first (`ConfirmLoss`); on "Keep this run" the pickers go
    back to what is shown (an uploaded file stays offered in the picker).
    """
    tr = board.tr
    labels = dict(state.labels)
    key_of = {label: key for key, label in labels.items()}
    guarded, pending = use_confirm(board, refresh)
    # Bumped when a switch is cancelled (only then: a control made anew just after "Restart" would
    # lose a quick next click): the pickers are made anew, showing the run's scenario again.
    generation = solara.use_reactive(0)

    def choose(side: int, label: str | None) -> None:
        if label in key_of and key_of[label] != state.selected[min(side, len(state.selected) - 1)]:
            guarded(tr(TEXT["switch_scenario"], label=label), lambda: board.choose(side, key_of[label]))

    def side_by_side(on: bool) -> None:
        what = tr(TEXT["switch_mode_on"] if on else TEXT["switch_mode_off"])
        guarded(what, lambda: board.set_side_by_side(on))

    def uploaded(name: object, data: bytes) -> None:
        side = board.target
        key = board.add_upload(name, data)  # validated and offered; a bad file only shows its error
        if key is None:
            refresh()
            return
        guarded(tr(TEXT["switch_upload"], name=board.catalog.get(key).short), lambda: board.choose(side, key))
        refresh()

    def failed(message: str) -> None:
        act(board, refresh, lambda: setattr(board, "file_error", message))

    with solara.Card(classes=["colabsim-card", "colabsim-scenario-controls"]):
        _title(tr(TEXT["scenario"]))
        ConfirmLoss(
            pending, lambda action: act(board, refresh, action), tr, lambda: generation.set(generation.value + 1)
        )
        for side, key in enumerate(state.selected):
            solara.Select(
                tr(TEXT[("left", "right")[side]] if state.side_by_side else TEXT["scenario"]),
                values=list(labels.values()),
                value=labels.get(key, key),
                on_value=functools.partial(choose, side),
                classes=[f"colabsim-scenario-{side}"],
            ).key(f"scenario-{side}-{generation.value}")
        solara.Switch(
            label=tr(TEXT["side_by_side"]),
            value=state.side_by_side,
            on_value=side_by_side,
            classes=["colabsim-side-by-side"],
        ).key(f"side-by-side-{generation.value}")
        own = ("own_file_left", "own_file_right")[state.target] if state.side_by_side else "own_file"
        solara.Text(tr(TEXT[own], kib=UPLOAD_LIMIT // 1024), classes=["colabsim-label"])
        with solara.Div(classes=["colabsim-upload"]):
            ScenarioUpload(uploaded, failed, tr)
        if state.file_error:
            solara.Error(state.file_error, classes=["colabsim-file-error"])
        for problem in state.problems:
            solara.Warning(tr(TEXT["not_offered"], problem=problem))


@solara.component
def InterventionControls(board: Dashboard, state: Controls, refresh: Refresh) -> None:  # noqa: N802
    """One button per intervention, what it will do (or why it cannot), and the run's log."""

    def press(key: str) -> None:
        act(board, refresh, lambda: board.intervene(key))

    def set_target(side: int | None) -> None:
        act(board, refresh, lambda: setattr(board, "target", side or 0))

    tr = board.tr
    plans = {key: (enabled, note) for key, enabled, note in state.plans}
    with solara.Card(classes=["colabsim-card", "colabsim-interventions"]):
        _title(tr(TEXT["interventions"]))
        if state.side_by_side:
            solara.Text(tr(TEXT["acts_on"]), classes=["colabsim-label"])
            with solara.ToggleButtonsSingle(value=state.target, on_value=set_target, classes=["colabsim-target"]):
                for side, short in enumerate(state.shorts):
                    solara.Button(short, value=side, classes=[f"colabsim-target-{side}"])
        for intervention in INTERVENTIONS:
            enabled, note = plans[intervention.key]
            with solara.Column(gap="0px", classes=["colabsim-intervention"]):
                solara.Button(
                    tr(intervention.label),
                    on_click=functools.partial(press, intervention.key),
                    disabled=not enabled,
                    color="primary",
                    outlined=True,
                    block=True,
                    classes=["colabsim-intervention-button", f"colabsim-do-{intervention.key}"],
                )
                solara.Text(note, classes=["colabsim-note", f"colabsim-note-{intervention.key}"])
        with solara.Div(classes=["colabsim-let-scheduled"]):
            solara.Checkbox(
                label=tr(TEXT["let_scheduled"]),
                value=state.let_scheduled,
                on_value=lambda on: act(board, refresh, lambda: setattr(board, "let_scheduled", bool(on))),
            )
        solara.Text(tr(TEXT["let_scheduled_hint"]), classes=["colabsim-note"])
        solara.Button(
            tr(TEXT["undo"]),
            icon_name="mdi-undo",
            on_click=lambda: act(board, refresh, board.undo),
            disabled=not state.can_undo,
            outlined=True,
            classes=["colabsim-undo"],
        )
        if state.log:
            solara.Text(tr(TEXT["log_title"]), classes=["colabsim-label"])
            for date, text, kind in state.log:
                solara.Text(
                    tr(TEXT["log_line"], date=date, text=text), classes=["colabsim-log", f"colabsim-log-{kind}"]
                )


@solara.component
def FactorSlider(  # noqa: N802
    factor: Factor, level: float, on_commit: Callable[[str, float], None], tr: Translator
) -> None:
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
            solara.Text(tr.render(factor_label(factor.name)), classes=["colabsim-factor-name"])
            solara.Text(tr.decimal(shown), classes=["colabsim-factor-value"])
        solara.v.Slider(
            v_model=shown,
            on_v_model=on_value,
            min=factor.low,
            max=factor.high,
            step=0.01,
            thumb_label=True,
            hint=tr(factor.meaning),
            persistent_hint=True,
            color="primary",
        )


@solara.component
def FactorControls(board: Dashboard, state: Controls, refresh: Refresh) -> None:  # noqa: N802
    """The factor sliders, grouped by dimension, for the run the controls act on."""
    tr = board.tr
    levels = dict(state.levels)
    guarded, pending = use_confirm(board, refresh)

    def commit(name: str, value: float) -> None:
        act(board, refresh, lambda: board.set_factor(name, value))

    with solara.Card(classes=["colabsim-card", "colabsim-factors"]):
        _title(tr(TEXT["factors"]))
        ConfirmLoss(pending, lambda action: act(board, refresh, action), tr)
        solara.Text(tr(TEXT["at_start" if state.at_start else "during"]))
        if state.start_values:
            held = ", ".join(f"{tr.render(factor_label(k))} {tr.decimal(v)}" for k, v in state.start_values)
            with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Text(tr(TEXT["start_values"], held=held), classes=["colabsim-start-values"])
                solara.Button(
                    tr(TEXT["scenario_values"]),
                    on_click=lambda: guarded(tr(TEXT["switch_values"]), board.clear_start_values),
                    outlined=True,
                    classes=["colabsim-clear"],
                )
        for dimension in DIMENSIONS:
            summary = tr(DIMENSION_LABELS.get(dimension, dimension))
            with solara.Details(summary=summary, expand=dimension in OPEN_DIMENSIONS):
                for factor in FACTORS.values():
                    if factor.dimension == dimension:
                        FactorSlider(factor, levels[factor.name], commit, tr)
