"""Write an ensemble's results into a run directory: tables, figures and ``report.md``.

Used by ``colabsim run`` and ``colabsim compare`` (and equally from Python): data flows one way,
from the ensemble's tidy tables to files; nothing here runs the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from colabsim.experiments.ensemble import Ensemble, compare_table
from colabsim.reporting import plots
from colabsim.scenario.loader import Scenario

__all__ = ["KEY_METRICS", "write_results"]

#: Summary metrics shown in the report's table (all are in summary.csv and comparison.csv).
KEY_METRICS: tuple[str, ...] = (
    "performance",
    "performance_full",
    "final_performance",
    "trust",
    "commitment",
    "peak_sectors",
    "alive_share",
    "partners_joined",
)

_MEANINGS = {
    "performance": "mean programme performance over the evaluation window",
    "performance_full": "mean programme performance over the whole run",
    "final_performance": "mean programme performance in the last year",
    "trust": "trust across the partnership at the end",
    "commitment": "mean commitment at the end",
    "peak_sectors": "most sectors with an active programme at once",
    "alive_share": "share of months with a running programme",
    "partners_joined": "new partners that joined",
}


def _fmt(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.3f}"


def _results_table(table: pd.DataFrame, labels: Sequence[str]) -> list[str]:
    header = "| metric | " + " | ".join(labels) + " |"
    lines = [header, "|" + "---|" * (len(labels) + 1)]
    for metric in KEY_METRICS:
        cells = []
        for i, label in enumerate(labels):
            row = table[(table["scenario"] == label) & (table["metric"] == metric)].iloc[0]
            cell = f"{_fmt(row['mean'])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"
            if i > 0 and pd.isna(row["diff"]):
                cell += f"<br>diff n/a: {labels[0]}'s runs do not cover {row['diff_window']}"
            elif i > 0:
                cell += f"<br>diff {row['diff']:+.3f} [{row['diff_ci_low']:+.3f}, {row['diff_ci_high']:+.3f}]"
                if row["diff_window"]:
                    cell += f" over {row['diff_window']}"
            cells.append(cell)
        lines.append(f"| {metric}: {_MEANINGS[metric]} | " + " | ".join(cells) + " |")
    return lines


def _findings(table: pd.DataFrame, labels: Sequence[str]) -> list[str]:
    """Plain-language statements of the differences from the first scenario."""
    if len(labels) < 2:
        row = table[table["metric"] == "performance"].iloc[0]
        return [
            f"- Mean programme performance over the evaluation window is {row['mean']:.3f} "
            f"(95% CI {row['ci_low']:.3f} to {row['ci_high']:.3f})."
        ]
    lines = []
    reference = labels[0]
    for metric in ("performance", "final_performance", "trust"):
        ref = table[(table["scenario"] == reference) & (table["metric"] == metric)].iloc[0]
        for label in labels[1:]:
            row = table[(table["scenario"] == label) & (table["metric"] == metric)].iloc[0]
            if pd.isna(row["diff"]):
                lines.append(
                    f"- {_MEANINGS[metric].capitalize()}: {label} {row['mean']:.3f}; no difference from {reference}, "
                    f"whose runs do not cover {label}'s window ({row['diff_window']})."
                )
                continue
            over = f" over {row['diff_window']} in both" if row["diff_window"] else ""
            excludes = not row["diff_ci_low"] <= 0.0 <= row["diff_ci_high"]
            verdict = (
                "a clear difference: the 95% CI excludes zero"
                if excludes
                else "no clear difference: the 95% CI includes zero"
            )
            ratio = (
                f"; {reference} reaches {ref['mean'] / row['mean']:.1f} times {label}'s value"
                if row["mean"] > 0 and ref["mean"] > row["mean"]
                else ""
            )
            lines.append(
                f"- {_MEANINGS[metric].capitalize()}: {label} {row['mean']:.3f} vs {reference} {ref['mean']:.3f}, "
                f"difference{over} {row['diff']:+.3f} "
                f"(95% CI {row['diff_ci_low']:+.3f} to {row['diff_ci_high']:+.3f}), "
                f"{verdict}{ratio}."
            )
    return lines


def write_results(
    run_dir: Path,
    ensemble: Ensemble,
    scenarios: Sequence[tuple[str, Scenario]],
    command_line: str,
    sections: Sequence[str] = (),
) -> dict[str, Path]:
    """Write the tables, figures and report of `ensemble` into `run_dir`.

    Args:
        run_dir: The run directory.
        ensemble: The replications of every scenario.
        scenarios: (label, scenario) pairs as run; differences are from the first.
        command_line: The command as typed, shown under "Reproduce".
        sections: Markdown lines of further analyses (e.g. the coding robustness), shown after the
            findings; whoever made them wrote their files.

    Returns:
        The paths written, by name.
    """
    labels = ensemble.labels
    written: dict[str, Path] = {}
    written["timeseries"] = run_dir / "timeseries.csv"
    ensemble.timeseries.to_csv(written["timeseries"], index=False)
    written["summary"] = run_dir / "summary.csv"
    ensemble.summary.to_csv(written["summary"], index=False)
    written["programmes"] = run_dir / "programmes.csv"
    ensemble.programmes.to_csv(written["programmes"], index=False)
    table = compare_table(ensemble.summary, labels, ensemble=ensemble)
    if len(labels) > 1:
        written["comparison"] = run_dir / "comparison.csv"
        table.to_csv(written["comparison"], index=False)
    figures = run_dir / "figures"
    written["performance.png"] = plots.plot_metric(
        ensemble.timeseries, labels, "performance", figures / "performance.png"
    )
    written["trust.png"] = plots.plot_metric(ensemble.timeseries, labels, "trust", figures / "trust.png")
    written["dynamics.png"] = plots.plot_dynamics(ensemble.timeseries, labels, figures / "dynamics.png")
    written["sectors.png"] = plots.plot_sectors(ensemble.timeseries, labels, figures / "sectors.png")
    written["summary.png"] = plots.plot_summary(
        table, labels, ("performance", "final_performance", "trust", "commitment"), figures / "summary.png"
    )
    for label in labels:
        actors, ties = ensemble.finals[label]
        name = f"network_{label}.png"
        written[name] = plots.plot_network(
            actors, ties, f"{label}: trust network at the end (replication 0)", ensemble.seeds[0], figures / name
        )

    lines = [
        f"# colabsim report: {' vs '.join(labels)}",
        "",
        f"Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. "
        f"{len(ensemble.seeds)} replications per scenario, "
        "the same seeds for every scenario (common random numbers); 95% confidence intervals are Student-t for means "
        "and Welch for differences from the first scenario. `manifest.json` records versions, hashes and seeds.",
        "",
        "## Scenarios",
        "",
        "| label | name | file | start | years | evaluation window | overrides |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, scenario in scenarios:
        overrides = ", ".join(f"{k}={v:g}" for k, v in scenario.overrides.items()) or "none"
        window = "{} to {}".format(*ensemble.windows[label])
        lines.append(
            f"| {label} | {scenario.name} | {scenario.path or '-'} | {scenario.spec.scenario.start} | "
            f"{scenario.spec.scenario.horizon_years} | {window} | {overrides} |"
        )
    lines += [
        "",
        "## Results",
        "",
        "Mean [95% CI] across replications; below it, the difference from the first scenario. `performance` "
        "is each scenario's mean over its evaluation window (the scenario file's `window`, e.g. the study's "
        "2017-2022 for Vlissingen and Darwin); its difference is taken over the same months in both "
        "scenarios (the compared scenario's window). `performance_full` covers every month of each run.",
        "",
    ]
    lines += _results_table(table, labels)
    lines += ["", "## What the runs show", "", *_findings(table, labels), "", *sections]
    lines += ["## Figures", ""]
    for name, caption in (
        ("performance.png", "Programme performance over time (mean and 10-90% band across runs)"),
        ("trust.png", "Trust across the partnership over time"),
        ("dynamics.png", "Performance, trust, commitment and active sectors"),
        ("sectors.png", "Performance by sector (sectors appear when they open)"),
        ("summary.png", "Summary metrics with 95% CIs"),
    ):
        lines += [f"![{caption}](figures/{name})", "", f"*{caption}.*", ""]
    for label in labels:
        lines += [
            f"![Trust network of {label}](figures/network_{label}.png)",
            "",
            f"*Trust network of {label} at the end of replication 0: colour = kind, shape = side, "
            "edge width and colour = trust; hollow = absent.*",
            "",
        ]
    lines += [
        "## Files",
        "",
        "- `summary.csv`: one row per run (scenario, replication, seed, summary metrics).",
        "- `timeseries.csv`: one row per run and month (all monthly metrics).",
        "- `programmes.csv`: monthly performance of each programme in each run.",
    ]
    if len(labels) > 1:
        lines.append(
            "- `comparison.csv`: per scenario and metric, mean and 95% CI, "
            "difference from the first scenario and its CI."
        )
    lines += [
        "- `manifest.json`: versions, scenario hashes, seeds, overrides, command, timings.",
        "",
        "## Reproduce",
        "",
        f"    {command_line}",
        "",
    ]
    written["report"] = run_dir / "report.md"
    written["report"].write_text("\n".join(lines), encoding="utf-8")
    return written
