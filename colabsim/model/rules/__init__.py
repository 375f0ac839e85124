"""The model's rules: one pure function per mechanism, in the order of a step.

Each function takes arrays (and, where the rule is random, a source of uniform draws) and returns
new arrays; none keeps state or mutates its inputs. The last axis runs over actors, ties,
programmes or memberships; any leading axes are a batch of runs. docs/ODD.md gives each rule's
equation and reason; the module docstrings cite the literature.

Order of a step (DESIGN.md): 1 events (`shocks`), 2 communication, 3 deliberation,
4 contribution, 5 production, 6 learning, 7 decay and renewal (`renewal`), 8 growth,
9 observation (`colabsim.model.metrics`).
"""

from colabsim.model.rules.communication import (
    apply_contacts,
    contact_chances,
    contact_intensity,
    contact_probability,
    draw_contacts,
    legal_flow,
    tie_closeness,
    understanding_reach,
)
from colabsim.model.rules.contribution import contributions, pool_by, spend
from colabsim.model.rules.deliberation import facilitation_level, programme_consensus, update_programme_status
from colabsim.model.rules.growth import (
    open_new_sector,
    open_partner_programmes,
    partners_join,
    update_reputation,
    update_streaks,
)
from colabsim.model.rules.learning import (
    affective_setpoint,
    facilitation,
    realised_benefit,
    update_commitment,
    update_trust,
)
from colabsim.model.rules.production import (
    actor_capacity,
    ces_output,
    coordination_efficiency,
    joint_capacity,
    programme_performance,
)
from colabsim.model.rules.renewal import RESOURCE_FACTORS, budget_lines, decay_ties, trust_floor, yearly_endowment
from colabsim.model.rules.shocks import leadership_turnover, newcomer_commitment, turnover_level

__all__ = [
    "RESOURCE_FACTORS",
    "actor_capacity",
    "affective_setpoint",
    "apply_contacts",
    "budget_lines",
    "ces_output",
    "contact_chances",
    "contact_intensity",
    "contact_probability",
    "contributions",
    "coordination_efficiency",
    "decay_ties",
    "draw_contacts",
    "facilitation",
    "facilitation_level",
    "joint_capacity",
    "leadership_turnover",
    "legal_flow",
    "newcomer_commitment",
    "open_new_sector",
    "open_partner_programmes",
    "partners_join",
    "pool_by",
    "programme_consensus",
    "programme_performance",
    "realised_benefit",
    "spend",
    "tie_closeness",
    "trust_floor",
    "turnover_level",
    "understanding_reach",
    "update_commitment",
    "update_programme_status",
    "update_reputation",
    "update_streaks",
    "update_trust",
    "yearly_endowment",
]
