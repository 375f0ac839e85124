"""Weak is not dead (issue 14, item 3): the model's own dynamics can revive a weak collaboration.

No state is absorbing. From Darwin as the study found it (a lapsed agreement, weak commitment, no
mediator), each lever alone, applied in 2023 as a scheduled event, raises performance over
2023-2032 against baseline Darwin on the same seeds (a paired 95% CI above 0): a renewed
agreement, a new partner (a mediating local partner), a leader. A run of small wins does too: two
years of extra funds (2023-2024) leave performance higher in 2027-2032, long after the money is
gone, because what the wins built (commitment, trust, understanding) lasts. And a collaboration
whose partner left, so that every programme fell dormant, starts again when the partner returns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import colabsim
from colabsim.model.batch import run_batch
from colabsim.scenario.loader import Scenario, scenario_from_dict
from colabsim.stats import mean_ci

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEEDS = [20230101 + k for k in range(32)]


def _darwin(extra: list[dict[str, Any]], base: str = "darwin") -> Scenario:
    """Darwin's file with its own events and `extra` after them.

    With ``base = "darwin_reformed"`` the scenario has the credible local partner of
    recommendation 4 among its actors (absent until an ``add_actor`` event), but none of that file's
    2023 events: only Darwin's and `extra`.
    """
    darwin = colabsim.load_scenario(SCENARIOS / "darwin.toml").spec.model_dump()
    raw = colabsim.load_scenario(SCENARIOS / f"{base}.toml").spec.model_dump()
    raw["events"] = [*darwin["events"], *extra]
    raw["scenario"]["window"] = None
    return scenario_from_dict(raw)


def _performance(scenario: Scenario, first: str, last: str) -> np.ndarray:
    runs = run_batch(scenario, SEEDS)
    return runs.series["performance"][:, scenario.month_index(first) : scenario.month_index(last) + 1].mean(axis=1)


def _set(at: str, **factors: float) -> dict[str, Any]:
    return {"at": at, "action": "set_factors", "factors": factors}


LEVERS: dict[str, tuple[list[dict[str, Any]], str]] = {
    "a renewed agreement": ([_set("2023-01", legal_frame=0.85)], "darwin"),
    "a new partner": ([{"at": "2023-01", "action": "add_actor", "actor": "local_partner"}], "darwin_reformed"),
    "a leader": ([_set("2023-01", leadership=0.8)], "darwin"),
}


@pytest.fixture(scope="module")
def baseline() -> np.ndarray:
    return _performance(_darwin([]), "2023-01", "2032-12")


@pytest.mark.parametrize("lever", list(LEVERS))
def test_each_lever_alone_revives_darwin(baseline: np.ndarray, lever: str) -> None:
    events, base = LEVERS[lever]
    gain = _performance(_darwin(events, base), "2023-01", "2032-12") - baseline
    assert mean_ci(gain).low > 0.0, f"{lever}: {mean_ci(gain)}"


def test_a_run_of_small_wins_leaves_a_lasting_gain() -> None:
    money = ("funds", "materials", "staff")
    boost = _darwin([_set("2023-01", **dict.fromkeys(money, 0.9)), _set("2025-01", **dict.fromkeys(money, 0.45))])
    after = _performance(boost, "2027-01", "2032-12") - _performance(_darwin([]), "2027-01", "2032-12")
    assert mean_ci(after).low > 0.0, f"two funded years, four years on: {mean_ci(after)}"


def test_a_collaboration_whose_programmes_all_fell_dormant_starts_again() -> None:
    gone = _darwin(
        [
            {"at": "2016-01", "action": "remove_actor", "actor": "darwin"},
            {"at": "2019-01", "action": "add_actor", "actor": "darwin"},
        ]
    )
    runs = run_batch(gone, SEEDS)
    series = runs.series
    away = slice(gone.month_index("2016-06"), gone.month_index("2018-12") + 1)
    back = slice(gone.month_index("2020-01"), gone.month_index("2022-12") + 1)
    assert (series["active_programmes"][:, away] == 0).all(), "with the partner gone, no programme runs"
    assert (series["active_programmes"][:, back] > 0).all(), "with the partner back, they run again"
    assert mean_ci(series["performance"][:, back].mean(axis=1)).low > 0.05, "and perform"
