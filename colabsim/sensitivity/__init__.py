"""Global sensitivity analysis: which determinant factors drive programme performance.

Following ten Broeke, van Voorn & Ligtenberg (2016): one-factor-at-a-time curves first, then
Morris screening, then variance-based (Sobol') indices, plus moment-independent measures
(Borgonovo's delta, PAWN) for outputs that variance describes badly, on the samples they are valid
for. The estimators are SALib's; this package builds the problems from the factor registry,
averages replications before analysis, reports the replication-noise share and a convergence
check, records what SALib warns, and writes tables, figures and a report.

May import `reporting`, `experiments`, `model`, `scenario` and `stats`; nothing above.
"""

from colabsim.sensitivity.analysis import (
    Estimation,
    delta_indices,
    given_data_rows,
    morris_indices,
    noise_share,
    pawn_indices,
    replication_means,
    salib_notes,
    sobol_convergence,
    sobol_indices,
)
from colabsim.sensitivity.pipeline import SensitivityError, analyse_function, run_sensitivity
from colabsim.sensitivity.problem import Problem, registry_problem
from colabsim.sensitivity.result import SensitivityResult

__all__ = [
    "Estimation",
    "Problem",
    "SensitivityError",
    "SensitivityResult",
    "analyse_function",
    "delta_indices",
    "given_data_rows",
    "morris_indices",
    "noise_share",
    "pawn_indices",
    "registry_problem",
    "replication_means",
    "run_sensitivity",
    "salib_notes",
    "sobol_convergence",
    "sobol_indices",
]
