"""``raw_metrics``: every metric point at its native resolution (5 minutes to daily)."""

from assets.lake import lake_checks
from assets.raw import build_raw_asset
from resources.schemas import RAW_METRICS

raw_metrics = build_raw_asset(
    RAW_METRICS,
    "metrics",
    "Infrastructure metrics (cluster CPU, SFTN transfer volumes, API calls) and business volumes "
    "(mobile-banking sessions, payments) in long format, native resolution kept.",
)

raw_metrics_checks = [
    *lake_checks(RAW_METRICS),
]
