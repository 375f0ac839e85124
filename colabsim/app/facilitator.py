"""The facilitator's page (``?facilitator=1``): every group at a glance, one on the projector, a start link.

(Solara components are named like classes, hence the ``noqa: N802``.)

Read only: it shows what each session in this process does (`colabsim.app.room`) and changes
nothing. The overview refreshes every `OVERVIEW_SECONDS`; a group put on the projector shows its
charts (in the facilitator's language, projector layout) refreshed every `PROJECTOR_SECONDS`. The
start link gives every group the same scenario and seed (``?scenario=darwin&seed=42``); a
participant who has not typed the access code yet is asked for it and then lands on the link. The
groups' summaries download as one CSV file.
"""

from __future__ import annotations

import html
import threading
import urllib.parse
from typing import Any

import segno
import solara

from colabsim.app.browser import Browser
from colabsim.app.catalog import Catalog
from colabsim.app.i18n import LANGUAGES, N_, Translator
from colabsim.app.room import ROOM, GroupStatus
from colabsim.app.session import MAX_SEED
from colabsim.app.views import ChartLayout, RunPanel

__all__ = ["Facilitator", "start_link"]

#: Seconds between two refreshes of the overview, and of a group's charts on the projector.
OVERVIEW_SECONDS, PROJECTOR_SECONDS = 1.0, 0.5

TEXT = {
    "title": N_("Facilitator's overview"),
    "groups": N_("Groups ({count})"),
    "none": N_("No group has opened the dashboard yet."),
    "where": N_("{date}, month {month} of {horizon}"),
    "changes": N_("Changes: {changes}"),
    "no_changes": N_("No changes yet."),
    "performance": N_("Performance now: {value}"),
    "project": N_("On the projector"),
    "back": N_("Back to the overview"),
    "gone": N_("This group has closed its dashboard."),
    "summaries": N_("Summaries (CSV)"),
    "start": N_("Start link: the same scenario and seed for every group"),
    "start_hint": N_("Participants open this link (or scan the code); a group names itself on its page."),
    "seed": N_("Seed"),
    "scenario": N_("Scenario"),
}


def start_link(origin: str, scenario: str, seed: int) -> str:
    """The link that opens the dashboard on `scenario` (a shipped file's stem) with `seed`."""
    query = urllib.parse.urlencode({"scenario": scenario, "seed": int(seed)})
    return f"{origin.rstrip('/')}/?{query}"


@solara.component
def StartLink(catalog: Catalog, origin: str, tr: Translator) -> None:  # noqa: N802
    """Pick a scenario and seed; shows the start link and its QR code."""
    shipped = [c for c in catalog.choices if not c.key.startswith("upload/")]
    chosen, set_chosen = solara.use_state(shipped[0].short if shipped else "")
    seed, set_seed = solara.use_state(1)
    labels = {c.short: tr(c.label) for c in shipped}
    by_label = {label: short for short, label in labels.items()}
    link = start_link(origin or "", chosen, seed)
    with solara.Card(classes=["colabsim-card", "colabsim-start-link"]):
        solara.Text(tr(TEXT["start"]), classes=["colabsim-card-title"])
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Select(
                tr(TEXT["scenario"]),
                values=list(labels.values()),
                value=labels.get(chosen, ""),
                on_value=lambda label: set_chosen(by_label.get(label or "", chosen)),
                classes=["colabsim-start-scenario"],
            )
            solara.InputInt(
                tr(TEXT["seed"]),
                value=seed,
                on_value=lambda value: set_seed(min(max(int(value or 0), 0), MAX_SEED)),
                classes=["colabsim-start-seed"],
            )
        with solara.Row(gap="16px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.HTML(
                "div", unsafe_innerHTML=segno.make(link, error="m").svg_inline(scale=4), classes=["colabsim-qr"]
            )
            solara.HTML("code", unsafe_innerHTML=html.escape(link), classes=["colabsim-start-url"])
        solara.Text(tr(TEXT["start_hint"]), classes=["colabsim-note"])


