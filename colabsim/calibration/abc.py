"""Approximate Bayesian computation: rejection and population Monte Carlo (ABC-SMC), written for batches.

The sampler knows nothing of colabsim: it calls a `Simulator` with a whole matrix of parameter
draws (one row each) and a `numpy.random.SeedSequence`, and gets one distance per row back. So a
generation of the agent-based model runs as a few large batches on the engine (pyabc calls a
model once per particle and seeds its workers from the operating system's entropy, which is why
this is hand-written), and the toy models of the tests run through exactly the same code.

Population Monte Carlo after Beaumont, Cornuet, Marin & Robert (2009): generation 0 draws from
the prior (a rejection sampler at tolerance infinity); generation ``t`` takes the tolerance
``epsilon_t`` as a quantile of generation ``t - 1``'s distances (Del Moral et al. 2012's adaptive
schedule), proposes from the weighted previous particles moved by a Gaussian kernel with twice
their weighted covariance, keeps proposals within ``epsilon_t``, and weights each kept particle by
prior density over the mixture density of the kernel. Every random number comes from the run's
root `SeedSequence` by generation and batch, so a run continued after an interruption gives the
same numbers as one that never stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from colabsim.calibration.priors import PriorSet

__all__ = [
    "Generation",
    "Settings",
    "Simulated",
    "Simulator",
    "abc_smc",
    "effective_sample_size",
    "generation_seed",
    "rejection",
    "stop_reason",
    "weighted_quantiles",
]


@dataclass(frozen=True)
class Simulated:
    """What a simulator returns for a batch of draws.

    Attributes:
        distances: One distance per draw (0: every target met).
        statistics: Summary statistics per draw, by name (kept for the predictive checks).
    """

    distances: np.ndarray
    statistics: Mapping[str, np.ndarray] = field(default_factory=dict)


#: ``simulate(theta, seed)``: theta has one row per draw; the result one distance per row.
Simulator = Callable[[np.ndarray, np.random.SeedSequence], Simulated]


@dataclass(frozen=True)
class Settings:
    """The effort and the schedule of a calibration.

    Attributes:
        particles: Particles per generation.
        generations: Most generations after generation 0 (the prior).
        quantile: Each tolerance is this quantile of the previous generation's distances.
        epsilon: Target tolerance: stop once a generation reaches it (0: every band met).
        min_acceptance: Stop when a generation accepts fewer of its proposals than this share.
        max_proposals: Most draws simulated in one generation (then it stops unfinished).
        batch: Most draws given to the simulator at once.
    """

    particles: int
    generations: int
    quantile: float = 0.5
    epsilon: float = 0.0
    min_acceptance: float = 0.02
    max_proposals: int = 100_000
    batch: int = 4096


@dataclass(frozen=True)
class Generation:
    """One population of particles.

    Attributes:
        index: 0 for the prior, then 1, 2, ...
        epsilon: Its tolerance (``inf`` for generation 0).
        theta: Accepted particles, one row each.
        weights: Their normalised importance weights.
        distances: Their distances.
        statistics: Their summary statistics, by name.
        proposed: Draws simulated to fill it.
        seconds: Wall time it took.
        complete: False if it stopped at `Settings.max_proposals` with fewer particles than asked.
    """

    index: int
    epsilon: float
    theta: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    statistics: Mapping[str, np.ndarray]
    proposed: int
    seconds: float
    complete: bool = True

    @property
    def acceptance(self) -> float:
        """Share of the proposals it kept."""
        return len(self.theta) / self.proposed if self.proposed else float("nan")

    @property
    def ess(self) -> float:
        """Effective sample size of its weights."""
        return effective_sample_size(self.weights)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size, ``1 / sum(w^2)`` of the normalised weights."""
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    return float(1.0 / np.sum(w * w))


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probabilities: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical distribution, midpoint rule)."""
    order = np.argsort(values, kind="stable")
    x, w = np.asarray(values)[order], np.asarray(weights)[order]
    cumulative = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.asarray(probabilities), cumulative, x)


def generation_seed(root: np.random.SeedSequence, generation: int, part: int, batch: int = 0) -> np.random.SeedSequence:
    """The seed of one use of randomness: proposals (`part` 0) or a batch of simulations (`part` 1)."""
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, generation, part, batch))


def rejection(
    prior: PriorSet, simulate: Simulator, draws: int, epsilon: float, root: np.random.SeedSequence, batch: int = 4096
) -> tuple[Generation, np.ndarray]:
    """Rejection ABC: `draws` from the prior, kept where the distance is at most `epsilon`.

    Returns:
        The kept particles (equal weights) as a generation, and the share kept per batch of the
        whole sample as a boolean mask over all draws (for the predictive check of the prior).
    """
    began = time.perf_counter()
    rng = np.random.default_rng(generation_seed(root, 0, 0))
    theta = prior.sample(rng, draws)
    simulated = _simulate_in_batches(simulate, theta, root, 0, 0, batch)
    kept = simulated.distances <= epsilon
    generation = Generation(
        index=0,
        epsilon=float(epsilon),
        theta=theta[kept],
        weights=np.full(int(kept.sum()), 1.0 / max(int(kept.sum()), 1)),
        distances=simulated.distances[kept],
        statistics={k: v[kept] for k, v in simulated.statistics.items()},
        proposed=draws,
        seconds=time.perf_counter() - began,
    )
    return generation, kept


def _simulate_in_batches(
    simulate: Simulator, theta: np.ndarray, root: np.random.SeedSequence, generation: int, first: int, batch: int
) -> Simulated:
    parts = [
        simulate(theta[start : start + batch], generation_seed(root, generation, 1, first + k))
        for k, start in enumerate(range(0, len(theta), batch))
    ]
    statistics = {name: np.concatenate([p.statistics[name] for p in parts]) for name in parts[0].statistics}
    return Simulated(np.concatenate([p.distances for p in parts]), statistics)


def _kernel_cov(previous: Generation) -> np.ndarray:
    cov = np.atleast_2d(np.cov(previous.theta.T, aweights=previous.weights))
    jitter = 1e-12 * max(float(np.trace(cov)), 1e-12)
    return 2.0 * cov + jitter * np.eye(len(cov))


def _propose(prior: PriorSet, previous: Generation, rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` proposals inside the prior's support: a weighted particle moved by the kernel."""
    chol = np.linalg.cholesky(_kernel_cov(previous))
    found: list[np.ndarray] = []
    have = 0
    while have < count:
        picks = rng.choice(len(previous.theta), size=count, p=previous.weights)
        moved = previous.theta[picks] + rng.standard_normal((count, chol.shape[0])) @ chol.T
        inside = moved[np.isfinite(prior.logpdf(moved))]
        found.append(inside)
        have += len(inside)
    return np.concatenate(found)[:count]


