"""The dashboard's live charts as ECharts options, drawn in the browser (`colabsim.app.livechart`).

Each chart is split in two: an *option* fixed for a run (axes over the whole horizon, titles,
legend, series without data; `network_option`, `time_option`) and a *frame*, the data now
(`network_frame`, `time_frame`), which is all that is sent as the run plays. Both are plain JSON.

- Network: the trust network now, at fixed positions computed here (a column per side, the order
  in a column from a spring layout seeded with the run's seed). Colour = kind of actor (Okabe-Ito,
  `colabsim.reporting.style.KIND_COLOURS`), shape = side, hollow = not taking part; a line per
  pair of actors, its colour (a sequential viridis scale with finer steps from 0.8 to 1) and width
  the mean trust of the two directions. Hovering shows an actor's full name, kind, side, sectors and
  commitment, or a tie's trust in each direction.
- Time charts: ``"sectors"`` (performance by sector, the reports' colour-blind-safe sector colours,
  and the mean over live programmes) and ``"dynamics"`` (trust across the partnership and mean
  commitment). Scheduled events, overridden events and the trainer's changes are labelled vertical
  lines, in grey, light grey (dotted) and black, with the notes on hover.

Every text from a scenario file that goes into a tooltip is HTML-escaped: ECharts shows tooltips
as HTML, and a participant's uploaded file must not put markup in the page. Labels and titles are
SVG text (set as text, never parsed), so they are left as written.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Hashable, Mapping
from functools import lru_cache
from typing import Any

import networkx as nx
import numpy as np

from colabsim.app.i18n import N_, Translator
from colabsim.app.run import MARK_KINDS, RunView
from colabsim.reporting.style import KIND_COLOURS, sector_colours
from colabsim.scenario.loader import Scenario

__all__ = [
    "KIND_LABELS",
    "KIND_MARKS",
    "SIDE_LABELS",
    "SIDE_SYMBOLS",
    "TRUST_SCALE",
    "axis_of",
    "font",
    "legend_rows",
    "network_frame",
    "network_layout",
    "network_option",
    "sector_label",
    "time_axis",
    "time_frame",
    "time_option",
    "trust_colour",
    "values_of",
]

#: Visible wording of the charts (English; translated where shown).
TEXT = {
    "network": N_("Trust network, {date}"),
    "sectors": N_("Programme performance by sector"),
    "dynamics": N_("Trust and commitment"),
    "mean": N_("mean"),
    "trust": N_("trust across sides"),
    "commitment": N_("commitment"),
    "performance": N_("performance"),
    "scheduled": N_("scheduled event"),
    "overridden": N_("overridden event"),
    "intervention": N_("your change"),
    "actor": N_("{name}<br/>{kind}, {side}<br/>sectors: {sectors}<br/>{status}, commitment {commitment}"),
    "taking_part": N_("taking part"),
    "not_taking_part": N_("not taking part"),
    "tie": N_("{a} - {b}<br/>trust {mean} ({a} → {b} {ab}, {b} → {a} {ba})"),
    "no_sectors": N_("none"),
}
KIND_LABELS = {
    "agency": N_("city agency"),
    "municipality": N_("partner city"),
    "foundation": N_("foundation"),
    "university": N_("university"),
    "donor": N_("donor"),
}
SIDE_LABELS = {"local": N_("local (Ambon)"), "foreign": N_("partner side"), "bridging": N_("bridging")}
#: ECharts symbols by side, and the same shapes as text for the page's legend.
SIDE_SYMBOLS = {"local": ("circle", "●"), "foreign": ("rect", "■"), "bridging": ("diamond", "◆")}
SIDE_X = {"local": -1.0, "bridging": 0.0, "foreign": 1.0}
#: Trust scale: upper bounds of the bins and their colours (viridis, light to dark). The bins are
#: narrower from 0.8 up, where Vlissingen's ties live, so that range is told apart.
TRUST_SCALE: tuple[tuple[float, str], ...] = (
    (0.2, "#d2e21b"),
    (0.4, "#84d44b"),
    (0.6, "#42be71"),
    (0.7, "#20a386"),
    (0.8, "#23888e"),
    (0.85, "#2f6c8e"),
    (0.9, "#3d4d8a"),
    (0.95, "#482979"),
    (1.0, "#440154"),
)
#: Kinds of actor by a white mark inside the node as well as by colour (never by colour alone; the
#: city's agencies, most of the nodes, stay plain): the ECharts symbol of the mark, and the same
#: mark as an SVG path in a 16x16 box for the page's legend. (ECharts draws no pattern on a graph's
#: symbols, so the marks are a scatter series on top of the nodes.)
KIND_MARKS: dict[str, tuple[str, str]] = {
    "municipality": ("triangle", "M8 3.5 L12.5 11.5 L3.5 11.5 Z"),
    "foundation": ("circle", "M8 4.5 A3.5 3.5 0 1 1 7.99 4.5 Z"),
    "university": ("rect", "M4.5 4.5 H11.5 V11.5 H4.5 Z"),
    "donor": ("diamond", "M8 3 L13 8 L8 13 L3 8 Z"),
}
#: Marks on the time axis by kind: colour, line type, width.
MARK_STYLES = {
    "scheduled": ("#6b6b6b", "dashed", 2),
    "overridden": ("#b0b0b0", "dotted", 2),
    "intervention": ("#000000", "solid", 3),
}
MEAN_COLOUR, TRUST_COLOUR, COMMITMENT_COLOUR = "#444444", "#009E73", "#CC79A7"
#: Width (px) a time chart's legend is assumed to have: the narrowest time chart, on a projector at
#: 1280x720. Its rows are estimated from the entries' text (which is longer in Bahasa Indonesia), to
#: leave room below the axes.
LEGEND_WIDTH = 440
#: Marks closer than the time axis's length over this get no label of their own (see `_labelled_months`).
MARK_GAP = 14
#: Longest mark label on the chart (the full note is on hover).
MARK_LABEL = 14


def trust_colour(trust: float) -> str:
    """The colour of a tie with mean trust `trust` on `TRUST_SCALE`."""
    for upper, colour in TRUST_SCALE:
        if trust <= upper + 1e-9:
            return colour
    return TRUST_SCALE[-1][1]


def short_name(actor_id: str) -> str:
    """A node label: ``coop_unit`` -> ``Coop unit``, ``ssva`` -> ``SSVA``."""
    if len(actor_id) <= 4:
        return actor_id.upper()
    return actor_id.replace("_", " ").capitalize()


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@lru_cache(maxsize=256)
def _layout(ids: tuple[str, ...], sides: tuple[str, ...], pairs: tuple[tuple[int, int], ...], seed: int) -> np.ndarray:
    """Node positions: a column per side (Ambon's actors left, bridging centre, the partner right).

    The order within a column and the zigzag across it come from a spring layout seeded with the
    run's seed, so the picture is fixed for a run and the same for the same seed.
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(len(ids)))
    graph.add_edges_from(pairs)
    spring = nx.spring_layout(graph, seed=seed % (2**32), iterations=60)
    xy = np.zeros((len(ids), 2))
    for side, column in SIDE_X.items():
        members = sorted((i for i, s in enumerate(sides) if s == side), key=lambda i: spring[i][1])
        for rank, i in enumerate(members):
            xy[i, 1] = 0.0 if len(members) == 1 else rank / (len(members) - 1) * 2.0 - 1.0
            xy[i, 0] = column + (0.0 if len(members) < 3 else (0.22 if rank % 2 else -0.22))
    return xy


