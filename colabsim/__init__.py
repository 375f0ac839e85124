"""colabsim: agent-based simulation of collaborative governance.

Load a scenario, change factors, run the model and get tidy pandas tables::

    import colabsim
    scenario = colabsim.load_scenario("scenarios/darwin.toml").with_factors(legal_frame=0.9)
    result = colabsim.simulate(scenario, seed=1)
    result.timeseries, result.summary
"""

from importlib.metadata import PackageNotFoundError, version

from colabsim.ensemble import Ensemble, compare_table, run_ensemble, run_replications
from colabsim.factors import FACTORS, Factor
from colabsim.model import CollaborationModel
from colabsim.scenario import Scenario, ScenarioError, load_scenario
from colabsim.simulate import SimulationResult, simulate

try:
    __version__ = version("colabsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "FACTORS",
    "CollaborationModel",
    "Ensemble",
    "Factor",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "compare_table",
    "load_scenario",
    "run_ensemble",
    "run_replications",
    "simulate",
]
