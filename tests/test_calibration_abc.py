"""The ABC sampler on toy models with known answers: an analytic posterior, SBC, priors, determinism."""

from __future__ import annotations

import numpy as np
from scipy import stats

from colabsim.calibration.abc import Settings, Simulated, abc_smc, rejection, weighted_quantiles
from colabsim.calibration.priors import Dirichlet, PriorSet, ScalarPrior
from colabsim.calibration.variants import narrowed, prior_variants

SIGMA, N_OBS = 1.0, 20
SE = SIGMA / np.sqrt(N_OBS)


def normal_mean(observed: float):
    """Toy simulator: the mean of N_OBS normal observations with known variance; distance to `observed`."""

    def simulate(theta: np.ndarray, seed: np.random.SeedSequence) -> Simulated:
        mean = np.random.default_rng(seed).normal(theta[:, 0], SE)
        return Simulated(np.abs(mean - observed), {"mean": mean})

    return simulate


def final(generations):
    return generations[-1]


def weighted_moments(generation):
    x, w = generation.theta[:, 0], generation.weights
    mean = np.average(x, weights=w)
    return mean, np.sqrt(np.average((x - mean) ** 2, weights=w))


def test_abc_smc_recovers_the_analytic_posterior_of_a_normal_mean():
    # Flat prior, known variance: the posterior is N(ybar, sigma^2 / n).
    prior = PriorSet((ScalarPrior("mu", "uniform", -10.0, 10.0, 0.0),))
    settings = Settings(particles=1000, generations=12, epsilon=0.02, max_proposals=200_000)
    runs = list(abc_smc(prior, normal_mean(1.3), settings, np.random.SeedSequence(7)))
    mean, sd = weighted_moments(final(runs))
    assert runs[-1].epsilon <= 0.02
    assert abs(mean - 1.3) < 0.04
    assert abs(sd / SE - 1) < 0.12


def test_the_tolerance_shrinks_and_the_weights_are_normalised():
    prior = PriorSet((ScalarPrior("mu", "uniform", -10.0, 10.0, 0.0),))
    runs = list(abc_smc(prior, normal_mean(0.0), Settings(particles=300, generations=5), np.random.SeedSequence(1)))
    epsilons = [g.epsilon for g in runs[1:]]
    assert epsilons == sorted(epsilons, reverse=True) and epsilons[-1] < epsilons[0] / 4
    for g in runs:
        assert np.isclose(g.weights.sum(), 1.0) and (g.weights > 0).all() and (g.distances <= g.epsilon).all()


def test_same_seed_same_numbers_and_a_resumed_run_equals_an_uninterrupted_one():
    prior = PriorSet((ScalarPrior("mu", "uniform", -5.0, 5.0, 0.0),))
    settings = Settings(particles=200, generations=4)
    whole = list(abc_smc(prior, normal_mean(0.5), settings, np.random.SeedSequence(3)))
    again = list(abc_smc(prior, normal_mean(0.5), settings, np.random.SeedSequence(3)))
    resumed = whole[:2] + list(abc_smc(prior, normal_mean(0.5), settings, np.random.SeedSequence(3), whole[:2]))
    for a, b, c in zip(whole, again, resumed, strict=True):
        assert np.array_equal(a.theta, b.theta) and np.array_equal(a.theta, c.theta)
        assert np.array_equal(a.weights, c.weights)
    other = list(abc_smc(prior, normal_mean(0.5), settings, np.random.SeedSequence(4)))
    assert not np.array_equal(other[-1].theta, whole[-1].theta)


def _sbc_ranks(shrink: float, replicates: int = 120, draws: int = 19) -> np.ndarray:
    """Ranks of the true mean among posterior draws (Talts et al. 2018); `shrink` < 1 makes a wrong posterior."""
    prior = PriorSet((ScalarPrior("mu", "truncnormal", -4.0, 4.0, 0.0, 1.0),))
    root = np.random.SeedSequence(2018)
    rng = np.random.default_rng(root.spawn(1)[0])
    ranks = []
    for k in range(replicates):
        truth = float(prior.sample(rng, 1)[0, 0])
        observed = float(rng.normal(truth, SE))
        settings = Settings(particles=300, generations=8, epsilon=0.03, max_proposals=50_000)
        last = final(list(abc_smc(prior, normal_mean(observed), settings, np.random.SeedSequence([2018, k]))))
        picks = rng.choice(len(last.theta), size=draws, p=last.weights)
        mean = np.average(last.theta[:, 0], weights=last.weights)
        sample = mean + shrink * (last.theta[picks, 0] - mean)
        ranks.append(int((sample < truth).sum()))
    return np.array(ranks)


