"""The end-of-run summary card: where the run ended, and what the trainer's changes did, over several seeds.

One run is one draw of chance, so the effect of a change is not read off it. `summarise` runs the
same scenario (with the run's start values) for `SEEDS` seeds, the run's own seed first, twice:
with the run's changes at the same months (each one's events, as the log recorded them, holding as
they did) and without them. The effect is the mean of the paired differences in performance over
the last `LAST_MONTHS` months of the horizon, with a 95% Student-t interval (`colabsim.stats`).
The runs without changes use `colabsim.model.batch.run_batch` (all seeds at once, the same numbers
as one model per seed); those with changes step one `CollaborationModel` per seed, since a change
is applied in the middle of a run.

Cost: for Darwin (252 months) about 0.15 s per seed with changes plus 0.4 s for the batch, so 2.5 s
for 16 seeds on one core; the page computes it in a thread once a run has ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from colabsim.app.i18n import N_, Msg, Translator
from colabsim.app.interventions import apply_events
from colabsim.app.run import LogEntry
from colabsim.model.batch import run_batch
from colabsim.model.collaboration import CollaborationModel
from colabsim.scenario.loader import Scenario
from colabsim.stats import Estimate, mean_ci

__all__ = ["LAST_MONTHS", "SEEDS", "Summary", "summarise"]

#: Seeds each arm is run with (the run's own seed and the next ones).
SEEDS = 16
#: Months at the end of the horizon whose mean performance is compared (a year: less noisy than one month).
LAST_MONTHS = 12

TEXT = {
    "title": N_("Summary of this run"),
    "ended": N_("Performance {performance} over the last year of this run ({scenario}, seed {seed})."),
    "effect": N_(
        "Your changes ({changes}) changed performance by {effect} (95% CI {low} to {high}), measured against "
        "the same runs without them over {seeds} seeds."
    ),
    "no_effect": N_(
        "You made no changes. Over {seeds} seeds this scenario ends at {mean} (95% CI {low} to {high}): "
        "chance alone moves a run that much."
    ),
    "change": N_("{text} in {date}"),
    "working": N_("Working out the effect over {seeds} seeds..."),
}


@dataclass(frozen=True)
class Summary:
    """What a finished run shows, in numbers (translated by `Summary.lines`).

    Attributes:
        scenario: The scenario's name (English; translated where shown).
        start: (year, month) of the run's month 0.
        seed: The run's seed.
        performance: This run's mean performance over its last `LAST_MONTHS` months.
        changes: The trainer's changes as (month, what) in order.
        seeds: Seeds per arm.
        effect: Mean paired difference, with changes minus without, and its interval (None without changes).
        baseline: Mean performance without changes over the seeds, and its interval.
    """

    scenario: str
    start: tuple[int, int]
    seed: int
    performance: float
    changes: tuple[tuple[int, Msg], ...]
    seeds: int
    effect: Estimate | None
    baseline: Estimate

    def lines(self, tr: Translator) -> list[str]:
        """The card's sentences in the language of `tr`."""
        ended = tr(TEXT["ended"], performance=self.performance, scenario=Msg(self.scenario), seed=self.seed)
        if self.effect is None:
            base = self.baseline
            return [ended, tr(TEXT["no_effect"], seeds=self.seeds, mean=base.value, low=base.low, high=base.high)]
        changes = "; ".join(
            tr(TEXT["change"], text=text, date=tr.month(self.start, month)) for month, text in self.changes
        )
        effect = tr(
            TEXT["effect"],
            changes=changes,
            effect=tr.signed(self.effect.value),
            low=tr.signed(self.effect.low),
            high=tr.signed(self.effect.high),
            seeds=self.seeds,
        )
        return [ended, effect]


def _final(performance: np.ndarray) -> float:
    """Mean performance over the last `LAST_MONTHS` months (NaN months, with no programme running, skipped)."""
    tail = np.asarray(performance, dtype=float)[-LAST_MONTHS:]
    return float(np.nanmean(tail)) if np.isfinite(tail).any() else 0.0


def _with_changes(scenario: Scenario, seed: int, log: Sequence[LogEntry]) -> float:
    model = CollaborationModel(scenario, rng=seed)
    for entry in log:
        while model.month < min(entry.month, model.horizon):
            model.step()
        apply_events(model, entry.events, let_scheduled=entry.let_scheduled)
    while model.month < model.horizon:
        model.step()
    return _final(model.timeseries()["performance"].to_numpy(dtype=float))


def summarise(
    scenario: Scenario, seed: int, log: Sequence[LogEntry], performance: float, seeds: int = SEEDS
) -> Summary:
    """The summary of a finished run.

    Args:
        scenario: The scenario as run (with its start values, `Scenario.with_factors`).
        seed: The run's seed; the arms use ``seed, seed + 1, ...``.
        log: The trainer's changes, in order.
        performance: The run's own mean performance over its last `LAST_MONTHS` months.
        seeds: Seeds per arm.
    """
    run_seeds = [seed + k for k in range(seeds)]
    batch = run_batch(scenario, run_seeds, keep_series=True)
    without = np.array([_final(row) for row in np.asarray(batch.series["performance"], dtype=float)])
    changes = tuple((entry.month, entry.text) for entry in log)
    effect = None
    if log:
        with_ = np.array([_with_changes(scenario, s, log) for s in run_seeds])
        effect = mean_ci(with_ - without)
    return Summary(scenario.name, scenario.start, seed, performance, changes, seeds, effect, mean_ci(without))
