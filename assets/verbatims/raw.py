"""``raw_verbatims``: survey answers of the day (redaction comes before anything downstream)."""

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.partitions import daily_partitions
from assets.raw import build_raw_asset
from resources.schemas import RAW_VERBATIMS

raw_verbatims = build_raw_asset(
    RAW_VERBATIMS, "verbatim_source", "verbatims",
    "IRC Flash survey answers: score on a 10- or 5-point scale, free-text verbatim, channel, "
    "agency and product.")

raw_verbatims_checks = [
    build_contract_check(RAW_VERBATIMS, daily_partitions),
    build_drift_check("raw_verbatims", daily_partitions, numeric=["score"],
                      categorical=["channel", "product", "score_scale"], text=["verbatim"]),
]
