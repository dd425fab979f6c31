"""``metric_series`` rows -> one regular history per series and grain, cut at an origin.

Missing buckets (absent rows or ``missing`` flags) stay NaN in the full history and are filled
only after the cut (linear inside, last value at the end): filling never uses points after the
origin, and the number filled is counted for the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl

SEASON = {"daily": 7, "hourly": 24}
FREQ = {"daily": "D", "hourly": "h"}


@dataclass
class History:
    series_id: str
    grain: str
    metric: str
    resource: str
    agg: str
    unit: str
    times: pd.DatetimeIndex  # naive UTC, regular
    values: np.ndarray  # NaN where missing
    filled: int = 0

    def cut(self, origin: date) -> History:
        """The history known at the end of Paris day ``origin``, gaps filled and counted."""
        keep = (
            self.times <= pd.Timestamp(origin)
            if self.grain == "daily"
            else self.times < pd.Timestamp(day_end_utc(origin))
        )
        values = self.values[keep]
        missing = int(np.isnan(values).sum())
        filled = pd.Series(values).interpolate(limit_direction="forward").ffill().to_numpy()
        return History(
            self.series_id,
            self.grain,
            self.metric,
            self.resource,
            self.agg,
            self.unit,
            self.times[keep],
            filled,
            missing,
        )

    @property
    def season(self) -> int:
        return SEASON[self.grain]

    def to_ts(self, values: np.ndarray | None = None, start: int = 0):
        from darts import TimeSeries

        values = self.values if values is None else values
        times = self.times[start : start + len(values)]
        return TimeSeries.from_times_and_values(times, values.astype(np.float64), freq=FREQ[self.grain])


def day_end_utc(origin: date) -> datetime:
    """End of the Paris day ``origin`` as a naive UTC instant (the hourly grid is naive UTC)."""
    from resources.calendar import day_bounds_utc as day_bounds

    return day_bounds(origin)[1].replace(tzinfo=None)


def build_histories(frame: pl.DataFrame, grain: str) -> list[History]:
    """Regular grids from each series' first known point to its last row, NaN for gaps."""
    rows = frame.filter(pl.col("grain") == grain).sort("series_id", "time")
    out = []
    step = timedelta(days=1) if grain == "daily" else timedelta(hours=1)
    for (series_id,), part in rows.group_by("series_id", maintain_order=True):
        known = part.filter(pl.col("value").is_not_null())
        if known.height == 0:
            continue
        times = pd.date_range(
            known["time"][0].replace(tzinfo=None), part["time"][-1].replace(tzinfo=None), freq=step
        )
        values = pd.Series(
            part["value"].to_numpy(),
            index=pd.DatetimeIndex(part["time"].dt.replace_time_zone(None).to_numpy()),
        )
        values = values[~values.index.duplicated(keep="last")].reindex(times)
        first = part.row(0, named=True)
        out.append(
            History(
                series_id,
                grain,
                first["metric"],
                first["resource"],
                first["agg"],
                first["unit"],
                times,
                values.to_numpy(dtype=np.float64),
            )
        )
    return out
