"""``raw_software_inventory`` (daily discovery scans) and ``raw_eol_catalog`` (endoflife.date)."""

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.raw import build_raw_asset
from resources.calendar import daily_partitions
from resources.schemas import RAW_EOL_CATALOG, RAW_SOFTWARE_INVENTORY

raw_software_inventory = build_raw_asset(
    RAW_SOFTWARE_INVENTORY,
    "inventory_source",
    "obsolescence",
    "Installed software per application and host as discovered by the day's scan.",
)

raw_eol_catalog = build_raw_asset(
    RAW_EOL_CATALOG,
    "eol_catalog_source",
    "obsolescence",
    "endoflife.date release cycles as known on the day: release date, end of active support, "
    "end of life (a date, true or false), LTS.",
)

raw_obsolescence_checks = [
    build_contract_check(RAW_SOFTWARE_INVENTORY, daily_partitions),
    build_contract_check(RAW_EOL_CATALOG, daily_partitions),
    build_drift_check("raw_software_inventory", daily_partitions, categorical=["product", "environment"]),
    build_drift_check("raw_eol_catalog", daily_partitions, categorical=["category"]),
]