def _pairs(view: RunView) -> dict[tuple[int, int], dict[tuple[int, int], float]]:
    """Tied pairs (rows of ``view.actors``, smaller first) -> trust of each direction."""
    index = {a: i for i, a in enumerate(view.actors["actor"])}
    pairs: dict[tuple[int, int], dict[tuple[int, int], float]] = defaultdict(dict)
    for source, target, value in zip(view.ties["source"], view.ties["target"], view.ties["trust"], strict=True):
        a, b = index[source], index[target]
        pairs[(min(a, b), max(a, b))][(a, b)] = float(value)
    return dict(sorted(pairs.items()))


def network_layout(view: RunView) -> np.ndarray:
    """Node positions (one row per actor of ``view.actors``), fixed by the structure and the seed."""
    ids = tuple(str(a) for a in view.actors["actor"])
    sides = tuple(str(s) for s in view.actors["side"])
    return _layout(ids, sides, tuple(_pairs(view)), view.seed).copy()  # the cache is shared by all sessions


def font(size: int) -> dict[str, Any]:
    """ECharts text style: `size` px, black."""
    return {"fontSize": size, "color": "#000000"}


def network_option(view: RunView, size: int) -> dict[str, Any]:
    """What stays fixed for a run's network chart: title, tooltip, the graph series (no data)."""
    return {
        "animation": False,
        "textStyle": font(size),
        "title": {"text": "", "left": 0, "textStyle": {**font(size + 2), "fontWeight": "bold"}},
        "tooltip": {"trigger": "item", "confine": True, "textStyle": font(size)},
        "grid": {"left": "6%", "right": "6%", "top": size * 3, "bottom": size * 2.5},
        "xAxis": {"type": "value", "min": -1.7, "max": 1.5, "show": False},
        "yAxis": {"type": "value", "min": -1.05, "max": 1.05, "show": False},
        "series": [
            {
                "id": "network",
                "type": "graph",
                "layout": "none",
                "coordinateSystem": "cartesian2d",  # symbols in pixels: round whatever the chart's aspect
                "roam": False,
                "symbolSize": size * 2,
                "label": {"show": True, "position": "bottom", **font(size)},
                "emphasis": {"focus": "adjacency", "lineStyle": {"width": 10}},
                "data": [],
                "links": [],
            },
            {  # the kinds' marks inside the nodes (see KIND_MARKS)
                "id": "kinds",
                "type": "scatter",
                "coordinateSystem": "cartesian2d",
                "silent": True,
                "z": 3,
                "symbolSize": round(size * 0.85),
                "data": [],
            },
        ],
    }


