"""``raw_applications`` (the AppOps referential) and ``raw_team_indicators``."""

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.raw import build_raw_asset
from resources.calendar import daily_partitions
from resources.schemas import RAW_APPLICATIONS, RAW_TEAM_INDICATORS

raw_applications = build_raw_asset(
    RAW_APPLICATIONS,
    "applications_source",
    "appops360",
    "The AppOps referential as of the day: application, team, criticality, business line.",
)

raw_team_indicators = build_raw_asset(
    RAW_TEAM_INDICATORS,
    "team_indicators_source",
    "appops360",
    "Per team and day: staff on duty, changes deployed, on-call pages.",
)

raw_appops_checks = [
    build_contract_check(RAW_APPLICATIONS, daily_partitions),
    build_contract_check(RAW_TEAM_INDICATORS, daily_partitions),
    build_drift_check("raw_applications", daily_partitions, categorical=["criticality", "team"]),
    build_drift_check(
        "raw_team_indicators", daily_partitions, numeric=["staff_on_duty", "changes_deployed", "oncall_pages"]
    ),
]
