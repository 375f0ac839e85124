"""Technical parameters of the model's rules.

The determinant factors (`colabsim.scenario.factors`) describe a collaboration; these constants describe the
model's mechanisms (rates, weights, thresholds). Each is documented in docs/ODD.md next to the rule
that uses it, with the reason for its value. A scenario may override them in a ``[parameters]``
table, which is how a modeller tests the model's robustness to its own assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

__all__ = ["PARAMETER_BOUNDS", "REMOVED_PARAMETERS", "RESOURCE_TYPES", "Parameters"]

#: Resource types pooled in programmes, in array order (DESIGN.md: funds, materials, people, time).
RESOURCE_TYPES: tuple[str, ...] = ("funds", "materials", "people", "time")


@dataclass(frozen=True)
class Parameters:
    """Rates, weights and thresholds of the rules (units: per month unless stated).

    Attributes:
        turnover_rate: Monthly chance of a leadership change at ``turnover = 1`` (1/24: every two
            years on average, typical of rotation in Indonesian local government).
        turnover_loss: Share of an actor's commitment replaced by a newcomer's, and share of the shared
            understanding on its ties lost, at a leadership change.
        formal_rate: Monthly formal contact chance on a tie at full formal communication,
            legal frame and administrative capacity.
        informal_rate: Monthly informal contact chance on a tie of full closeness at full
            informal communication.
        brokered_rate: Monthly chance that an active mediator brokers a contact on a tie whose
            ends it both knows, at full mediation and full trust in the mediator.
        understanding_gain: Share of the gap to the understanding within reach closed by one contact.
        understanding_reach: Shared understanding that contact can build across the partnership
            between partners with no closeness (no shared history, no family-like ties); closeness
            carries it the rest of the way (cultural and institutional distance).
        contact_trust_gain: Share of the gap to full trust closed by one contact.
        legal_floor: Share of formal cross-border activity and of the city's partnership budgets
            that flows with no current legal frame (a smooth gate: letters and other budget lines).
        facilitation_weight: Share of consensus that depends on facilitation (leadership, mediator).
        mediator_facilitation: How much of the facilitation a mediator at full mediation adds
            (1: it facilitates as a leader would; 0: it does not facilitate at all).
        purpose_weight: Share of consensus that depends on a shared purpose.
        joint_action_weight: Elasticity of willingness to contribute with respect to consensus
            (its exponent in the product of relational terms).
        trust_weight: Elasticity of willingness to contribute with respect to trust in
            co-participants (its exponent in the product of relational terms).
        mediator_buffer: Share of the gap to full trust a mediator bridges in contributions, at
            full mediation.
        understanding_floor: Coordination efficiency factor of partners with no shared understanding.
        leadership_weight: Share of a programme's capacity for joint action that its leadership
            gives (Emerson et al. 2012: leadership is an element of that capacity).
        arrangement_weight: Share of a programme's capacity for joint action that its procedural
            arrangements give: for an international programme, a current agreement (`legal_flow`).
        memory_weight: Floor of shared understanding per unit of tie closeness: partners with a
            long history or family-like ties keep knowing each other's ways between contacts.
        affect_weight: Share of the gap from its mandate to full commitment that an actor's close
            ties across the partnership (kinship, history) add to its commitment set-point.
        purpose_understanding_weight: Share of what a contact adds to shared understanding that
            depends on a shared purpose (partners who share aims understand each other faster).
        half_saturation: Pooled output (relative to need) at which performance reaches half of
            coordination efficiency.
        saturation_exponent: Hill exponent of that saturation (below 1: early gains come easily).
        free_ride_rate: Monthly chance of contributing nothing at zero norms and zero commitment.
        fair_share: Share of its monthly means a partner is expected to put in (reciprocity = 1).
        efficiency_floor: Coordination efficiency of a programme whose members have no capacity.
        knowledge_bonus: Share of coordination efficiency lost when no university takes part.
        patience_weight: How much a long time horizon damps frustration.
        ces_rho: Exponent of the CES production function; the elasticity of substitution is
            ``1 / (1 - ces_rho)`` (0.25: 1.33, partial substitutes; negative: complements).
        ces_shift: Shift of the CES inputs (relative to need): the first units of a resource type
            are worth a finite amount more than the next, so a missing type lowers output
            smoothly instead of by a cliff (0: the plain CES, infinitely steep at 0).
        resource_weights: CES weights of funds, materials, people, time.
        learning_base: Trust learning rate at ``reciprocity_norms = 0``.
        learning_norms_weight: Extra trust learning rate at ``reciprocity_norms = 1``.
        loss_aversion: Weight of disappointments relative to gains in trust learning.
        commitment_gain: Rate at which realised benefits raise commitment ("small wins").
        commitment_loss: Rate at which frustration lowers commitment.
        leadership_upkeep: Monthly pull of facilitation (leadership or a mediator) toward full commitment.
        setpoint_rate: Monthly pull of commitment toward the commitment factor (the mandate).
        trust_decay: Monthly share of the gap to the trust floor lost without contact.
        understanding_decay: Monthly share of shared understanding lost without contact.
        floor_weight: Trust floor per unit of tie closeness (see ``tie_closeness``).
        success_level: Performance that counts as success for growth and reputation.
        success_months: Months of sustained success before a new sector can open.
        growth_rate: Monthly chance of opening a proposed programme once eligible, at full
            shared purpose.
        reputation_rate: Monthly weight of current performance in the city's reputation.
        partner_rate: Monthly chance that a prospective partner joins at full reputation.
        reputation_threshold: Reputation below which no prospective partner joins.
    """

    turnover_rate: float = 1.0 / 24.0
    turnover_loss: float = 0.5
    formal_rate: float = 1.0
    informal_rate: float = 0.789
    brokered_rate: float = 0.91
    understanding_gain: float = 0.323
    understanding_reach: float = 0.701
    contact_trust_gain: float = 0.0449
    legal_floor: float = 0.486
    facilitation_weight: float = 0.483
    mediator_facilitation: float = 1.0
    purpose_weight: float = 0.949
    joint_action_weight: float = 0.1
    trust_weight: float = 0.43
    mediator_buffer: float = 0.3
    free_ride_rate: float = 0.5
    fair_share: float = 0.7
    efficiency_floor: float = 0.666
    understanding_floor: float = 0.21
    leadership_weight: float = 0.303
    arrangement_weight: float = 0.5
    memory_weight: float = 0.352
    purpose_understanding_weight: float = 0.507
    affect_weight: float = 0.269
    knowledge_bonus: float = 0.15
    half_saturation: float = 0.1
    saturation_exponent: float = 0.816
    patience_weight: float = 0.7
    ces_rho: float = 0.25
    ces_shift: float = 0.05
    resource_weights: tuple[float, float, float, float] = (0.35, 0.15, 0.35, 0.15)
    learning_base: float = 0.03
    learning_norms_weight: float = 0.12
    loss_aversion: float = 2.0
    commitment_gain: float = 0.108
    commitment_loss: float = 0.015
    leadership_upkeep: float = 0.0313
    setpoint_rate: float = 0.143
    trust_decay: float = 0.1
    understanding_decay: float = 0.111
    floor_weight: float = 0.97
    success_level: float = 0.45
    success_months: int = 24
    growth_rate: float = 0.164
    reputation_rate: float = 0.05
    partner_rate: float = 1.0 / 24.0
    reputation_threshold: float = 0.3

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Return the parameter names in declaration order."""
        return tuple(f.name for f in fields(cls))

    def updated(self, values: dict[str, Any]) -> Parameters:
        """Return a copy with `values` replacing the defaults."""
        return replace(self, **values)


