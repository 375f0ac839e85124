"""The study's patterns P1-P8 as data: each a set of criteria with quantitative bands and reasons.

Pattern-oriented modelling (Grimm et al. 2005) with strong inference: each pattern the study
reports is a test over replications, a band on an effect size and its 95% confidence interval,
written once here and read by the tests (tests/test_patterns.py), the tuning
(`colabsim.validation.tuning`), the validation report and docs/ODD.md. P1-P3 in Vlissingen and
Darwin are the calibration targets the technical parameters were tuned on; P4-P8 and the other
scenarios of the study's Table 1.1 are held out (P7 and P8 were added after the tuning, so that
the alternative models, which meet P1-P6, face patterns that their changes touch).

Measuring (`colabsim.validation.measure`) gives one `Estimate` per criterion key; `judge` holds them
against the bands, which a caller may replace (how the conclusions move with the bands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from colabsim.stats import Estimate

__all__ = [
    "BAND_VARIANTS",
    "CALIBRATION",
    "DETERMINANT_BANDS",
    "HELD_OUT",
    "LEVER_NOTES",
    "PATTERNS",
    "Band",
    "Criterion",
    "CriterionResult",
    "DeterminantBands",
    "Pattern",
    "PatternResult",
    "bands_markdown",
    "criterion",
    "judge",
]

CALIBRATION = "calibration"
HELD_OUT = "held out"


@dataclass(frozen=True)
class Band:
    """Where an estimate must lie.

    Attributes:
        low: Lowest allowed value (None: no lower bound).
        high: Highest allowed value (None: no upper bound).
        on: ``interval``: the whole 95% CI lies in the band (the conservative reading, used for
            effects); ``value``: the point estimate does (used for shares of runs and sizes).
        open: The bounds themselves are excluded (``> 0`` rather than ``>= 0``: a CI excluding 0).
    """

    low: float | None = None
    high: float | None = None
    on: Literal["interval", "value"] = "interval"
    open: bool = False

    def holds(self, estimate: Estimate) -> bool:
        """Whether `estimate` lies in the band (never for a NaN estimate)."""
        lowest, highest = (estimate.low, estimate.high) if self.on == "interval" else (estimate.value, estimate.value)
        if lowest != lowest or highest != highest:  # NaN: nothing was measured
            return False
        above = self.low is None or (lowest > self.low if self.open else lowest >= self.low)
        below = self.high is None or (highest < self.high if self.open else highest <= self.high)
        return above and below

    def text(self) -> str:
        """The band in words, e.g. ``CI within [0.05, 0.45]`` or ``value <= 0.1``."""
        where = "CI" if self.on == "interval" else "value"
        gt, lt = (">", "<") if self.open else (">=", "<=")
        if self.low is not None and self.high is not None:
            brackets = "()" if self.open else "[]"
            return f"{where} within {brackets[0]}{self.low:g}, {self.high:g}{brackets[1]}"
        if self.low is not None:
            return f"{where} {gt} {self.low:g}"
        if self.high is not None:
            return f"{where} {lt} {self.high:g}"
        return "any"


@dataclass(frozen=True)
class Criterion:
    """One measured statistic of a pattern and its band.

    Attributes:
        key: Identifier of the statistic (as `colabsim.validation.measure` names it).
        statistic: What is measured, in words.
        band: Where it must lie.
    """

    key: str
    statistic: str
    band: Band


@dataclass(frozen=True)
class Pattern:
    """A pattern of the study, its bands and why.

    Attributes:
        id: ``P1`` to ``P8``.
        name: The pattern in a few words.
        wording: The study's own words (translated; Indonesian where it matters).
        evidence: Where in the study.
        reason: Why the bands are where they are.
        role: `CALIBRATION` (tuned on) or `HELD_OUT`.
        scenarios: The scenario files it is measured on.
        window: The months evaluated, in words; ``None`` when the pattern is evaluated over the
            caller's evaluation window (by default `colabsim.validation.windows.STUDY_WINDOW`).
        criteria: The statistics and bands; the pattern holds when every criterion does.
    """

    id: str
    name: str
    wording: str
    evidence: str
    reason: str
    role: str
    scenarios: tuple[str, ...]
    window: str | None
    criteria: tuple[Criterion, ...]


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        id="P1",
        name="Vlissingen optimal, Darwin less optimal",
        wording='Vlissingen "is managed optimally"; Darwin is managed "less optimally" (kurang optimal) '
        "and brings little improvement",
        evidence="conclusion 1",
        reason="kurang optimal is weak, not dead: Darwin stays above 0.05 and below 0.45, and few runs end "
        "dormant; a ratio of a few times, not tens (2 to 10 at the ends of both CIs, which do not overlap)",
        role=CALIBRATION,
        scenarios=("vlissingen", "darwin"),
        window=None,
        criteria=(
            Criterion("p1_darwin_level", "Darwin's mean performance", Band(0.05, 0.45)),
            Criterion(
                "p1_darwin_alive",
                "share of Darwin runs whose final year performs below 0.05",
                Band(high=0.10, on="value"),
            ),
            Criterion(
                "p1_ratio", "Vlissingen / Darwin mean performance (CI from the ends of both CIs)", Band(2.0, 10.0)
            ),
            Criterion("p1_apart", "Vlissingen minus Darwin mean performance (Welch)", Band(low=0.0, open=True)),
        ),
    ),
    Pattern(
        id="P2",
        name="mediation itself matters",
        wording='commitment on both sides is "mediated by the Ambon-Vlissingen foundation team (SSVA)"',
        evidence="conclusion 3",
        reason="a determinant the study names must be clearly felt: mediation = 0 with the foundation and its "
        "resources kept (its brokerage, buffer and facilitation gone) costs at least 15% at the CI's lower end",
        role=CALIBRATION,
        scenarios=("vlissingen",),
        window=None,
        criteria=(
            Criterion(
                "p2_drop_share",
                "Vlissingen's drop with mediation = 0 (paired), as a share of its mean",
                Band(low=0.15),
            ),
        ),
    ),
    Pattern(
        id="P3",
        name="the recommendations close the gap",
        wording="recommendations 2 and 4: renew Darwin's legal frame, a competent cooperation unit, a competent "
        "Ambon-Darwin team, a credible local partner, Pattimura University as a strategic partner",
        evidence="recommendations 2 and 4",
        reason="recommendations worth making close a substantial part of the gap in the years after them: at "
        "least 30% of the gap to Vlissingen's last ten years over 2023-2032, at the CI's lower end",
        role=CALIBRATION,
        scenarios=("darwin", "darwin_reformed", "vlissingen"),
        window="2023-2032 (gap: Vlissingen 2014-2023)",
        criteria=(
            Criterion(
                "p3_closed_share",
                "reformed minus baseline Darwin in 2023-2032 (paired), as a share of the gap to Vlissingen",
                Band(low=0.30),
            ),
        ),
    ),
    Pattern(
        id="P4",
        name="donor programmes perform while funded",
        wording="programmes are specific and time-limited (2-5 years) and may be continued by another programme "
        "(USAID: APIK 2016-2020, then CCBO 2021/22-2025)",
        evidence="form 2; Table 1.1 rows 1, 2 and 6",
        reason="performing is 0.3 or more (Vlissingen, optimal, is about 0.65); a drop felt by the city is 0.1 or "
        "more in the year after the window, with a CI excluding 0; a follow-on keeps the level (no more than "
        "0.15 below) and then drops in its turn",
        role=HELD_OUT,
        scenarios=("apik", "saiig", "apik_ccbo"),
        window="the donor windows (APIK 2016-2020, SAIIG 2015-2016, CCBO 2022-2025) and the year after",
        criteria=(
            Criterion("p4_apik_funded", "APIK's mean performance in 2016-2020", Band(low=0.3)),
            Criterion("p4_apik_drop", "APIK 2016-2020 minus 2021 (paired)", Band(low=0.1, on="value")),
            Criterion("p4_apik_drop_ci", "APIK 2016-2020 minus 2021 (paired)", Band(low=0.0, open=True)),
            Criterion("p4_saiig_funded", "SAIIG's mean performance in 2015-2016", Band(low=0.3)),
            Criterion("p4_saiig_drop", "SAIIG 2015-2016 minus 2017 (paired)", Band(low=0.1, on="value")),
            Criterion("p4_saiig_drop_ci", "SAIIG 2015-2016 minus 2017 (paired)", Band(low=0.0, open=True)),
            Criterion("p4_follow_on", "APIK then CCBO minus APIK alone, 2021-2025 (Welch)", Band(low=0.0, open=True)),
            Criterion("p4_follow_on_level", "CCBO's window 2022-2025 minus APIK's 2016-2020 (Welch)", Band(low=-0.15)),
            Criterion("p4_follow_on_drop", "CCBO 2022-2025 minus 2026 (paired)", Band(low=0.0, open=True)),
        ),
    ),
    Pattern(
        id="P5",
        name="a sister city spreads",
        wording="sister cities start in one or two main fields and then spread to more fields",
        evidence="form 1",
        reason="the study's own numbers: one or two sectors at the start, at least one more later",
        role=HELD_OUT,
        scenarios=("vlissingen",),
        window="the full period (2006-2023)",
        criteria=(
            Criterion("p5_start", "most active sectors in the first month, over runs", Band(high=2.0, on="value")),
            Criterion("p5_spread", "peak minus first month's active sectors (paired)", Band(low=1.0)),
        ),
    ),
    Pattern(
        id="P6",
        name="success attracts partners",
        wording="their success led other cities (Metz, Havana) to offer sister-city ties of their own",
        evidence="form 1; Table 1.1 rows 7-8",
        reason="the same prospective partners join the successful city more often (at least one more on average, "
        "CI above 0) and sooner than a less reputed one",
        role=HELD_OUT,
        scenarios=("vlissingen_partners", "darwin_partners", "ambon_music"),
        window="the full periods",
        criteria=(
            Criterion(
                "p6_strong_performs",
                "strong minus weak city's mean performance, same partners offered (Welch)",
                Band(low=0.0, open=True),
            ),
            Criterion("p6_more_partners", "partners joined, strong minus weak city (Welch)", Band(low=0.0, open=True)),
            Criterion(
                "p6_more_partners_size", "partners joined, strong minus weak city (Welch)", Band(low=1.0, on="value")
            ),
            Criterion(
                "p6_reputation",
                "mean reputation, strong city minus the music city (Welch)",
                Band(low=0.0, open=True),
            ),
            Criterion(
                "p6_sooner",
                "months to the first join, music city minus strong city (Welch; no join counts as the horizon)",
                Band(low=0.0, open=True),
            ),
        ),
    ),
    Pattern(
        id="P7",
        name="trust built over a long time",
        wording="in Vlissingen the agency dimension's informal side rests on trust that has been built over a long "
        "time (kepercayaan yang telah terbangun lama); in Darwin the social-capital dimension (norms of trust) is "
        "weak",
        evidence="conclusion 2",
        reason="trust that was built is higher in the study's years than when the partnership began, with a CI "
        "above 0; and higher than Darwin's",
        role=HELD_OUT,
        scenarios=("vlissingen", "darwin"),
        window=None,
        criteria=(
            Criterion(
                "p7_trust_built",
                "Vlissingen's trust across the partnership, evaluation window minus its first year (paired)",
                Band(low=0.0, open=True),
            ),
            Criterion(
                "p7_trust_above_darwin",
                "trust across the partnership in the evaluation window, Vlissingen minus Darwin (Welch)",
                Band(low=0.0, open=True),
            ),
        ),
    ),
    Pattern(
        id="P8",
        name="each recommended lever helps on its own",
        wording="recommendations 2 and 4 each name a lever: renew the legal frame, a competent cooperation unit, a "
        "competent Ambon-Darwin team, a credible local partner (as SSVA is for Vlissingen), Pattimura University "
        "as a strategic partner",
        evidence="recommendations 2 and 4",
        reason="a lever the study recommends must help by itself: each alone, applied in 2023, raises Darwin over "
        "2023-2032 against the baseline on the same seeds, with a CI above 0",
        role=HELD_OUT,
        scenarios=("darwin", "darwin_reformed"),
        window="2023-2032",
        criteria=tuple(
            Criterion(f"p8_{key}", f"{words} alone minus baseline Darwin, 2023-2032 (paired)", Band(low=0.0, open=True))
            for key, words in (
                ("legal_frame", "the legal frame renewed"),
                ("unit", "a competent cooperation unit"),
                ("team", "a competent Ambon-Darwin team"),
                ("pattimura", "Pattimura University"),
                ("local_partner", "a credible local partner (no resources of its own)"),
            )
        ),
    ),
)

#: The levers of P8: criterion key suffix -> a word that identifies the lever's events by their note in
#: darwin_reformed.toml.
LEVER_NOTES: dict[str, str] = {
    "legal_frame": "legal frame",
    "unit": "cooperation unit",
    "team": "team",
    "pattimura": "Pattimura",
    "local_partner": "local partner",
}


def criterion(key: str) -> Criterion:
    """The criterion with identifier `key`.

    Raises:
        KeyError: If no pattern has a criterion `key`.
    """
    for pattern in PATTERNS:
        for item in pattern.criteria:
            if item.key == key:
                return item
    raise KeyError(f"no pattern criterion {key!r}")


@dataclass(frozen=True)
class CriterionResult:
    """A criterion, its estimate and whether the estimate lies in its band."""

    criterion: Criterion
    band: Band
    estimate: Estimate
    holds: bool


@dataclass(frozen=True)
class PatternResult:
    """A pattern's criteria, judged."""

    pattern: Pattern
    criteria: tuple[CriterionResult, ...]

    @property
    def passed(self) -> bool:
        """Whether every criterion holds."""
        return all(c.holds for c in self.criteria)

    @property
    def failing(self) -> tuple[CriterionResult, ...]:
        """The criteria that do not hold."""
        return tuple(c for c in self.criteria if not c.holds)


