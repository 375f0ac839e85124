"""The dashboard's intervention buttons, as timeline events applied to a running model.

Each button stands for one or more `EventSpec` events, built for the current month and applied
with `colabsim.model.timeline.apply_event`, exactly as a scenario's own timeline applies them. What a
button does depends on the scenario and the moment: `plan` says whether it can act now, what it
will do, or why it cannot (e.g. no university in the scenario), so the page can show that next to a
disabled button.

The events act from the month about to be simulated on (``model.month``): the model has simulated
months ``0 .. month-1``, and an event "at month m" is applied at the start of month m.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from colabsim.app.i18n import N_, Msg
from colabsim.scenario.schema import EventSpec

if TYPE_CHECKING:
    from colabsim.model.collaboration import CollaborationModel

__all__ = ["INTERVENTIONS", "Intervention", "Plan", "apply_events", "factor_event", "factor_label", "plan"]

#: Legal-frame level of a renewed (current) agreement, and of a lapsed one (Darwin by 2018).
RENEWED, LAPSED = 0.9, 0.15
#: Facilitative leadership after a leadership change: a weak successor, a strong one.
WEAK_LEADER, STRONG_LEADER = 0.2, 0.8


@dataclass(frozen=True)
class Intervention:
    """One intervention button.

    Attributes:
        key: Stable identifier (used by tests and the page).
        label: The button's text (English; translated where shown).
        meaning: One line saying what it stands for in the study's terms.
    """

    key: str
    label: str
    meaning: str


@dataclass(frozen=True)
class Plan:
    """What pressing an intervention button would do now.

    Attributes:
        key: The intervention.
        enabled: Whether it can act now.
        note: What it will do, or why it cannot (translated where shown).
        events: The events it applies (empty if disabled).
        summary: A short line for the run's log (translated where shown).
    """

    key: str
    enabled: bool
    note: Msg
    events: tuple[EventSpec, ...] = ()
    summary: Msg = field(default_factory=lambda: Msg(""))


INTERVENTIONS: tuple[Intervention, ...] = (
    Intervention("renew_mou", N_("Renew the agreement"), N_("The MoU is brought up to date with current law.")),
    Intervention(
        "lapse_mou", N_("Let the agreement lapse"), N_("The MoU expires: formal activity and budgets dry up.")
    ),
    Intervention(
        "add_university", N_("Bring in the university"), N_("The university joins as a partner (recommendation 4).")
    ),
    Intervention(
        "withdraw_mediator", N_("Withdraw the foundation"), N_("The mediating foundation (e.g. SSVA) leaves.")
    ),
    Intervention("cut_funds", N_("Cut funds by half"), N_("Budgets for joint programmes are halved from now on.")),
    Intervention(
        "weak_leader", N_("New leader: weak"), N_("A leadership change: the champion leaves, a weak successor.")
    ),
    Intervention(
        "strong_leader", N_("New leader: strong"), N_("A leadership change: a facilitative leader takes over.")
    ),
)


def apply_events(
    model: CollaborationModel, events: tuple[EventSpec, ...] | list[EventSpec], let_scheduled: bool = False
) -> None:
    """Apply `events` to `model` now, at the start of the month about to be simulated.

    They hold what they act on against the scenario's later scheduled events unless
    `let_scheduled` (see `CollaborationModel.apply`).
    """
    for event in events:
        model.apply(event, let_scheduled=let_scheduled)


def factor_event(model: CollaborationModel, name: str, value: float, note: str = "") -> EventSpec:
    """A ``set_factors`` event setting factor `name` to `value` from the current month."""
    return EventSpec(at=model.month, action="set_factors", factors={name: float(value)}, note=note)


def factor_label(name: str) -> Msg:
    """A factor's name as shown (``legal_frame`` -> "legal frame"), to translate."""
    return Msg(name.replace("_", " "))


#: What the plans say (English; translated where shown).
TEXT = {
    "change": N_("{what} ({name} {before} → {after})"),
    "renewed": N_("Agreement renewed"),
    "renewed_already": N_("The agreement is current already ({now})."),
    "lapsed": N_("Agreement lapsed"),
    "lapsed_already": N_("The agreement has lapsed already ({now})."),
    "weak": N_("New leader, weak"),
    "weak_already": N_("Leadership is weak already ({now})."),
    "strong": N_("New leader, strong"),
    "strong_already": N_("Leadership is strong already ({now})."),
    "cut": N_("Funds cut by half"),
    "cut_already": N_("Funds are close to nothing already ({now})."),
    "joins": N_("{names} joins"),
    "leaves": N_("{names} leaves"),
    "joined_already": N_("{names} takes part already."),
    "left_already": N_("{names} has left already."),
    "no_university": N_(
        "This scenario has no university. In a file of your own, add one with "
        'status = "absent" and the button brings it in.'
    ),
    "no_mediator": N_("This scenario has no mediating foundation (a foundation on the bridging side, like SSVA)."),
    "ended": N_("The run has ended: press Reset to run it again."),
}


