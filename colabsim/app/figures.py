"""The dashboard's live figures, drawn for a projector: large type, few colours, clear legends.

A painter keeps one matplotlib figure for one run and redraws only what changes, which is several
times faster than building the figure again each month. `Painters.draw` takes a `RunView` (a
consistent copy of the run) and returns PNG bytes. They use matplotlib's object API (no pyplot, no
global style changes), so sessions can draw at the same time in different threads.

- Network: the trust network now. Colour = kind of actor, shape = side, hollow = not taking part
  (yet or any more); a line per pair of actors, its width and colour the mean trust of the two
  directions. The layout is seeded from the run's seed and fixed for the run.
- Sectors: programme performance by sector over time, with the mean over live programmes.
- Dynamics: trust across the partnership and mean commitment over time.

Time charts span the run's whole horizon from the start, so nothing rescales while it plays;
the scenario's scheduled events are grey dashed lines, the trainer's interventions orange ones.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache

import matplotlib
import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke
from PIL import Image

from colabsim.app.session import RunView
from colabsim.reporting.style import KIND_COLOURS, sector_colours

__all__ = ["KIND_COLOURS", "ChartPainter", "NetworkPainter", "Painters", "network_layout"]

KIND_LABELS = {
    "agency": "city agency",
    "municipality": "partner city",
    "foundation": "foundation",
    "university": "university",
    "donor": "donor",
}
SIDE_MARKERS = {"local": "o", "foreign": "s", "bridging": "D"}
SIDE_LABELS = {"local": "local (Ambon)", "foreign": "partner side", "bridging": "bridging"}
SIDE_X = {"local": -1.0, "bridging": 0.0, "foreign": 1.0}
INTERVENTION_COLOUR = "#e6550d"
TRUST_CMAP = matplotlib.colormaps["RdYlGn"]

#: Type sizes in points; figures are drawn at `DPI` and shown about at their pixel size.
DPI = 100
TITLE, LABEL, TICK, LEGEND, NODE_TEXT = 19, 16, 14, 14, 14


def _png(canvas: FigureCanvasAgg) -> bytes:
    """Draw the figure and encode it as PNG (light compression: speed matters more than size here)."""
    canvas.draw()
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def short_name(actor_id: str) -> str:
    """A node label: ``coop_unit`` -> ``Coop unit``, ``ssva`` -> ``SSVA``."""
    if len(actor_id) <= 4:
        return actor_id.upper()
    return actor_id.replace("_", " ").capitalize()


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


def _pairs(view: RunView) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Unordered pairs of tied actors (by row in ``view.actors``) and the mean trust of each."""
    index = {a: i for i, a in enumerate(view.actors["actor"])}
    trust: dict[tuple[int, int], list[float]] = {}
    for source, target, value in zip(view.ties["source"], view.ties["target"], view.ties["trust"], strict=True):
        a, b = index[source], index[target]
        trust.setdefault((min(a, b), max(a, b)), []).append(float(value))
    pairs = sorted(trust)
    return pairs, np.array([np.mean(trust[p]) for p in pairs])


def network_layout(view: RunView) -> np.ndarray:
    """Node positions (one row per actor of ``view.actors``), fixed by the structure and the seed."""
    pairs, _ = _pairs(view)
    ids = tuple(str(a) for a in view.actors["actor"])
    sides = tuple(str(s) for s in view.actors["side"])
    return _layout(ids, sides, tuple(pairs), view.seed).copy()  # the cache is shared by all sessions


def _trust_by_pair(view: RunView, pairs: list[tuple[int, int]]) -> np.ndarray:
    index = {a: i for i, a in enumerate(view.actors["actor"])}
    position = {pair: k for k, pair in enumerate(pairs)}
    total = np.zeros(len(pairs))
    count = np.zeros(len(pairs))
    for source, target, value in zip(view.ties["source"], view.ties["target"], view.ties["trust"], strict=True):
        a, b = index[source], index[target]
        k = position[(min(a, b), max(a, b))]
        total[k] += float(value)
        count[k] += 1
    return total / np.maximum(count, 1)


