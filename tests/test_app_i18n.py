"""The dashboard's two languages: complete catalogues, per-session translators, numbers and dates."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest

from colabsim.app.catalog import Catalog
from colabsim.app.i18n import LANGUAGES, SOURCE_LANGUAGE, Msg, catalogue_path, translator
from colabsim.app.messages import TEMPLATE, shipped_messages
from colabsim.app.session import Dashboard

babel = pytest.importorskip("babel")
from babel.messages.pofile import read_po  # noqa: E402

#: What must survive translation unchanged: placeholders, Markdown emphasis, HTML line breaks.
MARKUP = re.compile(r"\{\w*\}|\*\*|<br/>|`[^`]*`")


def _catalogue(language: str) -> object:
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


@pytest.fixture(scope="module")
def shipped() -> object:
    return shipped_messages()


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != SOURCE_LANGUAGE])
def test_every_shipped_string_has_a_checked_translation(shipped: object, language: str) -> None:
    catalogue = _catalogue(language)
    missing, fuzzy, broken = [], [], []
    for message in shipped:  # type: ignore[attr-defined]
        if not message.id:
            continue
        found = catalogue.get(message.id)  # type: ignore[attr-defined]
        if found is None or not found.string:
            missing.append(message.id)
        elif found.fuzzy:
            fuzzy.append(message.id)
        elif sorted(MARKUP.findall(message.id)) != sorted(MARKUP.findall(found.string)):
            broken.append(f"{message.id!r} -> {found.string!r}")
    hint = "run `python tools/catalogues.py` and translate the new strings in " + str(catalogue_path(language))
    assert not missing, f"{len(missing)} strings have no {language} translation ({hint}): {missing[:10]}"
    assert not fuzzy, f"fuzzy (unchecked) {language} translations: {fuzzy[:10]}"
    assert not broken, "translations that change placeholders or markup:\n" + "\n".join(broken)


def test_the_template_lists_exactly_the_shipped_strings(shipped: object) -> None:
    with TEMPLATE.open("rb") as pot:
        template = read_po(pot)
    written = {m.id for m in template if m.id}
    wanted = {m.id for m in shipped if m.id}  # type: ignore[attr-defined]
    assert written == wanted, "the template is stale: run `python tools/catalogues.py`"


def test_scenario_texts_and_the_registry_are_in_the_catalogue(shipped: object) -> None:
    from colabsim.scenario.factors import FACTORS

    ids = {m.id for m in shipped}  # type: ignore[attr-defined]
    assert {"Ambon-Darwin sister city", "Pattimura University", "tourism", "legal frame"} <= ids
    assert "Law 23/2014 on Regional Government in force; agreement not adapted" in ids
    assert all(f.meaning in ids for f in FACTORS.values())


def test_numbers_and_dates_follow_the_language() -> None:
    en, id_ = translator("en"), translator("id")
    assert (en.decimal(0.4234), id_.decimal(0.4234)) == ("0.42", "0,42")
    assert (en.month((2006, 1), 7), id_.month((2006, 1), 7)) == ("Aug 2006", "Agu 2006")
    assert id_.month((2006, 1), 4) == "Mei 2006"
    assert id_("Trust network, {date}", date=id_.month((2012, 1), 0)) == "Jejaring kepercayaan, Jan 2012"
    message = Msg.of("{name} {before} → {after}", name=Msg("legal frame"), before=0.6, after=0.9)
    assert (en.render(message), id_.render(message)) == ("legal frame 0.60 → 0.90", "kerangka regulasi 0,60 → 0,90")


def test_two_sessions_speak_their_own_language_and_nothing_is_installed(scenario_dir: Path) -> None:
    english = Dashboard(Catalog([scenario_dir]), seed=2, tr=translator("en"))
    bahasa = Dashboard(Catalog([scenario_dir]), seed=2, tr=translator("id"))
    for board in (english, bahasa):
        board.step(3)
        board.intervene("withdraw_mediator")
    assert english.tr is not bahasa.tr
    assert english.controls().log[-1][1] == "SSVA (Ambon-Vlissingen sister-city foundation) leaves"
    assert bahasa.controls().log[-1][1] == "SSVA (Yayasan Kota Kembar Ambon-Vlissingen) keluar"
    assert bahasa.views()[0].title == "Kota kembar Ambon-Vlissingen"
    assert english.views()[0].title == "Ambon-Vlissingen sister city"
    assert not hasattr(builtins, "_"), "a translation was installed process-wide"


def test_switching_language_mid_run_translates_the_log_and_keeps_the_run(scenario_dir: Path) -> None:
    board = Dashboard(Catalog([scenario_dir]), seed=5)
    board.choose(0, str((scenario_dir / "darwin.toml").resolve()))
    board.step(13)
    board.intervene("renew_mou")
    before = board.views()[0].timeseries
    board.set_language("id")
    state = board.controls()
    assert state.language == "id" and board.calendar()[0] == "Feb 2013"
    texts = [text for _, text, _ in state.log]
    assert texts[0] == "Perjanjian diperbarui (kerangka regulasi 0,60 → 0,90)"
    assert any(t.startswith("UU 23/2014") and "dikesampingkan" in t for t in texts)
    assert board.views()[0].timeseries.equals(before)
    assert board.views()[0].key != ()


def test_an_uploaded_scenario_shows_its_own_words(scenario_dir: Path) -> None:
    board = Dashboard(Catalog([scenario_dir]), seed=1, tr=translator("id"))
    own = b'extends = "darwin.toml"\n[scenario]\nname = "Darwin kami"\n'
    assert board.upload_file(0, "own.toml", own)
    assert board.views()[0].title == "Darwin kami"


def test_the_glossary_names_every_factor_as_the_dashboard_shows_it() -> None:
    from colabsim.app.interventions import factor_label
    from colabsim.scenario.factors import FACTORS

    glossary = (Path(__file__).resolve().parents[1] / "docs" / "glossary.md").read_text()
    bahasa = translator("id")
    for name in FACTORS:
        shown = bahasa.render(factor_label(name))
        row = re.search(rf"^\| `{name}` \| ([^|]+) \| ([^|]+) \|$", glossary, flags=re.M)
        assert row is not None, f"docs/glossary.md has no row for the factor {name}"
        assert row.group(2).strip().startswith(shown), f"{name}: the glossary says {row.group(2)!r}, the page {shown!r}"
