"""Shared helpers of the rule tests: random sources, Hypothesis strategies and input builders.

Inputs are random but valid: structures built from generated scenario dicts (or the shipped
scenarios), factor levels within their bounds, trust / understanding / commitment in [0, 1],
stocks >= 0. The test modules beside this one check the model's invariants (values stay in
[0, 1], nothing becomes negative or NaN, shapes are kept, stocks are never overdrawn), the
equations' known answers, and that every rule accepts a leading batch axis.

A plain module rather than conftest.py: pytest advises against importing from conftest, and the
test modules import these names.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import colabsim
from colabsim.model.structure import ACTIVE, DORMANT, OFF, PROPOSED, Structure, build_structure
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import scenario_from_dict
from colabsim.scenario.parameters import Parameters
from colabsim.scenario.schema import ACTOR_KINDS, SIDES, TIE_KINDS

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
SHIPPED_SCENARIOS = {path.name: colabsim.load_scenario(path) for path in SHIPPED}
SHIPPED_STRUCTURES = [build_structure(s.spec) for s in SHIPPED_SCENARIOS.values()]

SECTORS = ("health", "education", "tourism")
EXAMPLES = 40  # per property test; keeps the whole package well under 40 s


# --- random sources --------------------------------------------------------------------------


class FixedDraws:
    """A stand-in for a numpy Generator whose ``random(size)`` returns prepared arrays in order."""

    def __init__(self, *arrays: Any) -> None:
        self._arrays = [np.asarray(a, dtype=np.float64) for a in arrays]

    def random(self, size: tuple[int, ...]) -> np.ndarray:
        assert self._arrays, "the rule drew more often than expected"
        draw = self._arrays.pop(0)
        assert draw.shape == tuple(size), (draw.shape, size)
        return draw


class Recorder:
    """Draws from a seeded Generator and remembers every draw (for the batched call)."""

    def __init__(self, seed: int) -> None:
        self._gen = np.random.default_rng(seed)
        self.draws: list[np.ndarray] = []

    def random(self, size: tuple[int, ...]) -> np.ndarray:
        draw = self._gen.random(size)
        self.draws.append(draw)
        return draw

    def row(self, b: int) -> FixedDraws:
        """Replay row `b` of every draw, for the same call on one batch row."""
        return FixedDraws(*(d[b] for d in self.draws))


# --- strategies ------------------------------------------------------------------------------

unit = st.floats(0.0, 1.0, allow_nan=False)
# For whole-model runs: the bounds themselves often, tiny values sometimes.
model_unit = st.sampled_from([0.0, 1.0]) | unit


@st.composite
def scenario_dicts(
    draw: st.DrawFn,
    max_actors: int = 6,
    max_programmes: int = 3,
    events: bool = False,
    values: st.SearchStrategy[float] = unit,
) -> dict:
    """A valid scenario mapping with a few actors, ties, tie rules and programmes (and events)."""
    maybe_value = st.none() | values
    n = draw(st.integers(2, max_actors))
    ids = [f"a{i}" for i in range(n)]
    actors = []
    for actor_id in ids:
        actor: dict[str, Any] = {
            "id": actor_id,
            "name": actor_id.upper(),
            "kind": draw(st.sampled_from(list(ACTOR_KINDS))),
            "sectors": draw(st.lists(st.sampled_from(SECTORS), unique=True, max_size=3)),
            "status": draw(st.sampled_from(["active", "active", "absent", "prospective"])),
            "funded": draw(st.booleans()),
        }
        if draw(st.booleans()):
            actor["side"] = draw(st.sampled_from(SIDES))
        for key in ("commitment", "capacity", "turnover"):
            value = draw(maybe_value)
            if value is not None:
                actor[key] = value
        endowment = draw(st.dictionaries(st.sampled_from(["funds", "materials", "people", "time"]), values))
        if endowment:
            actor["endowment"] = endowment
        actors.append(actor)
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda t: t[0] != t[1]), max_size=10)
    )
    ties = []
    for source, target in pairs:
        tie: dict[str, Any] = {
            "source": source,
            "target": target,
            "kind": draw(st.sampled_from(TIE_KINDS)),
            "mutual": draw(st.booleans()),
        }
        trust = draw(maybe_value)
        if trust is not None:
            tie["trust"] = trust
        ties.append(tie)
    tie_rules = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "between": st.lists(st.sampled_from(SIDES), min_size=2, max_size=2),
                    "kind": st.sampled_from(TIE_KINDS),
                }
            ),
            max_size=2,
        )
    )
    programmes = []
    for p in range(draw(st.integers(1, max_programmes))):
        participants = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n, unique=True))
        programmes.append(
            {
                "id": f"p{p}",
                "name": f"Programme {p}",
                "sector": draw(st.sampled_from(SECTORS)),
                "participants": participants,
                "optional": draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
                "status": draw(st.sampled_from(["active", "dormant", "proposed", "scheduled", "closed"])),
                "need": draw(st.floats(0.05, 5.0)),
            }
        )
    raw: dict[str, Any] = {
        "scenario": {"name": "generated", "start": "2020-01", "horizon_years": 2},
        "actors": actors,
        "ties": ties,
        "tie_rules": tie_rules,
        "programmes": programmes,
    }
    if events:
        raw["events"] = draw(st.lists(event_dicts(ids, [p["id"] for p in programmes], values), max_size=6))
    return raw


def event_dicts(
    actor_ids: list[str], programme_ids: list[str], values: st.SearchStrategy[float]
) -> st.SearchStrategy[dict]:
    """Valid ``[[events]]`` entries within a two-year horizon."""
    month = st.integers(0, 23)
    factor_tables = st.dictionaries(st.sampled_from(list(FACTORS)), values, min_size=1, max_size=3)
    actor_events = st.fixed_dictionaries(
        {
            "at": month,
            "action": st.sampled_from(["add_actor", "remove_actor", "start_funding", "stop_funding"]),
            "actor": st.sampled_from(actor_ids),
        }
    )
    programme_events = st.fixed_dictionaries(
        {
            "at": month,
            "action": st.sampled_from(["open_programme", "close_programme"]),
            "programme": st.sampled_from(programme_ids),
        }
    )
    factor_events = st.fixed_dictionaries({"at": month, "action": st.just("set_factors"), "factors": factor_tables})
    return actor_events | programme_events | factor_events


generated_structures = scenario_dicts().map(lambda raw: build_structure(scenario_from_dict(raw).spec))
structures = generated_structures | st.sampled_from(SHIPPED_STRUCTURES)

levels_st = st.fixed_dictionaries({name: st.floats(f.low, f.high, allow_nan=False) for name, f in FACTORS.items()})
model_levels_st = st.fixed_dictionaries(
    {name: st.sampled_from([f.low, f.high]) | st.floats(f.low, f.high, allow_nan=False) for name, f in FACTORS.items()}
)

# Parameters within the ranges that make sense for them (shares and probabilities in [0, 1]).
_PARAM_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    name: unit
    for name in (
        "turnover_rate",
        "turnover_loss",
        "formal_rate",
        "informal_rate",
        "brokered_rate",
        "understanding_gain",
        "contact_trust_gain",
        "legal_floor",
        "facilitation_weight",
        "purpose_weight",
        "joint_action_weight",
        "trust_weight",
        "mediator_buffer",
        "understanding_floor",
        "setpoint_rate",
        "memory_weight",
        "purpose_understanding_weight",
        "affect_weight",
        "free_ride_rate",
        "efficiency_floor",
        "knowledge_bonus",
        "patience_weight",
        "learning_base",
        "learning_norms_weight",
        "commitment_gain",
        "commitment_loss",
        "leadership_upkeep",
        "trust_decay",
        "understanding_decay",
        "floor_weight",
        "success_level",
        "growth_rate",
        "reputation_rate",
        "partner_rate",
    )
} | {
    "fair_share": st.floats(0.01, 1.0),
    "ces_rho": st.floats(-4.0, -0.25) | st.floats(0.05, 0.9),
    "half_saturation": st.floats(0.01, 3.0),
    "saturation_exponent": st.floats(0.2, 1.5),
    "leadership_weight": st.floats(0.0, 0.5),
    "arrangement_weight": st.floats(0.0, 0.5),
    "resource_weights": st.tuples(*[st.floats(0.05, 1.0)] * 4),
    "loss_aversion": st.floats(1.0, 3.0),
    "success_months": st.integers(1, 36),
    "reputation_threshold": st.floats(0.0, 0.95),
}
params_st = st.just(Parameters()) | st.fixed_dictionaries(
    {k: v for k, v in _PARAM_STRATEGIES.items() if k in Parameters.names()}
).map(lambda values: Parameters().updated(values))


def unit_array(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=unit))


def bool_array(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    return data.draw(hnp.arrays(np.bool_, shape))


def stock_array(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.0, 50.0)))


def status_array(data: st.DataObject, shape: tuple[int, ...]) -> np.ndarray:
    return data.draw(hnp.arrays(np.intp, shape, elements=st.sampled_from([PROPOSED, DORMANT, ACTIVE, OFF])))


def draw_inputs(data: st.DataObject) -> SimpleNamespace:
    """A structure, factor levels, parameters and a valid single-run state for it."""
    s: Structure = data.draw(structures, label="structure")
    n, e, p, m = s.n_actors, s.n_ties, s.n_programmes, s.n_members
    stock = stock_array(data, (n, 4))
    return SimpleNamespace(
        s=s,
        levels=data.draw(levels_st, label="levels"),
        params=data.draw(params_st, label="params"),
        trust=unit_array(data, (e,)),
        understanding=unit_array(data, (e,)),
        commitment=unit_array(data, (n,)),
        active=bool_array(data, (n,)),
        stock=stock,
        # A budget at least as large as what is left of it (as in the engine).
        budget=stock + stock_array(data, (n, 4)),
        member_live=bool_array(data, (m,)),
        status=status_array(data, (p,)),
        performance=unit_array(data, (p,)),
        months_left=data.draw(st.integers(1, 12), label="months_left"),
    )


def assert_unit(x: np.ndarray, name: str = "") -> None:
    x = np.asarray(x, dtype=np.float64)
    assert np.isfinite(x).all(), f"{name}: NaN or infinite: {x}"
    assert (x >= 0.0).all() and (x <= 1.0).all(), f"{name}: outside [0, 1]: {x}"


def assert_nonneg(x: np.ndarray, name: str = "") -> None:
    x = np.asarray(x, dtype=np.float64)
    assert np.isfinite(x).all(), f"{name}: NaN or infinite: {x}"
    assert (x >= 0.0).all(), f"{name}: negative: {x}"
