"""What the page explains: the info panel's text and the live monitors' numbers.

All visible wording is here, in English, marked for the catalogues and translated where shown
(`colabsim.app.i18n`). What an intervention does in the model is generated from the factor
registry's meanings (`colabsim.scenario.factors.FACTORS`) and the levels the buttons set
(`colabsim.app.interventions`), so the panel cannot drift from the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from colabsim.app import interventions
from colabsim.app.charts import TRUST_SCALE
from colabsim.app.i18n import N_, Translator
from colabsim.scenario.factors import FACTORS

__all__ = ["INFO_TITLE", "MONITORS", "Monitor", "info_markdown", "monitors"]

INFO_TITLE = N_("About this dashboard")

MODEL = N_("""\
### What the model is
colabsim simulates a city's international collaboration (a sister city, a donor programme) month
by month: organisations on each side, the trust and understanding between them, their commitment,
and the joint programmes they run with the money, staff and time they bring. Determinant factors
from the 2022 field study of Ambon's collaborations (the agreement's legal frame, mediation,
leadership, communication, resources, ...) set how easily trust grows, partners stay and
programmes perform. It is a thinking tool for what-if questions, not a forecast.
""")

CHARTS = N_("""\
### How to read the charts
- **Trust network**: one symbol per organisation. Colour = kind (city agency, partner city,
  foundation, university, donor), shape = side (● Ambon, ■ the partner, ◆ bridging), hollow = not
  taking part now. A line joins two organisations with a tie; its colour and width show their
  trust: light and thin is low, dark and thick is high ({scale}). Hover a symbol or a line for
  names and numbers.
- **Programme performance by sector**: how well the joint programmes of each sector deliver (0 to
  1), and the mean over the programmes running now.
- **Trust and commitment**: trust across the two sides, and the partners' mean commitment.
- **Marks on the time axis**: grey dashed = an event the scenario schedules (e.g. a law that makes
  the agreement out of date); light grey dotted = a scheduled event your change overrides; black =
  your change. Hover a mark for its note.
""")

HOLDS = N_("""\
A change you make **holds**: the scenario's later scheduled events on the same factor or
organisation do not undo it (they show as overridden), unless you tick *Let scheduled events still
apply*. **Undo last change** replays the run without it.
""")

STORY = N_("""\
### The study's story
**Vlissingen** (2006-): a sister city "managed optimally". Long history and family-like ties, a
mediating foundation (SSVA) between the sides, a current agreement; it began with health and spread
to more sectors. **Darwin** (2012-): a sister city "managed less well". The agreement fell out of
date as Indonesian law changed (2014, 2018), there is no mediator, and stakeholders such as
Pattimura University were not involved. The study recommends renewing the legal frame, a competent
cooperation team and the university as a partner: try them here, and compare with side by side.
""")

INTERVENTIONS_TITLE = N_("### What each intervention does")
#: A factor button's line: what it stands for, the level it sets, what that factor means.
FACTOR_LINE = N_(
    "- **{label}**: {meaning} In the model it sets *{factor}* to {level} from this month. *{factor}*: {means}"
)
ACTOR_LINE = N_("- **{label}**: {meaning} In the model it {effect}")
SCALE = N_("the steps are finer from 0.8 up: {scale}")

#: What each actor button does in the model, beyond its one-line meaning (factor buttons are generated).
_ACTORS = {
    "add_university": N_(
        "brings the university in from this month (an add_actor event): it takes part with its "
        "initial commitment, its ties and the rest of this year's endowment."
    ),
    "withdraw_mediator": N_(
        "takes the bridging foundation out from this month (a remove_actor event): it no longer "
        "takes part, its resources are gone, and the sides lose their broker."
    ),
}
HALF = N_("half its level now")
_FACTOR_BUTTONS: dict[str, tuple[str, float | str]] = {
    "renew_mou": ("legal_frame", interventions.RENEWED),
    "lapse_mou": ("legal_frame", interventions.LAPSED),
    "cut_funds": ("funds", HALF),
    "weak_leader": ("leadership", interventions.WEAK_LEADER),
    "strong_leader": ("leadership", interventions.STRONG_LEADER),
}


def _intervention_lines(tr: Translator) -> list[str]:
    lines = []
    for button in interventions.INTERVENTIONS:
        label, meaning = tr(button.label), tr(button.meaning)
        if button.key in _FACTOR_BUTTONS:
            name, level = _FACTOR_BUTTONS[button.key]
            shown = tr.decimal(level) if isinstance(level, float) else tr(level)
            factor = tr.render(interventions.factor_label(name))
            means = tr(FACTORS[name].meaning)
            lines.append(tr(FACTOR_LINE, label=label, meaning=meaning, factor=factor, level=shown, means=means))
        else:
            effect = tr(_ACTORS.get(button.key, ""))
            lines.append(tr(ACTOR_LINE, label=label, meaning=meaning, effect=effect))
    return lines


def info_markdown(tr: Translator) -> str:
    """The info panel as Markdown, in the language of `tr`: the model, the charts, the interventions, the story."""
    scale = ", ".join(tr.decimal(upper, 2 if upper * 10 % 1 else 1) for upper, _ in TRUST_SCALE[4:])
    parts = [
        tr(MODEL),
        tr(CHARTS, scale=tr(SCALE, scale=scale)),
        tr(INTERVENTIONS_TITLE) + "\n" + "\n".join(_intervention_lines(tr)) + "\n",
        tr(HOLDS),
        tr(STORY),
    ]
    return "\n".join(parts)


@dataclass(frozen=True)
class Monitor:
    """One live number under a run's title.

    Attributes:
        key: Stable identifier (CSS class ``colabsim-monitor-<key>``).
        label: What it is.
        value: The number now, formatted ("-" before the first month).
    """

    key: str
    label: str
    value: str


#: The monitors: key, label, timeseries column, decimals.
MONITORS = (
    ("performance", N_("performance"), "performance", 2),
    ("trust", N_("mean trust"), "trust", 2),
    ("commitment", N_("commitment"), "commitment", 2),
    ("programmes", N_("active programmes"), "active_programmes", 0),
    ("partners", N_("partners taking part"), "active_actors", 0),
)


def monitors(timeseries: pd.DataFrame, tr: Translator) -> tuple[Monitor, ...]:
    """The live numbers of the last month simulated (``-`` before the first or where missing)."""
    last = timeseries.iloc[-1] if len(timeseries) else None
    out = []
    for key, label, column, digits in MONITORS:
        value = math.nan if last is None or column not in last else float(last[column])
        out.append(Monitor(key, tr(label), "-" if math.isnan(value) else tr.decimal(value, digits)))
    return tuple(out)