def _level(model: CollaborationModel, name: str) -> float:
    return float(model.levels[name])


def _change(model: CollaborationModel, key: str, name: str, target: float, what: str) -> Plan:
    """A plan that sets factor `name` to `target` from now, described by `what`."""
    change = Msg.of(TEXT["change"], what=Msg(what), name=factor_label(name), before=_level(model, name), after=target)
    note = Msg.of("{change}.", change=change)
    return Plan(key, True, note, (factor_event(model, name, target, what),), change)


def _set_to(model: CollaborationModel, key: str, name: str, target: float, up: bool, what: str, already: str) -> Plan:
    """A plan that moves factor `name` to `target` (`up`: a rise), disabled if it is there already."""
    now = _level(model, name)
    if (now >= target - 1e-9) if up else (now <= target + 1e-9):
        return Plan(key, False, Msg.of(already, now=now))
    return _change(model, key, name, target, what)


def _renew(model: CollaborationModel) -> Plan:
    return _set_to(model, "renew_mou", "legal_frame", RENEWED, True, TEXT["renewed"], TEXT["renewed_already"])


def _lapse(model: CollaborationModel) -> Plan:
    return _set_to(model, "lapse_mou", "legal_frame", LAPSED, False, TEXT["lapsed"], TEXT["lapsed_already"])


def _names(model: CollaborationModel, indices: list[int]) -> tuple[Msg, ...]:
    return tuple(Msg(model.structure.actor_names[i]) for i in indices)


def _move_actors(model: CollaborationModel, key: str, role: str, candidates: list[int], joining: bool) -> Plan:
    """Bring absent `candidates` in (joining) or take present ones out, as add/remove_actor events."""
    movable = [i for i in candidates if bool(model.state.active[i]) != joining]
    if not movable:
        already = TEXT["joined_already" if joining else "left_already"]
        return Plan(key, False, Msg.of(already, names=_names(model, candidates)))
    verb = "joins" if joining else "leaves"
    action: Literal["add_actor", "remove_actor"] = "add_actor" if joining else "remove_actor"
    ids = model.structure.actor_ids
    events = tuple(EventSpec(at=model.month, action=action, actor=ids[i], note=f"{role} {verb}") for i in movable)
    summary = Msg.of(TEXT[verb], names=_names(model, movable))
    return Plan(key, True, Msg.of("{change}.", change=summary), events, summary)


def _university(model: CollaborationModel) -> Plan:
    universities = [a.index for a in model.actors if a.kind == "university"]
    if not universities:
        return Plan("add_university", False, Msg(TEXT["no_university"]))
    return _move_actors(model, "add_university", "university", universities, joining=True)


def _mediator(model: CollaborationModel) -> Plan:
    mediators = [int(i) for i in np.flatnonzero(model.structure.is_mediator)]
    if not mediators:
        return Plan("withdraw_mediator", False, Msg(TEXT["no_mediator"]))
    return _move_actors(model, "withdraw_mediator", "mediator", mediators, joining=False)


def _cut_funds(model: CollaborationModel) -> Plan:
    now = _level(model, "funds")
    if now < 0.05:
        return Plan("cut_funds", False, Msg.of(TEXT["cut_already"], now=now))
    return _change(model, "cut_funds", "funds", round(now / 2.0, 2), TEXT["cut"])


def _weak(model: CollaborationModel) -> Plan:
    return _set_to(model, "weak_leader", "leadership", WEAK_LEADER, False, TEXT["weak"], TEXT["weak_already"])


def _strong(model: CollaborationModel) -> Plan:
    return _set_to(model, "strong_leader", "leadership", STRONG_LEADER, True, TEXT["strong"], TEXT["strong_already"])


_PLANNERS: dict[str, Callable[[CollaborationModel], Plan]] = {
    "renew_mou": _renew,
    "lapse_mou": _lapse,
    "add_university": _university,
    "withdraw_mediator": _mediator,
    "cut_funds": _cut_funds,
    "weak_leader": _weak,
    "strong_leader": _strong,
}


def plan(key: str, model: CollaborationModel) -> Plan:
    """What intervention `key` would do to `model` now.

    Raises:
        KeyError: If there is no such intervention.
    """
    return _PLANNERS[key](model)
