"""Measuring the patterns: one estimate with a 95% CI per criterion of `colabsim.validation.patterns`.

Every configuration runs over the same seeds (common random numbers), so effects within a
scenario are paired differences; comparisons across scenarios use Welch intervals. Ratios and
shares carry conservative intervals from the ends of their parts' intervals. P1 and P2 are
measured over the evaluation window the caller chooses (by default the study's last five years,
2017-2022); the other patterns over the windows their wording names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from colabsim.experiments.progress import ProgressCallback
from colabsim.model.batch import BatchResult
from colabsim.scenario.loader import Scenario
from colabsim.stats import Estimate, mean_ci, welch_difference
from colabsim.validation.levers import lever_events, without_events
from colabsim.validation.patterns import LEVER_NOTES, PATTERNS
from colabsim.validation.runs import Arm, Extract, run_arms
from colabsim.validation.study import Study
from colabsim.validation.windows import REFORM_WINDOW, STUDY_WINDOW, VLISSINGEN_LAST_DECADE, Window, window_mean

__all__ = [
    "ALL_PATTERNS",
    "PatternRuns",
    "estimates_from",
    "lever_alone",
    "measure_patterns",
    "pattern_arms",
    "ratio_estimate",
    "run_patterns",
    "share_estimate",
]

ALL_PATTERNS: tuple[str, ...] = tuple(p.id for p in PATTERNS)


def ratio_estimate(numerator: Estimate, denominator: Estimate) -> Estimate:
    """``numerator / denominator`` with the interval from the ends of both intervals (conservative)."""

    def divide(a: float, b: float) -> float:
        return a / b if b > 0 else float("inf")

    return Estimate(
        divide(numerator.value, denominator.value),
        divide(numerator.low, denominator.high),
        divide(numerator.high, denominator.low),
    )


def share_estimate(effect: Estimate, reference: float) -> Estimate:
    """An effect as a share of a reference level (NaN when the reference is not above 0)."""
    if not reference > 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    return Estimate(effect.value / reference, effect.low / reference, effect.high / reference)


def _y(first: int, last: int | None = None) -> Window:
    last = first if last is None else last
    return Window(f"{first}-01", f"{last}-12", f"{first}" if first == last else f"{first}-{last}")


def _first_join(batch: BatchResult, horizon: int) -> np.ndarray:
    joined = batch.series["partners_joined"] > 0
    return np.where(joined.any(axis=1), joined.argmax(axis=1), horizon).astype(np.float64)


def _extract(windows: Mapping[str, Window | None]) -> Extract:
    def extract(scenario: Scenario, batch: BatchResult) -> dict[str, np.ndarray]:
        performance = batch.series["performance"]
        kept = {name: window_mean(scenario, performance, window) for name, window in windows.items()}
        trust = batch.series["trust"]
        kept |= {
            "trust_first_year": trust[:, :12].mean(axis=1),
            "trust_eval": window_mean(scenario, trust, windows.get("eval")),
        }
        sectors = batch.series["active_sectors"]
        kept |= {
            "final": performance[:, -12:].mean(axis=1),
            "first_sectors": sectors[:, 0],
            "peak_sectors": sectors.max(axis=1),
            "joined": batch.series["partners_joined"][:, -1],
            "reputation": batch.series["reputation"].mean(axis=1),
            "first_join": _first_join(batch, scenario.horizon_months),
        }
        return kept

    return extract


@dataclass(frozen=True)
class PatternRuns:
    """The per-run values the patterns are measured from, by arm name (``vlissingen``, ``no_mediation``, ...)."""

    values: Mapping[str, Mapping[str, np.ndarray]]

    def __getitem__(self, arm: str) -> Mapping[str, np.ndarray]:
        """The values of one arm."""
        return self.values[arm]


def _arms(study: Study, seeds: tuple[int, ...], window: Window | None, wanted: set[str]) -> dict[str, tuple[Arm, dict]]:
    evaluated = {"eval": window, "full": None}
    arms: dict[str, tuple[Arm, dict]] = {}

    def add(name: str, file: str, windows: Mapping[str, Window | None], **factors: float) -> None:
        if name in arms:
            arms[name][1].update(windows)
        else:
            arms[name] = (Arm(study[file], seeds, factors), dict(windows))

    if wanted & {"P1", "P2", "P3", "P5", "P7"}:
        add("vlissingen", "vlissingen", evaluated | {"last_decade": VLISSINGEN_LAST_DECADE})
    if wanted & {"P1", "P3", "P7", "P8"}:
        add("darwin", "darwin", evaluated | {"reform": REFORM_WINDOW})
    if "P2" in wanted:
        add("no_mediation", "vlissingen", evaluated, mediation=0.0)
    if "P3" in wanted:
        add("reformed", "darwin_reformed", {"reform": REFORM_WINDOW})
    if "P4" in wanted:
        add("apik", "apik", {"funded": _y(2016, 2020), "after": _y(2021), "ccbo_years": _y(2021, 2025)})
        add("saiig", "saiig", {"funded": _y(2015, 2016), "after": _y(2017)})
        add("apik_ccbo", "apik_ccbo", {"ccbo_years": _y(2021, 2025), "funded": _y(2022, 2025), "after": _y(2026)})
    if "P6" in wanted:
        for file in ("vlissingen_partners", "darwin_partners", "ambon_music"):
            add(file, file, {"full": None})
    if "P8" in wanted:
        for key, scenario in lever_alone(study).items():
            arms[f"lever_{key}"] = (Arm(scenario, seeds), {"reform": REFORM_WINDOW})
    return arms


def lever_alone(study: Study) -> dict[str, Scenario]:
    """For each lever of P8 (`LEVER_NOTES`), the reformed Darwin with that lever's events only.

    Raises:
        ValueError: If a lever's events cannot be found by their note in the reformed scenario.
    """
    reformed, base = study["darwin_reformed"], study["darwin"]
    levers = lever_events(reformed, base)
    found: dict[str, Scenario] = {}
    for key, word in LEVER_NOTES.items():
        mine = [label for label in levers if word in label]
        if len(mine) != 1:
            raise ValueError(f"P8's lever {key!r}: {len(mine)} event groups of darwin_reformed name {word!r}")
        others = {i for label, indices in levers.items() if label != mine[0] for i in indices}
        found[key] = without_events(reformed, others)
    return found


def _check(patterns: Iterable[str]) -> set[str]:
    wanted = set(patterns)
    unknown = sorted(wanted - set(ALL_PATTERNS))
    if unknown:
        raise ValueError(f"unknown pattern(s) {', '.join(unknown)}; the patterns are {', '.join(ALL_PATTERNS)}")
    return wanted


def pattern_arms(
    study: Study, seeds: Sequence[int], window: Window | None = STUDY_WINDOW, patterns: Iterable[str] = ALL_PATTERNS
) -> tuple[list[str], list[Arm], list[Extract]]:
    """The configurations the chosen patterns need: arm names, arms and what to keep of each.

    Run them with `colabsim.validation.runs.run_arms` (beside other arms, to share its batches and
    progress) and give the results, by name, to `PatternRuns`.
    """
    arms = _arms(study, tuple(int(s) for s in seeds), window, _check(patterns))
    return list(arms), [a for a, _ in arms.values()], [_extract(w) for _, w in arms.values()]


def run_patterns(
    study: Study,
    seeds: Sequence[int],
    window: Window | None = STUDY_WINDOW,
    patterns: Iterable[str] = ALL_PATTERNS,
    progress: ProgressCallback | None = None,
    label: str = "patterns",
) -> PatternRuns:
    """Run the configurations the chosen patterns need and keep their per-run values."""
    names, arms, extracts = pattern_arms(study, seeds, window, patterns)
    return PatternRuns(dict(zip(names, run_arms(arms, extracts, progress, label), strict=True)))


def estimates_from(runs: PatternRuns, patterns: Iterable[str] = ALL_PATTERNS) -> dict[str, Estimate]:
    """The patterns' estimates, by criterion key, from per-run values (see `run_patterns`)."""
    wanted = _check(patterns)
    out: dict[str, Estimate] = {}
    if "P1" in wanted:
        v, d = runs["vlissingen"]["eval"], runs["darwin"]["eval"]
        share_low = float(np.mean(runs["darwin"]["final"] < 0.05))
        out["p1_darwin_level"] = mean_ci(d)
        out["p1_darwin_alive"] = Estimate(share_low, share_low, share_low)
        out["p1_ratio"] = ratio_estimate(mean_ci(v), mean_ci(d))
        out["p1_apart"] = welch_difference(v, d)
    if "P2" in wanted:
        v = runs["vlissingen"]["eval"]
        out["p2_drop_share"] = share_estimate(mean_ci(v - runs["no_mediation"]["eval"]), float(v.mean()))
    if "P3" in wanted:
        base, reformed = runs["darwin"]["reform"], runs["reformed"]["reform"]
        gap = float(runs["vlissingen"]["last_decade"].mean() - base.mean())
        out["p3_closed_share"] = share_estimate(mean_ci(reformed - base), gap)
    if "P4" in wanted:
        for donor in ("apik", "saiig"):
            values = runs[donor]
            out[f"p4_{donor}_funded"] = mean_ci(values["funded"])
            drop = mean_ci(values["funded"] - values["after"])
            out[f"p4_{donor}_drop"] = out[f"p4_{donor}_drop_ci"] = drop
        ccbo = runs["apik_ccbo"]
        out["p4_follow_on"] = welch_difference(ccbo["ccbo_years"], runs["apik"]["ccbo_years"])
        out["p4_follow_on_level"] = welch_difference(ccbo["funded"], runs["apik"]["funded"])
        out["p4_follow_on_drop"] = mean_ci(ccbo["funded"] - ccbo["after"])
    if "P5" in wanted:
        first = runs["vlissingen"]["first_sectors"]
        most = float(first.max())
        out["p5_start"] = Estimate(most, most, most)
        out["p5_spread"] = mean_ci(runs["vlissingen"]["peak_sectors"] - first)
    if "P6" in wanted:
        strong, weak, music = runs["vlissingen_partners"], runs["darwin_partners"], runs["ambon_music"]
        out["p6_strong_performs"] = welch_difference(strong["full"], weak["full"])
        out["p6_more_partners"] = out["p6_more_partners_size"] = welch_difference(strong["joined"], weak["joined"])
        out["p6_reputation"] = welch_difference(strong["reputation"], music["reputation"])
        out["p6_sooner"] = welch_difference(music["first_join"], strong["first_join"])
    if "P7" in wanted:
        strong_city, weak_city = runs["vlissingen"], runs["darwin"]
        out["p7_trust_built"] = mean_ci(strong_city["trust_eval"] - strong_city["trust_first_year"])
        out["p7_trust_above_darwin"] = welch_difference(strong_city["trust_eval"], weak_city["trust_eval"])
    if "P8" in wanted:
        base = runs["darwin"]["reform"]
        for key in LEVER_NOTES:
            out[f"p8_{key}"] = mean_ci(runs[f"lever_{key}"]["reform"] - base)
    return out


def measure_patterns(
    study: Study,
    seeds: Sequence[int],
    window: Window | None = STUDY_WINDOW,
    patterns: Iterable[str] = ALL_PATTERNS,
    progress: ProgressCallback | None = None,
) -> dict[str, Estimate]:
    """Run and measure the chosen patterns: one estimate per criterion key.

    Args:
        study: The study's scenarios, with the parameters to measure.
        seeds: Common seeds of every configuration (at least 30 for a verdict).
        window: Evaluation window of P1 and P2 (None: each scenario's full period).
        patterns: Pattern ids to measure (default all).
        progress: Receives the runs done as phase ``patterns``.

    Raises:
        ValueError: If a pattern id is unknown.
    """
    chosen = list(patterns)
    return estimates_from(run_patterns(study, seeds, window, chosen, progress), chosen)
