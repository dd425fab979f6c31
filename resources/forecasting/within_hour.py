"""Bands for the native points (5 or 30 minutes) of an hourly forecast.

An hourly band covers the hour's mean; a dashboard shows the 5-minute points, which scatter
around that mean. Judged against native points the hourly bands covered 0.67 / 0.90 for
nominal 0.80 / 0.95 (``bench/forecast.py``). A native point's error is the hour's error ``e``
plus the point's deviation ``d`` from its hour's mean; the two are nearly independent (``d``
is the noise inside the hour, ``e`` the model's miss of the hour), so the native half-width at
level L is the quantile of |e + d|, taken here as sqrt(w_L(h)^2 + D_L^2): exact for normal
parts and close for others. ``w_L(h)`` is the hourly conformal half-width, ``D_L`` the conformal
quantile of |d| over the history before the origin, by hour of day (the spread inside an hour
follows the daily cycle: busy hours scatter more) when each hour of day has enough points,
pooled otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from resources.calendar import day_bounds_utc

LEVELS = ("80", "95")
MIN_POINTS_PER_HOUR = 40  # native deviations needed for an hour-of-day quantile


def _conformal(scores: np.ndarray, level: float) -> float:
    scores = np.sort(np.abs(scores))
    if scores.size == 0:
        return 0.0
    rank = min(int(np.ceil((scores.size + 1) * level)), scores.size) - 1
    return float(scores[rank])


def deviation_quantiles(points: pl.DataFrame) -> dict[str, np.ndarray]:
    """``points`` (timestamp UTC, value): native points known at the origin. Per level, 24
    half-widths (one per UTC hour of day) of |native point - its hour's mean|."""
    if points.height == 0:
        return {lvl: np.zeros(24) for lvl in LEVELS}
    dev = points.with_columns(hour=pl.col("timestamp").dt.truncate("1h")).with_columns(
        d=pl.col("value") - pl.col("value").mean().over("hour"),
        hod=pl.col("timestamp").dt.hour(),
        n=pl.len().over("hour"),
    )
    dev = dev.filter(pl.col("n") > 1)  # a lone point in its hour is its own mean: no spread seen
    d, hod = dev["d"].to_numpy(), dev["hod"].to_numpy()
    out = {}
    for lvl in LEVELS:
        level = int(lvl) / 100
        pooled = _conformal(d, level)
        out[lvl] = np.array(
            [
                _conformal(d[hod == h], level) if (hod == h).sum() >= MIN_POINTS_PER_HOUR else pooled
                for h in range(24)
            ]
        )
    return out


def native_bands(
    bands: dict[str, np.ndarray], hours: np.ndarray, quantiles: dict[str, np.ndarray], per_hour: float = 1.0
) -> dict[str, np.ndarray]:
    """Bands for the native points of each forecast hour. ``bands``: hourly forecast and
    lo/hi 80/95 (a summed series' values are per hour: divided by ``per_hour`` to the native
    point's scale); ``hours``: the UTC hour of day of each step; ``quantiles``: from
    ``deviation_quantiles``. Nothing below 0 when the hourly band was not."""
    point = bands["forecast"] / per_hour
    out = {"forecast": point}
    for lvl in LEVELS:
        lo, hi = bands[f"lo{lvl}"] / per_hour, bands[f"hi{lvl}"] / per_hour
        inside = quantiles[lvl][np.asarray(hours, dtype=int) % 24]
        grow_lo = np.sqrt((point - lo) ** 2 + inside**2) - (point - lo)
        grow_hi = np.sqrt((hi - point) ** 2 + inside**2) - (hi - point)
        out[f"lo{lvl}"], out[f"hi{lvl}"] = lo - grow_lo, hi + grow_hi
        if (lo >= 0).all():
            out[f"lo{lvl}"] = np.maximum(out[f"lo{lvl}"], 0.0)
    return out


NATIVE_COLUMNS = ("native_forecast", "native_lo80", "native_hi80", "native_lo95", "native_hi95")


def without_native(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the ``NATIVE_COLUMNS`` null (daily rows; hourly rows before the bands)."""
    return frame.with_columns([pl.lit(None, pl.Float64()).alias(c) for c in NATIVE_COLUMNS])


def with_native_bands(
    forecasts: pl.DataFrame, raw: pl.DataFrame | None, history_days: int = 28
) -> pl.DataFrame:
    """``forecasts`` (``capacity_forecasts`` rows, order kept) with the ``NATIVE_COLUMNS``: for
    each hourly row of a sub-daily series, the expected native point of that hour (a summed
    series' hourly value divided by its points per hour) and the within-hour bands
    (``native_bands``) from the deviations of the series' native points in the
    ``history_days`` before the row's origin; null on daily rows and where fewer than two
    native points of the series are known. ``raw``: ``raw_metrics`` rows (metric, resource,
    timestamp, value) covering those days."""
    hourly = pl.col("grain") == "hourly"
    if raw is None or raw.height == 0 or forecasts.filter(hourly).height == 0:
        return without_native(forecasts)
    indexed = forecasts.with_row_index("_row")
    raw = raw.filter(pl.col("value").is_not_null()).sort("timestamp")
    by_source = raw.partition_by(["metric", "resource"], as_dict=True)
    parts = [without_native(indexed.filter(~hourly))]
    for (series_id, origin), rows in (
        indexed.filter(hourly).partition_by(["series_id", "origin"], as_dict=True).items()
    ):
        metric, resource, agg = series_id.split("/")
        end = day_bounds_utc(origin)[1]  # the first forecast hour (aware UTC)
        known = by_source.get((metric, resource), raw.clear()).filter(
            (pl.col("timestamp") < end) & (pl.col("timestamp") >= end - timedelta(days=history_days))
        )
        if known.height < 2:
            parts.append(without_native(rows))
            continue
        step = known["timestamp"].diff().dt.total_minutes().median() or 60.0
        per_hour = 60.0 / step if agg == "sum" else 1.0
        bands = {c: rows[c].to_numpy() for c in ("forecast", "lo80", "hi80", "lo95", "hi95")}
        hours = rows["target_time"].dt.convert_time_zone("UTC").dt.hour().to_numpy()
        native = native_bands(bands, hours, deviation_quantiles(known), per_hour)
        parts.append(
            rows.with_columns(**{f"native_{k}": pl.Series(v, dtype=pl.Float64()) for k, v in native.items()})
        )
    return pl.concat(parts, how="diagonal_relaxed").sort("_row").drop("_row")
