"""Scenarios: what a collaboration is made of, before anything runs.

Holds the determinant-factor registry (`factors`), the rules' technical constants (`parameters`),
the scenario file format (`schema`), loading and validation with ``extends`` (`loader`) and
synthetic networks of thousands of actors (`synthetic`).

May import: `colabsim.stats` and `colabsim._version` only. Everything above (the model,
experiments, reports, the dashboard and the CLI) builds on it.
"""

from colabsim.scenario.factors import FACTORS, Factor
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario

__all__ = ["FACTORS", "Factor", "Scenario", "ScenarioError", "load_scenario"]
