"""The model: one collaboration's state and how a month changes it.

Holds the structure built from a scenario (`structure`), the rules as pure array functions
(`rules/`), one month of the model (`engine`), scheduled events (`timeline`), the metrics
(`metrics`), batched runs (`batch`), single runs with tidy tables (`simulate`, `tables`) and the
Mesa model with its agents (`collaboration`, `agents`), the interactive face of the same engine.

May import: `colabsim.scenario`, `colabsim.stats` and `colabsim._version`. It knows nothing of
experiments, reports, the dashboard or the CLI, and draws no figures.
"""

from colabsim.model.collaboration import CollaborationModel
from colabsim.model.simulate import SimulationResult, simulate

__all__ = ["CollaborationModel", "SimulationResult", "simulate"]