class NetworkPainter:
    """The trust network of one run (see the module's description)."""

    def __init__(self, view: RunView, compact: bool = False) -> None:
        """Draw what stays fixed for the run: layout, nodes, names, legend, colour bar."""
        self.lock = threading.Lock()
        self.fig = Figure(figsize=(7.6, 5.8) if compact else (8.6, 7.4))
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0.02, 0.2, 0.8, 0.7))
        cax = self.fig.add_axes((0.86, 0.3, 0.03, 0.5))
        self.pairs, _ = _pairs(view)
        self.xy = network_layout(view)
        self.kinds = [str(k) for k in view.actors["kind"]]
        self.dead = LineCollection([], colors="#c8c8c8", linewidths=1.2, linestyles="dashed", zorder=1)
        self.live = LineCollection([], zorder=2)
        ax.add_collection(self.dead)
        ax.add_collection(self.live)
        self.nodes = []
        size = 900 if compact else 1100
        sides = view.actors["side"].to_numpy()
        for side, marker in SIDE_MARKERS.items():
            rows = np.flatnonzero(sides == side)
            if len(rows):
                colours = [KIND_COLOURS.get(self.kinds[i], "grey") for i in rows]
                points = ax.scatter(
                    self.xy[rows, 0],
                    self.xy[rows, 1],
                    s=size,
                    marker=marker,
                    edgecolors=colours,
                    linewidths=3,
                    zorder=3,
                )
                self.nodes.append((rows, points))
        self.names = [
            ax.annotate(
                short_name(str(actor)),
                self.xy[i],
                textcoords="offset points",
                xytext=(0, -30),
                ha="center",
                va="top",
                fontsize=NODE_TEXT,
                path_effects=[withStroke(linewidth=4, foreground="white")],
                zorder=4,
            )
            for i, actor in enumerate(view.actors["actor"])
        ]
        ax.set_xlim(-1.6, 1.5)
        ax.set_ylim(-1.3, 1.2)
        ax.set_axis_off()
        self.title = ax.set_title("", fontsize=TITLE, loc="left")
        kinds = [k for k in KIND_COLOURS if k in set(self.kinds)]
        handles = [Line2D([], [], marker="o", ls="", ms=14, color=KIND_COLOURS[k], label=KIND_LABELS[k]) for k in kinds]
        present = set(sides)
        handles += [
            Line2D([], [], marker=SIDE_MARKERS[s], ls="", ms=14, mfc="#606060", mec="#606060", label=SIDE_LABELS[s])
            for s in SIDE_MARKERS
            if s in present
        ]
        handles.append(
            Line2D([], [], marker="o", ls="", ms=14, mfc="white", mec="#606060", mew=2, label="not taking part")
        )
        self.fig.legend(
            handles=handles, loc="lower left", ncol=3, fontsize=LEGEND, frameon=False, bbox_to_anchor=(0.01, 0.0)
        )
        bar = self.fig.colorbar(ScalarMappable(norm=Normalize(0, 1), cmap=TRUST_CMAP), cax=cax)
        bar.set_label("trust (line colour and width)", fontsize=LABEL)
        bar.ax.tick_params(labelsize=TICK)

    def draw(self, view: RunView) -> bytes:
        """The network now, as PNG."""
        with self.lock:
            active = view.actors["active"].to_numpy(dtype=bool)
            trust = _trust_by_pair(view, self.pairs)
            live = np.array([active[a] and active[b] for a, b in self.pairs], dtype=bool)
            segments = np.array([[self.xy[a], self.xy[b]] for a, b in self.pairs]).reshape(-1, 2, 2)
            self.dead.set_segments(list(segments[~live]))
            self.live.set_segments(list(segments[live]))
            self.live.set_color(TRUST_CMAP(trust[live]))
            self.live.set_linewidth(1.0 + 9.0 * trust[live])
            for rows, points in self.nodes:
                points.set_facecolor([KIND_COLOURS.get(self.kinds[i], "grey") if active[i] else "white" for i in rows])
            for i, name in enumerate(self.names):
                name.set_color("black" if active[i] else "#808080")
            self.title.set_text(f"Trust network, {view.date}")
            return _png(self.canvas)


