"""Text classification models that users can trust: several candidates trained on the same
time-based split, the best kept on validation, per-class confidence thresholds that reach a
target precision, bootstrap comparison of two models. Pure ML (no Dagster, no assets): the
assets, the benchmark and the triage API all go through this package."""
