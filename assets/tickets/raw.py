"""``raw_incidents``: each incident as last updated on the day (``sys_updated_on``)."""

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.partitions import daily_partitions
from assets.raw import build_raw_asset
from resources.schemas import RAW_INCIDENTS

raw_incidents = build_raw_asset(
    RAW_INCIDENTS, "incident_source", "tickets",
    "ServiceNow incidents updated on the day, with ServiceNow's column names; extra columns kept.")

raw_incidents_checks = [
    build_contract_check(RAW_INCIDENTS, daily_partitions),
    build_drift_check("raw_incidents", daily_partitions, numeric=["priority"],
                      categorical=["category", "assignment_group", "state"],
                      text=["short_description"]),
]
