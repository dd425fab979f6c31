"""``raw_incidents``: each incident as last updated on the day (``sys_updated_on``)."""

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.raw import build_raw_asset
from resources.calendar import daily_partitions
from resources.redaction import build_sanitizer
from resources.schemas import RAW_INCIDENTS

TEXT_COLUMNS = ("short_description", "description", "close_notes")
# ServiceNow reference fields that hold a person's name or login, when an export carries them.
PERSON_COLUMNS = (
    "caller_id",
    "opened_by",
    "assigned_to",
    "resolved_by",
    "closed_by",
    "sys_created_by",
    "sys_updated_by",
    "requested_for",
    "u_requested_for",
)

raw_incidents = build_raw_asset(
    RAW_INCIDENTS,
    "incident_source",
    "tickets",
    "ServiceNow incidents updated on the day, with ServiceNow's column names; extra columns kept. "
    "Personal data in free text (and in any extra text column) is replaced by typed "
    "placeholders, person fields by <NAME>, before anything is written.",
    sanitize=build_sanitizer(
        TEXT_COLUMNS, PERSON_COLUMNS, skip_columns=set(RAW_INCIDENTS.columns) - set(TEXT_COLUMNS)
    ),
)

raw_incidents_checks = [
    build_contract_check(RAW_INCIDENTS, daily_partitions),
    build_drift_check(
        "raw_incidents",
        daily_partitions,
        numeric=["priority"],
        categorical=["category", "assignment_group", "state"],
        text=["short_description"],
    ),
]
