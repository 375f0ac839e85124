"""A reference implementation of colabsim's rules, written the idiomatic Mesa way.

* **A measuring stick for speed.** This is how the model would be written without arrays: Mesa
  agents with per-agent methods that loop over their ties, trust and understanding stored as
  networkx edge attributes, programmes as plain Python objects, and a `mesa.DataCollector`.
  ``python benchmarks/reference_model.py`` times it against `colabsim.simulate`.
* **A statistical oracle for correctness.** It implements the same model as docs/ODD.md (the same
  equations, `colabsim.scenario.parameters.Parameters`, factor levels, step order, initialisation and event
  semantics, held overrides included) but independently of `colabsim.model.rules`, `colabsim.model.engine` and
  `colabsim.model.metrics`. It draws its random numbers in a different order (per agent and per tie, from
  Mesa's ``Model.random``), so it agrees with colabsim in distribution, not bit for bit;
  tests/test_reference.py checks that with two-sample KS tests.

From colabsim it reuses only the scenario loader, the static topology of
`colabsim.model.structure.build_structure` (actor ids, kinds, sides, the tie list) and the event index
`colabsim.model.timeline.Timeline`. The constants below are restated from docs/ODD.md.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import pandas as pd

import colabsim
from colabsim.model.structure import build_structure
from colabsim.model.timeline import Timeline
from colabsim.scenario.loader import Scenario

__all__ = ["ReferenceModel", "run_reference", "summary"]

KINSHIP_WEIGHT = {"formal": 0.5, "informal": 0.75, "kinship": 1.0, "latent": 0.5}  # ODD 7.3
HISTORY_WEIGHT = {"formal": 0.5, "informal": 0.75, "kinship": 1.0, "latent": 0.5}
SAME_SIDE_CLOSENESS = 0.5
KIND_ENDOWMENT = {  # ODD 2.1: funds, materials, people, time
    "agency": (0.4, 0.4, 0.6, 0.6),
    "municipality": (0.8, 0.7, 0.6, 0.5),
    "foundation": (0.4, 0.5, 0.6, 0.8),
    "university": (0.2, 0.3, 0.8, 0.6),
    "donor": (1.0, 0.6, 0.5, 0.4),
}
KIND_CAPACITY = {"agency": None, "municipality": 0.8, "foundation": 0.7, "university": 0.75, "donor": 0.9}
RESOURCE_FACTORS = ("funds", "materials", "staff", "time_horizon")
BUDGET_FACTORS = {*RESOURCE_FACTORS, "central_support"}
NO_RECENT_CONTACT = 12
PROPOSED, DORMANT, ACTIVE, OFF = "proposed", "dormant", "active", "off"
LIVE = (ACTIVE, DORMANT)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _clip(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def _legal_flow(lv: dict[str, float], pm: Any) -> float:
    """ODD 7.3: the smooth gate of formal cross-border activity and public budgets."""
    return pm.legal_floor + (1 - pm.legal_floor) * lv["legal_frame"] * (0.5 + 0.5 * lv["central_support"])


def _facilitation(lv: dict[str, float], pm: Any, mediated: bool) -> float:
    """ODD 7.4: leadership, and a mediator where one takes part: either can facilitate."""
    mediator = pm.mediator_facilitation * lv["mediation"] if mediated else 0.0
    return 1 - (1 - lv["leadership"]) * (1 - mediator)


def _weighted_mean(pairs: list[tuple[float, float]]) -> float:
    """Mean of values weighted by participation, from (value, weight) pairs; 0 when no weight."""
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total > 0 else 0.0


class Membership:
    """One actor in one programme, with what it gave this month."""

    def __init__(self, actor: Actor, programme: Programme, optional: bool) -> None:
        self.actor, self.programme, self.optional = actor, programme, optional
        self.weight, self.amount, self.reciprocity, self.observed = 0.0, [0.0] * 4, 0.0, False

    @property
    def live(self) -> bool:
        """Whether the member takes part at all this month."""
        return self.weight > 0


class Programme:
    """A joint programme: status, consensus, pooled resources and performance."""

    def __init__(self, spec: Any) -> None:
        self.id, self.sector, self.need = spec.id, spec.sector, spec.need
        self.status = spec.status if spec.status in (PROPOSED, DORMANT, ACTIVE) else OFF
        self.members: list[Membership] = []
        self.gated, self.consensus, self.performance, self.streak, self.pooled = False, 0.0, 0.0, 0, [0.0] * 4

    def deliberate(self, model: ReferenceModel) -> None:
        """Process 3 (ODD 7.4): live members, consensus, viability, status."""
        lv, pm = model.levels, model.p
        for m in self.members:  # an optional member takes part at the intensity `inclusion`
            m.weight = (lv["inclusion"] if m.optional else 1.0) if m.actor.active and m.actor.funded else 0.0
        live = [m for m in self.members if m.live]
        support = _weighted_mean([(m.actor.commitment, m.weight) for m in live])
        shared = self.shared_understanding(model)
        mediated = any(m.actor.mediator for m in live)
        facilitated = 1 - pm.facilitation_weight + pm.facilitation_weight * _facilitation(lv, pm, mediated)
        purpose = 1 - pm.purpose_weight + pm.purpose_weight * lv["shared_purpose"]
        self.consensus = _clip(math.sqrt(support * shared) * facilitated * purpose)
        viable = len({m.actor.side for m in live}) >= 2
        if self.status == DORMANT and viable:
            self.status = ACTIVE
        elif self.status == ACTIVE and not viable:
            self.status = DORMANT

    def shared_understanding(self, model: ReferenceModel) -> float:
        """Mean understanding over ties between live members, each weighted by both ends' participation."""
        live, g = [m for m in self.members if m.live], model.graph
        pairs = [(a, b) for a in live for b in live if g.has_edge(a.actor, b.actor)]
        return _weighted_mean([(g[a.actor][b.actor]["understanding"], a.weight * b.weight) for a, b in pairs])

    def produce(self, model: ReferenceModel) -> None:
        """Process 5 (ODD 7.6): pooling, coordination efficiency, CES output, performance."""
        lv, pm = model.levels, model.p
        self.pooled = [sum(m.amount[k] for m in self.members) for k in range(4)]
        if self.status != ACTIVE:
            self.performance = 0.0
            return
        live = [m for m in self.members if m.live]
        own = [lv["admin_capacity"] if m.actor.own_capacity is None else m.actor.own_capacity for m in live]
        cap = _weighted_mean([(c, m.weight) for c, m in zip(own, live, strict=True)])
        knows = min(1.0, sum(m.weight for m in live if m.actor.kind == "university"))
        shared = self.shared_understanding(model)
        standing = _legal_flow(lv, pm) if self.gated else 1.0
        w_l, w_a = pm.leadership_weight, pm.arrangement_weight
        joint = (1 - w_l - w_a) * cap + w_l * lv["leadership"] + w_a * standing
        eff = pm.efficiency_floor + (1 - pm.efficiency_floor) * joint
        eff *= pm.understanding_floor + (1 - pm.understanding_floor) * shared
        eff *= 1 - pm.knowledge_bonus + pm.knowledge_bonus * knows
        inputs = [x / self.need for x in self.pooled]
        weights = [w / sum(pm.resource_weights) for w in pm.resource_weights]
        rho, shift = pm.ces_rho, pm.ces_shift
        if rho < 0 and shift <= 0 and min(inputs) <= 0:
            output = 0.0  # unshifted complements: a missing input means no output
        else:
            floor = 1e-12 if rho < 0 and shift <= 0 else 0.0
            total = sum(w * max(max(x, 0.0) + shift, floor) ** rho for w, x in zip(weights, inputs, strict=True))
            output = max(total ** (1 / rho) - shift, 0.0)
        shaped = output**pm.saturation_exponent
        self.performance = _clip(eff * shaped / (shaped + pm.half_saturation**pm.saturation_exponent))