_UNIT = (0.0, 1.0)

#: Allowed range of each scalar parameter (inclusive), checked when a scenario overrides it.
#: Rates, shares and weights are in [0, 1]; the rest have the ranges their rules stay sound in.
PARAMETER_BOUNDS: dict[str, tuple[float, float]] = {
    **{name: _UNIT for name in Parameters.names() if name != "resource_weights"},
    "fair_share": (0.01, 1.0),
    "reputation_threshold": (0.0, 0.99),
    "loss_aversion": (0.0, 10.0),
    "ces_rho": (-20.0, 5.0),
    "half_saturation": (0.01, 10.0),
    # A Hill exponent above 1 is sigmoidal, below 1 concave: both sound.
    "saturation_exponent": (0.05, 4.0),
    # Each at most half, so that administration keeps a share of the capacity for joint action.
    "leadership_weight": (0.0, 0.5),
    "arrangement_weight": (0.0, 0.5),
    "success_months": (1, 600),
}

#: Parameters of model v1 that model v2 removed, with what replaces each: scenario validation tells
#: a user with an old file what changed and how to fix it.
REMOVED_PARAMETERS: dict[str, str] = {
    "formal_gate": "model v2 has no formal gate (it was a cliff); use legal_floor (what flows with no current frame)",
    "consensus_hysteresis": "model v2 does not stop a running programme for low consensus; remove the key",
    "mediator_consensus_bonus": "the mediator acts through facilitation_weight and mediator_buffer; remove the key",
    "plan_weight": "model v2's shared purpose acts through consensus (purpose_weight); remove the key",
    "consensus_base": "a programme starts once members from two sides are there; how far they agree "
    "scales what they give (a start threshold was a cliff); remove the key",
    "consensus_purpose_weight": "a programme starts once members from two sides are there; shared purpose "
    "acts through consensus (purpose_weight) and understanding (purpose_understanding_weight); remove the key",
}
