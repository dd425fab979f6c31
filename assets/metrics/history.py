"""The forecasting history of a run, read from the lake rather than through a partition mapping.

Why not an input mapped onto the last 3 years of ``metric_series`` partitions: the IO manager
would load (and Dagster would require) every one of ~1,100 upstream partitions for each run,
fail on the first missing day instead of marking it, and a single-run backfill of a year would
map onto four years of partitions. ``storage.read_days(strict=False)`` reads what exists; gaps become
marked, filled points (see resources/forecasting/history.py).
"""

from datetime import date, timedelta

import polars as pl

from resources.forecasting.history import History, build_histories
from resources.forecasting.settings import ForecastSettings
from resources.storage import LakehouseStorage


def run_histories(
    storage: LakehouseStorage, days: list[date], settings: ForecastSettings
) -> dict[str, list[History]]:
    """Daily and hourly histories covering every origin of the run (one read for a range)."""
    first = days[0] - timedelta(days=settings.history_days - 1)
    wanted = [first + timedelta(days=i) for i in range((days[-1] - first).days + 1)]
    frame = storage.read_days("metric_series", wanted, strict=False)
    if frame is None:
        return {"daily": [], "hourly": []}
    hourly_from = days[0] - timedelta(days=settings.hourly_history_days + settings.refit_days)
    frame = frame.filter((pl.col("grain") == "daily") | (pl.col("partition_date") >= hourly_from))
    return {grain: build_histories(frame, grain) for grain in ("daily", "hourly")}


def native_points(
    storage: LakehouseStorage, days: list[date], settings: ForecastSettings
) -> pl.DataFrame | None:
    """The raw metric points of the ``within_hour_days`` before the run's first origin up to its
    last day (the within-hour bands of ``capacity_forecasts``), or None when there are none."""
    first = days[0] - timedelta(days=settings.within_hour_days)
    wanted = [first + timedelta(days=i) for i in range((days[-1] - first).days + 1)]
    return storage.read_days("raw_metrics", wanted, strict=False)