class Actor(mesa.Agent):
    """An organisation: presence, funding, commitment, budget and stock by resource type."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, spec: Any, kind: str, side: str) -> None:
        super().__init__(model)
        self.actor_id, self.kind, self.side = spec.id, kind, side
        own = spec.endowment
        self.endowment = [
            d if v is None else v
            for v, d in zip((own.funds, own.materials, own.people, own.time), KIND_ENDOWMENT[kind], strict=True)
        ]
        self.own_capacity = spec.capacity if spec.capacity is not None else KIND_CAPACITY[kind]
        self.own_commitment, self.own_turnover = spec.commitment, spec.turnover
        self.mediator = kind == "foundation" and side == "bridging"
        self.local_public = kind == "agency" and side == "local"
        self.public = kind in ("agency", "municipality")
        self.prospective = spec.status == "prospective"
        self.active, self.funded = spec.status == "active", spec.funded
        self.commitment = self.initial_commitment(model.levels)
        self.memberships: list[Membership] = []
        self.changed = False
        self.budget = self.yearly_endowment(model.levels, self.active)
        self.stock = [b * model.calendar(0)[0] / 12 for b in self.budget]

    def initial_commitment(self, levels: dict[str, float]) -> float:
        """The actor's own commitment if the scenario gives one, else the factor."""
        return levels["commitment"] if self.own_commitment is None else self.own_commitment

    def yearly_endowment(self, levels: dict[str, float], present: bool) -> list[float]:
        """ODD 7.8: ``B_ik = 12 * e_ik * level_k * L_ik * [present]``, funds co-funded and switched.

        ``L_ik``: one funds and one materials line per live programme the actor is a member of (at
        least one); people and time are shared across its programmes.
        """
        if not present:
            return [0.0] * 4
        lines = max(1, sum(m.programme.status in LIVE for m in self.memberships))
        scale = (lines, lines, 1, 1)
        budget = [12 * e * levels[f] * k for e, f, k in zip(self.endowment, RESOURCE_FACTORS, scale, strict=True)]
        if self.local_public:
            budget[0] *= 0.5 + 0.5 * levels["central_support"]
        return budget if self.funded else [0.0] * 4

    def turnover(self) -> None:
        """Process 1 (ODD 7.2): a present actor may change leader; commitment moves to a newcomer's."""
        lv, pm = self.model.levels, self.model.p
        rate = pm.turnover_rate * (lv["turnover"] if self.own_turnover is None else self.own_turnover)
        self.changed = self.active and self.random.random() < rate
        if self.changed:
            newcomer = self.initial_commitment(lv) * (0.5 + 0.5 * lv["leadership"])
            self.commitment = (1 - pm.turnover_loss) * self.commitment + pm.turnover_loss * newcomer

    def communicate(self) -> None:
        """Process 2 (ODD 7.3): draw contact on each outgoing tie from trust at the start."""
        lv, pm, g = self.model.levels, self.model.p, self.model.graph
        for other, tie in g.succ[self].items():
            tie["contact"] = False
            if not (self.active and other.active):
                continue
            direct = tie["kind"] != "latent"
            legal = _legal_flow(lv, pm) if tie["border"] else 1.0
            p_formal = pm.formal_rate * lv["formal_communication"] * lv["admin_capacity"] * legal * direct
            p_informal = pm.informal_rate * lv["informal_communication"] * self.model.closeness(tie) * direct
            m, p_brokered = tie["broker"], 0.0
            if m is not None and m.active:
                known = min(g[self][m]["trust"], g[other][m]["trust"])
                p_brokered = pm.brokered_rate * lv["mediation"] * (0.5 + 0.5 * known)
            p = _clip(1 - (1 - p_formal) * (1 - p_informal) * (1 - p_brokered))
            tie["depth"] = (p_formal + p_informal + p_brokered) / p if p > 0 else 1.0
            tie["contact"] = self.random.random() < p

    def contribute(self, months_left: int) -> None:
        """Process 4 (ODD 7.5): give to each active programme; free-ride; record reciprocity."""
        lv, pm, g = self.model.levels, self.model.p, self.model.graph
        for m in self.memberships:
            m.amount, m.reciprocity, m.observed = [0.0] * 4, 0.0, False
        engaged = [m for m in self.memberships if m.live and m.programme.status == ACTIVE]
        if not engaged:
            return
        means = [min(s / months_left, b / 12) / len(engaged) for s, b in zip(self.stock, self.budget, strict=True)]
        c = self.commitment
        spent = [0.0] * 4
        for m in engaged:
            others = [o for o in m.programme.members if o.live and o is not m]
            trust = _weighted_mean([(g[self][o.actor]["trust"], o.weight) for o in others if g.has_edge(self, o.actor)])
            if any(o.live and o.actor.mediator for o in m.programme.members):
                trust += pm.mediator_buffer * lv["mediation"] * (1 - trust)
            relational = trust**pm.trust_weight * m.programme.consensus**pm.joint_action_weight
            willing = c * relational * (0.5 + 0.5 * lv["mutuality"])
            defects = self.random.random() < pm.free_ride_rate * (1 - lv["reciprocity_norms"]) * (1 - c)
            give = 0.0 if defects else willing * m.weight
            flow = _legal_flow(lv, pm) if self.public and m.programme.gated else 1.0
            m.amount = [means[0] * give * flow, means[1] * give, means[2] * give * flow, means[3] * give]
            expected = pm.fair_share * m.weight * sum(means)
            m.observed = expected > 0
            m.reciprocity = min(1.0, sum(m.amount) / expected) if m.observed else 0.0
            spent = [a + b for a, b in zip(spent, m.amount, strict=True)]
        self.stock = [max(s - x, 0.0) for s, x in zip(self.stock, spent, strict=True)]

    def learn(self) -> None:
        """Process 6 (ODD 7.7): trust toward observed reciprocity; commitment from benefit."""
        lv, pm, g = self.model.levels, self.model.p, self.model.graph
        seen: dict[Actor, list[float]] = defaultdict(list)
        for m in self.memberships:
            if m.live and m.programme.status == ACTIVE:
                for o in m.programme.members:
                    if o is not m and o.observed and g.has_edge(self, o.actor):
                        seen[o.actor].append(o.reciprocity)
        eta = pm.learning_base + pm.learning_norms_weight * lv["reciprocity_norms"]
        for other, values in seen.items():
            tie = g[self][other]
            r, tau = _mean(values), tie["trust"]
            floor = pm.floor_weight * self.model.closeness(tie)
            target = floor + (1 - floor) * r
            kin = KINSHIP_WEIGHT[tie["kind"]] * lv["kinship"] if tie["cross"] else 0.0
            weight = pm.loss_aversion * (1 - 0.5 * kin) if target < tau else 1.0
            tie["trust"] = _clip(tau + eta * weight * (target - tau))
        if not self.active:
            return  # absent actors keep their commitment
        counted = [m for m in self.memberships if m.live and m.programme.status in LIVE]
        benefit = _mean([m.programme.performance for m in counted])
        mediated = any(any(o.live and o.actor.mediator for o in m.programme.members) for m in counted)
        f = _facilitation(lv, pm, mediated)
        c = self.commitment
        gain = pm.commitment_gain * (0.5 + 0.5 * lv["mutuality"]) * (0.5 + 0.5 * f) * benefit * (1 - c)
        loss = pm.commitment_loss * (1 - pm.patience_weight * lv["time_horizon"]) * (1 - benefit) * c
        bonds = [self.model.closeness(tie) for tie in g.succ[self].values() if tie["cross"] and tie["kind"] != "latent"]
        mandate = self.initial_commitment(lv)
        setpoint = mandate + pm.affect_weight * (1 - mandate) * _mean(bonds)
        pull = pm.setpoint_rate * (setpoint - c)
        upkeep = pm.leadership_upkeep * f * (1 - c)
        self.commitment = _clip(c + (gain - loss if counted else 0.0) + pull + upkeep)


