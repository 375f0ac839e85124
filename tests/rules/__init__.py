"""Tests of the rule functions in `colabsim.model.rules`, one module per process.

`support` holds the shared Hypothesis strategies and draw helpers, `tiny` the hand-made structure
the known answers are worked out on, and `test_known_answer_registry` checks that every public
rule has a known-answer test.
"""
