"""What the command line is given: scenario files, their labels and overrides, and file checks.

Scenarios are named by their file's stem; ``--set`` overrides a factor in every scenario or, as
``SCENARIO:FACTOR=VALUE``, in one; ``--baseline`` puts one scenario first. An experiment file given
where a scenario is expected gets an error naming the verb that runs it, and `describe_valid_file`
is ``colabsim validate``'s line for a valid file. Every mistake is a `UsageError` (exit status 2),
with a suggestion where one is close. The argparse ``type`` converters of the options' numbers
(`positive`, `seed_number`, `port_number`, `figure_format_list`) are here too, so that their
messages are written once. This module builds no parser and prints nothing: that is
`colabsim.cli`'s job.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from colabsim.experiments.experiment import file_kind, load_experiment
from colabsim.experiments.suggest import did_you_mean
from colabsim.reporting.style import parse_figure_formats
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario, read_toml

__all__ = [
    "Overrides",
    "UsageError",
    "baseline_first",
    "describe_valid_file",
    "figure_format_list",
    "labelled_scenarios",
    "parse_sets",
    "port_number",
    "positive",
    "refuse_experiment_file",
    "scenario_labels",
    "seed_number",
    "what_if_factors",
]


class UsageError(ValueError):
    """An option has a value the command cannot use."""


def _whole_number(text: str, minimum: int, rule: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{rule}, got {value}")
    return value


def positive(text: str) -> int:
    """A whole number of at least 1 (argparse ``type``)."""
    return _whole_number(text, 1, "must be at least 1")


def at_least_two(text: str) -> int:
    """A whole number of at least 2 (argparse ``type``): a count that needs a spread, e.g. codings."""
    return _whole_number(text, 2, "must be at least 2")


def seed_number(text: str) -> int:
    """A seed: a whole number of at least 0 (argparse ``type``)."""
    return _whole_number(text, 0, "a seed is a non-negative whole number")


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535 (argparse ``type``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {value}")
    return value


def figure_format_list(text: str) -> tuple[str, ...]:
    """Figure formats such as ``png,svg`` (argparse ``type``)."""
    try:
        return parse_figure_formats(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: ``--set`` values: scenario label (None: every scenario) -> factor -> value.
Overrides = dict[str | None, dict[str, float]]


def parse_sets(items: Sequence[str]) -> Overrides:
    """Parse ``--set`` values: ``FACTOR=VALUE`` for every scenario, ``SCENARIO:FACTOR=VALUE`` for one.

    Raises:
        UsageError: If an item is malformed, names an unknown factor or its value is not a number.
    """
    values: Overrides = {}
    for item in items:
        target, colon, rest = item.partition(":")
        if not colon or "=" in target:  # no scenario named: the value is for every scenario
            target, rest = "", item
        name, sep, text = rest.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(
                f"--set {item!r}: write FACTOR=VALUE (every scenario) or SCENARIO:FACTOR=VALUE (one scenario, "
                "named by its file's stem), e.g. --set legal_frame=0.9 or --set darwin:legal_frame=0.9"
            )
        if name not in FACTORS:
            raise UsageError(
                f"--set {item!r}: unknown factor {name!r}{did_you_mean(name, FACTORS)}; see 'colabsim factors'"
            )
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"--set {item!r}: {text!r} is not a number") from None
        values.setdefault(target.strip() or None, {})[name] = number
    return values


def refuse_experiment_file(path: str, command: str) -> None:
    """An experiment file given to run or compare: say which command runs it.

    Raises:
        UsageError: If `path` is an experiment file.
    """
    try:
        _, raw = read_toml(Path(path))
    except ScenarioError:
        return  # load_scenario reports it
    if file_kind(raw) == "experiment":
        raise UsageError(
            f"{path} is an experiment file, not a scenario; {command} takes scenario files. "
            f"Run it with 'colabsim sweep {path}' (or 'colabsim sensitivity {path}' for a Morris or Sobol' design)"
        )


def scenario_labels(paths: Sequence[str]) -> list[str]:
    """Each scenario file's stem, numbered where two files share one (``darwin``, ``darwin_2``)."""
    labels: list[str] = []
    for path in paths:
        stem = Path(path).stem
        label, n = stem, 2
        while label in labels:
            label, n = f"{stem}_{n}", n + 1
        labels.append(label)
    return labels


def labelled_scenarios(paths: Sequence[str], overrides: Overrides, command: str) -> list[tuple[str, Scenario]]:
    """Load the scenario files with their labels, each with the overrides for all and for it.

    Raises:
        UsageError: If an override names no scenario, a file is an experiment, or files are invalid
            (every invalid file is reported, not only the first).
    """
    labels = scenario_labels(paths)
    unknown = [name for name in overrides if name is not None and name not in labels]
    if unknown:
        raise UsageError(
            f"--set {unknown[0]}:...: no scenario {unknown[0]!r}{did_you_mean(unknown[0], labels)}; "
            f"the scenarios are named by their file's stem: {', '.join(labels)}"
        )
    scenarios, problems = [], []
    for label, path in zip(labels, paths, strict=True):
        refuse_experiment_file(path, command)
        factors = {**overrides.get(None, {}), **overrides.get(label, {})}
        try:
            scenario = load_scenario(path)
            scenarios.append(scenario.with_factors(**factors) if factors else scenario)
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise UsageError("\n".join(problems))
    return list(zip(labels, scenarios, strict=True))


def baseline_first(scenarios: list[tuple[str, Scenario]], baseline: str | None) -> list[tuple[str, Scenario]]:
    """Put the baseline first: differences in the report are against the first scenario.

    Raises:
        UsageError: If `baseline` is not one of the labels.
    """
    if baseline is None:
        return scenarios
    labels = [label for label, _ in scenarios]
    if baseline not in labels:
        raise UsageError(
            f"--baseline {baseline!r}: no such scenario{did_you_mean(baseline, labels)}; "
            f"the scenarios are named by their file's stem: {', '.join(labels)}"
        )
    return sorted(scenarios, key=lambda pair: pair[0] != baseline)


def what_if_factors(items: Sequence[str]) -> dict[str, float] | None:
    """The ``--what-if FACTOR=VALUE`` items as factor values, or None if none were given.

    Raises:
        UsageError: If an item is malformed or names a scenario.
    """
    sets = parse_sets(items)
    named = [name for name in sets if name is not None]
    if named:
        raise UsageError(f"--what-if applies to the study's what-if scenario: write FACTOR=VALUE, not {named[0]}:...")
    return sets.get(None)


def describe_valid_file(path: str, max_runs: int) -> str:
    """What a valid file holds, in one line; a `ScenarioError` if it is not valid."""
    _, raw = read_toml(Path(path))
    if file_kind(raw) == "experiment":
        experiment = load_experiment(path, max_runs)
        design = experiment.spec.design
        return (
            f"ok: {path} (experiment {experiment.spec.experiment.name!r}: {design.method} design, "
            f"{len(experiment.points)} points x {experiment.replications} replications = {experiment.total_runs} runs "
            f"of {experiment.scenario.name})"
        )
    scenario = load_scenario(path)
    spec = scenario.spec
    return (
        f"ok: {path} ({scenario.name}: {len(spec.actors)} actors, {len(spec.programmes)} programmes, "
        f"{len(spec.events)} events, {spec.scenario.horizon_years} years)"
    )
