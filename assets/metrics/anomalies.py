"""``metric_anomalies``: an anomaly score and flag per series, grain and point of each day.

Each series is scored over the history the forecasting assets read (so a point's score only
uses the points before it, and a rerun of a day gives the same rows); the rows of the run's
days are kept. Flagged rows are alerts: ``metric_anomaly_alert_sensor`` sends each once
through the alert sinks of the EOL alerts (run log, reports/alerts/alerts.jsonl, webhook).
"""

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.metrics.history import run_histories
from assets.metrics.series import metric_series
from resources.calendar import TIMEZONE, context_days
from resources.compute import parallel_map
from resources.forecasting.anomaly import score_job
from resources.forecasting.settings import ForecastSettings
from resources.ml_schemas import METRIC_ANOMALIES
from resources.storage import LakehouseStorage


def score_all(histories: dict, threshold: float, workers: int = 1) -> list[pl.DataFrame]:
    """Every series scored, in order, on ``workers`` processes (forkserver: the scores are
    polars frames) or on Dask when it is the engine."""
    jobs = [(hist, threshold) for grain in ("daily", "hourly") for hist in histories[grain]]
    return parallel_map(score_job, jobs, workers, start_method="forkserver")


@daily_lake_asset(
    METRIC_ANOMALIES,
    group_name="metrics",
    deps=[metric_series],
    kinds={"polars", "parquet"},
    description="Anomaly score (0-1: how unusual the point's robust surprise is against "
    "the series' last 7 days) and flag per series, grain and point; flagged "
    "rows carry an alert id, severity and message. Schema: METRIC_ANOMALIES. "
    "Detector and its NAB score: resources/forecasting/anomaly.py, "
    "bench/anomaly.py.",
)
def metric_anomalies(
    context: dg.AssetExecutionContext, storage: LakehouseStorage, forecasting: ForecastSettings
) -> pl.DataFrame:
    days = context_days(context)
    histories = run_histories(storage, days, forecasting)
    frames = score_all(histories, forecasting.anomaly_threshold, forecasting.workers)
    schema = METRIC_ANOMALIES.with_partition
    if not frames:
        return pl.DataFrame(schema=schema)
    out = (
        pl.concat(frames)
        .with_columns(partition_date=pl.col("time").dt.convert_time_zone(TIMEZONE).dt.date())
        .filter(pl.col("partition_date").is_in(days), pl.col("value").is_not_null())
        .select(schema.keys())
        .cast(schema)
        .sort("partition_date", "series_id", "grain", "time")
    )
    flagged = out.filter(pl.col("flagged"))
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "series": out.select("series_id", "grain").n_unique(),
            "flagged": flagged.height,
            "flagged_by_series": dg.MetadataValue.json(
                dict(flagged.group_by("series_id").len().sort("series_id").iter_rows())
            ),
            "latest_flags": dg.MetadataValue.md(
                flagged.sort("score", descending=True)
                .head(20)
                .select("series_id", "grain", "time", "value", "expected", "surprise", "score")
                .to_pandas()
                .to_markdown(index=False)
                if flagged.height
                else "_none_"
            ),
        }
    )
    return out


anomaly_checks = [
    *lake_checks(METRIC_ANOMALIES),
]
