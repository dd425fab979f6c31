"""``raw_incidents``: each incident as last updated on the day (``sys_updated_on``)."""

from assets.lake import lake_checks
from assets.raw import build_raw_asset
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
    "tickets",
    "ServiceNow incidents updated on the day, with ServiceNow's column names; extra columns kept. "
    "Personal data in free text (and in any extra text column) is replaced by typed "
    "placeholders, person fields by <NAME>, before anything is written.",
    sanitize=build_sanitizer(
        TEXT_COLUMNS, PERSON_COLUMNS, skip_columns=set(RAW_INCIDENTS.columns) - set(TEXT_COLUMNS)
    ),
)

raw_incidents_checks = [
    *lake_checks(RAW_INCIDENTS),
]
