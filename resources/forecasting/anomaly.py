"""Anomaly scores of a metric series: how unusual each point's surprise is for that series.

Causal, one pass, no fitting: the same function scores 5-minute NAB points in
``bench/anomaly.py`` and hourly / daily ``metric_series`` in the ``metric_anomalies`` asset.

1. expected value: the median of the last ``local`` points (a spike or a level shift departs
   from it at once; a seasonal forecast would also flag every change of regime a day late);
2. surprise z = |value - expected| / (1.4826 x the median absolute residual of the last
   ``memory`` points): a robust z, so a noisy series needs a larger departure than a quiet one;
3. score = the share of the last ``history`` surprises that are smaller than this one
   (1 - (larger or equal + 1) / (history + 1)): comparable across series of any scale and
   noise, which a threshold on z is not (NAB: a fixed z threshold chosen on the AWS series
   scored 12-20 on the known-cause ones); surprises under ``min_z`` score 0;
4. onset only: a score counts where it exceeds every score of the previous ``quiet`` points,
   otherwise it is halved; an incident alerts once at its start rather than at every point of
   it (what NAB rewards, and what an on-call engineer wants).

Windows are set per day of data (``window_sizes``) and were chosen on the development split of
the NAB series (realAWSCloudwatch), then checked on the others (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import polars as pl

MIN_Z = 3.0


def window_sizes(points_per_day: float) -> dict[str, int]:
    """Windows in points: local 1 hour (at least 3 points), memory 2 days (at least 14),
    quiet 1 day (at least 3), history 7 days (at least 28)."""
    day = float(points_per_day)
    return {
        "local": max(3, round(day / 24)),
        "memory": max(14, round(2 * day)),
        "quiet": max(3, round(day)),
        "history": max(28, round(7 * day)),
    }


def _robust_z(x: pd.Series, expected: pd.Series, memory: int) -> np.ndarray:
    residual = (x - expected).abs()
    scale = residual.shift(1).rolling(memory, min_periods=3).median()
    floor = float(np.nanmedian(np.abs(x.to_numpy())) or 1.0) * 1e-6
    return (residual / (1.4826 * scale.clip(lower=floor))).to_numpy()


def surprises(values: np.ndarray, local: int, memory: int, season: int = 0, seasons: int = 3) -> np.ndarray:
    """Robust z of each point against the median of the ``local`` points before it; with a
    ``season`` (points per day), the smaller of that and the z against the median of the same
    point of the last ``seasons`` days: a daily ramp the series makes every day surprises
    neither."""
    x = pd.Series(np.asarray(values, dtype=float))
    z = _robust_z(x, x.shift(1).rolling(local, min_periods=1).median(), memory)
    if season and len(x) > season * seasons:
        same = pd.concat([x.shift(season * k) for k in range(1, seasons + 1)], axis=1).median(axis=1)
        zs = _robust_z(x, same, memory)
        z = np.where(np.isnan(zs), z, np.fmin(z, zs))
    return np.nan_to_num(z, nan=0.0)


def anomaly_scores(
    values: np.ndarray,
    local: int,
    memory: int,
    quiet: int,
    history: int,
    min_z: float = MIN_Z,
    season: int = 0,
) -> np.ndarray:
    """Score in [0, 1) per point from the points before it only (NaN values score 0). A record
    surprise (larger than all of the last ``history``) scores above every other, the more so
    the larger it is against the previous record."""
    z = surprises(values, local, memory, season)
    raw = np.zeros(len(z))
    for i in range(10, len(z)):
        if z[i] >= min_z:
            past = z[max(0, i - history) : i]
            larger = np.count_nonzero(past >= z[i])
            raw[i] = 1.0 - (larger + 1) / (len(past) + 1)
            if larger == 0:
                raw[i] += (1.0 - past.max() / z[i]) / (len(past) + 1)
    raw[np.isnan(np.asarray(values, dtype=float))] = 0.0
    before = pd.Series(raw).shift(1).rolling(quiet, min_periods=1).max().fillna(0.0).to_numpy()
    return np.where(raw > before, raw, raw * 0.5)


def flag_threshold(threshold: float, history: int) -> float:
    """The configured threshold, lowered where the history is too short to reach it: a point
    more surprising than all of its last ``history`` points always flags."""
    return min(threshold, 1.0 - 1.0 / (history + 1) - 1e-9)


def score_series(hist, threshold: float) -> pl.DataFrame:
    """Every point of one ``History`` (hourly or daily) scored and flagged: the one pure,
    picklable per-series function of ``metric_anomalies``. Severity: critical when the surprise
    is twice the flagging one or more (z >= 2 x MIN_Z) and the point is flagged."""
    sizes = window_sizes(24 if hist.grain == "hourly" else 1)
    values = np.asarray(hist.values, dtype=float)
    x = pd.Series(values)
    expected = x.shift(1).rolling(sizes["local"], min_periods=1).median().to_numpy()
    z = surprises(values, sizes["local"], sizes["memory"])
    scores = anomaly_scores(values, **sizes)
    flagged = scores >= flag_threshold(threshold, sizes["history"])
    times = pl.Series(hist.times.to_numpy()).dt.cast_time_unit("us").dt.replace_time_zone("UTC")
    ids = [
        hashlib.sha1(f"{hist.series_id}|{hist.grain}|{t}".encode()).hexdigest()[:16] for t in times.to_list()
    ]
    severity = np.where(flagged & (z >= 2 * MIN_Z), "critical", "warning")
    messages = [
        f"{hist.series_id} ({hist.grain}) at {t:%Y-%m-%d %H:%M} UTC: {v:.4g} against "
        f"{e:.4g} expected (surprise z {s:.1f}, score {c:.4f})"
        if f
        else None
        for t, v, e, s, c, f in zip(times.to_list(), values, expected, z, scores, flagged)
    ]
    return pl.DataFrame(
        {
            "series_id": hist.series_id,
            "metric": hist.metric,
            "resource": hist.resource,
            "grain": hist.grain,
            "time": times,
            "value": values,
            "expected": expected,
            "surprise": z,
            "score": scores,
            "flagged": flagged,
            "alert_id": ids,
            "severity": severity,
            "message": pl.Series(messages, dtype=pl.String),
        },
        nan_to_null=True,
    )


def score_job(args: tuple) -> pl.DataFrame:
    """``score_series`` of one (history, threshold) pair: what a pool or Dask worker maps."""
    hist, threshold = args
    return score_series(hist, threshold)
