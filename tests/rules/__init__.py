"""Tests of the rule functions in `colabsim.model.rules`, one module per process."""
