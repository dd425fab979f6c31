"""``raw_software_inventory`` (daily discovery scans) and ``raw_eol_catalog`` (endoflife.date)."""

from assets.lake import lake_checks
from assets.raw import build_raw_asset
from resources.schemas import RAW_EOL_CATALOG, RAW_SOFTWARE_INVENTORY

raw_software_inventory = build_raw_asset(
    RAW_SOFTWARE_INVENTORY,
    "obsolescence",
    "Installed software per application and host as discovered by the day's scan.",
)

raw_eol_catalog = build_raw_asset(
    RAW_EOL_CATALOG,
    "obsolescence",
    "endoflife.date release cycles as known on the day: release date, end of active support, "
    "end of life (a date, true or false), LTS.",
)

raw_obsolescence_checks = [
    *lake_checks(RAW_SOFTWARE_INVENTORY),
    *lake_checks(RAW_EOL_CATALOG),
]
