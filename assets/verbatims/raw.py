"""``raw_verbatims``: survey answers of the day, personal data redacted before the lake."""

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.raw import build_raw_asset
from resources.calendar import daily_partitions
from resources.redaction import build_sanitizer
from resources.schemas import RAW_VERBATIMS

raw_verbatims = build_raw_asset(
    RAW_VERBATIMS,
    "verbatim_source",
    "verbatims",
    "IRC Flash survey answers: score on a 10- or 5-point scale, free-text verbatim, channel, "
    "agency and product. Personal data in the verbatim is replaced by typed placeholders "
    "before anything is written (counts in metadata as sanitized/<TYPE>).",
    sanitize=build_sanitizer(["verbatim"], skip_columns=RAW_VERBATIMS.columns),
)

raw_verbatims_checks = [
    build_contract_check(RAW_VERBATIMS, daily_partitions),
    build_drift_check(
        "raw_verbatims",
        daily_partitions,
        numeric=["score"],
        categorical=["channel", "product", "score_scale"],
        text=["verbatim"],
    ),
]
