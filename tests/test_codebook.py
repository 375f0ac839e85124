"""The codebook (docs/coding.md, docs/coding/*.toml) covers the registry and the catalogue, and is true to the study."""

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CODING = ROOT / "docs" / "coding"
SCENARIOS = ROOT / "scenarios"
STUDY = CODING / "study.txt"
DISTRIBUTIONS = {"triangular", "uniform"}
SUPPORT = {"case", "inferred", "general", "silent"}
POINTS = ("0.1", "0.3", "0.5", "0.7", "0.9")


def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codebook_build", CODING / "build.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {CODING / 'build.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


BUILD = _build()
BOOK = BUILD.load_codebook()


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _scenario_file(stem: str) -> dict:
    with (SCENARIOS / f"{stem}.toml").open("rb") as handle:
        return tomllib.load(handle)


def _codings() -> list[tuple[str, str, dict]]:
    return [(s, f, c) for s, factors in BOOK.codings.items() for f, c in factors.items()]


def test_every_factor_has_its_anchors() -> None:
    assert list(BOOK.anchors) == list(FACTORS)
    for factor, scale in BOOK.anchors.items():
        assert tuple(scale) == POINTS, factor
        assert all(len(text) > 20 for text in scale.values()), factor


def test_every_scenario_is_coded_for_every_factor() -> None:
    stems = {path.stem for path in SCENARIOS.glob("*.toml")}
    assert stems == set(BOOK.codings) | set(BOOK.inherits)
    assert not set(BOOK.codings) & set(BOOK.inherits)
    for scenario, factors in BOOK.codings.items():
        assert list(factors) == list(FACTORS), scenario
        assert "factors" in _scenario_file(scenario), f"{scenario} is coded but sets no factors"


def test_a_shared_coding_is_that_of_the_scenario_extended() -> None:
    for scenario, parent in BOOK.inherits.items():
        raw = _scenario_file(scenario)
        assert raw.get("extends") == f"{parent}.toml", scenario
        assert "factors" not in raw, f"{scenario} sets factors of its own: code them"
        assert parent in BOOK.codings
        assert BOOK.inherits_notes.get(scenario), scenario


@pytest.mark.parametrize(("scenario", "factor", "coding"), _codings(), ids=lambda x: x if isinstance(x, str) else "")
def test_a_coding_is_well_formed(scenario: str, factor: str, coding: dict) -> None:
    bounds = FACTORS[factor]
    low, high = coding["range"]
    assert bounds.low <= low < high <= bounds.high
    assert low <= coding["value"] <= high
    assert coding["distribution"] in DISTRIBUTIONS
    assert coding["support"] in SUPPORT
    assert set(coding["evidence"]) <= set(BOOK.evidence)
    assert (coding["support"] == "silent") == (not coding["evidence"])
    assert coding["group"] in [*coding["evidence"], ""], "a group is named after a passage the factor cites"
    assert coding["note"]
    if coding["support"] == "silent":
        assert coding["distribution"] == "uniform" and high - low >= 0.4 - 1e-9
    for step in coding.get("later", []):
        step_low, step_high = step["range"]
        assert bounds.low <= step_low <= step["value"] <= step_high <= bounds.high


@pytest.mark.parametrize("stem", sorted(path.stem for path in SCENARIOS.glob("*.toml")))
def test_a_shipped_scenario_carries_its_coding(stem: str) -> None:
    """Every factor of every shipped file is coded as the codebook codes it (directly or by extends)."""
    scenario = load_scenario(SCENARIOS / f"{stem}.toml")
    book = BOOK.codings[BOOK.inherits.get(stem, stem)]
    assert list(scenario.codings) == list(FACTORS)
    for factor, coded in scenario.codings.items():
        c = book[factor]
        assert (coded.value, coded.range, coded.distribution) == (c["value"], c["range"], c["distribution"]), factor
        assert coded.group == (c["group"].lower() or None), factor
        assert coded.evidence.startswith(f"{c['support']}: "), factor
        assert all(key in coded.evidence for key in c["evidence"]), factor
        assert scenario.factors[factor] == c["value"], "runs use the coded value"


@pytest.mark.parametrize(("scenario", "factor", "coding"), [c for c in _codings() if c[2].get("later")])
def test_the_dated_codings_are_the_scenarios_events(scenario: str, factor: str, coding: dict) -> None:
    loaded = load_scenario(SCENARIOS / f"{scenario}.toml")
    events = [(loaded.month_index(e.at), e.factors[factor]) for e in loaded.spec.events if factor in e.factors]
    assert events == [(loaded.month_index(step["at"]), step["value"]) for step in coding["later"]]


def test_a_scenario_the_build_cannot_write_is_a_clear_error() -> None:
    text = (SCENARIOS / "darwin.toml").read_text(encoding="utf-8")
    without = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("kinship ="))
    with pytest.raises(BUILD.CodebookError, match=r"darwin.toml: \[factors\] has no line for kinship"):
        BUILD.scenario_text(BOOK, "darwin", without)
    garbled = text.replace("kinship = {", "kinship = [", 1)
    with pytest.raises(BUILD.CodebookError, match=r"darwin.toml line \d+: cannot read the line of factor 'kinship'"):
        BUILD.scenario_text(BOOK, "darwin", garbled)
    assert BUILD.scenario_text(BOOK, "darwin", text) == text


def test_a_coding_differing_from_its_file_says_so() -> None:
    for scenario, factor, coding in _codings():
        if coding["value"] != coding["file_value"]:
            assert coding["note"].startswith("DIFFERS"), (scenario, factor)


