"""What a sensitivity analysis produced (its own module, so the report and figures need not import the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["SensitivityResult"]


@dataclass(frozen=True)
class SensitivityResult:
    """What an analysis produced.

    Attributes:
        directory: Where everything was written.
        indices: All indices (method, output, factor, index, value, ci_low, ci_high).
        convergence: Sobol' indices at growing sample sizes (empty for Morris).
        ofat: One-factor-at-a-time curves (factor, level, output, mean, low, high).
        seconds: Wall time.
        notes: What the analysis could not do and why (a method skipped), and what SALib's
            estimators warned or printed, by output; also in ``analysis.json`` and the report.
    """

    directory: Path
    indices: pd.DataFrame
    convergence: pd.DataFrame
    ofat: pd.DataFrame
    seconds: float
    notes: tuple[str, ...] = ()

    def ranking(self, output: str, method: str | None = None) -> pd.DataFrame:
        """Factors (or groups) by decreasing main index: mu* for Morris, ST for Sobol', delta, PAWN's median."""
        table = self.indices[(self.indices["output"] == output)]
        if method is None:
            method = "sobol" if (table["method"] == "sobol").any() else "morris"
        main = {"sobol": "ST", "morris": "mu_star", "delta": "delta", "pawn": "pawn_median"}[method]
        chosen = table[(table["method"] == method) & (table["index"] == main)]
        return chosen.sort_values("value", ascending=False).reset_index(drop=True)