@solara.component
def GroupCard(status: GroupStatus, tr: Translator, on_project: Any) -> None:  # noqa: N802
    """One group in the overview."""
    with solara.Card(classes=["colabsim-card", "colabsim-group", f"colabsim-group-{status.number}"]):
        with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap", "column-gap": "20px"}):
            solara.Text(status.name, classes=["colabsim-card-title", "colabsim-group-name"])
            solara.Text(status.scenario, classes=["colabsim-group-scenario"])
            where = tr(TEXT["where"], date=status.date, month=status.month, horizon=status.horizon)
            solara.Text(where, classes=["colabsim-group-date"])
            solara.Text(tr(TEXT["performance"], value=status.performance), classes=["colabsim-group-performance"])
            solara.Button(
                tr(TEXT["project"]),
                icon_name="mdi-projector",
                on_click=lambda: on_project(status.number),
                outlined=True,
                classes=["colabsim-project"],
            )
        changes = "; ".join(status.changes)
        text = tr(TEXT["changes"], changes=changes) if changes else tr(TEXT["no_changes"])
        solara.Text(text, classes=["colabsim-group-changes", "colabsim-note"])
        for line in status.summary:
            solara.Text(line, classes=["colabsim-group-summary"])


@solara.component
def Projected(number: int, tr: Translator, tick: int) -> None:  # noqa: N802
    """Group `number`'s charts, read only, laid out for the projector."""
    board = ROOM.board(number)
    if board is None:
        solara.Warning(tr(TEXT["gone"]))
        return
    views = board.views(tr)
    layout = ChartLayout.of(True, len(views) == 2)
    with solara.Columns([1] * len(views)):
        for side, view in enumerate(views):
            RunPanel(view, side, len(views) == 2, layout, tick)


@solara.component
def Facilitator(catalog: Catalog, tr: Translator, on_language: Any) -> None:  # noqa: N802
    """The facilitator's page (see the module)."""
    tick = solara.use_reactive(0)
    projected = solara.use_reactive(0)  # the group on the projector, 0 for the overview
    origin = solara.use_reactive("")

    def poll(cancel: threading.Event) -> None:
        while not cancel.wait(PROJECTOR_SECONDS if projected.value else OVERVIEW_SECONDS):
            tick.set(tick.value + 1)

    solara.use_thread(poll, dependencies=[projected.value])
    statuses = ROOM.status(tr)
    summaries = solara.use_memo(lambda: lambda: ROOM.summaries_csv(tr), [tr])  # kept: see takehome.TakeHome
    page_classes = ["colabsim-page", "colabsim-facilitator", *(["colabsim-projector"] if projected.value else [])]
    with solara.Column(classes=page_classes, gap="8px", style={"width": "100%"}):
        Browser(tr.language, None, None, on_origin=origin.set)
        with solara.Row(classes=["colabsim-header"], style={"align-items": "center", "column-gap": "24px"}):
            solara.Text(tr(TEXT["title"]), classes=["colabsim-app-title"])
            if projected.value:
                name = next((s.name for s in statuses if s.number == projected.value), "")
                solara.Text(name, classes=["colabsim-scenario-names", "colabsim-projected-name"])
                solara.Button(tr(TEXT["back"]), on_click=lambda: projected.set(0), text=True, classes=["colabsim-back"])
            with solara.ToggleButtonsSingle(value=tr.language, on_value=on_language, classes=["colabsim-language"]):
                for code in LANGUAGES:
                    solara.Button(code.upper(), value=code, classes=[f"colabsim-language-{code}"])
        if projected.value:
            Projected(projected.value, tr, tick.value)
            return
        with solara.Column(gap="8px", style={"padding": "0 16px"}):
            StartLink(catalog, origin.value, tr)
            with solara.Row(style={"align-items": "center", "column-gap": "20px"}):
                solara.Text(tr(TEXT["groups"], count=len(statuses)), classes=["colabsim-card-title"])
                with solara.Div(classes=["colabsim-export-summaries"]):
                    solara.FileDownload(
                        summaries,
                        filename="colabsim-groups.csv",
                        label=tr(TEXT["summaries"]),
                        mime_type="text/csv",
                    )
            if not statuses:
                solara.Text(tr(TEXT["none"]), classes=["colabsim-note"])
            for status in statuses:
                GroupCard(status, tr, projected.set)
