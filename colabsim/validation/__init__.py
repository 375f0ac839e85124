"""Pattern-oriented validation of Model v2: patterns with bands, rival submodels, and the validation report.

The study's patterns P1-P6 are data (`patterns`: bands, reasons, the study's wording, windows,
calibration or held out), measured over replications on the batched engine (`measure`). The null
model and the alternative submodels (`submodels`) are tuned with the same search as Model v2
(`tuning`). The report (`pipeline`, `report`, `figures`; ``colabsim validate-model``) adds the
OFAT effects and knock-outs (`effects`), the coding swap (`coding`), the levers (`levers`), the
noise sources (`noise`), the ratio by age (`horizon`), sectors, runs and ceiling (`outcomes`), the
technical parameters (`technical`) and a fingerprint of what it depends on (`fingerprint`).

May import `reporting`, `experiments`, `model`, `scenario` and `stats`; it is independent of the
other analyses.
"""

from colabsim.validation.measure import measure_patterns
from colabsim.validation.patterns import PATTERNS, Band, Criterion, Pattern, judge
from colabsim.validation.pipeline import FULL_PLAN, QUICK_PLAN, ValidationPlan, ValidationResult, validate_model
from colabsim.validation.report import write_report
from colabsim.validation.study import Study, StudyError, load_study
from colabsim.validation.submodels import SUBMODELS, Submodel
from colabsim.validation.windows import STUDY_WINDOW, Window

__all__ = [
    "FULL_PLAN",
    "PATTERNS",
    "QUICK_PLAN",
    "STUDY_WINDOW",
    "SUBMODELS",
    "Band",
    "Criterion",
    "Pattern",
    "Study",
    "StudyError",
    "Submodel",
    "ValidationPlan",
    "ValidationResult",
    "Window",
    "judge",
    "load_study",
    "measure_patterns",
    "validate_model",
    "write_report",
]
