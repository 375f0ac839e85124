"""The scenario catalogue of the study's Table 1.1 and the fairness of the comparisons it serves.

Every file in ``scenarios/`` is validated and run by ``tests/test_model.py`` and ``tests/test_cli.py``;
here the catalogue is checked for completeness (every collaboration of Table 1.1, its partner and
year, the donors' funding windows) and for the fairness of its comparisons. The patterns it serves
(P4 donor windows, P6 partners attracted) are measured with their bands in ``tests/test_patterns.py``
from `colabsim.validation.patterns`.
"""

import re
from pathlib import Path

import pytest

import colabsim

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

#: Table 1.1 of the study: collaboration -> (scenario file, partner actor, year the partner takes part).
#: None for the exploratory partners, who join when the city's reputation draws them.
TABLE_1_1 = {
    "APIK": ("apik.toml", "usaid_apik", 2016),
    "SAIIG": ("saiig.toml", "ausaid", 2015),
    "Darwin": ("darwin.toml", "darwin", 2012),
    "Vlissingen": ("vlissingen.toml", "vlissingen", 2006),
    "UNIDO": ("unido.toml", "unido", 2019),
    "CCBO": ("apik_ccbo.toml", "usaid_ccbo", 2021),
    "Havana": ("ambon_music.toml", "havana", None),
    "Metz": ("ambon_music.toml", "metz", None),
}

#: Donor funding windows: scenario file, donor, first and last funded year (Table 1.1).
WINDOWS = [
    ("apik.toml", "usaid_apik", 2016, 2020),
    ("saiig.toml", "ausaid", 2015, 2016),
    ("apik_ccbo.toml", "usaid_ccbo", 2022, 2025),
]


def _load(name: str) -> colabsim.Scenario:
    return colabsim.load_scenario(SCENARIOS / name)


# --- The catalogue itself -----------------------------------------------------------------------


def test_the_catalogue_table_lists_every_scenario_file_and_no_other():
    text = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z0-9_]+\.toml)` \|", text, flags=re.MULTILINE))
    assert listed == {p.name for p in SCENARIOS.glob("*.toml")}


@pytest.mark.parametrize("collaboration", list(TABLE_1_1))
def test_every_collaboration_of_table_1_1_has_its_partner_and_year(collaboration):
    file, partner, year = TABLE_1_1[collaboration]
    scenario = _load(file)
    actor = next(a for a in scenario.spec.actors if a.id == partner)
    if year is None:
        assert actor.status == "prospective", "an exploratory partner ('Penjajakan') joins by reputation"
        return
    joins = [e.at for e in scenario.spec.events if e.action == "add_actor" and e.actor == partner]
    first_month = scenario.month_index(joins[0]) if joins else 0
    assert actor.status == "active" or joins, f"{partner} never takes part"
    assert scenario.start[0] + (scenario.start[1] - 1 + first_month) // 12 == year


@pytest.mark.parametrize(("file", "donor", "first", "last"), WINDOWS)
def test_donor_money_flows_only_within_its_window(file, donor, first, last):
    scenario = _load(file)
    model = colabsim.CollaborationModel(scenario, rng=1)
    index = scenario.spec.actors.index(next(a for a in scenario.spec.actors if a.id == donor))
    funded_years = set()
    for _ in range(scenario.horizon_months):
        model.step()
        if model.state.active[index] and model.state.funded[index]:
            funded_years.add(int(model.date_of(model.month - 1)[:4]))
    assert funded_years == set(range(first, last + 1))


def test_apik_ccbo_keeps_the_city_actors_and_window_of_apik_alone():
    alone, follow_on = _load("apik.toml").spec, _load("apik_ccbo.toml").spec
    assert [a for a in follow_on.actors if a.id in {b.id for b in alone.actors}] == list(alone.actors)
    assert follow_on.factors == alone.factors
    assert follow_on.events[: len(alone.events)] == alone.events


def test_the_p6_pair_offers_the_same_partners_and_programmes():
    strong, weak = _load("vlissingen_partners.toml").spec, _load("darwin_partners.toml").spec
    added = {"amo", "havana", "metz", "havana_music", "metz_music"}
    assert [a for a in strong.actors if a.id in added] == [a for a in weak.actors if a.id in added]
    assert [p for p in strong.programmes if p.id in added] == [p for p in weak.programmes if p.id in added]
    assert strong.ties[-3:] == weak.ties[-3:]
    assert strong.parameters == weak.parameters
