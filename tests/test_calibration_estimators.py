"""Known answers of the nested variance split and the first-order share (colabsim.calibration.estimators)."""

from __future__ import annotations

import numpy as np
import pytest

from colabsim.calibration.estimators import first_order_share, nested_variance_shares


def test_variance_only_between_codings_is_all_the_codings():
    values = np.broadcast_to(np.arange(5.0)[:, None, None], (5, 4, 3))
    assert nested_variance_shares(values) == pytest.approx((1.0, 0.0, 0.0))


def test_the_same_seed_noise_in_every_cell_is_all_the_seeds():
    # Every cell has the same seed pattern, so cell means are equal: no coding, no draw component.
    values = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :], (5, 4, 3))
    assert nested_variance_shares(values) == pytest.approx((0.0, 0.0, 1.0))


def test_variance_only_between_draws_is_all_the_draws():
    values = np.broadcast_to(np.array([[0.0, 1.0], [1.0, 0.0]])[:, :, None], (2, 2, 3))
    assert nested_variance_shares(values) == pytest.approx((0.0, 1.0, 0.0))


def test_known_components_of_a_simulated_nested_design_are_recovered():
    rng = np.random.default_rng(1)
    codings, draws, seeds = 2000, 10, 4  # the coding share's sampling sd is then about 0.006
    values = (
        np.sqrt(2.0) * rng.normal(size=(codings, 1, 1))
        + rng.normal(size=(codings, draws, 1))
        + np.sqrt(3.0) * rng.normal(size=(codings, draws, seeds))
    )
    assert nested_variance_shares(values) == pytest.approx((2 / 6, 1 / 6, 3 / 6), abs=0.03)


def test_a_level_not_sampled_has_no_share_and_constant_values_have_none_at_all():
    rng = np.random.default_rng(2)
    one_coding = rng.normal(size=(1, 50, 4))
    assert nested_variance_shares(one_coding)[0] == 0.0
    assert all(np.isnan(nested_variance_shares(np.ones((3, 3, 3)))))


def test_first_order_share_of_a_function_of_x_alone_is_one_and_of_noise_is_zero():
    rng = np.random.default_rng(3)
    x = rng.random(2000)
    assert first_order_share(x, np.sin(6 * x)) > 0.97
    assert first_order_share(x, rng.random(2000)) < 0.02


def test_first_order_share_of_x_plus_equal_noise_is_a_half():
    # Var(x) of a uniform is 1/12; noise with the same variance leaves half the output's variance to x.
    rng = np.random.default_rng(4)
    x = rng.random(20000)
    y = x + rng.normal(0.0, np.sqrt(1 / 12), x.size)
    assert first_order_share(x, y) == pytest.approx(0.5, abs=0.03)


def test_first_order_share_refuses_mismatched_inputs_and_too_few_bins():
    with pytest.raises(ValueError, match="3 inputs for 2 outputs"):
        first_order_share([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2"):
        first_order_share(np.arange(10.0), np.arange(10.0), bins=1)
    assert np.isnan(first_order_share([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]))
