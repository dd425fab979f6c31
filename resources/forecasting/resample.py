"""Raw metric points -> the forecasting grain, one Paris day at a time.

Aggregation (documented in the asset description too):
- utilisation (unit ``%``): daily ``mean`` and daily ``p95`` (the peak that saturates), hourly
  ``mean``;
- volumes (every other unit): daily and hourly ``sum``, completed for missing points: the sum of
  the points present times expected / present (a 2 % gap then does not read as a 2 % dip).
A bucket whose coverage (present / expected points) is under ``min_coverage`` keeps its row with
``value`` null and ``missing`` true: gaps are marked here and filled (and counted) when the
forecasting history is built, never silently. Hourly rows exist only for sub-daily sources.
"""

from __future__ import annotations

import polars as pl

from resources.calendar import day_bounds_utc as day_bounds
from resources.ml_schemas import METRIC_SERIES

SERIES_COLUMNS = METRIC_SERIES.with_partition


def daily_time(day: pl.Expr) -> pl.Expr:
    """A daily point's ``time``: its Paris date at 00:00 UTC (a date, carried as a timestamp)."""
    return day.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _steps(raw: pl.DataFrame) -> pl.DataFrame:
    """Native step of each series in minutes (median gap; a lone daily point: 1440)."""
    return (
        raw.sort("timestamp")
        .group_by("metric", "resource")
        .agg(step=pl.col("timestamp").diff().dt.total_minutes().median())
        .with_columns(pl.col("step").fill_null(1440.0).clip(1.0, 1440.0))
    )


def _finish(frame: pl.DataFrame, expected: pl.Expr, grain: str, min_coverage: float) -> pl.DataFrame:
    coverage = (pl.col("n_points") / expected).clip(0.0, 1.0)
    volume_value = pl.col("total") * expected / pl.col("n_points")
    rows = []
    for agg in ("mean", "p95", "sum"):
        if grain == "hourly" and agg == "p95":
            continue
        is_util = pl.col("unit") == "%"
        keep = is_util if agg != "sum" else ~is_util
        value = volume_value if agg == "sum" else pl.col(agg)
        rows.append(frame.filter(keep).with_columns(agg=pl.lit(agg), value=value))
    out = pl.concat(rows).with_columns(coverage=coverage.fill_null(0.0), grain=pl.lit(grain))
    out = out.with_columns(missing=pl.col("coverage") < min_coverage)
    return out.with_columns(
        value=pl.when(pl.col("missing")).then(None).otherwise(pl.col("value")),
        series_id=pl.concat_str("metric", "resource", "agg", separator="/"),
        n_points=pl.col("n_points").fill_null(0).cast(pl.Int32),
    )


def _daily(raw: pl.DataFrame, min_coverage: float) -> pl.DataFrame:
    lengths = pl.DataFrame({"partition_date": sorted(set(raw["partition_date"]))}).with_columns(
        minutes=pl.col("partition_date").map_elements(
            lambda d: (day_bounds(d)[1] - day_bounds(d)[0]).total_seconds() / 60, return_dtype=pl.Float64()
        )
    )
    frame = (
        raw.group_by("metric", "resource", "unit", "partition_date")
        .agg(
            n_points=pl.len(),
            mean=pl.col("value").mean(),
            p95=pl.col("value").quantile(0.95, "linear"),
            total=pl.col("value").sum(),
        )
        .join(_steps(raw), on=["metric", "resource"])
        .join(lengths, on="partition_date")
    )
    expected = (pl.col("minutes") / pl.col("step")).round().clip(1.0, None)
    return _finish(frame, expected, "daily", min_coverage).with_columns(
        time=daily_time(pl.col("partition_date"))
    )


def _hourly(raw: pl.DataFrame, min_coverage: float) -> pl.DataFrame:
    sub = raw.join(_steps(raw).filter(pl.col("step") < 1440), on=["metric", "resource"])
    if sub.height == 0:
        return pl.DataFrame()
    grid = pl.concat(
        [
            pl.DataFrame(
                {"time": pl.datetime_range(*day_bounds(d), "1h", closed="left", time_unit="us", eager=True)}
            ).with_columns(partition_date=pl.lit(d))
            for d in sorted(set(sub["partition_date"]))
        ]
    )
    grid = grid.with_columns(pl.col("time").dt.convert_time_zone("UTC"))
    keys = sub.select("metric", "resource", "unit", "step", "partition_date").unique()
    points = (
        sub.with_columns(time=pl.col("timestamp").dt.truncate("1h"))
        .group_by("metric", "resource", "time")
        .agg(n_points=pl.len(), mean=pl.col("value").mean(), total=pl.col("value").sum())
    )
    frame = keys.join(grid, on="partition_date").join(points, on=["metric", "resource", "time"], how="left")
    expected = (60.0 / pl.col("step")).round().clip(1.0, None)
    return _finish(frame, expected, "hourly", min_coverage)


def resample(raw: pl.DataFrame, min_coverage: float = 0.5) -> pl.DataFrame:
    """Daily and hourly points of every series for the days in ``raw`` (SERIES_COLUMNS)."""
    raw = raw.filter(pl.col("value").is_not_null())
    if raw.height == 0:
        return pl.DataFrame(schema=SERIES_COLUMNS)
    parts = [p for p in (_daily(raw, min_coverage), _hourly(raw, min_coverage)) if p.height]
    out = pl.concat([p.select(SERIES_COLUMNS.keys()).cast(SERIES_COLUMNS) for p in parts])
    return out.sort("series_id", "grain", "time")
