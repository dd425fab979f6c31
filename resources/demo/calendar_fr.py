"""French business calendar and closed-form seasonal helpers shared by the demo generators.

Everything here is a pure function of the day (or of the instant), so any day can be generated
on its own: trends and seasonality never depend on previously generated days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays
import numpy as np
import polars as pl

from resources.calendar import PARIS, day_bounds_utc

EPOCH = date(2018, 1, 1)
"""Origin of every demo trend (values exist before it too: the trend is just extrapolated)."""


@cache
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year).keys())


def is_holiday(day: date) -> bool:
    """French public holiday (metropolitan France)."""
    return day in _holidays_of(day.year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def is_month_end_peak(day: date) -> bool:
    """True on the last two business days of the month."""
    if not is_business_day(day):
        return False
    later, cursor = 0, day + timedelta(days=1)
    while cursor.month == day.month:
        later += is_business_day(cursor)
        cursor += timedelta(days=1)
    return later <= 1


def weekday_index(day: date) -> int:
    """0..6 for Monday..Sunday, and 6 (Sunday-like) for a public holiday."""
    return 6 if is_holiday(day) else day.weekday()


def years_since_epoch(day: date) -> float:
    return (day - EPOCH).days / 365.25


def _circular_bump(doy: float, centre: float, width: float) -> float:
    dist = min(abs(doy - centre), 365.25 - abs(doy - centre))
    return float(np.exp(-0.5 * (dist / width) ** 2))


def yearly_factor(day: date, august: float, december: float) -> float:
    """1 minus an August dip plus a mid-December peak (both smooth bumps, in fractions)."""
    doy = day.timetuple().tm_yday
    return 1.0 - august * _circular_bump(doy, 222, 11) + december * _circular_bump(doy, 352, 9)


def in_lockdown(day: date) -> bool:
    """First French Covid lockdown: volumes shift from branches to digital channels."""
    return date(2020, 3, 17) <= day <= date(2020, 5, 10)


def day_grid(day: date, step_minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC epoch microseconds of a regular grid over the Paris day, and the Paris wall-clock hour.

    DST days have 23 or 25 hours, so the grid has fewer or more points.
    """
    start, end = day_bounds_utc(day)
    step_us = step_minutes * 60_000_000
    start_us = int(start.timestamp() * 1_000_000)
    n = int((end - start).total_seconds() * 1_000_000) // step_us
    utc_us = start_us + np.arange(n, dtype=np.int64) * step_us
    elapsed_h = (utc_us - start_us) / 3.6e9
    off_start = start.astimezone(PARIS).utcoffset()
    off_end = (end - timedelta(microseconds=1)).astimezone(PARIS).utcoffset()
    if off_start != off_end:  # EU DST switches at 01:00 UTC
        switch_us = int(datetime.combine(day, time(1), UTC).timestamp() * 1_000_000)
        shift_h = (off_end - off_start).total_seconds() / 3600
        elapsed_h = elapsed_h + np.where(utc_us >= switch_us, shift_h, 0.0)
    return utc_us, elapsed_h


def utc_series(name: str, utc_us: np.ndarray) -> pl.Series:
    """Epoch microseconds to a tz-aware UTC polars Series."""
    return pl.Series(name, np.asarray(utc_us, dtype=np.int64)).cast(pl.Datetime("us", "UTC"))


def random_instants(
    rng: np.random.Generator, day: date, n: int, hour_weights: np.ndarray | None = None
) -> np.ndarray:
    """``n`` sorted random instants (epoch µs) in the Paris day, following 24 hourly weights."""
    utc_us, local_h = day_grid(day, 1)
    if hour_weights is None:
        p = np.ones(len(utc_us))
    else:
        p = np.asarray(hour_weights, dtype=float)[np.clip(local_h.astype(int), 0, 23)]
    idx = rng.choice(len(utc_us), size=n, p=p / p.sum())
    jitter = rng.integers(0, 60_000_000, size=n)
    return np.sort(utc_us[idx] + jitter)
