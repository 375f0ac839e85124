"""Figures an analyst can paste: fixed colours by name, legends off the data, calendar years, SVG on request."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.transforms import Bbox

from colabsim import cli
from colabsim.app import charts
from colabsim.app.catalog import Catalog
from colabsim.app.run import Run
from colabsim.experiments.ensemble import Ensemble, compare_table, run_ensemble
from colabsim.reporting import plots, style
from colabsim.scenario.loader import load_scenario
from colabsim.sensitivity.figures import write_figures
from colabsim.sensitivity.result import SensitivityResult

SCENARIOS = ("vlissingen", "darwin", "darwin_reformed")


@pytest.fixture(scope="module")
def ensemble(scenario_dir: Path) -> Ensemble:
    """Three shipped scenarios and one of a name no list knows, two replications each."""
    darwin = load_scenario(scenario_dir / "darwin.toml")
    arms = [(name, load_scenario(scenario_dir / f"{name}.toml")) for name in SCENARIOS]
    return run_ensemble([*arms, ("agreement kept", darwin.with_factors(legal_frame=0.9))], seed=5, replications=2)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Figure]]:
    """Every figure `style.save` writes during the test."""
    figures: list[Figure] = []
    save = style.save

    def keep(fig: Figure, path: Path, dpi: int = 130) -> Path:
        figures.append(fig)
        return save(fig, path, dpi)

    monkeypatch.setattr(style, "save", keep)
    yield figures


def _all_figures(ensemble: Ensemble, out: Path) -> None:
    """Call every figure function of the reports once."""
    labels = list(ensemble.labels)
    table = compare_table(ensemble.summary, labels)
    plots.plot_metric(ensemble.timeseries, labels, "performance", out / "metric.png")
    plots.plot_dynamics(ensemble.timeseries, labels, out / "dynamics.png")
    plots.plot_sectors(ensemble.timeseries, labels, out / "sectors.png")
    plots.plot_summary(table, labels, ["performance", "trust"], out / "summary.png")
    actors, ties = ensemble.finals["vlissingen"]
    plots.plot_network(actors, ties, "vlissingen: trust network", 5, out / "network.png")
    curve = pd.DataFrame({"mean": [0.2, 0.5, 0.9], "low": [0.1, 0.4, 0.8], "high": [0.3, 0.6, 1.0]}, index=[0, 0.5, 1])
    plots.plot_factor_bands({"legal_frame": curve, "funds": curve * 0.5}, "performance", "bands", out / "bands.png")


def _sensitivity(method: str) -> SensitivityResult:
    """A small hand-made analysis result (two outputs' worth of indices, convergence and OFAT curves)."""
    factors = ["legal_frame", "funds", "commitment", "kinship"]
    names = {"sobol": ["S1", "ST"], "morris": ["mu_star", "sigma"]}[method]
    rows = [
        {"method": method, "output": "performance", "factor": f, "index": n, "value": v, "ci_low": v - 0.05,
         "ci_high": v + 0.05}
        for (i, f), n in itertools.product(enumerate(factors), names)
        for v in [0.1 + 0.2 * i + (0.05 if n in ("ST", "sigma") else 0.0)]
    ]  # fmt: skip
    convergence = pd.DataFrame(
        [
            {"output": "performance", "factor": f, "index": "ST", "base_samples": n, "value": 0.2 * i + 1 / n,
             "ci_low": 0.2 * i, "ci_high": 0.2 * i + 2 / n}
            for i, f in enumerate(factors)
            for n in (16, 32, 64)
        ]
    ) if method == "sobol" else pd.DataFrame()  # fmt: skip
    ofat = pd.DataFrame(
        [
            {"factor": f, "level": level, "output": "performance", "mean": level * i, "low": 0.0, "high": 1.0}
            for i, f in enumerate(factors)
            for level in (0.0, 0.5, 1.0)
        ]
    )
    return SensitivityResult(Path("."), pd.DataFrame(rows), convergence, ofat, 1.0)


def _dashboard_colours(scenario_dir: Path, stem: str, months: int) -> list[tuple[str, str]]:
    """(sector, colour) of the lines in the dashboard's sector chart (drawn in the browser) of `stem`."""
    choice = Catalog(dirs=[scenario_dir]).find(stem)
    assert choice is not None
    run = Run(choice, 1)
    run.step(months)
    view = run.view()
    option = charts.time_option(view, view.scenario, "sectors", 16)
    return [(str(s["name"]).replace(" ", "_"), str(s["color"]).lower()) for s in option["series"] if "color" in s]


def _line_colours(fig: Figure, names: set[str]) -> list[tuple[str, str]]:
    """(label, colour) of every plotted line whose label is one of `names`."""
    return [
        (str(line.get_label()), to_hex(line.get_color()))
        for ax in fig.axes
        for line in ax.get_lines()
        if line.get_label() in names
    ]


# --- colours by name --------------------------------------------------------------------------


def test_a_sector_has_the_same_colour_in_every_figure(
    ensemble: Ensemble, drawn: list[Figure], scenario_dir: Path, tmp_path: Path
) -> None:
    labels = list(ensemble.labels)
    plots.plot_sectors(ensemble.timeseries, labels, tmp_path / "all.png")
    plots.plot_sectors(ensemble.timeseries, labels[::-1][:2], tmp_path / "two.png")
    plots.plot_sectors(ensemble.timeseries, ["darwin"], tmp_path / "darwin.png")
    dashboards = [_dashboard_colours(scenario_dir, stem, 48) for stem in ("vlissingen", "darwin")]
    sectors = {"health", "education", "environment", "tourism"}
    seen: dict[str, set[str]] = {}
    for found in [*(_line_colours(fig, sectors) for fig in drawn), *dashboards]:
        found = [(sector, colour) for sector, colour in found if sector in sectors]
        assert found, "a figure without sector lines"
        for sector, colour in found:
            seen.setdefault(sector, set()).add(colour)
    assert set(seen) == sectors
    for sector, colours in seen.items():
        assert colours == {style.SECTOR_COLOURS[sector].lower()}, sector


def test_a_scenario_has_the_same_colour_in_every_figure(
    ensemble: Ensemble, drawn: list[Figure], tmp_path: Path
) -> None:
    labels = list(ensemble.labels)
    table = compare_table(ensemble.summary, labels)
    for order, name in ((labels, "a"), (labels[::-1], "b"), (labels[1:3], "c")):
        plots.plot_metric(ensemble.timeseries, order, "trust", tmp_path / f"metric_{name}.png")
    plots.plot_dynamics(ensemble.timeseries, labels[::-1], tmp_path / "dynamics.png")
    seen: dict[str, set[str]] = {}
    for fig in drawn:
        for label, colour in _line_colours(fig, set(labels)):
            seen.setdefault(label, set()).add(colour)
    plots.plot_summary(table, labels[::-1], ["performance"], tmp_path / "summary.png")
    bars = drawn[-1].axes[0].patches
    for label, bar in zip(labels[::-1], bars, strict=True):
        seen[label].add(to_hex(bar.get_facecolor()))
    assert set(seen) == set(labels)
    for label in SCENARIOS:
        assert seen[label] == {style.SCENARIO_COLOURS[label].lower()}, label
    assert len(seen["agreement kept"]) == 1
    assert len({colour for colours in seen.values() for colour in colours}) == len(labels), "two share a colour"


def test_a_name_outside_the_lists_gets_its_colour_from_its_name_not_its_place() -> None:
    names = ["rec. 2", "rec. 4", "relaunch only", "fisheries"]
    first = style.name_colours(names)
    for order in itertools.permutations(names):
        assert style.name_colours(order) == first
    assert style.sector_colour("fisheries") == style.sector_colours(["health", "fisheries"])["fisheries"]
    many = [f"variant {i}" for i in range(len(style.SPARE_COLOURS))]
    assert len(set(style.name_colours(many).values())) == len(many), "names in one figure are told apart"
    assert style.scenario_colours(["darwin", "my darwin"])["darwin"] == style.SCENARIO_COLOURS["darwin"]


# --- legends ----------------------------------------------------------------------------------


def _data_points(fig: Figure) -> np.ndarray:
    """Display positions of everything plotted: line points (and points between them), markers, bands."""
    points = []
    for ax in fig.axes:
        for line in ax.get_lines():
            xy = np.asarray(line.get_transform().transform(line.get_xydata()), dtype=float)
            xy = xy[np.isfinite(xy).all(axis=1)]
            if len(xy) > 1:  # ten points along each segment, so a line crossing a legend is caught
                t = np.linspace(0.0, 1.0, 10)[:, None, None]
                xy = (xy[:-1] * (1 - t) + xy[1:] * t).reshape(-1, 2)
            points.append(xy)
        for collection in ax.collections:
            if isinstance(collection, PathCollection):
                points.append(collection.get_offset_transform().transform(collection.get_offsets()))
            elif isinstance(collection, PolyCollection):
                points += [collection.get_transform().transform(p.vertices) for p in collection.get_paths()]
    return np.concatenate([p for p in points if len(p)]) if points else np.empty((0, 2))


def _legends(fig: Figure) -> list[Legend]:
    return [*fig.legends, *(legend for ax in fig.axes if (legend := ax.get_legend()) is not None)]


def _assert_legends_clear(fig: Figure) -> None:
    canvas = FigureCanvasAgg(fig)  # a closed figure has lost its canvas; its artists stay where they were
    canvas.draw()
    renderer = canvas.get_renderer()
    points = _data_points(fig)
    assert len(points), "a figure without data"
    for legend in _legends(fig):
        box: Bbox = legend.get_window_extent(renderer)
        inside = (points[:, 0] > box.x0) & (points[:, 0] < box.x1) & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)
        assert not inside.any(), f"legend of {fig.texts or fig.axes[0].get_title()!r} covers {inside.sum()} points"
        for ax in fig.axes:
            for patch in ax.patches:  # bars and network edges
                assert not patch.get_window_extent(renderer).overlaps(box), f"legend covers a bar in {ax.get_title()}"


