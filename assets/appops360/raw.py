"""``raw_applications`` (the AppOps referential) and ``raw_team_indicators``."""

from assets.lake import lake_checks
from assets.raw import build_raw_asset
from resources.schemas import RAW_APPLICATIONS, RAW_TEAM_INDICATORS

raw_applications = build_raw_asset(
    RAW_APPLICATIONS,
    "appops360",
    "The AppOps referential as of the day: application, team, criticality, business line.",
)

raw_team_indicators = build_raw_asset(
    RAW_TEAM_INDICATORS,
    "appops360",
    "Per team and day: staff on duty, changes deployed, on-call pages.",
)

raw_appops_checks = [
    *lake_checks(RAW_APPLICATIONS),
    *lake_checks(RAW_TEAM_INDICATORS),
]
