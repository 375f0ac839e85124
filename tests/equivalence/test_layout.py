"""The kernel mirrors the numpy model: its copied constants, one counterpart per rule, one test each.

A rule change on the numpy side shows here first: a new public rule without a kernel counterpart
or an equivalence test fails `test_every_public_rule_has_a_kernel_counterpart_and_a_test`, a changed
argument list fails `test_counterparts_take_the_rules_arguments_first`, and a changed code, weight
or list of factors, parameters or metrics fails `test_copied_constants_equal_their_originals`.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest
from rules.support import SHIPPED_SCENARIOS

from colabsim.model import engine, metrics, rules, structure, timeline
from colabsim.model.kernel import layout
from colabsim.model.kernel import metrics as kernel_metrics
from colabsim.model.kernel import timeline as kernel_timeline
from colabsim.model.rules import communication, renewal
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.parameters import Parameters

from . import test_rules
from .support import Kernel


def public_rules() -> dict[str, object]:
    return {name: getattr(rules, name) for name in rules.__all__ if inspect.isfunction(getattr(rules, name))}


def counterpart(name: str) -> object:
    module = getattr(rules, name).__module__.rsplit(".", 1)[1]
    return getattr(importlib.import_module(f"colabsim.model.kernel.{module}"), name, None)


def test_every_public_rule_has_a_kernel_counterpart_and_a_test() -> None:
    missing = sorted(name for name in public_rules() if counterpart(name) is None)
    assert not missing, f"rules without a kernel counterpart of the same name in the same module: {missing}"
    untested = sorted(name for name in public_rules() if not hasattr(test_rules, f"test_{name}_matches_numpy"))
    assert not untested, f"kernel counterparts without an equivalence test in test_rules.py: {untested}"


@pytest.mark.parametrize("name", sorted(public_rules()))
def test_counterparts_take_the_rules_arguments_first(name: str) -> None:
    wanted = list(inspect.signature(getattr(rules, name)).parameters)
    got = list(inspect.signature(counterpart(name).py_func).parameters)  # type: ignore[attr-defined]
    assert got[: len(wanted)] == wanted, f"{name}: kernel takes {got}, the rule {wanted}"
    extra = got[len(wanted) :]
    assert all(arg.startswith("out") or arg == "work" for arg in extra), f"{name}: extra arguments {extra}"


def test_copied_constants_equal_their_originals() -> None:
    codes = (structure.PROPOSED, structure.DORMANT, structure.ACTIVE, structure.OFF, structure.LATENT)
    assert codes == (layout.PROPOSED, layout.DORMANT, layout.ACTIVE, layout.OFF, layout.LATENT)
    np.testing.assert_array_equal(layout.KIN_WEIGHT, communication.KINSHIP_WEIGHT)
    np.testing.assert_array_equal(layout.HISTORY_WEIGHT, communication.HISTORY_WEIGHT)
    assert layout.SAME_SIDE_CLOSENESS == communication.SAME_SIDE_CLOSENESS
    np.testing.assert_array_equal(layout.LINE_TYPES, renewal.LINE_TYPES)
    assert layout.NO_RECENT_CONTACT == engine.NO_RECENT_CONTACT
    assert tuple(FACTORS) == layout.FACTOR_ORDER
    assert [layout.FACTOR_ORDER[k] for k in layout.RESOURCE_LEVELS] == list(renewal.RESOURCE_FACTORS)
    assert Parameters.names() == layout.PARAMETER_ORDER
    assert len(Parameters().resource_weights) == 4
    assert kernel_metrics.METRIC_ORDER == metrics.TIMESERIES_METRICS
    assert kernel_metrics.SUMMARY_ORDER == metrics.SUMMARY_METRICS
    assert {kernel_timeline.ACTIONS[a] for a in (kernel_timeline.SET_FACTOR, kernel_timeline.SET_BUDGET_FACTOR)} == {
        "set_factor",
        "set_budget_factor",
    }
    assert set(FACTORS) >= timeline.BUDGET_FACTORS


def test_parameter_rows_put_each_parameter_in_its_column() -> None:
    params = Parameters().updated({"ces_rho": -0.5, "resource_weights": (0.1, 0.2, 0.3, 0.4), "success_months": 7})
    row = layout.parameter_rows(params, 1)[0]
    assert row[layout.CES_RHO] == -0.5
    assert list(row[layout.RESOURCE_WEIGHTS : layout.RESOURCE_WEIGHTS + 4]) == [0.1, 0.2, 0.3, 0.4]
    assert row[layout.SUCCESS_MONTHS] == 7
    assert row[layout.REPUTATION_THRESHOLD] == params.reputation_threshold
    assert len(row) == layout.N_PARAMETERS
    with pytest.raises(ValueError, match="parameter sets"):
        layout.parameter_rows([params, params], 3)


def test_kernel_structure_keeps_every_array_in_the_kernels_types() -> None:
    shipped = structure.build_structure(SHIPPED_SCENARIOS["vlissingen.toml"].spec)
    k = Kernel(shipped, dict(SHIPPED_SCENARIOS["vlissingen.toml"].factors), Parameters())
    for name, value in zip(k.s._fields, k.s, strict=True):
        if isinstance(value, np.ndarray):
            assert value.flags.c_contiguous, name
            assert value.dtype in (np.int64, np.float64, np.bool_), (name, value.dtype)
    np.testing.assert_array_equal(k.s.tie_kin_weight, communication.KINSHIP_WEIGHT[shipped.tie_kind])