class ReferenceModel(mesa.Model):
    """colabsim's model as Mesa agents, a networkx graph of ties and plain programme objects."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(rng=seed)
        self.setup, self.p = scenario, scenario.parameters
        self.levels: dict[str, float] = dict(scenario.factors)
        self.held = set(scenario.overrides)
        self.timeline = Timeline(scenario)
        self.horizon = scenario.horizon_months
        self.month = 0
        self.reputation, self.partners_joined, self.sectors_opened = 0.0, 0, 0
        topology = build_structure(scenario.spec).graph  # actor ids, kinds, sides and tie kinds
        specs = {a.id: a for a in scenario.spec.actors}
        self.actors = {i: Actor(self, specs[i], d["kind"], d["side"]) for i, d in topology.nodes(data=True)}
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.actors.values())
        trust0 = {}
        for t in scenario.spec.ties:  # an explicit tie's own initial trust (None: the default)
            trust0[(t.source, t.target)] = t.trust
            if t.mutual:
                trust0[(t.target, t.source)] = t.trust
        history = self.levels["history"]
        for i, j, d in topology.edges(data=True):
            a, b = self.actors[i], self.actors[j]
            cross, given = a.side != b.side, trust0.get((i, j))
            tie = {"kind": d["kind"], "cross": cross, "border": cross and "bridging" not in (a.side, b.side)}
            tie["trust"] = given if given is not None else (0.2 + 0.6 * history if cross else 0.5)
            tie["understanding"] = 0.1 + 0.6 * history if cross else 0.5
            self.graph.add_edge(a, b, **tie, contact=False, since_contact=NO_RECENT_CONTACT)
        g = self.graph
        for a, b, tie in g.edges(data=True):  # the first mediator (in actor order) that both ends know
            known = [m for m in self.actors.values() if m.mediator and m is not b and g.has_edge(a, m)]
            tie["broker"] = next((m for m in known if tie["cross"] and g.has_edge(b, m)), None)
        self.programmes = [Programme(spec) for spec in scenario.spec.programmes]
        for prog, spec in zip(self.programmes, scenario.spec.programmes, strict=True):
            for optional, ids in ((False, spec.participants), (True, spec.optional)):
                for actor_id in ids:
                    member = Membership(self.actors[actor_id], prog, optional)
                    prog.members.append(member)
                    member.actor.memberships.append(member)
            prog.gated = any(m.actor.side == "foreign" for m in prog.members)
        for a in self.actors.values():  # the first year's lines follow the programmes' start status
            a.budget = a.yearly_endowment(self.levels, a.active)
            a.stock = [b * self.calendar(0)[0] / 12 for b in a.budget]
        self.datacollector = mesa.DataCollector(model_reporters=_REPORTERS)

    def calendar(self, month: int) -> tuple[int, bool]:
        """(months left in the budget year counting this one, whether budgets renew at its end)."""
        calendar_month = (self.setup.start[1] - 1 + month) % 12 + 1
        return 13 - calendar_month, calendar_month == 12

    def closeness(self, tie: dict[str, Any]) -> float:
        """ODD 7.3: ``q_e``, how personal a tie is."""
        if not tie["cross"]:
            return SAME_SIDE_CLOSENESS
        kind = tie["kind"]
        return 0.5 * (KINSHIP_WEIGHT[kind] * self.levels["kinship"] + HISTORY_WEIGHT[kind] * self.levels["history"])

    def apply_event(self, event: Any, months_left: int) -> None:
        """ODD 7.1: a scheduled event; overridden factors are held (dropped from the event)."""
        lv = self.levels
        if event.action == "set_factors":
            factors = {k: v for k, v in event.factors.items() if k not in self.held}
            lv.update(factors)
            for a in self.actors.values():
                if BUDGET_FACTORS & factors.keys():
                    new = a.yearly_endowment(lv, a.active)
                    left = [_clip(s / b) if b > 0 else months_left / 12 for s, b in zip(a.stock, a.budget, strict=True)]
                    a.budget, a.stock = new, [n * x for n, x in zip(new, left, strict=True)]
        elif event.action in ("open_programme", "close_programme"):
            prog = next(p for p in self.programmes if p.id == event.programme)
            prog.status = ACTIVE if event.action == "open_programme" else OFF
        else:
            a = self.actors[event.actor]
            if event.action == "add_actor":
                a.active, a.commitment = True, a.initial_commitment(lv)
                a.budget = a.yearly_endowment(lv, True)
                a.stock = [b * months_left / 12 for b in a.budget]
            elif event.action == "remove_actor":
                a.active, a.stock = False, [0.0] * 4
            else:
                a.funded = event.action == "start_funding"
                a.budget = a.yearly_endowment(lv, a.active)
                a.stock = [b * months_left / 12 for b in a.budget]

    def step(self) -> None:
        """One month: events, then processes 1-8 in the order of ODD section 3, then observation."""
        lv, pm, g = self.levels, self.p, self.graph
        months_left, renew = self.calendar(self.month)
        for event in self.timeline.at(self.month):
            self.apply_event(event, months_left)
        # 1. Leadership turnover; understanding on every tie touching a changed actor.
        self.agents.shuffle_do("turnover")
        for a, b, tie in g.edges(data=True):
            if a.changed or b.changed:
                tie["understanding"] *= 1 - pm.turnover_loss
        # 2. Communication: draw on every tie first (from trust at the start), then apply.
        self.agents.shuffle_do("communicate")
        for _, _, tie in g.edges(data=True):
            if tie["contact"]:
                gain = pm.understanding_gain * (1 - pm.purpose_understanding_weight * (1 - lv["shared_purpose"]))
                base = pm.understanding_reach
                reach = base + (1 - base) * self.closeness(tie) if tie["cross"] else 1.0
                tie["understanding"] += min(gain * tie["depth"], 1.0) * max(reach - tie["understanding"], 0.0)
                tie["trust"] += pm.contact_trust_gain * (1 - tie["trust"])
        # 3. Deliberation, 4. contribution, 5. production, 6. learning.
        for prog in self.programmes:
            prog.deliberate(self)
        self.agents.shuffle_do("contribute", months_left)
        for prog in self.programmes:
            prog.produce(self)
        self.agents.shuffle_do("learn")
        # 7. Decay of ties without contact between present actors; December renewal.
        for a, b, tie in g.edges(data=True):
            if not tie["contact"] and a.active and b.active:
                closeness = self.closeness(tie)
                floor = pm.floor_weight * closeness
                remembered = pm.memory_weight * closeness if tie["kind"] != "latent" else 0.0
                tie["trust"] -= pm.trust_decay * max(tie["trust"] - floor, 0.0)
                tie["understanding"] -= pm.understanding_decay * max(tie["understanding"] - remembered, 0.0)
        if renew:
            for a in self.actors.values():
                a.budget = a.yearly_endowment(lv, a.active)
                a.stock = list(a.budget)
        # 8. Growth: streaks, a new sector, reputation, joining partners.
        for prog in self.programmes:
            success = prog.status == ACTIVE and prog.performance >= pm.success_level
            prog.streak = prog.streak + 1 if success else 0
        eligible = any(prog.streak >= pm.success_months for prog in self.programmes)
        if eligible and self.random.random() < pm.growth_rate * (0.5 + 0.5 * lv["shared_purpose"]):
            proposed = [prog for prog in self.programmes if prog.status == PROPOSED]
            if proposed:
                self.random.choice(proposed).status = DORMANT
                for prog in self.programmes:
                    prog.streak = 0
                self.sectors_opened += 1
        live_mean = _mean([prog.performance for prog in self.programmes if prog.status in LIVE])
        self.reputation += pm.reputation_rate * (live_mean - self.reputation)
        chance = pm.partner_rate * _clip((self.reputation - pm.reputation_threshold) / (1 - pm.reputation_threshold))
        for a in self.actors.values():
            if a.prospective and not a.active and self.random.random() < chance:
                a.active, a.commitment = True, a.initial_commitment(lv)
                a.budget = a.yearly_endowment(lv, True)
                a.stock = [b * (12 if renew else months_left - 1) / 12 for b in a.budget]
                self.partners_joined += 1
        for _, _, tie in g.edges(data=True):
            tie["since_contact"] = 0 if tie["contact"] else tie["since_contact"] + 1
        # 9. Observation.
        self.datacollector.collect(self)
        self.month += 1
        self.running = self.month < self.horizon

    def partnership_mean(self, attribute: str, cross_only: bool = True) -> float:
        """Mean of a tie attribute over ties between present actors (across the partnership)."""
        ties = [t for a, b, t in self.graph.edges(data=True) if a.active and b.active]
        return _mean([t[attribute] for t in ties if t["cross"] or not cross_only])


_REPORTERS = {  # ODD 4.12
    "performance": lambda m: _mean([p.performance for p in m.programmes if p.status in LIVE]),
    "trust": lambda m: m.partnership_mean("trust"),
    "trust_all": lambda m: m.partnership_mean("trust", cross_only=False),
    "understanding": lambda m: m.partnership_mean("understanding"),
    "commitment": lambda m: _mean([a.commitment for a in m.actors.values() if a.active]),
    "pooled_total": lambda m: sum(sum(p.pooled) for p in m.programmes),
    "active_programmes": lambda m: sum(p.status == ACTIVE for p in m.programmes),
    "active_sectors": lambda m: len({p.sector for p in m.programmes if p.status == ACTIVE}),
    "active_ties": lambda m: sum(
        a.active and b.active and t["since_contact"] < 12 for a, b, t in m.graph.edges(data=True)
    ),
    "active_actors": lambda m: sum(a.active for a in m.actors.values()),
    "alive": lambda m: float(any(p.status == ACTIVE for p in m.programmes)),
    "reputation": lambda m: m.reputation,
    "partners_joined": lambda m: m.partners_joined,
    "sectors_opened": lambda m: m.sectors_opened,
}


def run_reference(scenario: Scenario, seed: int) -> pd.DataFrame:
    """Run the reference model to the scenario's horizon; one row of metrics per month (``step``)."""
    model = ReferenceModel(scenario, seed)
    while model.running:
        model.step()
    frame = model.datacollector.get_model_vars_dataframe().astype(float)
    frame.insert(0, "step", range(len(frame)))
    return frame


