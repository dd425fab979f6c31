"""Forecasts with intervals from a stored model, and the residual drift check for reuse."""

from __future__ import annotations

from datetime import date

import numpy as np

from resources.forecasting.backtest import widths
from resources.forecasting.history import History

HORIZON = {"daily": 90, "hourly": 168}  # steps: 90 days, or 7 days of hours
MIN_DRIFT_POINTS = {"daily": 3, "hourly": 24}  # fewer points since the fit: no verdict yet


def point_forecast(meta: dict, members: dict, lstm, hist: History, n: int) -> np.ndarray:
    """Mean of the members' forecasts (one member unless the ensemble won)."""
    start = max(0, len(hist.values) - meta["context_points"])
    window = hist.values[start:]
    found = []
    for name in meta["members"]:
        if name == "lstm":
            found.append(lstm.predict([(hist, window, meta["lstm_scale"])], n)[0])
        else:
            found.append(members[name].predict(hist, window, start, n))
    return np.mean(found, axis=0)


def with_intervals(meta: dict, point: np.ndarray, unit: str) -> dict[str, np.ndarray]:
    """Conformal bands (q * error profile); nothing below 0, utilisation capped at 100 %."""
    upper = 100.0 if unit == "%" else np.inf
    out = {"forecast": point}
    for level in ("80", "95"):
        width = meta[f"q{level}"] * widths(meta["profile"], len(point))
        out[f"lo{level}"], out[f"hi{level}"] = point - width, point + width
    return {k: np.clip(v, 0.0, upper) for k, v in out.items()}


def drift_share(meta: dict, members: dict, lstm, full: History, version: date, origin: date) -> float | None:
    """Share of the points since the fit that fall outside the model's 95 % band: large when
    the series left the regime the model learnt. None when there is nothing to judge yet."""
    before, now = full.cut(version), full.cut(origin)
    k = len(now.values) - len(before.values)
    if k < MIN_DRIFT_POINTS[full.grain] or len(before.values) == 0:
        return None
    point = point_forecast(meta, members, lstm, before, k)
    outside = np.abs(now.values[-k:] - point) > meta["q95"] * widths(meta["profile"], k)
    return float(outside.mean())
