"""A calibration's held-out checks: batched runs measure as the validation does, and each verdict can flip."""

from __future__ import annotations

import math

import numpy as np
import pytest
from calibration_support import ROOT

from colabsim.calibration.holdout import (
    HELD_OUT_PATTERNS,
    STRONG_STRUCTURE,
    WEAK_STRUCTURE,
    HeldOutRuns,
    coding_swap_table,
    health_tourism_table,
    held_out_checks,
    run_held_out,
    scenario_table,
)
from colabsim.experiments.executors import SerialExecutor
from colabsim.scenario.parameters import Parameters
from colabsim.validation.measure import estimates_from, measure_patterns
from colabsim.validation.study import load_study

SEEDS = (11, 12, 13)
#: A parameter set away from the documented one (two of the calibrated parameters moved).
MOVED = {"understanding_reach": 0.95, "brokered_rate": 0.5}


@pytest.fixture(scope="module")
def study():
    return load_study(ROOT / "scenarios")


@pytest.fixture(scope="module")
def runs(study):
    documented = Parameters()
    return run_held_out(study, [documented, documented, documented.updated(MOVED)], SEEDS, SerialExecutor())


def test_the_batched_runs_measure_the_held_out_patterns_as_the_validation_does(study, runs):
    # Per-run parameters in one batch give the estimates validation's measure_patterns gives a study
    # that carries the parameters, on the same seeds.
    for index, values in ((0, {}), (2, MOVED)):
        expected = measure_patterns(study.with_parameters(values), SEEDS, patterns=HELD_OUT_PATTERNS)
        found = estimates_from(runs.patterns(index), HELD_OUT_PATTERNS)
        assert found.keys() == expected.keys()
        for key, estimate in expected.items():
            assert found[key].value == pytest.approx(estimate.value, abs=1e-12), key
    # The moved parameters change what is measured: the comparison above is not vacuous.
    assert runs.level("vlissingen", "eval")[2] != runs.level("vlissingen", "eval")[0]


def test_a_draw_at_the_documented_values_reproduces_the_documented_row_exactly(runs):
    # Draw 1 is the documented parameter set on the same common seeds: every table's draw column equals its
    # documented column, so a share is 1 or 0 as the documented verdict is yes or no.
    single = HeldOutRuns({arm: {k: v[:2] for k, v in kept.items()} for arm, kept in runs.values.items()})
    scenarios = scenario_table(single)
    assert (scenarios["level_median"] == scenarios["level_documented"]).all()
    checked = scenarios.dropna(subset=["share_holds"])
    assert (checked["share_holds"] == checked["documented"].astype(float)).all()
    health = health_tourism_table(single)
    assert (health["share_holds"] == health["documented"].astype(float)).all()
    swap = coding_swap_table(single)
    assert np.allclose(swap["median"], swap["documented"])


def test_the_checks_report_every_part_with_the_documented_verdicts_beside_them(study):
    documented = Parameters()
    checks = held_out_checks(study, documented, [documented.updated(MOVED)], SEEDS, SerialExecutor())
    assert list(checks.patterns["pattern"]) == [*HELD_OUT_PATTERNS, "P4-P8"]
    assert list(checks.scenarios["scenario"]) == ["apik", "saiig", "apik_ccbo", "unido", "ambon_music"]
    unido = checks.scenarios.set_index("scenario").loc["unido"]
    assert unido["documented"] is None and math.isnan(unido["share_holds"])  # no band is made up for it
    assert checks.health_tourism["reading"].iloc[0] == "health above tourism"
    assert list(checks.coding_swap["quantity"]) == ["gap", "structure share", "structure alone", "structure last"]
    assert checks.runs == len(SEEDS) * 2 * 16  # 16 configurations, the documented set and one draw


def _constant(values: list[float], seeds: int = 8, noise: float = 0.01, seed: int = 0) -> np.ndarray:
    """Per parameter set, `seeds` runs around each value."""
    rng = np.random.default_rng(seed)
    return np.array([value + noise * rng.standard_normal(seeds) for value in values])


def test_the_coding_swap_share_is_the_two_player_shapley_value_of_the_structure():
    # Vlissingen 0.6 and Darwin 0.1: a gap of 0.5; Vlissingen's structure adds 0.1 under Darwin's coding
    # (0.2 - 0.1) and 0.2 under Vlissingen's (0.6 - 0.4): its Shapley value is 0.15, 30% of the gap.
    # The second set has no gap, so no share.
    runs = HeldOutRuns(
        {
            "vlissingen": {"eval": np.array([[0.6, 0.6], [0.3, 0.3]])},
            "darwin": {"eval": np.array([[0.1, 0.1], [0.3, 0.3]])},
            STRONG_STRUCTURE: {"study": np.array([[0.2, 0.2], [0.3, 0.3]])},
            WEAK_STRUCTURE: {"study": np.array([[0.4, 0.4], [0.3, 0.3]])},
        }
    )
    table = coding_swap_table(runs).set_index("quantity")
    assert table.loc["gap", "documented"] == pytest.approx(0.5)
    assert table.loc["structure alone", "documented"] == pytest.approx(0.2)
    assert table.loc["structure last", "documented"] == pytest.approx(0.4)
    assert table.loc["structure share", "documented"] == pytest.approx(0.3)
    assert math.isnan(table.loc["structure share", "median"])


