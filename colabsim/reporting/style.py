"""The look of every figure: fixed colours, calendar-year time axes, legends beside the data, file formats.

Colours are colour-blind safe and fixed by name, never by position, so a sector or a scenario keeps
its colour from one figure to the next and from one report to the next:

- sectors: Paul Tol's *muted* scheme, one colour for each sector of the shipped scenarios;
- scenarios: the Okabe-Ito colours (without yellow, too pale for a line on white), one for each
  shipped scenario file (a scenario is labelled by its file's stem);
- kinds of actor: Okabe-Ito as well, for the network figures.

A name not in these lists (a sector of your own, a notebook's "rec. 2 + 4") gets a colour from the
name itself (a CRC-32 of it, the same on every machine), from Okabe-Ito and the muted colours
unlike any of them. When
two such names would share a colour in one figure, the later one in alphabetical order moves to
the next colour not yet used there, so the names in one figure are always told apart.

Time axes show calendar years (a run's months are placed at ``year + (month - 1) / 12``).
Legends go beside the axes, outside them, so they never cover a line; figures are saved with a
tight bounding box that takes the legend in. `figure_formats` chooses the files: PNG always (the
reports embed it), and SVG or PDF beside it on request (``--figure-format png,svg``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "FIGURE_FORMATS",
    "KIND_COLOURS",
    "OKABE_ITO",
    "SCENARIO_COLOURS",
    "SECTOR_COLOURS",
    "SPARE_COLOURS",
    "TOL_MUTED",
    "calendar_years",
    "compared",
    "figure_formats",
    "legend_beside",
    "name_colours",
    "parse_figure_formats",
    "save",
    "scenario_colours",
    "sector_colour",
    "sector_colours",
    "year_axis",
]

#: Paul Tol's muted scheme (https://personal.sron.nl/~pault/), in his order.
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
#: Okabe & Ito (2008), without yellow (#F0E442).
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#56B4E9", "#E69F00", "#CC79A7", "#000000")
#: Where names outside the fixed lists draw their colours from: Okabe-Ito, then the muted colours
#: that no Okabe-Ito colour resembles (rose, indigo, wine, olive), so two names never look alike.
SPARE_COLOURS = (*OKABE_ITO, "#CC6677", "#332288", "#882255", "#999933")

SECTOR_COLOURS: Mapping[str, str] = {
    "health": "#CC6677",
    "education": "#332288",
    "tourism": "#DDCC77",
    "environment": "#117733",
    "sanitation": "#88CCEE",
    "creative_industry": "#882255",
    "climate_adaptation": "#44AA99",
    "waste": "#999933",
    "music": "#AA4499",
}
SCENARIO_COLOURS: Mapping[str, str] = {
    "vlissingen": "#0072B2",
    "darwin": "#D55E00",
    "darwin_reformed": "#009E73",
    "vlissingen_partners": "#56B4E9",
    "darwin_partners": "#E69F00",
    "ambon_music": "#CC79A7",
    "apik": "#000000",
}
KIND_COLOURS: Mapping[str, str] = {
    "agency": "#0072B2",
    "municipality": "#D55E00",
    "foundation": "#009E73",
    "university": "#CC79A7",
    "donor": "#E69F00",
}

#: The file formats `save` can write besides PNG.
FIGURE_FORMATS = ("png", "svg", "pdf")
_formats: ContextVar[tuple[str, ...]] = ContextVar("figure_formats", default=("png",))


def name_colours(names: Iterable[str], fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour for each name: the fixed one if it has one, else one from the name (see the module).

    Args:
        names: The names shown in one figure (duplicates are ignored).
        fixed: Colours that belong to names, e.g. `SECTOR_COLOURS`.

    Returns:
        The colour of each name, distinct within `names` as long as the spare colours last.
    """
    fixed = fixed or {}
    unique = list(dict.fromkeys(names))
    colours = {name: fixed[name] for name in unique if name in fixed}
    used = set(colours.values())
    for name in sorted(n for n in unique if n not in fixed):
        start = zlib.crc32(name.encode("utf-8")) % len(SPARE_COLOURS)
        free = [SPARE_COLOURS[(start + k) % len(SPARE_COLOURS)] for k in range(len(SPARE_COLOURS))]
        colour = next((c for c in free if c not in used), free[0])
        colours[name] = colour
        used.add(colour)
    return {name: colours[name] for name in unique}


