"""The dbt warehouse (ObsoWatch and AppOps 360 marts) and the drift checks of its marts.

The dbt assets depend on an ML output only once its asset is defined by its domain package
(metrics, tickets, verbatims), hence the keys collected from those packages here. What reads
the warehouse lives with its domain: EOL alerts and the committee report in obsolescence/,
the BI serving copy in appops360/.
"""

import dagster as dg

from assets import metrics, tickets, verbatims
from assets.warehouse.dbt_assets import build_dbt_assets
from assets.warehouse.mart_drift import mart_drift_checks


def _defined_keys(*domain_defs: dg.Definitions) -> frozenset[dg.AssetKey]:
    keys = set()
    for defs in domain_defs:
        for asset in defs.assets or []:
            keys |= set(getattr(asset, "keys", None) or {asset.key})
    return frozenset(keys)


dbt_defs = build_dbt_assets(_defined_keys(metrics.defs, tickets.defs, verbatims.defs))

defs = dg.Definitions(assets=dbt_defs, asset_checks=mart_drift_checks)
