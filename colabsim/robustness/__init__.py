"""Coding robustness: does a finding hold under every reasonable reading of the evidence?

Every factor value in a scenario file is a judgement coded from the study's text; a scenario may
write the range the evidence supports (``kinship = { value = 0.9, range = [0.75, 0.95] }``, see
docs/coding.md). This package samples codings within those ranges (a Latin hypercube, with each
range's distribution and the co-moving groups), runs replications of every coding with common
random numbers across the arms of a comparison, and reports the share of the coding space in which
a pattern holds (P1 for the strong/weak pair) and in which a what-if helps, with its Monte Carlo and
misclassification errors.

Holds the robustness file format (`spec`), the sampling of codings (`sampling`), the estimators
(`analysis`, pure functions over arrays), the pipeline (`pipeline`) and its report (`report`); the
same over a comparison's scenarios (`comparison`, ``colabsim compare --coding-robustness``) and its
section of compare's report (`comparison_report`).

May import: `colabsim.reporting`, `colabsim.experiments`, `colabsim.model`, `colabsim.scenario`,
`colabsim.stats` and `colabsim._version`; it is independent of the other analyses.
"""