def _uniformity_p(ranks: np.ndarray, draws: int = 19, bins: int = 5) -> float:
    counts = np.bincount(ranks * bins // (draws + 1), minlength=bins)
    return float(stats.chisquare(counts).pvalue)


def test_simulation_based_calibration_rank_histogram_is_uniform_and_the_check_can_fail():
    assert _uniformity_p(_sbc_ranks(shrink=1.0)) > 0.01
    # The same check on a posterior half as wide must fail: the ranks pile up at the ends.
    assert _uniformity_p(_sbc_ranks(shrink=0.5)) < 0.01


def test_priors_sample_their_distributions():
    rng = np.random.default_rng(0)
    whole = ScalarPrior("success_months", "integer", 12, 36, 24)
    values = whole.values(whole.sample(rng, 5000))
    assert all(isinstance(v, int) for v in values) and min(values) == 12 and max(values) == 36
    assert abs(np.mean(values) - 24) < 0.5
    tn = ScalarPrior("formal_rate", "truncnormal", 0.5, 1.0, 1.0, 0.25)
    x = tn.sample(rng, 20_000)
    assert x.min() >= 0.5 and x.max() <= 1.0 and np.isneginf(tn.logpdf(np.array([[1.01]])))[0]
    weights = Dirichlet("resource_weights", (14.0, 6.0, 14.0, 6.0), ("funds", "materials", "people", "time"))
    free = weights.sample(rng, 4000)
    full = np.array(weights.values(free))
    assert np.allclose(full.sum(axis=1), 1.0) and np.allclose(full.mean(axis=0), [0.35, 0.15, 0.35, 0.15], atol=0.01)
    expected = stats.dirichlet([14.0, 6.0, 14.0, 6.0]).logpdf(full[:5].T)
    assert np.allclose(weights.logpdf(free[:5]), expected)


def test_rejection_keeps_only_draws_within_the_tolerance():
    prior = PriorSet((ScalarPrior("mu", "uniform", -3.0, 3.0, 0.0),))
    kept, mask = rejection(prior, normal_mean(0.0), 4000, 0.1, np.random.SeedSequence(5))
    assert (kept.distances <= 0.1).all() and len(kept.theta) == mask.sum() and 0 < mask.mean() < 0.2


def test_weighted_quantiles_of_equal_weights_are_the_ordinary_ones():
    x = np.random.default_rng(1).normal(size=2001)
    q = weighted_quantiles(x, np.ones_like(x), (0.05, 0.5, 0.95))
    assert np.allclose(q, np.quantile(x, (0.05, 0.5, 0.95)), atol=0.01)


def test_reweighting_to_a_narrower_prior_matches_sampling_under_it():
    # At a fixed tolerance the ABC posterior is prior x P(distance <= eps | theta): the population of a wide
    # prior reweighted to a narrower one must agree with a run under the narrower prior itself.
    wide = PriorSet((ScalarPrior("mu", "uniform", -4.0, 4.0, 0.0),))
    kept, _ = rejection(wide, normal_mean(1.0), 40_000, 0.1, np.random.SeedSequence(11))
    narrow = narrowed(wide, {"mu": 0.0}, "normal")  # truncated normal, sd 2, centred on 0
    table = prior_variants(wide, kept, {"mu": 0.0})
    reweighted = table.loc[table["prior"].str.startswith("every prior a truncated normal"), "mean.mu"].iloc[0]
    direct, _ = rejection(narrow, normal_mean(1.0), 40_000, 0.1, np.random.SeedSequence(12))
    assert abs(reweighted - direct.theta[:, 0].mean()) < 0.02
    assert table.loc[0, "mean.mu"] > reweighted  # the prior at 0 pulls the posterior towards it
