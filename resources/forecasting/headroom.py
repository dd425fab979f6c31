"""Days until a forecast crosses its capacity threshold, and the probability of crossing.

``days_to_threshold``: first horizon day whose point forecast reaches the threshold (null when
none within 90 days). ``p_cross_Nd``: the largest, over the days up to N, probability that the
value exceeds the threshold, reading each day's forecast distribution as normal with the
sigma its 80 % interval implies (a lower bound of the probability of any crossing).
"""

from __future__ import annotations

from datetime import timedelta
from math import erf, sqrt

import polars as pl

from resources.forecasting.backtest import Z80
from resources.ml_schemas import CAPACITY_HEADROOM


def _p_above(forecast: float, lo80: float, hi80: float, threshold: float) -> float:
    sigma = (hi80 - lo80) / (2 * Z80)
    if sigma <= 0:
        return float(forecast >= threshold)
    return 0.5 * (1 - erf((threshold - forecast) / (sigma * sqrt(2))))


def headroom_row(series: pl.DataFrame, meta: dict, threshold: float) -> dict:
    """``series``: one series' daily forecasts at one origin, sorted by horizon."""
    origin = series["origin"][0]
    days = series["horizon_days"].to_list()
    p = [_p_above(f, lo, hi, threshold) for f, lo, hi in
         zip(series["forecast"], series["lo80"], series["hi80"])]
    crossing = next((d for d, f in zip(days, series["forecast"]) if f >= threshold), None)
    p_within = {n: max([pv for d, pv in zip(days, p) if d <= n], default=0.0) for n in (7, 30, 90)}
    return {"series_id": meta["series_id"], "metric": meta["metric"],
            "resource": meta["resource"], "origin": origin, "capacity_threshold": threshold,
            "days_to_threshold": crossing,
            "crossing_date": origin + timedelta(days=crossing) if crossing else None,
            **{f"p_cross_{n}d": round(v, 4) for n, v in p_within.items()},
            "partition_date": origin}


def headroom_frame(rows: list[dict]) -> pl.DataFrame:
    schema = CAPACITY_HEADROOM.with_partition
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