def test_legends_do_not_cover_the_data(ensemble: Ensemble, drawn: list[Figure], tmp_path: Path) -> None:
    _all_figures(ensemble, tmp_path)
    for method in ("sobol", "morris"):
        write_figures(_sensitivity(method), method, tmp_path / method)
    with_legend = [fig for fig in drawn if _legends(fig)]
    assert len(with_legend) >= 8, "figures that should have legends lost them"
    for fig in drawn:
        _assert_legends_clear(fig)


def test_the_check_sees_a_legend_on_the_data() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50), label="a line that ends under the legend")
    ax.legend(loc="upper right")
    fig.canvas.draw()
    with pytest.raises(AssertionError, match="covers"):
        _assert_legends_clear(fig)


# --- calendar years, titles ---------------------------------------------------------------------


def test_time_axes_show_calendar_years(ensemble: Ensemble, drawn: list[Figure], tmp_path: Path) -> None:
    labels = list(ensemble.labels)
    plots.plot_metric(ensemble.timeseries, labels, "performance", tmp_path / "metric.png")
    plots.plot_dynamics(ensemble.timeseries, labels, tmp_path / "dynamics.png")
    plots.plot_sectors(ensemble.timeseries, labels, tmp_path / "sectors.png")
    first, last = ensemble.timeseries["date"].min()[:4], ensemble.timeseries["date"].max()[:4]
    for fig in drawn:
        FigureCanvasAgg(fig).draw()  # tick labels are set when drawn
        dated = [ax for ax in fig.axes if ax.get_xlabel() == "Year"]  # the upper panels share the lower ones' axis
        assert dated, "a time figure without a calendar axis"
        for ax in dated:
            low, high = ax.get_xlim()
            assert int(first) - 3 <= low <= int(first) and int(last) <= high <= int(last) + 3, (low, high)
            ticks = [t.get_text() for t in ax.get_xticklabels() if low <= t.get_position()[0] <= high]
            assert ticks and all(t.isdigit() and int(first) - 3 <= int(t) <= int(last) + 3 for t in ticks), ticks
        assert not any("since start" in ax.get_xlabel() for ax in fig.axes)