def sector_label(sector: str) -> str:
    """A sector as shown before translation: ``climate_adaptation`` -> "climate adaptation"."""
    return sector.replace("_", " ")


def _node(row: Mapping[Hashable, Any], scenario: Scenario, i: int, xy: np.ndarray, tr: Translator) -> dict[str, Any]:
    kind, side, active = str(row["kind"]), str(row["side"]), bool(row["active"])
    spec = scenario.spec.actors[i]
    colour = KIND_COLOURS.get(kind, "#808080")
    tooltip = tr(
        TEXT["actor"],
        name=_esc(tr(str(row["name"]))),
        kind=tr(KIND_LABELS.get(kind, kind)),
        side=tr(SIDE_LABELS.get(side, side)),
        sectors=_esc(", ".join(tr(sector_label(s)) for s in spec.sectors) or tr(TEXT["no_sectors"])),
        status=tr(TEXT["taking_part" if active else "not_taking_part"]),
        commitment=float(row["commitment"]),
    )
    return {
        "name": str(row["actor"]),
        "value": [round(float(xy[i, 0]), 4), round(float(xy[i, 1]), 4)],
        "symbol": SIDE_SYMBOLS.get(side, ("circle", ""))[0],
        "itemStyle": {"color": colour if active else "#ffffff", "borderColor": colour, "borderWidth": 4},
        "label": {"formatter": tr(short_name(str(row["actor"]))), "color": "#000000" if active else "#707070"},
        "tooltip": {"formatter": tooltip},
    }


def network_frame(view: RunView, scenario: Scenario, xy: np.ndarray) -> dict[str, Any]:
    """The network now: nodes (state, tooltips) and ties (trust as colour and width)."""
    tr = view.tr
    active = view.actors["active"].to_numpy(dtype=bool)
    names = [tr(short_name(str(a))) for a in view.actors["actor"]]
    links = []
    for (a, b), directions in _pairs(view).items():
        mean = float(np.mean(list(directions.values())))
        live = bool(active[a] and active[b])
        text = tr(
            TEXT["tie"],
            a=_esc(names[a]),
            b=_esc(names[b]),
            mean=mean,
            ab=directions.get((a, b), math.nan),
            ba=directions.get((b, a), math.nan),
        )
        style = (
            {"color": trust_colour(mean), "width": round(1.0 + 9.0 * mean, 2), "type": "solid", "opacity": 0.9}
            if live
            else {"color": "#c8c8c8", "width": 1.5, "type": "dashed", "opacity": 1.0}
        )
        links.append({"source": a, "target": b, "lineStyle": style, "tooltip": {"formatter": text}})
    rows = view.actors.to_dict("records")  # one conversion, not a pandas row per actor
    nodes = [_node(row, scenario, i, xy, tr) for i, row in enumerate(rows)]
    marks = [
        {
            "value": node["value"],
            "symbol": KIND_MARKS[kind][0],
            "itemStyle": {"color": "#ffffff" if active else KIND_COLOURS.get(kind, "#808080")},
        }
        for node, kind, active in zip(nodes, view.actors["kind"], view.actors["active"], strict=True)
        if kind in KIND_MARKS
    ]
    return {
        "title": {"text": tr(TEXT["network"], date=view.date)},
        "series": [{"id": "network", "data": nodes, "links": links}, {"id": "kinds", "data": marks}],
    }


