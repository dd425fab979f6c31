"""The one calendar of the lakehouse: the Paris day every partition, source and sensor counts in.

Everything that lists, bounds or tags days goes through here, at the bottom layer, so the
timezone is written once and a lookback always says whether it includes its own day:

- ``daily_partitions`` (from ``APPOPS_START_DATE``) and ``single_run``, the backfill policy of
  every daily asset (a range of days is one run);
- ``days_in(first, end)``: the one day list (half-open range), which every other helper uses;
- ``days_through(day, n)``: the ``n`` days ending WITH ``day``; ``days_before(day, n)``: the ``n``
  days BEFORE ``day`` (excluded), never before the first partition;
- ``range_tags(first, last)``: the run tags of one single-run backfill over a range.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

TIMEZONE = "Europe/Paris"
PARIS = ZoneInfo(TIMEZONE)
START_DATE = os.environ.get("APPOPS_START_DATE", "2023-01-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=START_DATE, timezone=TIMEZONE)
single_run = dg.BackfillPolicy.single_run()

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(first: date | str, last: date | str) -> dict[str, str]:
    """Tags of one run over the daily partitions ``first..last`` (both included)."""
    return {RANGE_START_TAG: str(first), RANGE_END_TAG: str(last)}


def days_in(first: date, end: date) -> list[date]:
    """The days of the half-open range [first, end), oldest first."""
    return [first + timedelta(days=i) for i in range((end - first).days)]


def context_days(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext | dg.InputContext | dg.OutputContext,
) -> list[date]:
    """Days covered by the run's partition key range (one day, or a single-run backfill range)."""
    window = (
        context.asset_partitions_time_window
        if isinstance(context, dg.InputContext | dg.OutputContext)
        else context.partition_time_window
    )
    return days_in(window.start.date(), window.end.date())


def days_through(day: date, n: int) -> list[date]:
    """The ``n`` days ending with ``day`` (``day`` included), oldest first."""
    return days_in(day - timedelta(days=n - 1), day + timedelta(days=1))


def days_before(day: date, n: int) -> list[date]:
    """The ``n`` days before ``day`` (``day`` excluded), oldest first, never before the first
    partition."""
    return days_in(max(first_day(), day - timedelta(days=n)), day)


def first_day() -> date:
    return date.fromisoformat(daily_partitions.get_first_partition_key())


def last_complete_day(now: datetime) -> date:
    """The newest daily partition at ``now``: yesterday in Paris (today is not complete)."""
    return now.astimezone(PARIS).date() - timedelta(days=1)


def today() -> date:
    """Today's date in Paris."""
    return datetime.now(PARIS).date()


def now() -> datetime:
    """The current instant, in Paris."""
    return datetime.now(PARIS)


def day_bounds_utc(first: date, end: date | None = None) -> tuple[datetime, datetime]:
    """The UTC instants of the start of ``first`` and of ``end`` (default the day after
    ``first``) in Paris: 23- and 25-hour days included."""
    end = first + timedelta(days=1) if end is None else end
    return (
        datetime.combine(first, time(0), PARIS).astimezone(UTC),
        datetime.combine(end, time(0), PARIS).astimezone(UTC),
    )


def paris_date(column):
    """The Paris day of a polars timestamp expression (UTC-aware instants)."""
    return column.dt.convert_time_zone(TIMEZONE).dt.date()
