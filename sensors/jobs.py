"""Jobs: the whole graph by day, and one per landing folder (its raw asset and downstream)."""

import dagster as dg

from resources.calendar import daily_partitions
from resources.config import RAW_ASSET_OF_SOURCE

daily_lakehouse_job = dg.define_asset_job(
    "daily_lakehouse",
    selection=dg.AssetSelection.all(include_sources=False),
    partitions_def=daily_partitions,
    description="Every daily asset and its checks, for one day or, as one run, a range of days.",
)

landing_jobs = {
    asset: dg.define_asset_job(
        f"land_{asset}",
        selection=dg.AssetSelection.assets(asset).downstream(),
        partitions_def=daily_partitions,
        description=f"{asset} and everything downstream, for the days a landed file touches.",
    )
    for asset in RAW_ASSET_OF_SOURCE.values()
}