def _sectors(health: float, education: float, tourism: float) -> HeldOutRuns:
    sets = [0.6, health]  # the documented set: health 0.6 above everything
    return HeldOutRuns(
        {
            "vlissingen": {"sector:health": _constant(sets, seed=1), "sector:education": _constant([0.5, education])},
            "darwin": {"sector:tourism": _constant([0.1, tourism], seed=2)},
        }
    )


def test_health_against_tourism_flips_when_the_sectors_change_places():
    table = health_tourism_table(_sectors(health=0.6, education=0.5, tourism=0.1)).set_index("reading")
    assert table["documented"].all() and (table["share_holds"] == 1.0).all()
    swapped = health_tourism_table(_sectors(health=0.1, education=0.05, tourism=0.6)).set_index("reading")
    assert swapped.loc["health above tourism", "share_holds"] == 0.0
    assert swapped.loc["health above education", "share_holds"] == 1.0  # health still above education
    behind = health_tourism_table(_sectors(health=0.6, education=0.7, tourism=0.1)).set_index("reading")
    assert behind.loc["health above tourism", "share_holds"] == 1.0
    assert behind.loc["health above education", "share_holds"] == 0.0
    assert behind.loc["every reading", "share_holds"] == 0.0 and behind.loc["every reading", "documented"]


def test_health_against_tourism_names_the_file_without_the_sector():
    runs = HeldOutRuns(
        {"vlissingen": {"sector:health": _constant([0.6])}, "darwin": {"sector:education": _constant([0.1])}}
    )
    with pytest.raises(ValueError, match=r"darwin\.toml has no programme in sector 'tourism'"):
        health_tourism_table(runs)


def _table_1_1(apik_after: float, unido: float) -> HeldOutRuns:
    """Per-run values of the Table 1.1 configurations for two sets (the documented one first)."""

    def two(first: float, second: float, seed: int = 0) -> np.ndarray:
        return _constant([first, second], seed=seed)

    partners = {"full": two(0.5, 0.5), "joined": two(2.0, 2.0), "reputation": two(0.6, 0.6), "first_join": two(20, 20)}
    return HeldOutRuns(
        {
            "vlissingen": {"eval": two(0.63, 0.63)},
            "darwin": {"eval": two(0.11, 0.11)},
            "apik": {"funded": two(0.45, 0.45, 1), "after": two(0.0, apik_after, 2), "ccbo_years": two(0.1, 0.1)},
            "saiig": {"funded": two(0.38, 0.38), "after": two(0.0, 0.0)},
            "apik_ccbo": {"ccbo_years": two(0.3, 0.3), "funded": two(0.42, 0.42), "after": two(0.0, 0.0)},
            "vlissingen_partners": partners,
            "darwin_partners": partners | {"full": two(0.1, 0.1), "joined": two(0.0, 0.0)},
            "ambon_music": partners
            | {"reputation": two(0.35, 0.35), "first_join": two(60, 60), "study": two(0.35, 0.35)},
            "unido": {"study": two(0.35, unido)},
        }
    )


def test_a_table_1_1_scenario_fails_its_statement_when_its_runs_contradict_it():
    table = scenario_table(_table_1_1(apik_after=0.0, unido=0.35)).set_index("scenario")
    assert table.loc["apik", "documented"] and table.loc["apik", "share_holds"] == 1.0
    assert table.loc["apik", "level_documented"] == pytest.approx(0.45, abs=0.02)
    assert table.loc["unido", "share_between"] == 1.0
    # APIK's programme goes on performing after its window: the study's form 2 (P4) fails for the draw.
    # UNIDO's level above Vlissingen's: no longer between Darwin and Vlissingen (shown, not judged).
    table = scenario_table(_table_1_1(apik_after=0.45, unido=0.8)).set_index("scenario")
    assert table.loc["apik", "documented"] and table.loc["apik", "share_holds"] == 0.0
    assert table.loc["apik", "weakest"].startswith("p4_apik_drop")
    assert table.loc["unido", "share_between"] == 0.0 and table.loc["unido", "between_documented"]
    assert table.loc["unido", "documented"] is None
