"""Known answers for the budget lines of process 7: funds and materials per live programme.

Vlissingen's structure: the cooperation unit, Vlissingen and SSVA are members of all three
programmes (eye care active, schools and clean city proposed); the Health Office of eye care
only; the Education Office of schools only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import colabsim
from colabsim.model import rules
from colabsim.model.structure import ACTIVE, DORMANT, OFF, PROPOSED, build_structure

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = colabsim.load_scenario(ROOT / "scenarios" / "vlissingen.toml")
STRUCTURE = build_structure(SCENARIO.spec)


def lines_of(status: list[int]) -> dict[str, float]:
    lines = rules.budget_lines(STRUCTURE, np.array(status))
    return dict(zip(STRUCTURE.actor_ids, lines.tolist(), strict=True))


def test_budget_lines_one_per_live_programme_and_never_fewer_than_one() -> None:
    start = lines_of([ACTIVE, PROPOSED, PROPOSED])
    assert start["coop_unit"] == start["vlissingen"] == start["ssva"] == 1.0
    assert start["education_office"] == 1.0, "a member of no live programme still plans one line"
    grown = lines_of([ACTIVE, DORMANT, ACTIVE])
    assert grown["coop_unit"] == grown["vlissingen"] == grown["ssva"] == 3.0
    assert grown["health_office"] == grown["education_office"] == grown["environment_office"] == 1.0
    # Pattimura is an optional member of eye care and schools: lines count what it may take part in.
    assert grown["pattimura"] == 2.0
    switched_off = lines_of([ACTIVE, OFF, PROPOSED])
    assert switched_off["coop_unit"] == 1.0


def test_lines_scale_funds_and_materials_but_not_people_and_time() -> None:
    levels: dict[str, float] = dict(SCENARIO.factors)
    active = np.ones(STRUCTURE.n_actors, dtype=bool)
    funded = np.ones(STRUCTURE.n_actors, dtype=bool)
    one = rules.yearly_endowment(STRUCTURE, levels, active, funded)
    lines = rules.budget_lines(STRUCTURE, np.array([ACTIVE, ACTIVE, ACTIVE]))
    three = rules.yearly_endowment(STRUCTURE, levels, active, funded, lines)
    np.testing.assert_allclose(three[:, :2], one[:, :2] * lines[:, None])
    np.testing.assert_allclose(three[:, 2:], one[:, 2:])


def test_lines_keep_a_leading_batch_axis() -> None:
    status = np.array([[ACTIVE, PROPOSED, PROPOSED], [ACTIVE, ACTIVE, DORMANT]])
    batched = rules.budget_lines(STRUCTURE, status)
    for row in range(2):
        np.testing.assert_array_equal(batched[row], rules.budget_lines(STRUCTURE, status[row]))
