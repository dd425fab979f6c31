"""``raw_verbatims``: survey answers of the day, personal data redacted before the lake."""

from assets.lake import lake_checks
from assets.raw import build_raw_asset
from resources.redaction import build_sanitizer
from resources.schemas import RAW_VERBATIMS

raw_verbatims = build_raw_asset(
    RAW_VERBATIMS,
    "verbatims",
    "IRC Flash survey answers: score on a 10- or 5-point scale, free-text verbatim, channel, "
    "agency and product. Personal data in the verbatim is replaced by typed placeholders "
    "before anything is written (counts in metadata as sanitized/<TYPE>).",
    sanitize=build_sanitizer(["verbatim"], skip_columns=RAW_VERBATIMS.columns),
)

raw_verbatims_checks = [
    *lake_checks(RAW_VERBATIMS),
]
