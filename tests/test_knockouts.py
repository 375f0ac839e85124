"""Mechanism knock-outs (issue 14, item 2): switch off a factor's path and its effect goes.

Each case moves one factor from 0.1 to 0.9 in Vlissingen (common seeds) with the tuned defaults
and again with one causal path switched off through its parameter (docs/ODD.md names the path).
A factor that acts through one path only loses all of its effect; a factor whose main path is
switched off loses most of it, and what is left runs through its other documented paths.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import colabsim
from colabsim.model.batch import run_batch
from colabsim.scenario.loader import Scenario

VLISSINGEN = colabsim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "vlissingen.toml")
SEEDS = list(range(32))


def _effects(scenario: Scenario, factor: str) -> np.ndarray:
    """Per seed, mean performance with `factor` at 0.9 minus at 0.1."""
    n = len(SEEDS)
    runs = run_batch(scenario, SEEDS * 2, [{factor: 0.9}] * n + [{factor: 0.1}] * n, keep_series=False)
    performance = runs.summary["performance"]
    return performance[:n] - performance[n:]


@pytest.mark.parametrize(
    ("factor", "path"),
    [
        ("formal_communication", {"formal_rate": 0.0}),
        ("informal_communication", {"informal_rate": 0.0}),
    ],
    ids=["formal contact", "informal contact"],
)
def test_a_factor_with_one_path_is_inert_without_it(factor, path):
    np.testing.assert_array_equal(_effects(VLISSINGEN.with_parameters(**path), factor), 0.0)


@pytest.mark.parametrize(
    ("factor", "path"),
    [
        ("mediation", {"brokered_rate": 0.0}),  # brokerage across structural holes
        ("leadership", {"leadership_weight": 0.0}),  # capacity for joint action
        ("legal_frame", {"arrangement_weight": 0.0}),  # an international programme's standing
        # consensus and the understanding gained from contact (growth's chance is the third path)
        ("shared_purpose", {"purpose_understanding_weight": 0.0, "purpose_weight": 0.0}),
        # the reach of understanding (trust floor, informal contact and the affective set-point remain)
        ("history", {"understanding_reach": 1.0}),
        ("kinship", {"understanding_reach": 1.0}),
    ],
    ids=[
        "mediation: brokerage",
        "leadership: joint capacity",
        "legal frame: standing",
        "purpose: consensus and understanding",
        "history: reach",
        "kinship: reach",
    ],
)
def test_switching_off_a_factors_main_path_removes_most_of_its_effect(factor, path):
    on = _effects(VLISSINGEN, factor).mean()
    off = _effects(VLISSINGEN.with_parameters(**path), factor).mean()
    assert on > 0.0
    assert off <= 0.5 * on, f"{factor}: {on:+.3f} with the path, {off:+.3f} without it"