def judge(
    estimates: Mapping[str, Estimate],
    bands: Mapping[str, Band] | None = None,
    patterns: Sequence[Pattern] = PATTERNS,
) -> list[PatternResult]:
    """Hold measured estimates against the patterns' bands.

    Args:
        estimates: One estimate per criterion key; a pattern none of whose keys was measured is
            left out, one measured in part is judged on what was measured only if nothing is
            missing (a missing key raises).
        bands: Bands replacing the patterns' own, by criterion key (the band sensitivity).
        patterns: The patterns to judge.

    Raises:
        KeyError: If a pattern was measured in part.
    """
    chosen = dict(bands or {})
    results = []
    for pattern in patterns:
        keys = [c.key for c in pattern.criteria]
        present = [k in estimates for k in keys]
        if not any(present):
            continue
        if not all(present):
            missing = ", ".join(k for k, p in zip(keys, present, strict=True) if not p)
            raise KeyError(f"{pattern.id} measured in part: no estimate for {missing}")
        judged = []
        for item in pattern.criteria:
            band = chosen.get(item.key, item.band)
            judged.append(CriterionResult(item, band, estimates[item.key], band.holds(estimates[item.key])))
        results.append(PatternResult(pattern, tuple(judged)))
    return results


#: Alternative bands for the calibration patterns, varied one at a time (the report shows how the
#: conclusions move with them): the P1 ratio from 1.5 to 20, P2 from 10% to 25%, P3 from 20% to 40%.
BAND_VARIANTS: tuple[tuple[str, dict[str, Band]], ...] = (
    ("P1 ratio in [1.5, 20]", {"p1_ratio": Band(1.5, 20.0)}),
    ("P1 ratio in [1.5, 5]", {"p1_ratio": Band(1.5, 5.0)}),
    ("P1 ratio in [3, 20]", {"p1_ratio": Band(3.0, 20.0)}),
    ("P2 >= 10%", {"p2_drop_share": Band(low=0.10)}),
    ("P2 >= 20%", {"p2_drop_share": Band(low=0.20)}),
    ("P2 >= 25%", {"p2_drop_share": Band(low=0.25)}),
    ("P3 >= 20%", {"p3_closed_share": Band(low=0.20)}),
    ("P3 >= 40%", {"p3_closed_share": Band(low=0.40)}),
)


