"""Days until a forecast crosses its capacity threshold, and the probability of crossing.

``days_to_threshold``: first horizon day whose point forecast reaches the threshold (null when
none within 90 days). ``p_cross_Nd``: the probability that some day up to N exceeds the
threshold, from each day's probability p_h (its forecast distribution read as normal with the
sigma its 80 % interval implies), combined by ``method``:
- ``max``: max_h p_h, the probability if the days' errors were one shared error (a lower bound);
- ``independent``: 1 - prod_h (1 - p_h), as if each day's error were drawn anew (an upper bound);
- ``blend``: the mean of the two.
- ``calibrated`` (the default): the blend mapped through a logistic recalibration per horizon
  (``CALIBRATION``: p' = sigmoid(a * logit(p) + b)). The blend's Brier score was good but its
  reliability table was not: under-confident between 0.3 and 0.8 at 30 days, S-shaped at 90
  days (the normal reading of the conformal band is too flat in its tails). a and b were fit by
  ``bench/forecast.py --crossing`` on half of the demo series (every origin) and judged on the
  other half (docs/benchmarks.md).
Daily errors are partly shared (the level) and partly new each day (the noise), so the truth
lies between the bounds; bench/forecast.py --crossing measures each on the demo (reliability
table, Brier score).
"""

from __future__ import annotations

from datetime import timedelta
from math import erf, sqrt

import numpy as np
import polars as pl

from resources.forecasting.backtest import Z80
from resources.ml_schemas import CAPACITY_HEADROOM


def _p_above(forecast: float, lo80: float, hi80: float, threshold: float) -> float:
    sigma = (hi80 - lo80) / (2 * Z80)
    if sigma <= 0:
        return float(forecast >= threshold)
    return 0.5 * (1 - erf((threshold - forecast) / (sigma * sqrt(2))))


METHODS = ("max", "independent", "blend", "calibrated")
# horizon (days) -> (a, b) of p' = sigmoid(a * logit(p_blend) + b); see the module docstring
# fit on the 23 development demo series, 4 origins, 4 thresholds (368 cases per horizon):
CALIBRATION = {7: (0.620, 0.106), 30: (1.660, 1.185), 90: (5.097, -0.821)}
_EPS = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def recalibrate(p: float, a: float, b: float) -> float:
    """sigmoid(a * logit(p) + b); 0 and 1 (a band of zero width) stay certain."""
    if p <= 0.0 or p >= 1.0:
        return float(p)
    return float(1.0 / (1.0 + np.exp(-(a * _logit(p) + b))))


def fit_recalibration(p: np.ndarray, crossed: np.ndarray, iters: int = 50) -> tuple[float, float]:
    """(a, b) maximising the Bernoulli likelihood of ``crossed`` under sigmoid(a*logit(p)+b):
    Platt scaling on the logit, by Newton steps (two parameters: no library needed)."""
    x, y = _logit(p), np.asarray(crossed, dtype=float)
    w = np.array([1.0, 0.0])
    design = np.stack([x, np.ones_like(x)], axis=1)
    for _ in range(iters):
        q = 1.0 / (1.0 + np.exp(-(design @ w)))
        grad = design.T @ (y - q)
        hess = (design * (q * (1 - q))[:, None]).T @ design + 1e-6 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w = w + step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), float(w[1])


def combine(p: list[float], method: str) -> float:
    """P(some day crosses) from the days' probabilities ``p`` (see the module docstring)."""
    if not p:
        return 0.0
    upper = 1.0 - float(np.prod([1.0 - v for v in p]))
    lower = max(p)
    if method == "max":
        return lower
    if method == "independent":
        return upper
    if method in ("blend", "calibrated"):  # calibrated: the blend, mapped per horizon after
        return (lower + upper) / 2
    raise ValueError(f"unknown crossing method {method!r}: expected one of {METHODS}")


def headroom_row(series: pl.DataFrame, meta: dict, threshold: float, method: str = "blend") -> dict:
    """``series``: one series' daily forecasts at one origin, sorted by horizon."""
    origin = series["origin"][0]
    days = series["horizon_days"].to_list()
    p = [
        _p_above(f, lo, hi, threshold)
        for f, lo, hi in zip(series["forecast"], series["lo80"], series["hi80"])
    ]
    crossing = next((d for d, f in zip(days, series["forecast"]) if f >= threshold), None)
    p_within = {n: combine([pv for d, pv in zip(days, p) if d <= n], method) for n in (7, 30, 90)}
    if method == "calibrated":
        p_within = {n: recalibrate(v, *CALIBRATION[n]) for n, v in p_within.items()}
        p_within[30] = max(p_within[30], p_within[7])  # a longer window never crosses less
        p_within[90] = max(p_within[90], p_within[30])
    return {
        "series_id": meta["series_id"],
        "metric": meta["metric"],
        "resource": meta["resource"],
        "origin": origin,
        "capacity_threshold": threshold,
        "days_to_threshold": crossing,
        "crossing_date": origin + timedelta(days=crossing) if crossing else None,
        **{f"p_cross_{n}d": round(v, 4) for n, v in p_within.items()},
        "partition_date": origin,
    }


def headroom_frame(rows: list[dict]) -> pl.DataFrame:
    schema = CAPACITY_HEADROOM.with_partition
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
