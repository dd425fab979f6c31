"""IO manager for Polars frames over the Parquet lake: ``lake/<asset>/<YYYY-MM-DD>.parquet``.

Why not dagster-polars: its ``UPathIOManager`` base refuses an output that spans several
partitions (a single-run backfill) and writes in place. This one splits a range output by
``partition_date`` into one file per day, writes every file under a temporary name then
renames it, and writes an empty file for a day without rows, so rerunning a range replaces
exactly that range.
"""

import dagster as dg
import polars as pl

from resources.calendar import context_days
from resources.storage import LakehouseStorage, read_parquet, write_parquet_atomic


class LakeIOManager(dg.ConfigurableIOManager):
    """Daily-partitioned frames carry ``partition_date``; unpartitioned ones go to ``_all.parquet``."""

    storage: LakehouseStorage

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | None) -> None:
        if obj is None:
            return
        asset = context.asset_key.path[-1]
        if not context.has_asset_partitions:
            path = self.storage.lake_dir(asset) / "_all.parquet"
            write_parquet_atomic(obj, path)
            context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})
            return
        days = context_days(context)
        if "partition_date" not in obj.columns:
            raise ValueError(f"{asset}: a daily-partitioned frame needs a partition_date column")
        outside = obj.filter(~pl.col("partition_date").is_in(days))
        if outside.height:
            raise ValueError(
                f"{asset}: {outside.height} rows fall outside the run's days "
                f"{days[0]}..{days[-1]}, e.g. {outside['partition_date'][0]}"
            )
        self.storage.write_days(asset, days, obj)
        context.add_output_metadata(
            {
                "path": dg.MetadataValue.path(str(self.storage.lake_dir(asset))),
                "days_written": len(days),
            }
        )

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        asset = context.asset_key.path[-1]
        if not context.has_asset_partitions:
            return read_parquet(self.storage.lake_dir(asset) / "_all.parquet")
        return self.storage.read_days(asset, context_days(context), strict=True)
