"""IO manager for Polars frames over the Parquet lake: ``lake/<asset>/<YYYY-MM-DD>.parquet``.

Why not dagster-polars: its ``UPathIOManager`` base refuses an output that spans several
partitions (a single-run backfill) and writes in place. This one splits a range output by
``partition_date`` into one file per day, writes every file under a temporary name then
renames it, and writes an empty file for a day without rows, so rerunning a range replaces
exactly that range.
"""

from datetime import date

import dagster as dg
import polars as pl

from resources.calendar import window_days
from resources.storage import LakehouseStorage, read_parquet, write_parquet_atomic


def _days(context: dg.InputContext | dg.OutputContext) -> list[date]:
    window = context.asset_partitions_time_window
    return window_days(window.start, window.end)


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
        days = _days(context)
        if "partition_date" not in obj.columns:
            raise ValueError(f"{asset}: a daily-partitioned frame needs a partition_date column")
        outside = obj.filter(~pl.col("partition_date").is_in(days))
        if outside.height:
            raise ValueError(
                f"{asset}: {outside.height} rows fall outside the run's days "
                f"{days[0]}..{days[-1]}, e.g. {outside['partition_date'][0]}"
            )
        by_day = {key[0]: part for key, part in obj.partition_by("partition_date", as_dict=True).items()}
        for day in days:
            write_parquet_atomic(by_day.get(day, obj.clear()), self.storage.lake_file(asset, day))
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
        days = _days(context)
        missing = [d for d in days if not self.storage.lake_file(asset, d).exists()]
        if missing:
            raise FileNotFoundError(
                f"{asset}: no lake file for {len(missing)} day(s), first {missing[0]}; "
                f"materialise those partitions of {asset} first"
            )
        frames = [read_parquet(self.storage.lake_file(asset, d)) for d in days]
        return pl.concat(frames, how="diagonal_relaxed")
