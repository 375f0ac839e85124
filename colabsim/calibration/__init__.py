"""Calibration: which rule parameters the study's patterns pin down, by ABC against the bands (issue 18).

Screening (Morris, `colabsim.calibration.screening`) picks the parameters worth calibrating;
`run_calibration` samples their pattern-constrained posterior by ABC-SMC (`colabsim.calibration.abc`,
hand-written for batches on the engine), then checks it against the targets and the held-out
patterns and measures how much of the null and alternative models' priors meets the bands. The
posterior is conditional on the bands: it is the non-implausible region, not a fit to data.

May import `validation`, `sensitivity`, `robustness`, `reporting`, `experiments`, `model`,
`scenario` and `stats`; nothing above.
"""

from colabsim.calibration.abc import Generation, Settings, Simulated, abc_smc, rejection
from colabsim.calibration.pipeline import CalibrationError, CalibrationResult, run_calibration, run_screening
from colabsim.calibration.priors import Dirichlet, PriorSet, ScalarPrior
from colabsim.calibration.spec import Calibration, load_calibration
from colabsim.calibration.targets import DEFAULT_TARGETS, Target

__all__ = [
    "DEFAULT_TARGETS",
    "Calibration",
    "CalibrationError",
    "CalibrationResult",
    "Dirichlet",
    "Generation",
    "PriorSet",
    "ScalarPrior",
    "Settings",
    "Simulated",
    "Target",
    "abc_smc",
    "load_calibration",
    "rejection",
    "run_calibration",
    "run_screening",
]
