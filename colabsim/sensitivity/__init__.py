"""Global sensitivity analysis: which determinant factors drive programme performance.

Following ten Broeke, van Voorn & Ligtenberg (2016): one-factor-at-a-time curves first, then
Morris screening, then variance-based (Sobol') indices, plus a moment-independent measure
(Borgonovo's delta) for outputs that variance describes badly. The estimators are SALib's; this
package builds the problems from the factor registry, averages replications before analysis,
reports the replication-noise share and a convergence check, and writes tables, figures and a
report.
"""

from colabsim.sensitivity.analysis import (
    delta_indices,
    morris_indices,
    noise_share,
    replication_means,
    sobol_convergence,
    sobol_indices,
)
from colabsim.sensitivity.pipeline import analyse_function, run_sensitivity
from colabsim.sensitivity.problem import Problem, registry_problem
from colabsim.sensitivity.result import SensitivityResult

__all__ = [
    "Problem",
    "SensitivityResult",
    "analyse_function",
    "delta_indices",
    "morris_indices",
    "noise_share",
    "registry_problem",
    "replication_means",
    "run_sensitivity",
    "sobol_convergence",
    "sobol_indices",
]