def sector_colours(sectors: Iterable[str]) -> dict[str, str]:
    """The colour of each sector shown together in one figure."""
    return name_colours(sectors, SECTOR_COLOURS)


def sector_colour(sector: str) -> str:
    """The colour of one sector (the fixed one, or the one its name gives)."""
    return sector_colours([sector])[sector]


def scenario_colours(labels: Iterable[str]) -> dict[str, str]:
    """The colour of each scenario (by label, i.e. its file's stem) shown together in one figure."""
    return name_colours(labels, SCENARIO_COLOURS)


def calendar_years(frame: pd.DataFrame) -> np.ndarray:
    """Each row's month as a calendar year with a fraction: ``"2006-07"`` is 2006.5.

    Args:
        frame: A table with a ``date`` column of ``"YYYY-MM"`` strings (a run's time series).

    Raises:
        ValueError: If `frame` has no ``date`` column.
    """
    if "date" not in frame.columns:
        raise ValueError("a time series needs a 'date' column (YYYY-MM) to be drawn against calendar years")
    dates = frame["date"].astype(str)
    return dates.str[:4].astype(int).to_numpy() + (dates.str[5:7].astype(int).to_numpy() - 1) / 12.0


def year_axis(ax: Axes) -> None:
    """Label the x axis in whole calendar years (ticks at January of a year, no fractions)."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True, steps=[1, 2, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f}"))
    ax.set_xlabel("Year")


def compared(labels: Sequence[str], limit: int = 70) -> str:
    """What a figure compares, for its title: ``"vlissingen vs darwin"``, or a count when too long."""
    text = " vs ".join(labels)
    return text if len(text) <= limit else f"{len(labels)} scenarios"


def legend_beside(owner: Axes | Figure, columns: int = 1, **options: object) -> Legend:
    """A legend to the right of the axes (or of all panels of a figure), where no data can be.

    Args:
        owner: The axes whose artists the legend names, or a figure whose panels share one legend
            (then the handles and labels come from `options` or from the first axes).
        columns: Columns of entries.
        **options: Passed to matplotlib's ``legend`` (``handles``, ``labels``, ``fontsize``, ...).
    """
    if isinstance(owner, Figure):
        if "handles" not in options:
            handles, labels = owner.axes[0].get_legend_handles_labels()
            options = {"handles": handles, "labels": labels, **options}
        return owner.legend(loc="upper left", bbox_to_anchor=(1.0, 0.95), frameon=False, ncols=columns, **options)
    return owner.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, ncols=columns, **options)


def parse_figure_formats(text: str) -> tuple[str, ...]:
    """``"png,svg"`` -> ``("png", "svg")``; PNG is always among them.

    Raises:
        ValueError: If a format is not one of `FIGURE_FORMATS`.
    """
    formats = [part.strip().lower().lstrip(".") for part in text.split(",") if part.strip()]
    unknown = [f for f in formats if f not in FIGURE_FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"figure format {', '.join(unknown) or repr(text)} is not one of {', '.join(FIGURE_FORMATS)}"
            " (a comma-separated list, e.g. png,svg)"
        )
    return tuple(dict.fromkeys(["png", *formats]))


@contextmanager
def figure_formats(*formats: str) -> Iterator[tuple[str, ...]]:
    """Within the block, `save` writes each figure in these formats (PNG always, the others beside it).

    Example:
        ``with figure_formats("png", "svg"): write_results(...)``

    Raises:
        ValueError: If a format is not one of `FIGURE_FORMATS`.
    """
    chosen = parse_figure_formats(",".join(formats)) if formats else ("png",)
    token = _formats.set(chosen)
    try:
        yield chosen
    finally:
        _formats.reset(token)


def save(fig: Figure, path: Path, dpi: int = 130) -> Path:
    """Write `fig` as PNG at `path`, and beside it in each other format chosen, then close it.

    The bounding box is tight, so a legend beside the axes is in the file. SVG and PDF files carry
    no date and fixed element ids, so the same run writes the same bytes.

    Returns:
        The PNG's path.
    """
    path = Path(path).with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    for fmt in _formats.get():
        target = path.with_suffix(f".{fmt}")
        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
        with matplotlib.rc_context({"svg.hashsalt": "colabsim", "svg.fonttype": "path"}):
            fig.savefig(target, dpi=dpi, bbox_inches="tight", metadata=metadata)
    plt.close(fig)  # pyplot forgets it (a figure made without pyplot is left to the caller)
    return path
