"""Reporting: figures and reports of runs, comparisons and sweeps.

Holds the figures (`plots`), the run and comparison report (`report`), the sweep report
(`sweep_report`) and the generated scenario-file reference (`reference_doc`).

May import: `colabsim.experiments`, `colabsim.model`, `colabsim.scenario`, `colabsim.stats` and
`colabsim._version`.
"""
