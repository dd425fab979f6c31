"""One factory for every daily raw asset: read its source for the run's days, quarantine
the bad rows, hand the good ones to the lake IO manager (one Parquet file per day)."""

from collections.abc import Callable
from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.partitions import context_days, daily_partitions, single_run
from resources.schemas import RawSchema
from resources.sources.base import RawSource
from resources.sources.landing import log_rejects
from resources.storage import LakehouseStorage, write_parquet_atomic


def write_quarantine(storage: LakehouseStorage, asset: str, days: list[date],
                     rejects: pl.DataFrame) -> int:
    """Replace the quarantine file of every day of the run: a rerun leaves exactly its rejects."""
    by_day = {k[0]: part for k, part in rejects.partition_by("partition_date", as_dict=True).items()}
    for day in days:
        path = storage.quarantine_file(asset, day)
        if day in by_day:
            write_parquet_atomic(by_day[day], path)
        elif path.exists():
            path.unlink()
    return rejects.height


Sanitizer = Callable[[pl.DataFrame], tuple[pl.DataFrame, dict[str, int]]]


def build_raw_asset(schema: RawSchema, source_key: str, group: str, description: str,
                    sanitize: Sanitizer | None = None) -> dg.AssetsDefinition:
    """``sanitize`` (e.g. personal-data redaction) rewrites the rows AND the rejected rows
    before anything is written; its counts go into the materialisation metadata."""
    @dg.asset(
        name=schema.asset,
        group_name=group,
        description=description,
        partitions_def=daily_partitions,
        backfill_policy=single_run,
        io_manager_key="lake_io_manager",
        required_resource_keys={source_key, "storage"},
        kinds={"polars", "parquet"},
    )
    def _raw(context: dg.AssetExecutionContext) -> pl.DataFrame:
        days = context_days(context)
        source: RawSource = getattr(context.resources, source_key)
        storage: LakehouseStorage = context.resources.storage
        batch = source.read(days[0], days[-1] + timedelta(days=1), log=context.log)
        rows, rejects, counts = batch.rows, batch.rejects, {}
        if sanitize is not None:
            rows, counts = sanitize(rows)
            rejects, reject_counts = sanitize(rejects)
            counts = {k: counts.get(k, 0) + reject_counts.get(k, 0)
                      for k in {*counts, *reject_counts}}
        log_rejects(rejects, context.log)  # after sanitizing: a reason quotes the bad value
        rejected = write_quarantine(storage, schema.asset, days, rejects)
        context.add_output_metadata({
            "dagster/row_count": rows.height,
            "days": len(days),
            "first_day": str(days[0]),
            "last_day": str(days[-1]),
            "rejected_rows": rejected,
            "source": type(source).__name__,
            **{f"sanitized/{kind}": n for kind, n in sorted(counts.items())},
            "preview": dg.MetadataValue.md(rows.head(5).to_pandas().to_markdown(index=False)
                                           if rows.height else "_no rows_"),
        })
        return rows

    return _raw