def sectors_of(scenario: Scenario) -> list[str]:
    """The scenario's sectors, in the order of the timeseries' ``performance_<sector>`` columns."""
    return sorted({p.sector for p in scenario.spec.programmes})


#: Line symbols of the sectors, in order: lines differ by shape as well as colour (and the legend shows it).
SECTOR_SYMBOLS = ("circle", "rect", "triangle", "diamond", "roundRect", "pin", "arrow")


def _lines(kind: str, scenario: Scenario, tr: Translator) -> list[tuple[str, str, str, int, str, str]]:
    """(series id and name, column, colour, width, symbol, line type) of a time chart's lines, in `tr`'s language.

    Never by colour alone: each sector's line has its own symbol, the mean is the thickest,
    commitment is dashed.
    """
    if kind == "sectors":
        sectors = sectors_of(scenario)
        colours = sector_colours(sectors)  # the reports' colours (colabsim.reporting.style)
        lines = [
            (tr(sector_label(s)), f"performance_{s}", colours[s], 3, SECTOR_SYMBOLS[i % len(SECTOR_SYMBOLS)], "solid")
            for i, s in enumerate(sectors)
        ]
        return [*lines, (tr(TEXT["mean"]), "performance", MEAN_COLOUR, 5, "emptyCircle", "solid")]
    return [
        (tr(TEXT["trust"]), "trust", TRUST_COLOUR, 4, "circle", "solid"),
        (tr(TEXT["commitment"]), "commitment", COMMITMENT_COLOUR, 4, "rect", "dashed"),
    ]


def axis_of(view: RunView) -> tuple[tuple[int, int], int, int]:
    """The time axis of a run's charts: its first (year, month), its months, the run's offset on it."""
    start, months = view.axis or (view.start, view.horizon)
    return start, months, (view.start[0] - start[0]) * 12 + view.start[1] - start[1]


def time_axis(start: tuple[int, int], months: int, size: int, tr: Translator) -> dict[str, Any]:
    """A time chart's category axis: one entry per month, labelled about five times."""
    years = max(1, math.ceil(months / 12 / 5))  # about five labels on the time axis
    # Labelled months are Januaries when the axis starts in one: then the browser writes only the
    # year ("2006", not "Jan 2006"), which fits five labels on a projector's narrow chart.
    label = {"interval": 12 * years - 1, **font(size), "colabsimYearOnly": start[1] == 1}
    return {
        "type": "category",
        "data": [tr.month(start, m) for m in range(months)],
        "boundaryGap": False,
        "axisLabel": label,
    }


def legend_rows(names: list[str], size: int, width: int = LEGEND_WIDTH) -> int:
    """Rows a legend of `names` takes at type size `size` in `width` px (ECharts wraps it like text)."""
    rows, used = 1, 0.0
    for name in names:
        entry = 44 + 0.48 * size * len(name)  # symbol, gaps, text (measured in Chromium at 18 px)
        if used and used + entry > width:
            rows, used = rows + 1, 0.0
        used += entry
    return rows


