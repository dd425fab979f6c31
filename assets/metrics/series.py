"""``metric_series``: raw metrics at the forecasting grain, the points of the partition's day."""

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from resources.forecasting.resample import resample
from resources.ml_schemas import METRIC_SERIES


@daily_lake_asset(
    METRIC_SERIES,
    group_name="metrics",
    kinds={"polars", "parquet"},
    description="Raw metrics resampled per Paris day: utilisation (%) as daily mean and p95 "
    "and hourly mean; volumes as daily and hourly sums completed for missing points "
    "(sum x expected / present). A bucket under 50 % coverage keeps its row with "
    "value null and missing=true. Hourly rows only for sub-daily sources. "
    "series_id = metric/resource/agg.",
)
def metric_series(context: dg.AssetExecutionContext, raw_metrics: pl.DataFrame) -> pl.DataFrame:
    out = resample(raw_metrics)
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "series": out["series_id"].n_unique(),
            "missing_buckets": int(out["missing"].sum()),
            "mean_coverage": round(float(out["coverage"].mean() or 0.0), 4),
        }
    )
    return out


metric_series_checks = [
    *lake_checks(METRIC_SERIES),
]