@dataclass(frozen=True)
class DeterminantBands:
    """Issue 14 item 2's bands on the OFAT effects (0.9 minus 0.1, common seeds, CI excluding 0).

    Attributes:
        vlissingen: Least effect of each headline factor in Vlissingen.
        darwin: Least effect of each headline factor with a carrier in Darwin.
        darwin_dimension: Least effect of each dimension moved as a whole in Darwin.
        dimensions: The dimensions moved as a whole: the study's institutional, social-capital
            and agency dimensions (after Thomson & Perry 2006), its communication, and the
            environment (history, kinship).
    """

    vlissingen: float = 0.05
    darwin: float = 0.02
    darwin_dimension: float = 0.05
    dimensions: tuple[str, ...] = ("institutional", "social capital", "agency", "communication", "environment")


#: The determinant bands, read by tests/test_determinants.py and the tuning's loss.
DETERMINANT_BANDS = DeterminantBands()


def bands_markdown(patterns: Sequence[Pattern] = PATTERNS) -> str:
    """The patterns' bands, windows and reasons as Markdown (the table of docs/ODD.md, section 1)."""
    lines = ["| pattern | role | statistic | band |", "|---|---|---|---|"]
    for pattern in patterns:
        lines += [f"| {pattern.id} | {pattern.role} | {c.statistic} | {c.band.text()} |" for c in pattern.criteria]
    lines.append("")
    for p in patterns:
        window = p.window or "the evaluation window (default: the study's last five years, 2017-2022)"
        lines.append(f"- **{p.id} {p.name}** ({p.evidence}): {p.wording}. *Window*: {window}. *Bands*: {p.reason}.")
    return "\n".join(lines) + "\n"