def _weights(prior: PriorSet, theta: np.ndarray, previous: Generation) -> np.ndarray:
    cov = _kernel_cov(previous)
    inverse = np.linalg.inv(cov)
    _, logdet = np.linalg.slogdet(cov)
    log_kernel = np.empty((len(theta), len(previous.theta)))
    for start in range(0, len(theta), 512):  # rows of particles at a time: memory n x N x d
        diff = theta[start : start + 512, None, :] - previous.theta[None, :, :]
        log_kernel[start : start + 512] = -0.5 * np.einsum("ijk,kl,ijl->ij", diff, inverse, diff)
    log_kernel -= 0.5 * (logdet + cov.shape[0] * math.log(2 * math.pi))
    log_mixture = np.log(np.exp(log_kernel) @ previous.weights + 1e-300)
    log_w = prior.logpdf(theta) - log_mixture
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def _next(
    prior: PriorSet, simulate: Simulator, settings: Settings, root: np.random.SeedSequence, previous: Generation
) -> Generation:
    index = previous.index + 1
    began = time.perf_counter()
    epsilon = max(float(np.quantile(previous.distances, settings.quantile)), settings.epsilon)
    rng = np.random.default_rng(generation_seed(root, index, 0))
    kept_theta, kept_distances, kept_stats = [], [], []
    accepted, proposed, batch_number = 0, 0, 0
    rate = max(float(np.mean(previous.distances <= epsilon)), 0.05)
    while accepted < settings.particles and proposed < settings.max_proposals:
        wanted = math.ceil(1.2 * (settings.particles - accepted) / rate)
        count = max(1, min(wanted, settings.batch, settings.max_proposals - proposed))
        theta = _propose(prior, previous, rng, count)
        simulated = simulate(theta, generation_seed(root, index, 1, batch_number))
        hit = simulated.distances <= epsilon
        kept_theta.append(theta[hit])
        kept_distances.append(simulated.distances[hit])
        kept_stats.append({k: v[hit] for k, v in simulated.statistics.items()})
        accepted += int(hit.sum())
        proposed += count
        batch_number += 1
        rate = max(accepted / proposed, 1.0 / (proposed + 1))
    theta = np.concatenate(kept_theta)[: settings.particles]
    keep = len(theta)
    statistics = {k: np.concatenate([s[k] for s in kept_stats])[:keep] for k in kept_stats[0]}
    weights = _weights(prior, theta, previous) if keep else np.empty(0)
    return Generation(
        index=index,
        epsilon=epsilon,
        theta=theta,
        weights=weights,
        distances=np.concatenate(kept_distances)[:keep],
        statistics=statistics,
        proposed=proposed,
        seconds=time.perf_counter() - began,
        complete=keep == settings.particles,
    )


def stop_reason(generation: Generation, settings: Settings) -> str | None:
    """Why a calibration stops after `generation`, or None to go on."""
    if not generation.complete:
        return f"generation {generation.index} reached {settings.max_proposals:,} proposals before its particles"
    if generation.index > 0 and generation.epsilon <= settings.epsilon:
        return f"the tolerance reached its target {settings.epsilon:g}"
    if generation.index > 0 and generation.acceptance < settings.min_acceptance:
        return f"acceptance {generation.acceptance:.1%} fell below {settings.min_acceptance:.0%}"
    if generation.index >= settings.generations:
        return f"the budget of {settings.generations} generations is spent"
    return None


def abc_smc(
    prior: PriorSet,
    simulate: Simulator,
    settings: Settings,
    root: np.random.SeedSequence,
    done: Sequence[Generation] = (),
) -> Iterator[Generation]:
    """Run ABC-SMC, yielding each new generation (the caller keeps it before the next starts).

    Args:
        prior: The priors; ``theta``'s columns are its coordinates.
        simulate: The batched simulator.
        settings: Particles, generations and the tolerance schedule.
        root: The run's root seed; generation ``t`` draws from its children only.
        done: Generations already finished (``--resume``): the run continues after the last.
    """
    previous = done[-1] if done else None
    if previous is None:
        previous, _ = rejection(prior, simulate, settings.particles, math.inf, root, settings.batch)
        yield previous
    while stop_reason(previous, settings) is None:
        previous = _next(prior, simulate, settings, root, previous)
        yield previous
