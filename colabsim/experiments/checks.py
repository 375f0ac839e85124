"""Checks of an experiment file as a whole, made before its design is built and its first run.

The schema (`colabsim.experiments.schema`) checks each key alone. What needs several keys is
checked here, so that a mistake is reported in seconds rather than after hours of runs: the
design's size against a limit (with the run count and an estimate of time and memory), keys that
the chosen design method does not use, SALib's own requirements (a power of two of base samples,
at least two groups), and that every analysed output is kept.
"""

from __future__ import annotations

from typing import Any

from colabsim.experiments.schema import ExperimentFile
from colabsim.scenario.factors import FACTORS

__all__ = ["DEFAULT_MAX_RUNS", "RUNS_PER_SECOND_PER_CORE", "design_size", "whole_file_problems"]

#: The largest experiment run without being asked (``--max-runs`` raises it): about half an hour
#: on one core, and a design table and result table of a few hundred MB at most.
DEFAULT_MAX_RUNS = 1_000_000

#: Throughput of the batch engine on one core, for the estimate in the size message: measured on
#: a 2-core machine, Vlissingen over 18 years (benchmarks/RESULTS.md, "Sweeps").
RUNS_PER_SECOND_PER_CORE = 500

#: Keys of ``[design]`` each method reads; any other key given is an error, not silently ignored.
METHOD_KEYS: dict[str, tuple[str, ...]] = {
    "grid": ("levels",),
    "lhs": ("points",),
    "sobol": ("base_samples", "second_order", "groups"),
    "morris": ("trajectories", "levels", "groups"),
    "table": ("points",),
}


def _units(spec: ExperimentFile) -> int:
    """Factors, or groups of factors when the design is grouped (SALib counts groups)."""
    if spec.design.groups == "dimension":
        return len({FACTORS[name].dimension for name in spec.factors if name in FACTORS})
    return len(spec.factors)


def design_size(spec: ExperimentFile) -> int:
    """Points the design will have, computed without building it."""
    d = spec.design
    k = len(spec.factors)
    if d.method == "grid":
        return int(d.levels or 2) ** k
    if d.method == "lhs":
        return int(d.points) if isinstance(d.points, int) else 0
    if d.method == "sobol":
        units = _units(spec)
        return int(d.base_samples or 0) * (2 * units + 2 if d.second_order else units + 2)
    if d.method == "morris":
        return int(d.trajectories or 0) * (_units(spec) + 1)
    return len(d.points) if isinstance(d.points, list) else 0


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:,.0f} h"


def _size_message(spec: ExperimentFile, points: int, max_runs: int) -> str:
    runs = points * spec.experiment.replications
    seconds = runs / RUNS_PER_SECOND_PER_CORE
    # Design table (8 bytes per factor value) and the result table loaded at the end (one float
    # per output and factor, plus six bookkeeping columns, per run).
    columns = len(spec.factors) + len(spec.outputs.summary) + 6
    megabytes = (points * len(spec.factors) + runs * columns) * 8 / 1e6
    return (
        f"the design has {points:,} points x {spec.experiment.replications:,} replications = {runs:,} runs, "
        f"above the limit of {max_runs:,} runs; at about {RUNS_PER_SECOND_PER_CORE} runs/s per core that is "
        f"{_duration(seconds)} on one core, and its tables need about {megabytes:,.0f} MB. Make the design smaller, "
        f"or raise the limit with --max-runs {runs} (max_runs= in Python)"
    )


def whole_file_problems(spec: ExperimentFile, raw: dict[str, Any], max_runs: int) -> list[tuple[str, str]]:
    """(key path, message) for every problem that needs more than one key to see.

    Args:
        spec: The file, valid key by key.
        raw: The file's tables as read (to tell keys given from defaults).
        max_runs: The largest number of runs allowed.
    """
    problems: list[tuple[str, str]] = []
    d = spec.design
    given = set(raw.get("design", {})) - {"method"}
    for key in sorted(given - set(METHOD_KEYS[d.method])):
        uses = ", ".join(METHOD_KEYS[d.method])
        problems.append((f"design.{key}", f"is not used by method {d.method!r}, which reads: {uses}; remove it"))
    if d.method == "sobol" and d.base_samples is not None and d.base_samples & (d.base_samples - 1):
        lower = 1 << (d.base_samples.bit_length() - 1)
        problems.append(
            (
                "design.base_samples",
                f"Saltelli's Sobol' sample needs a power of 2 (e.g. {lower} or {2 * lower}); got {d.base_samples}",
            )
        )
    if d.groups == "dimension" and d.method in ("sobol", "morris") and _units(spec) < 2:
        dimension = {FACTORS[name].dimension for name in spec.factors}
        problems.append(
            (
                "design.groups",
                f"grouping by dimension needs factors of at least two dimensions; all are {sorted(dimension)}",
            )
        )
    if d.method in ("sobol", "morris") and len(spec.factors) < 2 and d.groups is None:
        problems.append(("factors", f"method {d.method!r} needs at least two varied factors"))
    if not spec.outputs.summary:
        problems.append(("outputs.summary", "keeps no output; name at least one summary metric (or omit the key)"))
    missing = [o for o in spec.analysis.outputs if o not in spec.outputs.summary]
    if missing:
        problems.append(
            (
                "analysis.outputs",
                f"{missing} are analysed but not kept; add them to outputs.summary "
                f"(kept: {', '.join(spec.outputs.summary) or 'none'})",
            )
        )
    points = design_size(spec)
    if points * spec.experiment.replications > max_runs:
        problems.append(("design", _size_message(spec, points, max_runs)))
    return problems
