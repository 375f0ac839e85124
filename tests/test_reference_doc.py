"""docs/scenarios.md is generated from the schema and the factor registry, and is up to date."""

import inspect
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from colabsim.experiments.experiment import ExperimentFile
from colabsim.reporting.reference_doc import EVENTS, NOTES, scenario_reference
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.parameters import Parameters
from colabsim.scenario.schema import EVENT_ACTIONS, EventSpec, ScenarioFile

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"
REGENERATE = "python -m colabsim.reporting.reference_doc > docs/scenarios.md"


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """`root` and every table model reachable from its fields."""
    found: list[type[BaseModel]] = []

    def walk(annotation) -> None:
        if inspect.isclass(annotation) and issubclass(annotation, BaseModel) and annotation not in found:
            found.append(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for arg in getattr(annotation, "__args__", ()):
            walk(arg)

    walk(root)
    return found


MODELS = _models(ScenarioFile) + _models(ExperimentFile)


@pytest.fixture(scope="module")
def reference() -> str:
    return scenario_reference()


def test_docs_scenarios_md_is_up_to_date(reference):
    assert DOC.exists(), f"docs/scenarios.md is missing; generate it with: {REGENERATE}"
    assert DOC.read_text(encoding="utf-8") == reference, (
        f"docs/scenarios.md is out of date with the schema or the factor registry; regenerate it with: {REGENERATE}"
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_key_of_every_table_is_documented(reference, model):
    for name in model.model_fields:
        assert re.search(rf"^\| `{name}` \|", reference, re.M), f"{model.__name__}.{name} has no row in the reference"


def test_top_level_tables_have_sections(reference):
    for root in (ScenarioFile, ExperimentFile):
        for name, field in root.model_fields.items():
            nested = [m for m in _models(field.annotation) if m is not root]
            if nested:
                assert re.search(rf"^### `\[{{1,2}}{name}\]{{1,2}}`$", reference, re.M), f"no section for [{name}]"


def test_factors_parameters_and_event_actions_are_listed(reference):
    for name in FACTORS:
        assert f"| `{name}` |" in reference, f"factor {name} missing"
    for name in Parameters.names():
        assert f"| `{name}` |" in reference, f"parameter {name} missing"
    assert list(EVENTS) == list(EVENT_ACTIONS), (
        "colabsim.reporting.reference_doc.EVENTS must describe every event action"
    )
    assert set(EVENT_ACTIONS) == set(EventSpec.model_fields["action"].annotation.__args__)
    for action in EVENT_ACTIONS:
        assert f"| `{action}` |" in reference


def test_hand_written_notes_name_real_keys():
    models = {m.__name__: m for m in MODELS}
    for key in NOTES:
        cls, _, field = key.partition(".")
        assert cls in models and field in models[cls].model_fields, f"NOTES has {key!r}, which is no key of the schema"