class ChartPainter:
    """A time chart of one run: ``"sectors"`` (performance by sector) or ``"dynamics"`` (trust, commitment)."""

    def __init__(self, view: RunView, compact: bool, kind: str) -> None:
        """Draw what stays fixed for the run: axes over the whole horizon, title, labels."""
        self.lock = threading.Lock()
        self.kind = kind
        self.columns = 3 if compact else 4
        self.fig = Figure(figsize=(7.6, 4.0) if compact else (8.6, 4.3))
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0.1, 0.3, 0.87, 0.6))
        year, first = view.start
        self.origin = year + (first - 1) / 12.0
        self.ax.set_xlim(self.origin, self.origin + view.horizon / 12.0)
        self.ax.set_ylim(0.0, 1.02)
        self.ax.tick_params(labelsize=TICK)
        self.ax.grid(alpha=0.3)
        if kind == "sectors":
            self.ax.set_title("Programme performance by sector", fontsize=TITLE, loc="left")
            self.ax.set_ylabel("performance", fontsize=LABEL)
        else:
            self.ax.set_title("Trust and commitment", fontsize=TITLE, loc="left")
            self.ax.set_ylabel("level (0 to 1)", fontsize=LABEL)
        self.changing: list[object] = []

    def _clear(self) -> None:
        for artist in self.changing:
            artist.remove()  # type: ignore[attr-defined]
        self.changing = []

    def _marks(self, view: RunView) -> list[Line2D]:
        handles = []
        for month, _, kind in sorted(view.marks, key=lambda m: m[2] == "intervention"):
            intervention = kind == "intervention"
            colour, style, width = (INTERVENTION_COLOUR, "-", 2.5) if intervention else ("#9a9a9a", "--", 1.5)
            self.changing.append(self.ax.axvline(self.origin + month / 12.0, color=colour, ls=style, lw=width))
        if any(m[2] != "intervention" for m in view.marks):
            handles.append(Line2D([], [], color="#9a9a9a", ls="--", lw=1.5, label="scheduled event"))
        if any(m[2] == "intervention" for m in view.marks):
            handles.append(Line2D([], [], color=INTERVENTION_COLOUR, lw=2.5, label="your change"))
        if not view.finished:
            self.changing.append(self.ax.axvline(self.origin + view.month / 12.0, color="black", lw=1, alpha=0.5))
        return handles

    def _lines(self, view: RunView) -> list[Line2D]:
        frame = view.timeseries
        x = self.origin + frame["step"].to_numpy(dtype=float) / 12.0
        lines: list[Line2D] = []
        if self.kind == "sectors":
            sectors = [c.removeprefix("performance_") for c in frame.columns if c.startswith("performance_")]
            colours = sector_colours(sectors)  # the reports' colours (colabsim.reporting.style)
            for sector in sectors:
                values = frame[f"performance_{sector}"].to_numpy(dtype=float)
                if not np.isnan(values).all():
                    lines += self.ax.plot(x, values, color=colours[sector], lw=2.5, label=sector)
            lines += self.ax.plot(x, frame["performance"].to_numpy(dtype=float), color="black", lw=3.5, label="mean")
        else:
            trust, commitment = frame["trust"].to_numpy(dtype=float), frame["commitment"].to_numpy(dtype=float)
            lines += self.ax.plot(x, trust, color="#2ca02c", lw=3, label="trust across sides")
            lines += self.ax.plot(x, commitment, color="#7b3294", lw=3, label="commitment")
        return lines

    def draw(self, view: RunView) -> bytes:
        """The chart up to now, as PNG."""
        with self.lock:
            self._clear()
            handles = self._marks(view)
            if view.timeseries.empty:
                text = "press Step or Play"
                self.changing.append(
                    self.ax.text(
                        0.5, 0.5, text, transform=self.ax.transAxes, ha="center", fontsize=LABEL, color="#808080"
                    )
                )
            else:
                lines = self._lines(view)
                self.changing += lines
                handles = lines + handles
            if handles:
                legend = self.ax.legend(
                    handles=handles,
                    loc="upper center",
                    bbox_to_anchor=(0.5, -0.13),
                    fontsize=LEGEND,
                    frameon=False,
                    ncol=min(self.columns, len(handles)),
                )
                self.changing.append(legend)
            return _png(self.canvas)


class Painters:
    """The three figures of one run, kept for the run (a new run gets new painters)."""

    def __init__(self, view: RunView, compact: bool = False) -> None:
        """Set up the figures for the run in `view`."""
        self.network = NetworkPainter(view, compact)
        self.sectors = ChartPainter(view, compact, "sectors")
        self.dynamics = ChartPainter(view, compact, "dynamics")
