"""The validation report: docs/validation.md and its figures, written from a `ValidationResult`.

The report says what holds and what does not, with every number's CI, band and seeds, and embeds
the fingerprint of what it depends on (`colabsim.validation.fingerprint`), so a test can tell when
it is stale. Write it with ``colabsim validate-model --out docs`` (about 15 minutes on two cores),
or a quick look with ``--quick`` (a minute; marked as such, and never current for the test).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from colabsim._version import __version__
from colabsim.scenario.factors import HEADLINE
from colabsim.stats import Estimate
from colabsim.validation.coding import DECISIVE_SHARE
from colabsim.validation.figures import write_figures
from colabsim.validation.fingerprint import render_fingerprint, report_fingerprint, rules_fingerprint
from colabsim.validation.noise import NOISE_BAND
from colabsim.validation.patterns import DETERMINANT_BANDS, PATTERNS, criterion
from colabsim.validation.pipeline import V2, ValidationResult, discriminating
from colabsim.validation.study import TABLE_1_1

__all__ = ["QUICK_NOTE", "REGENERATE", "report_text", "write_report"]

#: How to regenerate the published report.
REGENERATE = "colabsim validate-model --out docs"
#: The line a quick report carries (the staleness test refuses such a report in docs/).
QUICK_NOTE = "**Quick run**: thin samples for a first look; not the published report."


def _ci(e: Estimate, digits: int = 3) -> str:
    return f"{e.value:.{digits}f} [{e.low:.{digits}f}, {e.high:.{digits}f}]"


def _num(value: float, digits: int = 3) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a table as mappings from column name to value."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _ci_columns(row: dict[str, Any], value: str, low: str, high: str, sign: str = "+") -> str:
    return f"{row[value]:{sign}.3f} [{row[low]:{sign}.3f}, {row[high]:{sign}.3f}]"


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _summary(result: ValidationResult) -> list[str]:
    v2 = result.models[V2.name]
    passed = v2.passed()
    lines = ["## Summary", ""]
    held = ", ".join(p for p, ok in passed.items() if ok) or "none"
    failed = ", ".join(p for p, ok in passed.items() if not ok) or "none"
    lines.append(f"- Model v2 meets {held}; it fails {failed} (bands in section 1).")
    for name, model in result.models.items():
        if name == V2.name:
            continue
        found = discriminating(model, v2)
        verdict = f"fails {', '.join(found)}, which v2 passes" if found else "**fails no pattern that v2 passes**"
        removed = ", ".join(model.model.removes) or "no pattern"
        lines.append(f"- {model.model.title.capitalize()}: {verdict} (its change removes {removed} by construction).")
    if result.swap is not None:
        decisive = result.swap.decisive
        alone = f"**{', '.join(decisive)} alone decide(s) P1**." if decisive else "no single factor decides P1 alone."
        share = float(result.swap.shapley["share"].iloc[0])
        lines.append(f"- Coding swap: the structure carries {share:.0%} of P1's gap; {alone}")
    if result.noise is not None:
        worst = max(_records(result.noise), key=lambda r: float(r["total_effect"]))
        noisiest = f"{worst['total_effect']:.0%} of the replication variance"
        lines.append(
            f"- Noise: no set-up draw (a run's start draws nothing at random), so none can decide a run (issue 14 "
            f"item 8's band: at most {NOISE_BAND:.0%}); of the monthly processes, {worst['source']} carries the most, "
            f"in {worst['scenario']} ({noisiest})."
        )
    if result.technical is not None:
        samples = result.technical.samples
        rho_v, rho_d = samples["rho_vlissingen"].median(), samples["rho_darwin"].median()
        lines.append(f"- Technical parameters +-25%: P1-P3 all hold in {samples['calibration'].mean():.0%} of "
                     f"{len(samples)} samples; the ranking's median Spearman correlation with the defaults' is "
                     f"{rho_v:.2f} (Vlissingen), {rho_d:.2f} (Darwin).")  # fmt: skip
    return [*lines, ""]


def _patterns(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    v2 = result.models[V2.name]
    lines = [
        "## 1 Patterns with their bands",
        "",
        f"Each pattern over {result.plan.pattern_seeds} replications (common seeds), 95% CIs. Calibration "
        "targets (the technical parameters were tuned on them): P1-P3 in Vlissingen and Darwin. Held out: P4-P8 "
        f"and the other Table 1.1 scenarios. P1 and P2 over {result.window.label} ({result.window.first} to "
        f"{result.window.last}); the full periods are below. The bands and their reasons are in docs/ODD.md, "
        "section 1.",
        "",
    ]
    rows = []
    for judged in v2.results:
        pattern = judged.pattern
        window = pattern.window or result.window.label
        for item in judged.criteria:
            rows.append((pattern.id, pattern.role, item.criterion.statistic, item.band.text(), _ci(item.estimate),
                         _yes(item.holds), window))  # fmt: skip
    lines += _table(("pattern", "role", "statistic", "band", "estimate [95% CI]", "holds", "window"), rows)
    if result.full_period:
        full = [(criterion(key).statistic, criterion(key).band.text(), _ci(e), _yes(criterion(key).band.holds(e)))
                for key, e in result.full_period.items()]  # fmt: skip
        lines += ["Over the full periods (Vlissingen 2006-2023, Darwin 2012-2032):", ""]
        lines += _table(("statistic", "band", "estimate [95% CI]", "holds"), full)
    lines += [f"![patterns](validation/{figures['patterns'].name})", ""]
    lines += ["The study's wording behind each pattern:", ""]
    lines += [f"- **{p.id}** ({p.evidence}): {p.wording}. *Band*: {p.reason}." for p in PATTERNS]
    return [*lines, ""]


def _models(result: ValidationResult) -> list[str]:
    v2 = result.models[V2.name]
    lines = [
        "## 2 The null model and the alternatives",
        "",
        "Each is Model v2 with mechanisms switched off by fixed parameters, tuned with the same search as v2 "
        "(`colabsim.validation.tuning`: the same ranges minus what it fixes, the same budget, seeds and loss). "
        "A pattern counts against a submodel only if v2 passes it and the submodel's change does not remove it "
        "by construction.",
        "",
    ]
    ids = [p.id for p in PATTERNS]
    rows = []
    for name, model in result.models.items():
        passed = model.passed()
        found = "-" if name == V2.name else (", ".join(discriminating(model, v2)) or "**none**")
        rows.append((model.model.title, *(("pass" if passed[p] else "fail") for p in ids), found))
    lines += _table(("model", *ids, "fails where v2 passes"), rows)
    keys = ("p1_darwin_level", "p1_ratio", "p2_drop_share", "p3_closed_share")
    lines += _table(("model", *keys), [(m.model.title, *(_ci(m.estimates[k]) for k in keys))
                                      for m in result.models.values()])  # fmt: skip
    current = rules_fingerprint()
    for name, model in result.models.items():
        if name == V2.name:
            continue
        fixed = ", ".join(f"`{k} = {v:g}`" for k, v in model.model.fixed.items())
        if model.tuning is None:
            tuned = "**not tuned yet** (runs at v2's defaults for its free parameters)"
        else:
            t = model.tuning
            stale = "" if t.rules_fingerprint == current else " **Tuned on other rules than these: re-tune.**"
            tuned = (f"tuned {t.date} on the rules of commit `{t.rules_commit[:10]}`, loss {t.loss:.3f} "
                     f"(v2's defaults: see ODD 7.0); budget {t.budget.seeds} seeds, {t.budget.lhs} hypercube points, "
                     f"{t.budget.local} local steps, search seed {t.budget.rng_seed}.{stale}")  # fmt: skip
        lines += [f"- **{model.model.title}** (`{name}`): {model.model.reason}. Fixed: {fixed}. {tuned}"]
    return [*lines, ""]


def _ofat(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    if result.ofat is None:
        return []
    ofat = result.ofat
    lines = [
        "## 3 OFAT effects in each Table 1.1 scenario",
        "",
        f"Mean performance with the factor (or the whole dimension) at 0.9 minus at 0.1, everything else as the file "
        f"has it, {result.plan.ofat_seeds} common seeds, 95% paired CI; {result.window.label} (clipped to a scenario's "
        f"period) and the full period. Issue 14's bands: at least {DETERMINANT_BANDS.vlissingen} for each headline "
        f"factor in Vlissingen, {DETERMINANT_BANDS.darwin} in Darwin where a carrier exists, "
        f"{DETERMINANT_BANDS.darwin_dimension} for each dimension in Darwin.",
        "",
        f"![OFAT effects](validation/{figures['ofat'].name})",
        "",
    ]
    for window in ("study window", "full period"):
        table = ofat[ofat["window"] == window]
        cells = table.assign(cell=[f"{r['effect']:+.3f}" + ("" if r["low"] > 0 or r["high"] < 0 else "°")
                                   for r in _records(table)])  # fmt: skip
        wide = cells.pivot(index="group", columns="scenario", values="cell")
        wide = wide.loc[list(dict.fromkeys(table["group"])), [s for s in TABLE_1_1 if s in wide.columns]]
        lines += [f"**{window.capitalize()}** (° : the CI includes 0):", ""]
        rows = ([group, *cells_of] for group, cells_of in zip(wide.index, wide.to_numpy().tolist(), strict=True))
        lines += _table(("factor", *wide.columns), rows)
    v = ofat[(ofat["window"] == "study window") & (ofat["scenario"] == "vlissingen") & ofat["group"].isin(HEADLINE)]
    meets = int(((v["effect"] >= DETERMINANT_BANDS.vlissingen) & (v["low"] > 0)).sum())
    lines += [f"In Vlissingen {meets} of {len(v)} headline factors reach their band over the study window.", ""]
    return lines


def _knockouts(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    if result.knockouts is None:
        return []
    verdicts = {True: "yes", False: "**no**", None: ""}
    rows = [(r["factor"], r["path"], f"`{r['switches']}`", r["role"], r["window"],
             _ci_columns(r, "with", "with_low", "with_high"), _ci_columns(r, "without", "without_low", "without_high"),
             verdicts[r["meets_role"]]) for r in _records(result.knockouts)]  # fmt: skip
    return [
        "## 4 Knock-outs",
        "",
        f"Each factor's OFAT effect in Vlissingen with one causal path and with that path switched off "
        f"({result.plan.knockout_seeds} common seeds; {result.window.label} and the full period). Role `only`: "
        "the effect must vanish in every run; `main`: at most half may remain (tests/test_knockouts.py asserts both "
        "over the full period); `part`: one path among several, reported.",
        "",
        *_table(
            ("factor", "path", "switch", "role", "window", "effect with the path", "without it", "meets its role"), rows
        ),
        f"![knock-outs](validation/{figures['knockouts'].name})",
        "",
    ]


def _swap(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    swap = result.swap
    if swap is None:
        return []
    lines = [
        "## 5 The coding swap: what carries P1",
        "",
        f"Each study scenario's structure (actors, ties, programmes, timeline) with the other's factor values as start "
        f"values (events still change them); then the gap {swap.strong} minus {swap.weak} ({swap.gap:.3f}) split "
        f"exactly among the structure and the dimensions' factor groups by Shapley values over all 2^10 combinations "
        f"({result.plan.swap_seeds} common seeds each), {result.window.label}.",
        "",
        *_table(("configuration", "mean performance [95% CI]"), ((k, _ci(e)) for k, e in swap.levels.items())),
        *_table(("player", "factors", "Shapley value [95% CI]", "share of the gap"),
                ((r["player"], r["members"], _ci_columns(r, "value", "low", "high"), f"{r['share']:.0%}")
                 for r in _records(swap.shapley))),
        f"![coding swap](validation/{figures['swap'].name})",
        "",
        f"Each factor swapped alone ({result.plan.swap_single_seeds} seeds): the share of the gap it closes when "
        f"given {swap.weak} the value of {swap.strong}, and opens when given {swap.strong} the value of {swap.weak}. "
        f"A factor doing {DECISIVE_SHARE:.0%} or more alone would decide P1 alone: "
        + (f"**{', '.join(swap.decisive)}**." if swap.decisive else "none does."),
        "",
        *_table(("factor", "dimension", swap.strong, swap.weak, "closes", "opens"),
                ((r["factor"], r["dimension"], f"{r['strong_value']:g}", f"{r['weak_value']:g}", f"{r['closes']:.0%}",
                  f"{r['opens']:.0%}") for r in _records(swap.single))),
    ]  # fmt: skip
    return lines


def _levers(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    levers = result.levers
    if levers is None:
        return []

    def months(value: float) -> str:
        return "no lasting effect" if value != value else f"{value:.0f} month" + ("" if value == 1 else "s")

    rows = [(r["lever"], _ci_columns(r, "value", "low", "high"), f"{r['share']:.0%}", f"{r['alone']:+.3f}",
             f"{r['last']:+.3f}", months(r["months_to_half"])) for r in _records(levers.shapley)]  # fmt: skip
    return [
        "## 6 The recommendations' levers",
        "",
        f"The events darwin_reformed adds to darwin, each a lever; all 2^{len(rows)} combinations over "
        f"{levers.window.label}, {result.plan.lever_seeds} common seeds. All together gain {_ci(levers.total)} over no "
        f"lever, half of it after {months(levers.half_all)}. Shapley value: a lever's gain averaged over every order "
        "in which the levers could come; alone / last: its gain on its own / added to all the others. Time to "
        "half-effect: from January 2023 until the lever's gain alone (mean over seeds, smoothed over six months) "
        "first reaches half its level in 2030-2032. (The lever-free file differs from darwin by "
        f"{levers.no_lever_gap:+.4f}: the absent partner's ties only.)",
        "",
        *_table(("lever", "Shapley value [95% CI]", "share", "alone", "last", "time to half-effect"), rows),
        f"![levers](validation/{figures['levers'].name})",
        "",
    ]


def _noise(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    if result.noise is None:
        return []
    rows = [(r["scenario"], r["source"], f"{r['first_order']:.0%}", f"{r['total_effect']:.0%}")
            for r in _records(result.noise)]  # fmt: skip
    return [
        "## 7 Replication noise by noise source",
        "",
        f"Each noise source (`colabsim.model.streams.NOISE_SOURCES`) drawn again while the others are held "
        f"({result.plan.noise_bases} base seeds x {result.plan.noise_draws} draws), and held while the others are "
        f"drawn: its total-effect and first-order shares of the variance of a run's mean performance "
        f"({result.window.label}). Issue 14's band (item 8): no set-up draw above {NOISE_BAND:.0%}. Model v2 draws "
        "nothing at set-up (an optional member takes part at the intensity `inclusion`; its yearly draw made about "
        "70% of the noise in v2's first step), which tests/test_noise_sources.py checks; every source below is a "
        "monthly process, and their shares say which kind of chance makes one replication differ from another.",
        "",
        *_table(("scenario", "monthly process", "first order", "total effect"), rows),
        f"![noise sources](validation/{figures['noise'].name})",
        "",
    ]


def _horizon(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    horizon = result.horizon
    if horizon is None:
        return []

    def rows(frame: pd.DataFrame) -> Iterable[Sequence[str]]:
        return ((r["what"], _num(r["strong"]), _num(r["weak"]), f"{r['ratio']:.1f} [{r['low']:.1f}, {r['high']:.1f}]")
                for r in _records(frame))  # fmt: skip

    return [
        "## 8 The Vlissingen/Darwin ratio by horizon and at equal age",
        "",
        f"Both run {result.plan.horizon_years} years from their own start ({result.plan.horizon_seeds} seeds); the "
        "ratio of the means over the first h years of each (at equal age), and over the study window in calendar "
        "years (unequal ages) against the same ages in both. Ratio CIs from the ends of both CIs (conservative).",
        "",
        *_table(("horizon", "vlissingen", "darwin", "ratio [CI]"), rows(horizon.cumulative)),
        *_table(("window", "vlissingen", "darwin", "ratio [CI]"), rows(horizon.study_window)),
        f"![ratio by age](validation/{figures['horizon'].name})",
        "",
    ]


def _outcomes(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    found = result.outcomes
    if found is None:
        return []
    dist = found.distribution[found.distribution["window"] != "full period"]
    return [
        "## 9 By sector, and the distribution of runs",
        "",
        f"{result.plan.outcome_seeds} runs per scenario, {result.window.label} (clipped to each scenario's period; "
        "the reformed Darwin over the years after the reforms). The study looks at health (Vlissingen) against "
        "tourism and vocational education (Darwin's yacht race and vocational programmes).",
        "",
        *_table(("scenario", "sector", "window", "mean [95% CI]", "5%", "median", "95%", "runs with the sector live"),
                ((r["scenario"], r["sector"], r["window"], _ci_columns(r, "mean", "low", "high", ""), _num(r["q05"]),
                  _num(r["q50"]), _num(r["q95"]), f"{r['live_share']:.0%}") for r in _records(found.sectors))),
        *_table(("scenario", "window", "mean [95% CI]", "5%", "25%", "median", "75%", "95%", "runs below 0.05"),
                ((r["scenario"], r["window"], _ci_columns(r, "mean", "low", "high", ""), _num(r["q05"]),
                  _num(r["q25"]), _num(r["q50"]), _num(r["q75"]), _num(r["q95"]), f"{r['below']:.0%}")
                 for r in _records(dist))),
        f"![distribution of runs](validation/{figures['distribution'].name})",
        "",
        "## 10 Ceiling effects",
        "",
        "Share of programme-months with a producing programme (performance above 0) at the ceiling of 1, and at 0.95 "
        "or more (issue 14, item 7: a factor cannot show an effect where performance is at its ceiling).",
        "",
        *_table(("scenario", "at 1", "at 0.95 or more", "highest reached"),
                ((r["scenario"], f"{r['at_ceiling']:.1%}", f"{r['near_ceiling']:.1%}", _num(r["highest"]))
                 for r in _records(found.ceiling))),
    ]  # fmt: skip


def _technical(result: ValidationResult, figures: dict[str, Path]) -> list[str]:
    technical = result.technical
    if technical is None:
        return []
    samples = technical.samples
    shares = [(c, f"{samples[c].mean():.0%}") for c in (*(p.id for p in PATTERNS), "calibration", "every")]
    ranking = [(name, f"{samples[f'rho_{name}'].median():.2f}", f"{samples[f'rho_{name}'].quantile(0.1):.2f}",
                f"{samples[f'top_{name}'].mean():.0%}") for name in ("vlissingen", "darwin")]  # fmt: skip
    return [
        "## 11 Robustness to the technical parameters",
        "",
        f"{len(samples)} Latin-hypercube samples of the {len(technical.parameters)} scalar parameters within 25% of "
        f"their defaults (clipped to their ranges), each run over the patterns ({result.plan.lhs_pattern_seeds} seeds) "
        f"and the headline OFAT in Vlissingen and Darwin ({result.plan.lhs_ofat_seeds} seeds).",
        "",
        *_table(("pattern(s)", "share of samples meeting it"), shares),
        *_table(("scenario", "median Spearman with the default ranking", "10% quantile", "same leading factor"),
                ranking),
        "The parameters most rank-correlated with the calibration statistics across samples:",
        "",
        *_table(("statistic", "parameter", "Spearman"),
                ((r["statistic"], r["parameter"], f"{r['rho']:+.2f}") for r in _records(technical.influence))),
        f"![technical parameters](validation/{figures['technical'].name})",
        "",
    ]  # fmt: skip


def _bands(result: ValidationResult) -> list[str]:
    if result.bands is None:
        return []
    table = result.bands
    return [
        "## 12 How the conclusions move with the bands",
        "",
        "The calibration patterns each model passes under the bands as written and under each variant (one band "
        "changed at a time), and whether every alternative still fails a pattern v2 passes.",
        "",
        *_table(list(table.columns), ([*row[:-1], _yes(bool(row[-1]))] for row in table.to_numpy().tolist())),
    ]


def _method(result: ValidationResult, seconds: float) -> list[str]:
    rows = [(part, result.seeds.get(part, ""), f"{result.timings[part]:.0f} s", f"{result.cpu.get(part, 0.0):.0f} s")
            for part in result.timings]  # fmt: skip
    return [
        "## How this report was made",
        "",
        f"`{REGENERATE}` (plan `{result.plan.name}`), colabsim {__version__}, scenario files from "
        f"`{result.study.directory.name}/`, {seconds / 60:.1f} minutes in all ({sum(result.cpu.values()) / 60:.1f} "
        "minutes of CPU time in one process: the wall time grows with the machine's other load). Every configuration "
        "uses common seeds; the same command writes the same numbers.",
        "",
        *_table(("part", "seeds", "time", "CPU time"), rows),
    ]


def report_text(result: ValidationResult, figures: dict[str, Path], seconds: float) -> str:
    """The report's Markdown."""
    fingerprint = report_fingerprint(result.scenario_files)
    date = datetime.now(UTC).date().isoformat()
    lines = [
        "# Validation of colabsim (Model v2)",
        "",
        render_fingerprint(fingerprint),
        "",
        f"Generated by `{REGENERATE}` on {date}; do not edit by hand. tests/test_validation_report.py fails when the "
        "model, the scenarios, the bands or the submodels change without this report being written again.",
        "",
    ]
    if result.plan.name != "full":
        lines += [QUICK_NOTE, ""]
    sections = (_summary(result), _patterns(result, figures), _models(result), _ofat(result, figures),
                _knockouts(result, figures), _swap(result, figures), _levers(result, figures), _noise(result, figures),
                _horizon(result, figures), _outcomes(result, figures), _technical(result, figures), _bands(result),
                _method(result, seconds))  # fmt: skip
    for section in sections:
        lines += section
    return "\n".join(lines).rstrip() + "\n"


def write_report(result: ValidationResult, out: Path, seconds: float) -> Path:
    """Write ``validation.md`` and the figures (in ``validation/``) into `out`; returns the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    figures = write_figures(result, out / "validation")
    path = out / "validation.md"
    path.write_text(report_text(result, figures, seconds), encoding="utf-8")
    return path
