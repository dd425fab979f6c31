"""One factory for every daily raw asset: read its source for the run's days, quarantine
the bad rows, hand the good ones to the lake IO manager (one Parquet file per day)."""

from collections.abc import Callable
from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset
from resources.calendar import context_days
from resources.config import SOURCE_OF_RAW_ASSET
from resources.schemas import LakeSchema
from resources.sources.base import RawSource
from resources.sources.landing import log_rejects
from resources.storage import LakehouseStorage


def write_quarantine(storage: LakehouseStorage, asset: str, days: list[date], rejects: pl.DataFrame) -> int:
    """Replace the quarantine file of every day of the run: a rerun leaves exactly its rejects."""
    storage.write_days(asset, days, rejects, where="quarantine")
    return rejects.height


def _count_by_day(frame: pl.DataFrame) -> dict[date, int]:
    if frame.is_empty():
        return {}
    return dict(frame.group_by("partition_date").len().iter_rows())


Sanitizer = Callable[[pl.DataFrame], tuple[pl.DataFrame, dict[str, int]]]


def build_raw_asset(
    schema: LakeSchema, group: str, description: str, sanitize: Sanitizer | None = None
) -> dg.AssetsDefinition:
    """The raw asset of ``schema``, read from the source that feeds it (resources/config.py).
    ``sanitize`` (e.g. personal-data redaction) rewrites the rows AND the rejected rows
    before anything is written; its counts go into the materialisation metadata."""
    source_key = SOURCE_OF_RAW_ASSET[schema.asset]

    @daily_lake_asset(
        schema,
        group_name=group,
        description=description,
        required_resource_keys={source_key, "storage"},
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
            counts = {k: counts.get(k, 0) + reject_counts.get(k, 0) for k in {*counts, *reject_counts}}
        log_rejects(rejects, context.log)  # after sanitizing: a reason quotes the bad value
        rejected = write_quarantine(storage, schema.asset, days, rejects)
        for name in batch.unreadable:
            context.log.warning(
                f"{name}: unreadable, touches none of this run's days "
                "(reported by the landing sensor; its own days fail)"
            )
        context.add_asset_metadata(
            {
                "days": len(days),
                "first_day": str(days[0]),
                "last_day": str(days[-1]),
                "run_rows": rows.height,
                "run_rejected_rows": rejected,
                "source": type(source).__name__,
                # rows read = accepted + quarantined, per file (or API query) over the run's days
                "files_in_run": dg.MetadataValue.json(
                    {
                        name: {k: v for k, v in found.items() if k != "days"}
                        for name, found in batch.files.items()
                    }
                ),
                **({"unreadable_files": dg.MetadataValue.json(batch.unreadable)} if batch.unreadable else {}),
                **{f"sanitized/{kind}": n for kind, n in sorted(counts.items())},
                "preview": dg.MetadataValue.md(
                    rows.head(5).to_pandas().to_markdown(index=False) if rows.height else "_no rows_"
                ),
            }
        )
        # each daily partition gets its own counts, not the run's total
        accepted = _count_by_day(rows)
        quarantined = _count_by_day(rejects)
        for day in days:
            context.add_asset_metadata(
                {
                    "dagster/row_count": accepted.get(day, 0),
                    "rejected_rows": quarantined.get(day, 0),
                    "files": dg.MetadataValue.json(
                        {
                            name: found["days"][str(day)]
                            for name, found in batch.files.items()
                            if str(day) in found.get("days", {})
                        }
                    ),
                },
                partition_key=day.isoformat(),
            )
        return rows

    return _raw
