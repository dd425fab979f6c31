"""``raw_metrics``: every metric point at its native resolution (5 minutes to daily)."""

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.raw import build_raw_asset
from resources.calendar import daily_partitions
from resources.schemas import RAW_METRICS

raw_metrics = build_raw_asset(
    RAW_METRICS,
    "metrics_source",
    "metrics",
    "Infrastructure metrics (cluster CPU, SFTN transfer volumes, API calls) and business volumes "
    "(mobile-banking sessions, payments) in long format, native resolution kept.",
)

raw_metrics_checks = [
    build_contract_check(RAW_METRICS, daily_partitions),
    build_drift_check("raw_metrics", daily_partitions, numeric=["value"], categorical=["metric", "unit"]),
]
