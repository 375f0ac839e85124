"""Kernel counterparts of `colabsim.model.rules.contribution` (process 4).

Same names and arguments as the numpy rules, for one run (see `colabsim.model.kernel.shocks`);
`work` holds intermediate values (`colabsim.model.kernel.layout.Work`).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.kernel._jit import njit
from colabsim.model.kernel.communication import legal_flow
from colabsim.model.kernel.layout import (
    FAIR_SHARE,
    FREE_RIDE_RATE,
    JOINT_ACTION_WEIGHT,
    MEDIATION,
    MEDIATOR_BUFFER,
    MUTUALITY,
    RECIPROCITY_NORMS,
    TRUST_WEIGHT,
    KernelStructure,
    Work,
)
from colabsim.model.kernel.pcg64 import next_double
from colabsim.model.kernel.segments import maximum, minimum

__all__ = ["contributions", "pool_by", "spend"]


@njit
def pool_by(amounts: np.ndarray, ids: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Sum per-membership amounts ``(M, 4)`` into ``(n, 4)`` groups; writes and returns `out`."""
    for g in range(n):
        for k in range(4):
            out[g, k] = 0.0
    # Sums of a run of equal ids stay in registers (memberships come grouped by programme): the
    # same additions in the same order, without a store and a reload between two of them.
    current = -1
    s0 = s1 = s2 = s3 = 0.0
    for m in range(ids.shape[0]):
        g = ids[m]
        if g != current:
            if current >= 0:
                out[current, 0], out[current, 1], out[current, 2], out[current, 3] = s0, s1, s2, s3
            current = g
            s0, s1, s2, s3 = out[g, 0], out[g, 1], out[g, 2], out[g, 3]
        s0 += amounts[m, 0]
        s1 += amounts[m, 1]
        s2 += amounts[m, 2]
        s3 += amounts[m, 3]
    if current >= 0:
        out[current, 0], out[current, 1], out[current, 2], out[current, 3] = s0, s1, s2, s3
    return out


@njit
def contributions(
    structure: KernelStructure,
    levels: np.ndarray,
    params: np.ndarray,
    state: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    consensus: np.ndarray,
    engaged: np.ndarray,
    months_left: int,
    rng: np.ndarray,
    out_amount: np.ndarray,
    out_reciprocity: np.ndarray,
    out_observed: np.ndarray,
    work: Work,
) -> None:
    """What each membership gives this month (one defection draw per membership, taking part or not).

    `engaged` is each membership's intensity of participation this month (0 when it does not
    take part).
    """
    commitment, trust, stock, budget = state
    s = structure
    n_active = work.actors[0]
    for i in range(s.n_actors):
        n_active[i] = 0.0
    for m in range(s.n_members):
        n_active[s.mem_actor[m]] += 1.0 if engaged[m] > 0 else 0.0
    # Monthly means by actor and type: a twelfth of the budget at most, shared by its active programmes.
    # Only an actor with an engaged membership gives (the others' amounts are zero whatever their
    # means), so only its means are computed: three divisions per resource type are most of the cost.
    means = work.actor_types[2]
    for i in range(s.n_actors):
        if n_active[i] == 0.0:
            continue
        share = maximum(n_active[i], 1.0)
        for k in range(4):
            mean = minimum(stock[i, k] / float(months_left), budget[i, k] / 12.0)
            means[i, k] = mean if share == 1.0 else mean / share  # x / 1.0 is x
    # i's mean trust in its co-participants, each counted as far as it takes part.
    trust_sum, trust_n = work.members[0], work.members[1]
    for m in range(s.n_members):
        trust_sum[m] = 0.0
        trust_n[m] = 0.0
    # Pairs come grouped by their first member: its sums stay in registers while the group lasts
    # (the same additions in the same order; see `colabsim.model.kernel.deliberation.shared_understanding`).
    current, total, weights = -1, 0.0, 0.0
    for k in range(s.n_pairs):
        src = s.pair_src_mem[k]
        if src != current:
            if current >= 0:
                trust_sum[current], trust_n[current] = total, weights
            current, total, weights = src, trust_sum[src], trust_n[src]
        weight = (1.0 if engaged[src] > 0 else 0.0) * engaged[s.pair_dst_mem[k]]
        total += trust[s.pair_edge[k]] * weight if weight > 0 else 0.0
        weights += weight
    if current >= 0:
        trust_sum[current], trust_n[current] = total, weights
    mediated = work.programmes[0]
    for p in range(s.n_programmes):
        mediated[p] = 0.0
    for m in range(s.n_members):
        if engaged[m] > 0 and s.is_mediator[s.mem_actor[m]]:
            mediated[s.mem_prog[m]] = 1.0
    flow = legal_flow(levels, params)
    buffer_scale = params[MEDIATOR_BUFFER] * levels[MEDIATION]
    w_j = params[JOINT_ACTION_WEIGHT]
    w_t = params[TRUST_WEIGHT]
    mutual = 0.5 + 0.5 * levels[MUTUALITY]
    defect_scale = params[FREE_RIDE_RATE] * (1.0 - levels[RECIPROCITY_NORMS])
    fair = params[FAIR_SHARE]
    # consensus ** w_j once per programme rather than per membership (the same pow of the same value).
    agreed = work.programmes[1]
    for p in range(s.n_programmes):
        agreed[p] = consensus[p] ** w_j
    for m in range(s.n_members):
        i = s.mem_actor[m]
        p = s.mem_prog[m]
        intensity = engaged[m]
        taking_part = intensity > 0
        c_m = commitment[i]
        keeps_faith = not (next_double(rng) < defect_scale * (1.0 - c_m))  # a draw per membership
        give = 0.0
        if taking_part & keeps_faith:
            # Willingness only matters for what is given: the powers are skipped for the others.
            trust_m = trust_sum[m] / trust_n[m] if trust_n[m] > 0 else 0.0
            trust_m = trust_m + buffer_scale * mediated[p] * (1.0 - trust_m)
            relational = trust_m**w_t * agreed[p]
            willingness = c_m * relational * mutual
            give = willingness * intensity
        if not taking_part:
            # Gives nothing and expects nothing: its means (finite, not negative) times zero.
            for k in range(4):
                out_amount[m, k] = 0.0
            out_reciprocity[m] = 0.0
            out_observed[m] = False
            continue
        gated = s.is_public[i] and s.prog_gated[p]
        expected_means = 0.0
        given = 0.0
        for k in range(4):
            amount = means[i, k] * give
            if gated and (k == 0 or k == 2):
                amount *= flow
            out_amount[m, k] = amount
            expected_means += means[i, k]
            given += amount
        expected = fair * intensity * expected_means
        out_reciprocity[m] = minimum(1.0, given / maximum(expected, 1e-12)) if expected > 0 else 0.0
        out_observed[m] = expected > 0


@njit
def spend(stock: np.ndarray, amount: np.ndarray, structure: KernelStructure, out: np.ndarray, work: Work) -> np.ndarray:
    """Take this month's contributions out of each actor's stock; stocks never go negative."""
    spent = pool_by(amount, structure.mem_actor, structure.n_actors, work.actor_types[0])
    for i in range(structure.n_actors):
        for k in range(4):
            out[i, k] = maximum(stock[i, k] - spent[i, k], 0.0)
    return out