def test_cited_passages_are_verbatim_in_the_study() -> None:
    study = _normal(STUDY.read_text(encoding="utf-8"))
    missing = [key for key, e in BOOK.evidence.items() if _normal(e["text"]) not in study]
    assert not missing
    for e in BOOK.evidence.values():
        assert e["english"] and e["where"]


def test_a_misquotation_is_caught() -> None:
    study = _normal(STUDY.read_text(encoding="utf-8"))
    quote = _normal(BOOK.evidence["V_c2_darwin_frame"]["text"])
    assert quote.replace("amat kadaluarsa", "kadaluarsa") not in study


def test_every_passage_is_cited() -> None:
    cited = {key for _, _, c in _codings() for key in c["evidence"]}
    assert cited == set(BOOK.evidence)


def test_the_packet_shows_no_value_of_the_first_coding() -> None:
    packet = (CODING / "packet.md").read_text(encoding="utf-8")
    head, _, rest = packet.partition("## The evidence, by factor")
    numbers = [n for n in re.findall(r"(?<![\w.])[01]\.\d+", rest) if n != "1.1"]  # 1.1: "Table 1.1"
    assert not numbers, numbers
    for word in ("file_value", "triangular", "uniform", "DIFFERS", "NOT SUPPORTED", "modelling choice"):
        assert word not in packet
    for scenario in BUILD.PACKET_SCENARIOS:
        for factor, coding in BOOK.codings[scenario].items():
            assert coding["note"] not in packet, (scenario, factor)
    assert all(f"`{factor}`" in head for factor in FACTORS)


def test_the_packet_quotes_every_passage_cited_for_the_study_scenarios() -> None:
    packet = (CODING / "packet.md").read_text(encoding="utf-8")
    for scenario in BUILD.PACKET_SCENARIOS:
        for coding in BOOK.codings[scenario].values():
            for key in coding["evidence"]:
                assert BOOK.evidence[key]["text"] in packet


def test_the_generated_files_are_up_to_date() -> None:
    assert BUILD.main(["--check"]) == 0, "run: python docs/coding/build.py"


# --- agreement with a second coding (docs/coding/agreement.py) ------------------------------


def _agreement() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codebook_agreement", CODING / "agreement.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {CODING / 'agreement.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


AGREEMENT = _agreement()


def test_alpha_has_the_hand_computed_value() -> None:
    # values 1,1,2,2,3,4: D_o = (0 + 0 + 1) / 3; D_e = 82 / 30 (ordered pairs of differing values)
    alpha = AGREEMENT.interval_alpha([(1, 1), (2, 2), (3, 4)])
    assert alpha == pytest.approx(1 - (1 / 3) / (82 / 30))


def test_alpha_is_one_for_identical_codings_and_falls_with_disagreement() -> None:
    same = [(0.1, 0.1), (0.5, 0.5), (0.9, 0.9)]
    assert AGREEMENT.interval_alpha(same) == pytest.approx(1.0)
    assert AGREEMENT.interval_alpha([(0.1, 0.9), (0.5, 0.5), (0.9, 0.1)]) < 0
    with pytest.raises(ValueError, match="undefined"):
        AGREEMENT.interval_alpha([(0.5, 0.5), (0.5, 0.5)])


def _worksheet(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["| collaboration | factor | value | range | shape | basis |", "|---|---|---|---|---|---|"]
    lines += [f"| {s} | `{f}` | {v} | | | |" for s, f, v in rows]
    path = tmp_path / "filled.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_the_first_coding_agrees_with_itself(tmp_path: Path) -> None:
    rows = []
    for scenario in BUILD.PACKET_SCENARIOS:
        for factor, c in BOOK.codings[scenario].items():
            value = c["later"][-1]["value"] if c.get("later") else c["value"]
            rows.append((scenario, factor, f"{value:g}"))
    alpha, pairs = AGREEMENT.compare(AGREEMENT.read_worksheet(_worksheet(tmp_path, rows)))
    assert alpha == pytest.approx(1.0)
    assert len(pairs) == 2 * len(FACTORS)


def test_a_bad_worksheet_gets_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AGREEMENT.WorksheetError, match=r"line 3: value 'high' of darwin/kinship"):
        AGREEMENT.read_worksheet(_worksheet(tmp_path, [("darwin", "kinship", "high")]))
    with pytest.raises(AGREEMENT.WorksheetError, match="outside"):
        AGREEMENT.read_worksheet(_worksheet(tmp_path, [("darwin", "kinship", "1.5")]))
    with pytest.raises(AGREEMENT.WorksheetError, match="no filled worksheet rows"):
        AGREEMENT.read_worksheet(_worksheet(tmp_path, []))
    with pytest.raises(AGREEMENT.WorksheetError, match="no filled worksheet rows"):
        AGREEMENT.read_worksheet(CODING / "packet.md")  # the blank worksheet


def test_the_second_coding_agreement_in_the_codebook_is_current() -> None:
    spec = importlib.util.spec_from_file_location("codebook_agreement", CODING / "agreement.py")
    assert spec is not None and spec.loader is not None
    agreement = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = agreement
    spec.loader.exec_module(agreement)
    alpha, rows = agreement.compare(agreement.read_worksheet(CODING / "second_coding.md"))
    assert len(rows) == 38
    text = (ROOT / "docs" / "coding.md").read_text(encoding="utf-8")
    assert f"\u03b1 = **{alpha:.3f}**" in text
    within = agreement.alpha_by_collaboration(rows)
    assert f"**{within['vlissingen']:.3f}** for Vlissingen and **{within['darwin']:.3f}** for Darwin" in text
