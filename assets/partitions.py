"""The one daily partitioning shared by every daily asset of every domain."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

TIMEZONE = "Europe/Paris"
START_DATE = os.environ.get("APPOPS_START_DATE", "2023-01-01")

daily_partitions = dg.DailyPartitionsDefinition(start_date=START_DATE, timezone=TIMEZONE)
single_run = dg.BackfillPolicy.single_run()


def window_days(start: datetime, end: datetime) -> list[date]:
    """The days of a partition time window (end exclusive)."""
    first, last = start.date(), end.date()
    return [first + timedelta(days=i) for i in range((last - first).days)]


def context_days(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[date]:
    """Days covered by the run's partition key range (one day, or a single-run backfill range)."""
    window = context.partition_time_window
    return window_days(window.start, window.end)


def first_day() -> date:
    return date.fromisoformat(daily_partitions.get_first_partition_key())


def last_complete_day(now: datetime) -> date:
    """The newest daily partition at ``now``: yesterday in Paris (today is not complete)."""
    return now.astimezone(ZoneInfo(TIMEZONE)).date() - timedelta(days=1)
