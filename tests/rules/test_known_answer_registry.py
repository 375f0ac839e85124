"""Every public rule function has a known-answer test (issue 14, item 9).

`KNOWN_ANSWERS` maps each public function of `colabsim.model.rules` to the tests in this package
that check it against numbers worked out by hand. A new rule added to ``rules.__all__`` fails
`test_every_public_rule_has_a_known_answer_test` until it gets one; a property test (Hypothesis)
does not count, since an invariant alone is not a known answer. Every listed test sets its own
parameters (`tiny.explicit_params`) rather than reading the defaults, which may be retuned.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

import pytest

from colabsim.model import rules

KNOWN_ANSWERS: dict[str, tuple[str, ...]] = {
    "actor_capacity": ("test_production::test_actor_capacity_known_answer",),
    "affective_setpoint": ("test_learning::test_affective_setpoint_known_answers",),
    "apply_contacts": (
        "test_communication::test_apply_contacts_known_answer",
        "test_communication::test_apply_contacts_builds_understanding_only_up_to_its_reach",
        "test_communication::test_apply_contacts_purpose_and_depth_scale_the_understanding_gained",
    ),
    "budget_lines": ("test_budget_lines::test_budget_lines_one_per_live_programme_and_never_fewer_than_one",),
    "ces_output": (
        "test_production::test_ces_output_known_answers",
        "test_production::test_shifted_ces_output_known_answers",
    ),
    "contact_chances": (
        "test_communication::test_contact_chances_gives_the_probability_and_the_intensity_of_one_pass",
    ),
    "contact_intensity": ("test_communication::test_contact_intensity_adds_the_channels",),
    "contact_probability": (
        "test_communication::test_contact_probability_formal_part",
        "test_communication::test_contact_probability_informal_part",
        "test_communication::test_contact_probability_brokered_part",
        "test_communication::test_contact_probability_combines_the_channels",
        "test_communication::test_contact_probability_latent_tie_needs_a_present_mediator",
        "test_communication::test_contact_probability_is_zero_with_an_absent_end",
    ),
    "contributions": (
        "test_contribution::test_contributions_known_answer_with_mediator_buffer_and_legal_flow",
        "test_contribution::test_contributions_mediator_buffer_needs_mediation_and_an_engaged_mediator",
        "test_contribution::test_contributions_legal_flow_holds_back_public_funds_and_people",
        "test_contribution::test_contributions_known_answer_full_willingness",
        "test_contribution::test_contributions_scale_with_participation_and_so_does_the_fair_share",
        "test_contribution::test_contributions_defection_gives_nothing",
    ),
    "coordination_efficiency": (
        "test_production::test_coordination_efficiency_known_answers_on_the_tiny_structure",
        "test_production::test_coordination_efficiency_known_answer",
        "test_production::test_coordination_efficiency_takes_the_capacity_for_joint_action",
    ),
    "decay_ties": (
        "test_renewal::test_decay_ties_known_answer",
        "test_renewal::test_decay_ties_understanding_fades_toward_its_floor",
    ),
    "draw_contacts": ("test_communication::test_draw_contacts_known_answers",),
    "facilitation": ("test_learning::test_facilitation_known_answers",),
    "facilitation_level": (
        "test_deliberation::test_facilitation_level_known_answers",
        "test_deliberation::test_facilitation_level_ignores_mediation_where_no_mediator_takes_part",
    ),
    "joint_capacity": ("test_production::test_joint_capacity_known_answers",),
    "leadership_turnover": (
        "test_shocks::test_leadership_turnover_known_answer",
        "test_shocks::test_turnover_with_high_draws_changes_nobody",
    ),
    "legal_flow": (
        "test_communication::test_legal_flow_known_answers",
        "test_deliberation::test_legal_flow_is_smooth_and_never_zero",
    ),
    "newcomer_commitment": ("test_shocks::test_newcomer_commitment_known_answers",),
    "open_new_sector": ("test_growth::test_open_new_sector_needs_sustained_success",),
    "open_partner_programmes": ("test_growth::test_open_partner_programmes_known_answers",),
    "partners_join": ("test_growth::test_partners_join_known_answers",),
    "pool_by": ("test_contribution::test_pool_by_and_spend_known_answers",),
    "programme_consensus": (
        "test_deliberation::test_programme_consensus_known_answer_on_the_tiny_structure",
        "test_deliberation::test_programme_consensus_known_answer",
        "test_deliberation::test_programme_consensus_weights_members_by_their_participation",
    ),
    "programme_performance": (
        "test_production::test_programme_performance_known_answer_with_explicit_parameters",
        "test_production::test_programme_performance_known_answer_saturates_below_one",
    ),
    "realised_benefit": ("test_learning::test_realised_benefit_known_answers",),
    "spend": ("test_contribution::test_pool_by_and_spend_known_answers",),
    "tie_closeness": ("test_communication::test_tie_closeness_known_answers",),
    "trust_floor": ("test_renewal::test_trust_floor_known_answer",),
    "turnover_level": ("test_shocks::test_turnover_level_known_answer",),
    "understanding_reach": ("test_communication::test_understanding_reach_known_answers",),
    "update_commitment": (
        "test_learning::test_update_commitment_known_answers",
        "test_learning::test_update_commitment_takes_a_set_point_per_actor_and_clips",
    ),
    "update_programme_status": (
        "test_deliberation::test_update_programme_status_known_answers",
        "test_deliberation::test_a_dormant_programme_waits_only_for_members_from_two_sides",
    ),
    "update_reputation": ("test_growth::test_update_reputation_known_answer",),
    "update_streaks": ("test_growth::test_update_streaks_known_answer",),
    "update_trust": (
        "test_learning::test_update_trust_moves_toward_its_target",
        "test_learning::test_update_trust_loss_aversion_is_softened_by_kinship_on_cross_side_ties",
        "test_learning::test_update_trust_learning_rate_rises_with_reciprocity_norms",
        "test_learning::test_update_trust_leaves_unobserved_ties_unchanged",
        "test_learning::test_update_trust_is_clipped_to_the_unit_interval",
    ),
    "yearly_endowment": ("test_renewal::test_yearly_endowment_known_answer_on_the_tiny_structure",),
}


def public_rule_functions() -> set[str]:
    """The functions in ``rules.__all__`` (constants such as RESOURCE_FACTORS need no test)."""
    return {name for name in rules.__all__ if inspect.isfunction(getattr(rules, name))}


def registered_test(entry: str) -> Callable[..., object]:
    module_name, test_name = entry.split("::")
    module = importlib.import_module(f"{__package__}.{module_name}")
    test = getattr(module, test_name, None)
    if test is None:
        raise LookupError(f"{entry}: no such test in tests/rules/{module_name}.py")
    return test


def test_every_public_rule_has_a_known_answer_test() -> None:
    missing = sorted(public_rule_functions() - set(KNOWN_ANSWERS))
    stale = sorted(set(KNOWN_ANSWERS) - public_rule_functions())
    assert not missing, f"public rules without a known-answer test (add one and list it in KNOWN_ANSWERS): {missing}"
    assert not stale, f"KNOWN_ANSWERS lists names that are not public rule functions: {stale}"


@pytest.mark.parametrize("rule", sorted(KNOWN_ANSWERS))
def test_registered_known_answer_tests_exist_and_are_not_property_tests(rule: str) -> None:
    for entry in KNOWN_ANSWERS[rule]:
        test = registered_test(entry)
        assert entry.split("::")[1].startswith("test_"), f"{entry}: pytest would not collect it"
        assert not getattr(test, "is_hypothesis_test", False), f"{entry}: a property test is not a known answer"
        source = inspect.getsource(test)
        # The test (its name or body) must name the rule it is registered for.
        assert rule in source, f"{entry} does not mention {rule}"
        assert "Parameters()" not in source, f"{entry} reads the default parameters; set them (explicit_params)"
