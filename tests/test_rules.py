"""Property-based and known-answer tests of the rule functions in `colabsim.model.rules`.

Inputs are random but valid: structures built from generated scenario dicts (or the shipped
scenarios), factor levels within their bounds, trust / understanding / commitment in [0, 1],
stocks >= 0. The properties are the model's invariants (values stay in [0, 1], nothing becomes
negative or NaN, shapes are kept, stocks are never overdrawn), the equations' known answers, and
that every rule accepts a leading batch axis: row b of a batched call equals the call on row b.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import colabsim
from colabsim.model import rules
from colabsim.model.engine import Calendar, State, advance, initial_state
from colabsim.model.rules.segments import segment_any, segment_count, segment_mean, segment_sum
from colabsim.model.streams import NOISE_SOURCES, Streams
from colabsim.model.structure import ACTIVE, DORMANT, OFF, PROPOSED, Structure, build_structure
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import scenario_from_dict
from colabsim.scenario.parameters import Parameters
from colabsim.scenario.schema import ACTOR_KINDS, SIDES, TIE_KINDS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
SHIPPED_SCENARIOS = {path.name: colabsim.load_scenario(path) for path in SHIPPED}
SHIPPED_STRUCTURES = [build_structure(s.spec) for s in SHIPPED_SCENARIOS.values()]

SECTORS = ("health", "education", "tourism")
EXAMPLES = 40  # per property test; keeps the whole file well under 30 s


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
        "consensus_base",
        "consensus_purpose_weight",
        "legal_floor",
        "facilitation_weight",
        "purpose_weight",
        "joint_action_weight",
        "trust_weight",
        "mediator_buffer",
        "understanding_floor",
        "setpoint_rate",
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


# --- segments --------------------------------------------------------------------------------


@st.composite
def segment_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    n = draw(st.integers(1, 6))
    k = draw(st.integers(0, 12))
    lead = draw(st.sampled_from([(), (1,), (3,), (2, 2)]))
    ids = draw(hnp.arrays(np.intp, (k,), elements=st.integers(0, n - 1)))
    values = draw(hnp.arrays(np.float64, (*lead, k), elements=st.floats(-100, 100)))
    mask = draw(hnp.arrays(np.bool_, (*lead, k)))
    return values, mask, ids, n


def _loop_sum(values: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((*values.shape[:-1], n))
    for index in np.ndindex(*values.shape[:-1]):
        for j, group in enumerate(ids):
            out[(*index, group)] += values[(*index, j)]
    return out


@settings(max_examples=60)
@given(segment_cases())
def test_segment_reductions_match_python_loop(case: tuple[np.ndarray, np.ndarray, np.ndarray, int]) -> None:
    values, mask, ids, n = case
    lead = values.shape[:-1]
    total = segment_sum(values, ids, n)
    assert total.shape == (*lead, n)
    np.testing.assert_allclose(total, _loop_sum(values, ids, n), atol=1e-9)
    counts = segment_count(mask, ids, n)
    np.testing.assert_array_equal(counts, _loop_sum(mask.astype(float), ids, n))
    mean = segment_mean(values, mask, ids, n, empty=-7.0)
    assert mean.shape == (*lead, n)
    for index in np.ndindex(*lead):
        for group in range(n):
            chosen = [values[(*index, j)] for j in range(len(ids)) if ids[j] == group and mask[(*index, j)]]
            expected = np.mean(chosen) if chosen else -7.0
            assert mean[(*index, group)] == pytest.approx(expected, abs=1e-9)
            assert segment_any(mask, ids, n)[(*index, group)] == bool(chosen)


def test_segment_mean_with_unbatched_mask_and_batched_values() -> None:
    values = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])  # (B=2, K=4)
    mask = np.array([True, False, True, True])  # shared by the batch
    ids = np.array([0, 0, 1, 1])
    np.testing.assert_allclose(segment_mean(values, mask, ids, 3), [[1.0, 3.5, 0.0], [10.0, 35.0, 0.0]])
    np.testing.assert_allclose(segment_sum(values, ids, 2), [[3.0, 7.0], [30.0, 70.0]])


# --- communication (process 2) ---------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_communication_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    closeness = rules.tie_closeness(s, x.levels)
    assert closeness.shape == (s.n_ties,)
    assert_unit(closeness, "closeness")
    np.testing.assert_allclose(closeness[~s.tie_cross], 0.5)  # within one side

    p = rules.contact_probability(s, x.levels, x.params, x.trust, x.active, rules.tie_closeness(s, x.levels))
    assert p.shape == (s.n_ties,)
    assert_unit(p, "contact probability")
    both = x.active[s.tie_src] & x.active[s.tie_dst]
    assert (p[~both] == 0.0).all(), "no contact on a tie with an absent end"

    draws = data.draw(hnp.arrays(np.float64, p.shape, elements=st.floats(0.0, 0.999)))
    contact = rules.draw_contacts(p, FixedDraws(draws))
    assert contact.dtype == np.bool_ and contact.shape == p.shape
    assert not contact[p == 0.0].any()

    trust, understanding = rules.apply_contacts(x.trust, x.understanding, contact, x.params)
    assert_unit(trust, "trust")
    assert_unit(understanding, "understanding")
    np.testing.assert_array_equal(trust[~contact], x.trust[~contact])
    np.testing.assert_array_equal(understanding[~contact], x.understanding[~contact])
    assert (trust[contact] >= x.trust[contact]).all() and (understanding[contact] >= x.understanding[contact]).all()


def test_draw_contacts_known_answers() -> None:
    p = np.array([0.0, 1.0, 0.5, 0.5])
    draws = np.array([0.0, 0.999, 0.49, 0.51])
    np.testing.assert_array_equal(rules.draw_contacts(p, FixedDraws(draws)), [False, True, True, False])


def test_apply_contacts_known_answer() -> None:
    params = Parameters()
    trust, understanding = rules.apply_contacts(
        np.array([0.2, 0.2]), np.array([0.5, 0.5]), np.array([True, False]), params
    )
    assert trust[0] == pytest.approx(0.2 + params.contact_trust_gain * 0.8)
    assert understanding[0] == pytest.approx(0.5 + params.understanding_gain * 0.5)
    assert (trust[1], understanding[1]) == (0.2, 0.5)


# --- deliberation (process 3) ----------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_deliberation_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    consensus, viable = rules.programme_consensus(s, x.levels, x.params, x.commitment, x.understanding, x.member_live)
    assert consensus.shape == viable.shape == (s.n_programmes,)
    assert_unit(consensus, "consensus")
    assert viable.dtype == np.bool_
    # Viable needs live members from at least two sides.
    for p in range(s.n_programmes):
        live = [m for m in range(s.n_members) if s.mem_prog[m] == p and x.member_live[m]]
        sides = {int(s.actor_side[s.mem_actor[m]]) for m in live}
        assert bool(viable[p]) == (len(sides) >= 2)

    flow = rules.legal_flow(x.levels, x.params)
    assert_unit(flow, "legal flow")

    status = rules.update_programme_status(x.status, consensus, viable, x.levels, x.params)
    assert status.shape == x.status.shape
    assert set(np.unique(status)) <= {PROPOSED, DORMANT, ACTIVE, OFF}
    untouched = (x.status == PROPOSED) | (x.status == OFF)
    np.testing.assert_array_equal(status[untouched], x.status[untouched])
    # Only dormant <-> active moves; a non-viable programme is never active after the update.
    assert set(np.unique(status[~untouched])) <= {DORMANT, ACTIVE}
    assert not ((status == ACTIVE) & ~viable).any()


def test_update_programme_status_known_answers() -> None:
    params = Parameters()
    levels = {name: f.default for name, f in FACTORS.items()} | {"legal_frame": 1.0, "central_support": 1.0}
    status = np.array([PROPOSED, OFF, DORMANT, ACTIVE, DORMANT, ACTIVE])
    consensus = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    viable = np.array([True, True, True, True, True, False])
    new = rules.update_programme_status(status, consensus, viable, levels, params)
    # Low consensus weakens a running programme but does not stop it (no absorbing dormancy);
    # only a programme without members from two sides falls dormant.
    np.testing.assert_array_equal(new, [PROPOSED, OFF, ACTIVE, ACTIVE, DORMANT, DORMANT])


def test_a_dormant_programme_starts_at_the_consensus_threshold() -> None:
    params = Parameters()
    levels = {name: f.default for name, f in FACTORS.items()}
    theta = params.consensus_base - params.consensus_purpose_weight * levels["shared_purpose"]
    new = rules.update_programme_status(
        np.array([DORMANT, DORMANT]), np.array([theta - 1e-9, theta]), np.ones(2, bool), levels, params
    )
    np.testing.assert_array_equal(new, [DORMANT, ACTIVE])


def test_legal_flow_is_smooth_and_never_zero() -> None:
    params = Parameters()
    grid = np.linspace(0.0, 1.0, 101)
    flow = rules.legal_flow({"legal_frame": grid, "central_support": 0.5}, params)
    assert flow[0] == pytest.approx(params.legal_floor)
    assert flow[-1] == pytest.approx(params.legal_floor + (1 - params.legal_floor) * 0.75)
    assert np.max(np.abs(np.diff(flow))) <= 0.01 + 1e-12, "no cliff: a slope of at most 1"


def test_programme_consensus_known_answer() -> None:
    """Two members, commitment 0.64 and 0.36 (mean 0.5), understanding 0.5 on their ties, no mediator."""
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    params = Parameters()
    levels = {name: f.default for name, f in FACTORS.items()} | {"leadership": 0.5, "shared_purpose": 0.25}
    commitment = np.full(s.n_actors, 0.5)
    understanding = np.full(s.n_ties, 0.5)
    live = ~s.mem_optional
    consensus, viable = rules.programme_consensus(s, levels, params, commitment, understanding, live)
    facilitated = 1 - params.facilitation_weight + params.facilitation_weight * 0.5
    purpose = 1 - params.purpose_weight + params.purpose_weight * 0.25
    np.testing.assert_allclose(consensus, 0.5 * facilitated * purpose)
    assert viable.all()


# --- contribution (process 4) ----------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_contribution_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    engaged = x.member_live & (x.status == ACTIVE)[s.mem_prog]
    rng = FixedDraws(unit_array(data, (s.n_members,)))
    consensus = unit_array(data, (s.n_programmes,))
    amount, reciprocity, observed = rules.contributions(
        s, x.levels, x.params, (x.commitment, x.trust, x.stock, x.budget), consensus, engaged, x.months_left, rng
    )
    assert amount.shape == (s.n_members, 4)
    assert reciprocity.shape == observed.shape == (s.n_members,)
    assert_nonneg(amount, "contribution")
    assert_unit(reciprocity, "reciprocity")
    assert not amount[~engaged].any(), "a membership that is not engaged gives nothing"
    assert not observed[~engaged].any()
    # Contributions never exceed what the stock allows this month.
    given_by_actor = rules.pool_by(amount, s.mem_actor, s.n_actors)
    assert given_by_actor.shape == (s.n_actors, 4)
    assert (given_by_actor <= x.stock / x.months_left + 1e-9).all()
    assert (given_by_actor <= x.stock + 1e-9).all()

    stock = rules.spend(x.stock, amount, s)
    assert stock.shape == x.stock.shape
    assert_nonneg(stock, "stock")
    np.testing.assert_allclose(stock, x.stock - given_by_actor, atol=1e-9)  # no clipping was needed

    pooled = rules.pool_by(amount, s.mem_prog, s.n_programmes)
    assert pooled.shape == (s.n_programmes, 4)
    assert_nonneg(pooled, "pooled")
    assert pooled.sum() == pytest.approx(amount.sum())


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_spend_never_makes_stock_negative(data: st.DataObject) -> None:
    s = data.draw(structures)
    stock = stock_array(data, (s.n_actors, 4))
    amount = data.draw(hnp.arrays(np.float64, (s.n_members, 4), elements=st.floats(0.0, 100.0)))
    left = rules.spend(stock, amount, s)
    assert_nonneg(left, "stock")
    assert (left <= stock).all()


@pytest.mark.parametrize(
    ("months_left", "budget_factor"),
    [(1, 12.0), (4, 12.0), (12, 12.0), (4, 1.0)],  # the stock binds, except in the last case
)
def test_contributions_known_answer_full_willingness(months_left: int, budget_factor: float) -> None:
    """Full commitment, trust, mutuality and legal frame, no defection: each gives its monthly means.

    Monthly means are ``min(stock / months_left, budget / 12)`` shared over the actor's programmes.
    """
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    levels = {name: 1.0 for name in FACTORS}
    n, m = s.n_actors, s.n_members
    stock = np.arange(1.0, 1.0 + 4 * n).reshape(n, 4)
    budget = budget_factor * stock
    engaged = np.ones(m, dtype=bool)
    never_defect = FixedDraws(np.full(m, 0.999))
    consensus = np.ones(s.n_programmes)
    amount, reciprocity, observed = rules.contributions(
        s,
        levels,
        Parameters(),
        (np.ones(n), np.ones(s.n_ties), stock, budget),
        consensus,
        engaged,
        months_left,
        never_defect,
    )
    n_active = np.bincount(s.mem_actor, minlength=n)
    monthly = stock / months_left if budget_factor == 12.0 else budget / 12.0
    np.testing.assert_allclose(amount, (monthly / n_active[:, None])[s.mem_actor])
    np.testing.assert_allclose(reciprocity, 1.0)
    assert observed.all()
    np.testing.assert_allclose(rules.spend(stock, amount, s), stock - monthly, atol=1e-12)


def test_contributions_defection_gives_nothing() -> None:
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    # Zero norms, half commitment: a member defects with probability free_ride_rate * 0.5 > 0.
    levels = {name: 0.0 for name in FACTORS} | {"legal_frame": 1.0}
    n, m = s.n_actors, s.n_members
    stock, engaged = np.ones((n, 4)), np.ones(m, bool)
    state = (np.full(n, 0.5), np.ones(s.n_ties), stock, 12 * stock)
    agreed = np.ones(s.n_programmes)
    amount, reciprocity, _ = rules.contributions(
        s, levels, Parameters(), state, agreed, engaged, 6, FixedDraws(np.zeros(m))
    )
    assert not amount.any()
    assert not reciprocity.any()
    # The same members give when their draws are above the defection probability.
    rng = FixedDraws(np.full(m, 0.99))
    amount, reciprocity, _ = rules.contributions(s, levels, Parameters(), state, agreed, engaged, 6, rng)
    assert (amount > 0).all()
    assert (reciprocity > 0).all()


# --- production (process 5) ------------------------------------------------------------------

weights_st = st.tuples(*[st.floats(0.01, 1.0)] * 4)
rho_st = st.floats(-6.0, -0.5)


@settings(max_examples=60)
@given(st.floats(1e-6, 100.0), weights_st, rho_st)
def test_ces_of_equal_inputs_is_the_input(x: float, weights: tuple[float, ...], rho: float) -> None:
    assert float(rules.ces_output(np.full(4, x), weights, rho)) == pytest.approx(x, rel=1e-9)


@settings(max_examples=60)
@given(hnp.arrays(np.float64, 4, elements=st.floats(0.01, 10.0)), st.integers(0, 3), rho_st)
def test_ces_with_a_zero_input_is_about_zero(inputs: np.ndarray, zero: int, rho: float) -> None:
    inputs = inputs.copy()
    inputs[zero] = 0.0
    out = float(rules.ces_output(inputs, Parameters().resource_weights, rho))
    assert 0.0 <= out < 1e-6


@settings(max_examples=60)
@given(hnp.arrays(np.float64, (3, 4), elements=st.floats(1e-3, 10.0)), weights_st, rho_st)
def test_ces_lies_between_smallest_and_largest_input(
    inputs: np.ndarray, weights: tuple[float, ...], rho: float
) -> None:
    out = rules.ces_output(inputs, weights, rho)
    assert out.shape == (3,)
    assert (out >= inputs.min(axis=-1) * (1 - 1e-9)).all()
    assert (out <= inputs.max(axis=-1) * (1 + 1e-9)).all()


def test_ces_default_substitutes_in_part_a_missing_type_lowers_but_does_not_zero() -> None:
    """Known answer at the default rho = 0.25 (elasticity of substitution 1/(1 - rho) = 4/3)."""
    params = Parameters()
    weights = params.resource_weights
    full = float(rules.ces_output(np.ones(4), weights, params.ces_rho))
    no_people = float(rules.ces_output(np.array([1.0, 1.0, 0.0, 1.0]), weights, params.ces_rho))
    w = np.asarray(weights) / np.sum(weights)
    assert full == pytest.approx(1.0)
    assert no_people == pytest.approx((1.0 - w[2]) ** (1.0 / params.ces_rho))
    assert 0.0 < no_people < 0.25 * full, "money without people delivers little, but not nothing"


def test_programme_performance_known_answer_saturates_below_one() -> None:
    params = Parameters()
    pooled = np.array([[1.0, 1.0, 1.0, 1.0], [100.0, 100.0, 100.0, 100.0]])
    need = np.ones(2)
    out = rules.programme_performance(pooled, need, np.full(2, 0.8), np.ones(2, bool), params)
    g, h = params.saturation_exponent, params.half_saturation
    assert out[0] == pytest.approx(0.8 / (1 + h**g))
    assert out[0] < out[1] < 0.8, "performance saturates below coordination efficiency: no ceiling at 1"


def test_coordination_efficiency_known_answer() -> None:
    """Every member with capacity 0.5, understanding 0.5 on every tie, no university taking part."""
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    params = Parameters()
    live = ~s.mem_optional
    efficiency = rules.coordination_efficiency(s, params, np.full(s.n_actors, 0.5), np.full(s.n_ties, 0.5), live)
    f, u = params.efficiency_floor, params.understanding_floor
    expected = (f + (1 - f) * 0.5) * (u + (1 - u) * 0.5) * (1 - params.knowledge_bonus)
    np.testing.assert_allclose(efficiency, expected)
    # Understanding binds: none at all costs the share 1 - understanding_floor of the (u = 1) efficiency.
    none = rules.coordination_efficiency(s, params, np.full(s.n_actors, 0.5), np.zeros(s.n_ties), live)
    np.testing.assert_allclose(none / efficiency, u / (u + (1 - u) * 0.5))


@pytest.mark.parametrize("rho", [-0.02, -0.5, -1.0, -5.0])
def test_ces_with_a_zero_input_is_zero_even_near_cobb_douglas(rho: float) -> None:
    # Regression: inputs were floored at 1e-12, which gave visible output near rho = 0.
    out = rules.ces_output(np.array([[0.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]), (0.15, 0.35, 0.35, 0.15), rho)
    assert out[0] < 1e-6
    assert out[1] == pytest.approx(1.0)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_production_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    capacity = rules.actor_capacity(s, x.levels)
    assert capacity.shape == (s.n_actors,)
    assert_unit(capacity, "capacity")
    efficiency = rules.coordination_efficiency(s, x.params, capacity, x.understanding, x.member_live)
    assert efficiency.shape == (s.n_programmes,)
    assert_unit(efficiency, "efficiency")
    pooled = data.draw(hnp.arrays(np.float64, (s.n_programmes, 4), elements=st.floats(0.0, 20.0)))
    running = x.status == ACTIVE
    performance = rules.programme_performance(pooled, s.prog_need, efficiency, running, x.params)
    assert performance.shape == (s.n_programmes,)
    assert_unit(performance, "performance")
    assert (performance[~running] == 0.0).all()


# --- learning (process 6) --------------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_learning_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    m = s.n_members
    engaged = bool_array(data, (m,))
    observed = bool_array(data, (m,)) & engaged
    reciprocity = unit_array(data, (m,))
    floor = rules.trust_floor(rules.tie_closeness(s, x.levels), x.params)
    trust = rules.update_trust(s, x.levels, x.params, x.trust, reciprocity, observed, engaged, floor)
    assert trust.shape == x.trust.shape
    assert_unit(trust, "trust")
    # A tie whose target was not observed in a shared programme keeps its trust.
    seen = np.zeros(s.n_ties, dtype=bool)
    for k in range(len(s.pair_edge)):
        if engaged[s.pair_src_mem[k]] and observed[s.pair_dst_mem[k]]:
            seen[s.pair_edge[k]] = True
    np.testing.assert_array_equal(trust[~seen], x.trust[~seen])

    live_programme = (x.status == ACTIVE) | (x.status == DORMANT)
    benefit, involved = rules.realised_benefit(s, x.performance, x.member_live, live_programme)
    assert benefit.shape == involved.shape == (s.n_actors,)
    assert_unit(benefit, "benefit")
    assert not benefit[~involved].any()

    facilitated = rules.facilitation(s, x.levels, x.member_live, live_programme)
    assert facilitated.shape == (s.n_actors,)
    assert_unit(facilitated, "facilitation")
    lo = np.minimum(x.levels["leadership"], x.levels["mediation"])
    hi = np.maximum(x.levels["leadership"], x.levels["mediation"])
    assert (facilitated >= lo - 1e-12).all() and (facilitated <= hi + 1e-12).all()

    setpoint = x.levels["commitment"]
    commitment = rules.update_commitment(x.levels, x.params, x.commitment, benefit, involved, facilitated, setpoint)
    assert commitment.shape == x.commitment.shape
    assert_unit(commitment, "commitment")
    # More benefit never means less commitment.
    low = rules.update_commitment(
        x.levels, x.params, x.commitment, np.zeros_like(benefit), involved, facilitated, setpoint
    )
    high = rules.update_commitment(
        x.levels, x.params, x.commitment, np.ones_like(benefit), involved, facilitated, setpoint
    )
    assert (low <= commitment + 1e-12).all() and (commitment <= high + 1e-12).all()


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_trust_moves_toward_observed_reciprocity(data: st.DataObject) -> None:
    """With the default parameters (step below 1) trust moves toward its target, never past it.

    The target is ``floor + (1 - floor) * reciprocity``.
    """
    s = data.draw(structures)
    levels = data.draw(levels_st)
    m = s.n_members
    trust0 = unit_array(data, (s.n_ties,))
    r = data.draw(unit)
    engaged = np.ones(m, dtype=bool)
    floor = rules.trust_floor(rules.tie_closeness(s, levels), Parameters())
    new = rules.update_trust(s, levels, Parameters(), trust0, np.full(m, r), engaged, engaged, floor)
    target = floor + (1 - floor) * r
    lo, hi = np.minimum(trust0, target), np.maximum(trust0, target)
    assert (new >= lo - 1e-12).all() and (new <= hi + 1e-12).all()


# --- decay and renewal (process 7) -----------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_decay_ties(data: st.DataObject) -> None:
    x = draw_inputs(data)
    e = x.s.n_ties
    contact = bool_array(data, (e,))
    floor = rules.trust_floor(rules.tie_closeness(x.s, x.levels), x.params)
    assert_unit(floor, "floor")
    assert (floor <= x.params.floor_weight + 1e-12).all()
    trust, understanding = rules.decay_ties(x.trust, x.understanding, contact, floor, x.params)
    assert trust.shape == understanding.shape == (e,)
    assert_unit(trust, "trust")
    assert_unit(understanding, "understanding")
    # Contacted ties are unchanged.
    np.testing.assert_array_equal(trust[contact], x.trust[contact])
    np.testing.assert_array_equal(understanding[contact], x.understanding[contact])
    # Others move toward the floor, never past it, and never rise above where they were.
    old, new, f = x.trust[~contact], trust[~contact], floor[~contact]
    assert (new <= old).all()
    assert (np.abs(new - f) <= np.abs(old - f) + 1e-12).all()
    above = old > f
    assert (new[above] >= f[above] - 1e-12).all()
    np.testing.assert_array_equal(new[~above], old[~above])  # at or below the floor: unchanged
    assert (understanding[~contact] <= x.understanding[~contact]).all()


def test_decay_ties_known_answer() -> None:
    params = Parameters()
    trust, understanding = rules.decay_ties(
        np.array([0.9, 0.9, 0.1]), np.array([0.5, 0.5, 0.5]), np.array([True, False, False]), np.full(3, 0.4), params
    )
    assert trust[0] == 0.9 and understanding[0] == 0.5
    assert trust[1] == pytest.approx(0.9 - params.trust_decay * 0.5)
    assert trust[2] == 0.1
    assert understanding[1] == pytest.approx(0.5 * (1 - params.understanding_decay))


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_yearly_endowment(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    funded = bool_array(data, (s.n_actors,))
    budget = rules.yearly_endowment(s, x.levels, x.active, funded)
    assert budget.shape == (s.n_actors, 4)
    assert_nonneg(budget, "budget")
    assert not budget[~x.active].any()
    assert not budget[~funded, 0].any()
    assert (budget <= 12.0 + 1e-9).all()
    # Known answer for actors that are not the city's own agencies: 12 * endowment * level.
    level = np.array([x.levels[k] for k in rules.RESOURCE_FACTORS])
    other = x.active & ~s.is_local_public
    expected = 12.0 * s.endowment * level
    expected[:, 0] *= funded
    np.testing.assert_allclose(budget[other], expected[other])


# --- growth (process 8) ----------------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_growth_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    p = s.n_programmes
    streak0 = data.draw(hnp.arrays(np.intp, (p,), elements=st.integers(0, 40)))
    streak = rules.update_streaks(streak0, x.performance, x.status, x.params)
    assert streak.shape == (p,)
    assert ((streak == 0) | (streak == streak0 + 1)).all()
    assert not streak[x.status != ACTIVE].any()

    rng = FixedDraws(data.draw(unit), unit_array(data, (p,)))
    status, streak2, opened = rules.open_new_sector(x.status, streak, x.levels, x.params, rng)
    changed = status != x.status
    assert changed.sum() <= 1, "at most one programme opens per month"
    assert (x.status[changed] == PROPOSED).all() and (status[changed] == DORMANT).all()
    assert bool(opened) == bool(changed.any())
    if opened:
        assert (streak >= x.params.success_months).any()
        assert not streak2.any()
    else:
        np.testing.assert_array_equal(streak2, streak)

    reputation0 = data.draw(unit)
    reputation = rules.update_reputation(np.asarray(reputation0), x.performance, x.status, x.params)
    assert_unit(reputation, "reputation")

    prospective_rng = FixedDraws(unit_array(data, (s.n_actors,)))
    active, joined = rules.partners_join(x.active, s.prospective, reputation, x.params, prospective_rng)
    assert active.shape == joined.shape == x.active.shape
    assert not (joined & ~s.prospective).any(), "only prospective partners join"
    assert not (active & ~x.active & ~s.prospective).any()
    assert (active >= x.active).all(), "nobody leaves by this rule"
    np.testing.assert_array_equal(active, x.active | joined)


def test_partners_join_known_answers() -> None:
    params = Parameters()
    active = np.array([True, False, False, False])
    prospective = np.array([False, True, False, True])
    # Full reputation and draws of 0: every prospective absent partner joins, nobody else.
    new, joined = rules.partners_join(active, prospective, np.asarray(1.0), params, FixedDraws(np.zeros(4)))
    np.testing.assert_array_equal(joined, [False, True, False, True])
    np.testing.assert_array_equal(new, [True, True, False, True])
    # Reputation at the threshold: nobody joins.
    _, joined = rules.partners_join(
        active, prospective, np.asarray(params.reputation_threshold), params, FixedDraws(np.zeros(4))
    )
    assert not joined.any()


def test_open_new_sector_needs_sustained_success() -> None:
    params = Parameters()
    levels = {"shared_purpose": 1.0}
    status = np.array([ACTIVE, PROPOSED, PROPOSED])
    short = np.array([params.success_months - 1, 0, 0])
    new, streak, opened = rules.open_new_sector(status, short, levels, params, FixedDraws(0.0, np.array([0, 0.2, 0.9])))
    assert not opened
    np.testing.assert_array_equal(new, status)
    long = np.array([params.success_months, 0, 0])
    new, streak, opened = rules.open_new_sector(status, long, levels, params, FixedDraws(0.0, np.array([0, 0.2, 0.9])))
    assert opened
    np.testing.assert_array_equal(new, [ACTIVE, PROPOSED, DORMANT])  # the proposed one with the largest key
    assert not streak.any()


def test_update_reputation_known_answer() -> None:
    params = Parameters()
    status = np.array([ACTIVE, DORMANT, PROPOSED, OFF])
    performance = np.array([0.8, 0.4, 1.0, 1.0])  # only live programmes count: mean 0.6
    new = rules.update_reputation(np.asarray(0.2), performance, status, params)
    assert float(new) == pytest.approx(0.2 + params.reputation_rate * (0.6 - 0.2))


# --- shocks (process 1) ----------------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_turnover_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    turnover = rules.turnover_level(s.turnover_override, x.levels)
    assert turnover.shape == (s.n_actors,)
    assert_unit(turnover, "turnover")
    baseline = np.where(np.isnan(s.commitment_override), x.levels["commitment"], s.commitment_override)
    newcomer = rules.newcomer_commitment(baseline, x.levels)
    assert_unit(newcomer, "newcomer commitment")
    draws = unit_array(data, (s.n_actors,))
    commitment, understanding, changed = rules.leadership_turnover(
        x.commitment, x.understanding, x.active, newcomer, turnover, (s.tie_src, s.tie_dst), x.params, FixedDraws(draws)
    )
    assert commitment.shape == x.commitment.shape and understanding.shape == x.understanding.shape
    assert_unit(commitment, "commitment")
    assert_unit(understanding, "understanding")
    assert not (changed & ~x.active).any(), "absent actors do not change leader"
    np.testing.assert_array_equal(commitment[~changed], x.commitment[~changed])
    touched = changed[s.tie_src] | changed[s.tie_dst]
    np.testing.assert_array_equal(understanding[~touched], x.understanding[~touched])
    assert (understanding <= x.understanding).all()


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_turnover_with_low_draws_changes_every_active_actor(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    params = Parameters()
    turnover = np.full(s.n_actors, data.draw(st.floats(0.01, 1.0)))
    newcomer = unit_array(data, (s.n_actors,))
    draws = np.zeros(s.n_actors)  # every draw below turnover_rate * turnover > 0
    commitment, understanding, changed = rules.leadership_turnover(
        x.commitment, x.understanding, x.active, newcomer, turnover, (s.tie_src, s.tie_dst), params, FixedDraws(draws)
    )
    np.testing.assert_array_equal(changed, x.active)
    loss = params.turnover_loss
    expected = np.where(x.active, (1 - loss) * x.commitment + loss * newcomer, x.commitment)
    np.testing.assert_allclose(commitment, expected)
    touched = x.active[s.tie_src] | x.active[s.tie_dst]
    np.testing.assert_allclose(understanding, np.where(touched, x.understanding * (1 - loss), x.understanding))


def test_turnover_with_high_draws_changes_nobody() -> None:
    n, e = 3, 2
    commitment, understanding, changed = rules.leadership_turnover(
        np.full(n, 0.7), np.full(e, 0.6), np.ones(n, bool), np.zeros(n), np.ones(n),
        (np.array([0, 1]), np.array([1, 2])), Parameters(), FixedDraws(np.full(n, 0.999)),
    )  # fmt: skip
    assert not changed.any()
    np.testing.assert_array_equal(commitment, 0.7)
    np.testing.assert_array_equal(understanding, 0.6)


# --- a leading batch axis --------------------------------------------------------------------


def _batched_levels(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    return {name: np.array([[row[name]] for row in rows]) for name in FACTORS}


def _call_every_rule(
    s: Structure, lv: Any, params: Parameters, x: dict[str, np.ndarray], rng: Callable[[str], Any]
) -> dict[str, Any]:
    """Call every rule once on the state `x`; `rng(name)` gives each random rule its source."""
    out: dict[str, Any] = {}
    out["tie_closeness"] = rules.tie_closeness(s, lv)
    out["contact_probability"] = rules.contact_probability(
        s, lv, params, x["trust"], x["active"], rules.tie_closeness(s, lv)
    )
    out["draw_contacts"] = rules.draw_contacts(x["probability"], rng("draw_contacts"))
    out["apply_contacts"] = rules.apply_contacts(x["trust"], x["understanding"], x["contact"], params)
    out["programme_consensus"] = rules.programme_consensus(
        s, lv, params, x["commitment"], x["understanding"], x["member_live"]
    )
    out["legal_flow"] = rules.legal_flow(lv, params)
    out["update_programme_status"] = rules.update_programme_status(x["status"], x["consensus"], x["viable"], lv, params)
    out["contributions"] = rules.contributions(
        s,
        lv,
        params,
        (x["commitment"], x["trust"], x["stock"], x["budget"]),
        x["consensus"],
        x["engaged"],
        7,
        rng("contributions"),
    )
    out["spend"] = rules.spend(x["stock"], x["amount"], s)
    out["pool_by"] = rules.pool_by(x["amount"], s.mem_prog, s.n_programmes)
    out["actor_capacity"] = rules.actor_capacity(s, lv)
    out["coordination_efficiency"] = rules.coordination_efficiency(
        s, params, x["capacity"], x["understanding"], x["member_live"]
    )
    out["ces_output"] = rules.ces_output(x["pooled"], params.resource_weights, params.ces_rho)
    out["programme_performance"] = rules.programme_performance(
        x["pooled"], s.prog_need, x["efficiency"], x["running"], params
    )
    out["update_trust"] = rules.update_trust(
        s, lv, params, x["trust"], x["reciprocity"], x["observed"], x["engaged"], x["floor"]
    )
    out["realised_benefit"] = rules.realised_benefit(s, x["performance"], x["member_live"], x["live_programme"])
    out["facilitation"] = rules.facilitation(s, lv, x["member_live"], x["live_programme"])
    out["update_commitment"] = rules.update_commitment(
        lv, params, x["commitment"], x["benefit"], x["involved"], x["facilitated"], x["baseline"]
    )
    out["trust_floor"] = rules.trust_floor(x["closeness"], params)
    out["decay_ties"] = rules.decay_ties(x["trust"], x["understanding"], x["contact"], x["floor"], params)
    out["yearly_endowment"] = rules.yearly_endowment(s, lv, x["active"], x["funded"])
    out["update_streaks"] = rules.update_streaks(x["streak"], x["performance"], x["status"], params)
    out["open_new_sector"] = rules.open_new_sector(x["status"], x["long_streak"], lv, params, rng("open_new_sector"))
    out["update_reputation"] = rules.update_reputation(x["reputation"], x["performance"], x["status"], params)
    out["partners_join"] = rules.partners_join(
        x["active"], s.prospective, x["reputation"], params, rng("partners_join")
    )
    out["turnover_level"] = rules.turnover_level(s.turnover_override, lv)
    out["newcomer_commitment"] = rules.newcomer_commitment(x["baseline"], lv)
    out["leadership_turnover"] = rules.leadership_turnover(
        x["commitment"], x["understanding"], x["active"], x["newcomer"], x["turnover"],
        (s.tie_src, s.tie_dst), params, rng("leadership_turnover"),
    )  # fmt: skip
    return out


def _random_batch_state(s: Structure, b: int, gen: np.random.Generator) -> dict[str, np.ndarray]:
    n, e, p, m = s.n_actors, s.n_ties, s.n_programmes, s.n_members
    stock = gen.uniform(0, 5, (b, n, 4))
    status = gen.choice([PROPOSED, DORMANT, ACTIVE, OFF], size=(b, p))
    member_live = gen.random((b, m)) < 0.8
    return {
        "trust": gen.random((b, e)),
        "understanding": gen.random((b, e)),
        "active": gen.random((b, n)) < 0.8,
        "funded": gen.random((b, n)) < 0.8,
        "probability": gen.random((b, e)),
        "contact": gen.random((b, e)) < 0.5,
        "commitment": gen.random((b, n)),
        "member_live": member_live,
        "status": status,
        "consensus": gen.random((b, p)),
        "viable": gen.random((b, p)) < 0.7,
        "stock": stock,
        "budget": stock + gen.uniform(0, 5, (b, n, 4)),
        "engaged": member_live & (status == ACTIVE)[:, s.mem_prog],
        "amount": gen.uniform(0, 1, (b, m, 4)),
        "capacity": gen.random((b, n)),
        "pooled": gen.uniform(0, 2, (b, p, 4)),
        "efficiency": gen.random((b, p)),
        "running": status == ACTIVE,
        "reciprocity": gen.random((b, m)),
        "observed": gen.random((b, m)) < 0.7,
        "performance": gen.random((b, p)),
        "live_programme": (status == ACTIVE) | (status == DORMANT),
        "benefit": gen.random((b, n)),
        "involved": gen.random((b, n)) < 0.7,
        "facilitated": gen.random((b, n)),
        "closeness": gen.random((b, e)),
        "floor": gen.random((b, e)) * 0.6,
        "streak": gen.integers(0, 40, (b, p)),
        "long_streak": gen.integers(20, 40, (b, p)),
        "reputation": gen.random(b),
        "baseline": gen.random((b, n)),
        "newcomer": gen.random((b, n)),
        "turnover": gen.random((b, n)),
    }


def _flatten(value: Any) -> Iterator[np.ndarray]:
    if isinstance(value, tuple):
        for item in value:
            yield from _flatten(item)
    else:
        yield np.asarray(value)


@settings(max_examples=25)
@given(structures, st.integers(1, 4), st.lists(levels_st, min_size=4, max_size=4), st.integers(0, 2**32 - 1), params_st)
def test_every_rule_accepts_a_leading_batch_axis(
    s: Structure, b: int, level_rows: list[dict[str, float]], seed: int, params: Parameters
) -> None:
    level_rows = level_rows[:b]
    gen = np.random.default_rng(seed)
    batch = _random_batch_state(s, b, gen)
    recorders: dict[str, Recorder] = {}

    def batch_rng(name: str) -> Recorder:
        recorders[name] = Recorder(seed)
        return recorders[name]

    batched = _call_every_rule(s, _batched_levels(level_rows), params, batch, batch_rng)
    for row in range(b):
        single = {key: value[row] for key, value in batch.items()}
        alone = _call_every_rule(s, level_rows[row], params, single, lambda name, r=row: recorders[name].row(r))
        for name, expected in alone.items():
            got = list(_flatten(batched[name]))
            want = list(_flatten(expected))
            assert len(got) == len(want), name
            for g, w in zip(got, want, strict=True):
                g_row = g[row] if g.ndim > 0 and g.shape[0] == b and g.ndim > w.ndim else g
                if g_row.shape != w.shape:  # e.g. legal_flow: (B, 1) batched, () alone
                    g_row = np.reshape(g_row, w.shape)
                assert g_row.shape == w.shape, name
                np.testing.assert_allclose(g_row, w, rtol=1e-12, atol=1e-12, err_msg=name)
                if not np.issubdtype(w.dtype, np.floating):
                    assert g_row.dtype.kind == w.dtype.kind, name


def _one_stream(source: Any) -> Streams:
    return Streams(**dict.fromkeys(NOISE_SOURCES, source))


def _stack_states(states: list[State]) -> State:
    return State(**{f.name: np.stack([getattr(st_, f.name) for st_ in states]) for f in dataclasses.fields(State)})


@settings(max_examples=20)
@given(structures, st.integers(2, 3), st.lists(levels_st, min_size=3, max_size=3), st.integers(0, 2**32 - 1))
def test_engine_advance_accepts_a_leading_batch_axis(
    s: Structure, b: int, level_rows: list[dict[str, float]], seed: int
) -> None:
    """`advance` on a batch of B runs equals advancing each run alone with the same draws."""
    level_rows = level_rows[:b]
    params = Parameters()
    gen = np.random.default_rng(seed)
    rows = []
    for row in range(b):
        state = initial_state(s, level_rows[row], Calendar.of(1), np.random.default_rng(seed + row))
        # Put growth within reach so that sectors can open and partners join.
        state = dataclasses.replace(
            state,
            reputation=np.asarray(gen.random()),
            streak=gen.integers(0, 2 * params.success_months, s.n_programmes),
        )
        rows.append(state)
    batch = _stack_states(rows)
    levels = _batched_levels(level_rows)
    for month in (11, 12, 1):  # crosses a budget renewal
        calendar = Calendar.of(month)
        recorder = Recorder(seed + month)
        # Every noise source drawn from the one recorder, in call order, so each row can be replayed.
        batch = advance(s, batch, levels, params, calendar, _one_stream(recorder))
        rows = [advance(s, rows[r], level_rows[r], params, calendar, _one_stream(recorder.row(r))) for r in range(b)]
        for field in dataclasses.fields(State):
            for r in range(b):
                np.testing.assert_allclose(
                    getattr(batch, field.name)[r], getattr(rows[r], field.name), rtol=1e-12, atol=1e-12,
                    err_msg=f"{field.name}, month {month}, row {r}",
                )  # fmt: skip


# --- end to end: the whole model keeps its invariants ----------------------------------------


def check_state(model: colabsim.CollaborationModel, shapes: dict[str, tuple[int, ...]]) -> None:
    state = model.state
    for field in dataclasses.fields(State):
        value = np.asarray(getattr(state, field.name))
        assert value.shape == shapes[field.name], field.name
        if np.issubdtype(value.dtype, np.floating):
            assert np.isfinite(value).all(), f"{field.name}: NaN or infinite at month {model.month}"
    for name in ("trust", "understanding", "commitment", "consensus", "performance", "reputation"):
        assert_unit(getattr(state, name), f"{name} at month {model.month}")
    for name in ("stock", "budget", "pooled"):
        if hasattr(state, name):
            assert_nonneg(getattr(state, name), f"{name} at month {model.month}")
    assert set(np.unique(state.status)) <= {PROPOSED, DORMANT, ACTIVE, OFF}
    assert (state.streak >= 0).all()
    assert (state.since_contact >= 0).all()
    # Absent actors hold nothing (they cannot contribute), and inactive programmes produce nothing.
    assert not state.stock[~state.active].any()
    assert not state.performance[state.status != ACTIVE].any()


def run_checked(scenario: colabsim.Scenario, seed: int, months: int | None = None) -> colabsim.CollaborationModel:
    model = colabsim.CollaborationModel(scenario, rng=seed)
    shapes = {f.name: np.shape(getattr(model.state, f.name)) for f in dataclasses.fields(State)}
    check_state(model, shapes)
    steps = model.horizon if months is None else min(months, model.horizon)
    for _ in range(steps):
        model.step()
        check_state(model, shapes)
    return model


@pytest.mark.parametrize("name", sorted(SHIPPED_SCENARIOS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shipped_scenarios_keep_invariants(name: str, seed: int) -> None:
    model = run_checked(SHIPPED_SCENARIOS[name], seed)
    frame = model.timeseries()
    assert len(frame) == model.horizon
    core = [c for c in frame.columns if not c.startswith("performance_") and c != "date"]
    assert not frame[core].isna().any().any()


@pytest.mark.parametrize("name", sorted(SHIPPED_SCENARIOS))
@pytest.mark.parametrize("level", [0.0, 1.0])
def test_shipped_scenarios_keep_invariants_at_extreme_factors(name: str, level: float) -> None:
    scenario = SHIPPED_SCENARIOS[name].with_factors(**{f: level for f in FACTORS})
    run_checked(scenario, seed=3, months=60)


@settings(max_examples=15)
@given(st.sampled_from(sorted(SHIPPED_SCENARIOS)), model_levels_st, st.integers(0, 2**32 - 1))
def test_shipped_scenarios_keep_invariants_for_random_factors(name: str, levels: dict, seed: int) -> None:
    run_checked(SHIPPED_SCENARIOS[name].with_factors(**levels), seed=seed, months=48)


@settings(max_examples=25)
@given(
    scenario_dicts(events=True, values=model_unit),
    st.integers(0, 2**32 - 1),
    model_levels_st,
    st.sets(st.sampled_from(list(FACTORS))),
)
def test_generated_scenarios_keep_invariants(raw: dict, seed: int, levels: dict, overridden: set[str]) -> None:
    overrides = {name: levels[name] for name in overridden}
    scenario = scenario_from_dict(raw).with_factors(**overrides)
    model = run_checked(scenario, seed=seed)
    assert model.month == scenario.horizon_months == 24
    # The factor levels in force at the end: the last set_factors event, except where overridden.
    expected = dict(scenario.factors)
    for event in sorted(scenario.spec.events, key=lambda ev: scenario.month_index(ev.at)):  # stable: file order
        expected.update({k: v for k, v in event.factors.items() if k not in overrides})
    assert {k: float(v) for k, v in model.levels.items()} == expected


def test_resource_event_after_tiny_budget_keeps_stock_finite() -> None:
    # Regression: the stock was rescaled by new_budget / old_budget, which overflowed to inf when
    # the old budget was subnormal (a valid but tiny resource level).
    raw = {
        "scenario": {"name": "tiny funds", "start": "2020-01", "horizon_years": 1},
        "factors": {"funds": 1e-310},
        "actors": [
            {"id": "city", "name": "City", "kind": "agency"},
            {"id": "partner", "name": "Partner", "kind": "municipality"},
        ],
        "programmes": [{"id": "p", "name": "P", "sector": "health", "participants": ["city", "partner"]}],
        "events": [{"at": 1, "action": "set_factors", "factors": {"funds": 1.0}}],
    }
    with np.errstate(over="raise"):
        model = run_checked(scenario_from_dict(raw), seed=0, months=3)
    assert model.state.budget[:, 0].max() > 1.0  # the event raised the budget to the full level
