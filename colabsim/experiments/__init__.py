"""Experiments: many runs of the model, planned, executed and stored.

Holds experiment files and their run plans (`experiment`), designs (`design`), executors for
processes and Dask (`executors`), how runs execute as one value (`options`), durable Parquet
results with resume (`store`), run folders and manifests (`rundir`), the chunked runner (`runner`)
and ensembles of replications with common random numbers (`ensemble`).

May import: `colabsim.model`, `colabsim.scenario`, `colabsim.stats` and `colabsim._version`. It
writes no reports and draws no figures: a caller that wants them passes a callback.
"""
