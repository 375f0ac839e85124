"""Mechanism knock-outs (issue 14, item 2): switch off a factor's path and its effect goes.

Each case of `colabsim.validation.effects.KNOCKOUTS` moves one factor from 0.1 to 0.9 in
Vlissingen (common seeds) with the tuned defaults and again with one causal path switched off
through its parameter (docs/ODD.md names the path), over the full period. A factor that acts
through one path only (role ``only``) loses all of its effect in every run; a factor whose main
path is switched off (role ``main``) loses most of it, and what is left runs through its other
documented paths. Paths of role ``part`` are reported in docs/validation.md, not asserted.
"""

from __future__ import annotations

import pandas as pd
import pytest

from colabsim.validation.effects import KNOCKOUTS, knockout_effects
from colabsim.validation.runs import seed_range
from colabsim.validation.study import load_study

ASSERTED = [k for k in KNOCKOUTS if k.role in ("only", "main")]


@pytest.fixture(scope="module")
def effects() -> pd.DataFrame:
    return knockout_effects(load_study(), "vlissingen", seed_range(0, 32), ASSERTED, {"full period": None})


@pytest.mark.parametrize("index", range(len(ASSERTED)), ids=[f"{k.factor}: {k.path}" for k in ASSERTED])
def test_switching_off_a_factors_path_removes_its_effect(effects, index):
    row = effects.iloc[index]
    assert row["with"] > 0.0 and row["with_low"] > 0.0, f"{row['factor']} has an effect with its path"
    assert row["meets_role"], (
        f"{row['factor']} ({row['role']} path: {row['path']}): {row['with']:+.3f} with the path, "
        f"{row['without']:+.3f} without it"
    )


def test_only_and_main_paths_are_asserted_and_every_knockout_names_a_real_parameter():
    assert {k.role for k in ASSERTED} == {"only", "main"}
    scenario = load_study()["vlissingen"]
    for knockout in KNOCKOUTS:
        scenario.with_parameters(**knockout.switches)  # raises for a parameter that does not exist
        assert knockout.factor in scenario.factors
