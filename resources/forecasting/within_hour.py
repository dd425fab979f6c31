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

import numpy as np
import polars as pl

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
