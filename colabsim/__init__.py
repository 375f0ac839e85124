"""colabsim: agent-based simulation of collaborative governance.

Load a scenario, change factors, run the model and get tidy pandas tables::

    import colabsim
    scenario = colabsim.load_scenario("scenarios/darwin.toml").with_factors(legal_frame=0.9)
    result = colabsim.simulate(scenario, seed=1)
    result.timeseries, result.summary
"""

from colabsim._version import __version__
from colabsim.experiments.ensemble import Ensemble, compare_table, run_ensemble
from colabsim.experiments.experiment import Experiment, load_experiment
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.runner import ExperimentRun
from colabsim.experiments.store import load_results
from colabsim.model.collaboration import CollaborationModel
from colabsim.model.simulate import SimulationResult, simulate
from colabsim.scenario.factors import FACTORS, Factor
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario
from colabsim.workflows import run_experiment

__all__ = [
    "FACTORS",
    "CollaborationModel",
    "Ensemble",
    "ExecutionOptions",
    "Experiment",
    "ExperimentRun",
    "Factor",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "compare_table",
    "load_experiment",
    "load_results",
    "load_scenario",
    "run_ensemble",
    "run_experiment",
    "simulate",
]
