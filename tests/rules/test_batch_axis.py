"""Every rule, and the engine's `advance`, accept a leading batch axis: row b equals the call on row b."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from colabsim.model import rules
from colabsim.model.engine import Calendar, State, advance, initial_state
from colabsim.model.streams import NOISE_SOURCES, Streams
from colabsim.model.structure import ACTIVE, DORMANT, OFF, PROPOSED, Structure
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.parameters import Parameters

from .support import (
    Recorder,
    levels_st,
    params_st,
    structures,
)


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
    out["understanding_reach"] = rules.understanding_reach(s, params, x["closeness"])
    reach = rules.understanding_reach(s, params, x["closeness"])
    out["apply_contacts"] = rules.apply_contacts(x["trust"], x["understanding"], x["contact"], params, 0.5, 1.5, reach)
    out["programme_consensus"] = rules.programme_consensus(
        s, lv, params, x["commitment"], x["understanding"], x["participation"]
    )
    out["legal_flow"] = rules.legal_flow(lv, params)
    out["update_programme_status"] = rules.update_programme_status(x["status"], x["viable"])
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
    out["joint_capacity"] = rules.joint_capacity(s, lv, params, x["capacity"], x["participation"])
    out["coordination_efficiency"] = rules.coordination_efficiency(
        s, params, x["capacity"], x["understanding"], x["participation"]
    )
    out["ces_output"] = rules.ces_output(x["pooled"], params.resource_weights, params.ces_rho, params.ces_shift)
    out["programme_performance"] = rules.programme_performance(
        x["pooled"], s.prog_need, x["efficiency"], x["running"], params
    )
    out["update_trust"] = rules.update_trust(
        s, lv, params, x["trust"], x["reciprocity"], x["observed"], x["engaged"], x["floor"]
    )
    out["realised_benefit"] = rules.realised_benefit(s, x["performance"], x["member_live"], x["live_programme"])
    out["facilitation"] = rules.facilitation(s, lv, params, x["member_live"], x["live_programme"])
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
    # Participation: 0 (absent), a partial intensity (an optional member) or 1.
    participation = np.where(gen.random((b, m)) < 0.8, np.where(gen.random((b, m)) < 0.5, gen.random((b, m)), 1.0), 0.0)
    member_live = participation > 0
    return {
        "trust": gen.random((b, e)),
        "understanding": gen.random((b, e)),
        "active": gen.random((b, n)) < 0.8,
        "funded": gen.random((b, n)) < 0.8,
        "probability": gen.random((b, e)),
        "contact": gen.random((b, e)) < 0.5,
        "commitment": gen.random((b, n)),
        "member_live": member_live,
        "participation": participation,
        "status": status,
        "consensus": gen.random((b, p)),
        "viable": gen.random((b, p)) < 0.7,
        "stock": stock,
        "budget": stock + gen.uniform(0, 5, (b, n, 4)),
        "engaged": participation * (status == ACTIVE)[:, s.mem_prog],
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
        state = initial_state(s, level_rows[row], Calendar.of(1))
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
