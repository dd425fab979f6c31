"""ObsoWatch: installed software against end-of-life dates."""

import dagster as dg

from assets.obsolescence.raw import raw_eol_catalog, raw_obsolescence_checks, raw_software_inventory

defs = dg.Definitions(assets=[raw_software_inventory, raw_eol_catalog], asset_checks=raw_obsolescence_checks)