def summary(timeseries: pd.DataFrame, window: tuple[int, int] | None = None) -> dict[str, float]:
    """Per-run summary, as `colabsim.model.metrics.summarise` defines it (for the metrics kept here).

    `window` is the scenario's evaluation window, ``(first, stop)`` month indices (all months if None).
    """
    ts, last = timeseries, timeseries.iloc[-1]
    means = {"performance_full": "performance", "mean_trust": "trust", "alive_share": "alive"}
    out = {name: float(ts[column].mean()) for name, column in means.items()}
    first, stop = (0, len(ts)) if window is None else window
    out["performance"] = float(ts["performance"].iloc[first:stop].mean())
    out.update({name: float(last[name]) for name in ("trust", "commitment", "partners_joined", "sectors_opened")})
    out.update(
        final_performance=float(ts["performance"].iloc[-12:].mean()), pooled_total=float(ts["pooled_total"].sum())
    )
    out.update(peak_sectors=float(ts["active_sectors"].max()), final_sectors=float(last["active_sectors"]))
    return out


def main(runs: int = 7) -> None:
    """Median seconds per run of the reference and of `colabsim.simulate` (full-horizon Vlissingen)."""
    scenario = colabsim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "vlissingen.toml")
    colabsim.simulate(scenario, 0)  # warm up imports and caches
    for name, run in (("reference (Mesa, loops)", run_reference), ("colabsim.simulate", colabsim.simulate)):
        times = []
        for seed in range(runs):
            start = time.perf_counter()
            run(scenario, seed)
            times.append(time.perf_counter() - start)
        print(f"{name:<24} {1000 * statistics.median(times):8.1f} ms per run (median of {runs})")


if __name__ == "__main__":
    main()
