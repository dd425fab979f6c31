"""ObsoWatch: installed software against end-of-life dates; the EOL alerts and the committee
report built from the warehouse marts."""

import dagster as dg

from assets.obsolescence.alerts import eol_alerts, eol_alerts_checks
from assets.obsolescence.raw import raw_eol_catalog, raw_obsolescence_checks, raw_software_inventory
from assets.obsolescence.report import committee_report

defs = dg.Definitions(
    assets=[raw_software_inventory, raw_eol_catalog, eol_alerts, committee_report],
    asset_checks=[*raw_obsolescence_checks, *eol_alerts_checks],
)