def test_titles_say_what_is_compared(ensemble: Ensemble, drawn: list[Figure], tmp_path: Path) -> None:
    labels = ["vlissingen", "darwin"]
    plots.plot_metric(ensemble.timeseries, labels, "trust", tmp_path / "metric.png")
    plots.plot_dynamics(ensemble.timeseries, labels, tmp_path / "dynamics.png")
    plots.plot_sectors(ensemble.timeseries, labels, tmp_path / "sectors.png")
    table = compare_table(ensemble.summary, labels)
    plots.plot_summary(table, labels, ["performance"], tmp_path / "summary.png")
    for fig in drawn:
        titles = " ".join([fig.get_suptitle(), *(ax.get_title() for ax in fig.axes)])
        assert "vlissingen vs darwin" in titles, titles


# --- file formats ---------------------------------------------------------------------------------


def _metric(ensemble: Ensemble, path: Path) -> Path:
    return plots.plot_metric(ensemble.timeseries, list(ensemble.labels), "performance", path)


@pytest.mark.parametrize("formats", [("png",), ("png", "svg"), ("svg", "pdf")])
def test_figures_are_written_in_the_formats_asked(ensemble: Ensemble, tmp_path: Path, formats: tuple[str, ...]) -> None:
    with style.figure_formats(*formats):
        png = _metric(ensemble, tmp_path / "performance.png")
    written = {p.suffix.lstrip(".") for p in tmp_path.iterdir()}
    assert written == {"png", *formats}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if "svg" in formats:
        assert b"<svg" in (tmp_path / "performance.svg").read_bytes()[:2000]
    _metric(ensemble, tmp_path / "after.png")
    assert not (tmp_path / "after.svg").exists(), "the setting outlived its block"


def test_an_svg_is_the_same_file_for_the_same_figure(ensemble: Ensemble, tmp_path: Path) -> None:
    with style.figure_formats("svg"):
        _metric(ensemble, tmp_path / "a.png")
        _metric(ensemble, tmp_path / "b.png")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


@pytest.mark.parametrize("text", ["jpeg", "png,gif", ","])
def test_an_unknown_figure_format_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="not one of png, svg, pdf"):
        style.parse_figure_formats(text)


def test_cli_writes_svg_beside_each_png_when_asked(scenario_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    status = cli.main(
        ["run", str(scenario_dir / "darwin.toml"), "-r", "2", "--figure-format", "png,svg", "--out", str(out)]
    )
    assert status == 0
    pngs = sorted((out / "figures").glob("*.png"))
    assert pngs and all(p.with_suffix(".svg").is_file() for p in pngs)


def test_cli_refuses_an_unknown_figure_format(scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", str(scenario_dir / "darwin.toml"), "--figure-format", "tiff"])
    assert stop.value.code == 2
    assert "tiff is not one of png, svg, pdf" in capsys.readouterr().err
