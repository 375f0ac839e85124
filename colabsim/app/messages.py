"""Every string the dashboard shows, gathered for the catalogues (``tools/catalogues.py``, the tests).

Three sources, all English:

- the code: each string marked ``N_("...")`` in ``colabsim/app`` (Babel's Python extractor);
- the shipped scenarios (``scenarios/*.toml`` of the source tree): names, descriptions, actors'
  names and node labels, programmes' names, sectors, the notes of scheduled events;
- the factor registry (`colabsim.scenario.factors`): each factor's name as shown and its meaning.

`shipped_messages` returns them as a Babel catalogue with the place each comes from, so a
translator sees where a string is used. A scenario file of one's own is not in the catalogues: its
texts show as written.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from colabsim.app.charts import sector_label, short_name
from colabsim.app.i18n import DOMAIN, LOCALE_DIR, one_line
from colabsim.app.interventions import factor_label
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import load_scenario

__all__ = ["APP_DIR", "SCENARIO_DIR", "TEMPLATE", "shipped_messages"]

APP_DIR = Path(__file__).resolve().parent
#: The shipped scenarios (the source tree's ``scenarios`` folder).
SCENARIO_DIR = APP_DIR.parents[1] / "scenarios"
#: The catalogue template (``.pot``) that ``tools/catalogues.py`` writes.
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
#: The marker functions Babel looks for in the code.
KEYWORDS = {"N_": None}


def _code(catalog: Catalog) -> None:
    for filename, line, message, _comments, _context in extract_from_dir(
        str(APP_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        catalog.add(message, locations=[(f"colabsim/app/{filename}", line)])


def _scenarios(catalog: Catalog, folder: Path) -> None:
    for path in sorted(folder.glob("*.toml")):
        if path.stem.startswith("_"):
            continue
        spec = load_scenario(path).spec
        where = [(f"scenarios/{path.name}", 0)]
        texts = [spec.scenario.name, one_line(spec.scenario.description)]
        for actor in spec.actors:
            texts += [actor.name, short_name(actor.id), *(sector_label(s) for s in actor.sectors)]
        for programme in spec.programmes:
            texts += [programme.name, sector_label(programme.sector)]
        texts += [event.note for event in spec.events]
        for text in texts:
            if text:
                catalog.add(text, locations=where)


def _registry(catalog: Catalog) -> None:
    for factor in FACTORS.values():
        where = [(f"colabsim/scenario/factors.py:{factor.name}", 0)]
        catalog.add(factor_label(factor.name).text, locations=where)
        catalog.add(factor.meaning, locations=where)


def shipped_messages(scenarios: Path = SCENARIO_DIR) -> Catalog:
    """Every string the dashboard may show in English, with where it comes from."""
    catalog = Catalog(domain=DOMAIN, project="colabsim", charset="utf-8", fuzzy=False)
    _code(catalog)
    _scenarios(catalog, scenarios)
    _registry(catalog)
    return catalog