def time_option(view: RunView, scenario: Scenario, kind: str, size: int, marks_legend: bool = True) -> dict[str, Any]:
    """What stays fixed for a run's time chart: axes over the whole horizon, legend, empty series.

    `marks_legend` False leaves the marks' kinds out of the legend (where space is short: the info
    panel explains them).
    """
    tr = view.tr
    start, months, _ = axis_of(view)
    lines = _lines(kind, scenario, tr)
    legend = [name for name, *_ in lines] + ([tr(TEXT[mark]) for mark in MARK_KINDS] if marks_legend else [])
    series: list[dict[str, Any]] = [
        {
            "id": name,
            "name": name,
            "type": "line",
            "data": [],
            "color": colour,
            "lineStyle": {"width": width, "type": dash},
            "symbol": symbol,
            "symbolSize": 8,
            "tooltip": {"formatter": "{a}<br/>{b}: {c}"},
        }
        for name, _, colour, width, symbol, dash in lines
    ]
    for mark in MARK_KINDS:
        colour, line, width = MARK_STYLES[mark]
        series.append(
            {
                "id": f"marks-{mark}",
                "name": tr(TEXT[mark]),
                "type": "line",
                "data": [],
                "color": colour,
                "lineStyle": {"type": line, "width": width},
                "markLine": {
                    "symbol": ["none", "none"],
                    "lineStyle": {"color": colour, "type": line, "width": width},
                    "label": {"position": "insideEndTop", **font(size - 2)},
                    "tooltip": {"formatter": "{b}"},
                    "data": [],
                },
            }
        )
    series.append({"id": "now", "type": "line", "data": [], "silent": True, "markLine": {"data": []}})
    return {
        "animation": False,
        "textStyle": font(size),
        "title": {"text": tr(TEXT[kind]), "left": 0, "textStyle": {**font(size + 2), "fontWeight": "bold"}},
        "tooltip": {"trigger": "item", "confine": True, "textStyle": font(size)},
        "legend": {"bottom": 0, "textStyle": font(size), "itemWidth": 30, "data": legend},
        "grid": {
            "left": size,
            "right": size * 2,
            "top": size * 3,
            "bottom": round(size * (0.75 + 1.25 * legend_rows(legend, size))),  # rows of about 1.25 em
            "containLabel": True,
        },
        "xAxis": time_axis(start, months, size, tr),
        "yAxis": {
            "type": "value",
            "min": 0,
            "max": 1,
            "interval": 0.2,
            "axisLabel": font(size),
            "splitLine": {"lineStyle": {"color": "#d0d0d0"}},
        },
        "series": series,
    }


def values_of(column: np.ndarray) -> list[float | None]:
    """A chart series' data: rounded, None for a missing month."""
    return [None if math.isnan(v) else round(float(v), 3) for v in column]


def _labelled_months(view: RunView) -> set[int]:
    """The months whose marks get a label: from the first on, none closer than `MARK_GAP` of the axis.

    Labels of marks a few months apart would overprint each other; the others keep their line
    and their notes on hover.
    """
    gap = max(6, axis_of(view)[1] // MARK_GAP)
    kept: list[int] = []
    for month in sorted({m for m, _, _ in view.marks}):
        if not kept or month - kept[-1] >= gap:
            kept.append(month)
    return set(kept)


def _mark_lines(view: RunView, kind: str, labelled: set[int]) -> list[dict[str, Any]]:
    """One line per month with marks of `kind`, labelled if in `labelled`; the notes on hover."""
    by_month: dict[int, list[str]] = defaultdict(list)
    for month, text, mark in view.marks:
        if mark == kind and 0 <= month < view.horizon:
            by_month[month].append(text)
    lines = []
    for month, texts in sorted(by_month.items()):
        first = texts[0] if len(texts[0]) <= MARK_LABEL else texts[0][: MARK_LABEL - 1] + "…"
        label = first + (f" (+{len(texts) - 1})" if len(texts) > 1 else "")
        date = view.tr.month(view.start, month)
        lines.append(
            {
                "xAxis": date,
                "name": f"{date}: " + "<br/>".join(_esc(t) for t in texts),
                "label": {"formatter": label, "show": month in labelled},
            }
        )
    return lines


def time_frame(view: RunView, scenario: Scenario, kind: str) -> dict[str, Any]:
    """A time chart's data now: the lines so far, the marks and where the run is."""
    frame = view.timeseries
    pad: list[float | None] = [None] * axis_of(view)[2]  # side by side: the months before this run starts
    series: list[dict[str, Any]] = [
        {"id": name, "data": pad + values_of(frame[column].to_numpy(dtype=float)) if column in frame else []}
        for name, column, *_ in _lines(kind, scenario, view.tr)
    ]
    labelled = _labelled_months(view)
    series += [{"id": f"marks-{mark}", "markLine": {"data": _mark_lines(view, mark, labelled)}} for mark in MARK_KINDS]
    now = [] if view.finished else [{"xAxis": view.tr.month(view.start, view.month)}]
    style = {"color": "#000000", "type": "solid", "width": 1, "opacity": 0.4}
    series.append(
        {
            "id": "now",
            "markLine": {"symbol": ["none", "none"], "label": {"show": False}, "lineStyle": style, "data": now},
        }
    )
    return {"series": series}
