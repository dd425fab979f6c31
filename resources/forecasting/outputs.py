"""The output frames: model choices (``forecast_models``) and forecasts (CAPACITY_FORECASTS)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import polars as pl

from resources.forecasting.history import History, day_end_utc
from resources.forecasting.predict import HORIZON, point_forecast, with_intervals
from resources.forecasting.within_hour import without_native
from resources.ml_schemas import CAPACITY_FORECASTS, FORECAST_MODELS
from resources.schemas import TS

MODEL_COLUMNS = FORECAST_MODELS.with_partition


def model_rows(meta: dict, origin: date, refit: bool, why: str) -> list[dict]:
    """One row per candidate scored (the winner ``selected``); a baseline fallback: one row."""
    base = {
        "series_id": meta["series_id"],
        "grain": meta["grain"],
        "origin": origin,
        "refit": refit,
        "version": meta["version"],
        "train_start": meta["train_start"],
        "train_end": meta["train_end"],
        "partition_date": origin,
    }
    reasons = "; ".join(r for r in (why, meta.get("reason")) if r)
    if not meta["backtest"]:
        return [{**base, "model": meta["model"], "selected": True, "reason": reasons}]
    return [
        {
            **base,
            "model": s["name"],
            "selected": s["name"] == meta["model"],
            "mase": s["mase"],
            "relative_mase": s["relative_mase"],
            "coverage80": s["coverage80"],
            "coverage95": s["coverage95"],
            "reason": reasons,
        }
        for s in meta["backtest"]
    ]


def models_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=MODEL_COLUMNS) if rows else pl.DataFrame(schema=MODEL_COLUMNS)


def forecast_frame(meta: dict, members: dict, lstm, hist: History, origin: date) -> pl.DataFrame:
    """Every step up to the grain's horizon after ``origin`` (daily: 90 days, hourly: 7 days).
    A series whose history stops before the origin is forecast across the gap."""
    step = pd.Timedelta(days=1) if hist.grain == "daily" else pd.Timedelta(hours=1)
    first = (
        pd.Timestamp(origin + timedelta(days=1))
        if hist.grain == "daily"
        else pd.Timestamp(day_end_utc(origin))
    )
    gap = max(0, int((first - hist.times[-1]) / step) - 1)
    n = HORIZON[hist.grain] + gap
    bands = with_intervals(meta, point_forecast(meta, members, lstm, hist, n), hist.unit)
    times = pd.date_range(hist.times[-1] + step, periods=n, freq=step)
    horizon_days = ((times - first) // pd.Timedelta(days=1)).to_numpy() + 1
    frame = pl.DataFrame(
        {
            "series_id": hist.series_id,
            "origin": origin,
            "target_time": pl.Series(times.to_numpy()).dt.replace_time_zone("UTC").cast(TS),
            "horizon_days": horizon_days.astype(np.int32),
            "grain": hist.grain,
            "model": meta["model"],
            **bands,
            "partition_date": origin,
        }
    )
    limit = 90 if hist.grain == "daily" else 7
    frame = without_native(frame.filter(pl.col("horizon_days").is_between(1, limit)))
    schema = CAPACITY_FORECASTS.with_partition  # native bands: within_hour.with_native_bands
    return frame.select(schema.keys()).cast(schema)
