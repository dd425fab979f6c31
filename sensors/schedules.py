"""Daily run of yesterday's partition; weekly single-run re-run of the last 7 days."""

from datetime import timedelta

import dagster as dg

from resources.calendar import (
    daily_partitions,
    first_day,
    last_complete_day,
    range_tags,
)
from sensors.jobs import daily_lakehouse_job

daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_lakehouse_job,
    name="daily_lakehouse_schedule",
    hour_of_day=5,
    minute_of_hour=30,
    description="Every morning, yesterday's partition of the whole graph.",
)


def range_run_request(first: str, last: str, run_key: str | None = None) -> dg.RunRequest:
    """One run over a range of daily partitions (every daily asset has a single-run policy)."""
    return dg.RunRequest(run_key=run_key, job_name=daily_lakehouse_job.name, tags=range_tags(first, last))


@dg.schedule(
    job=daily_lakehouse_job,
    cron_schedule="0 7 * * 1",
    execution_timezone=daily_partitions.timezone,
    name="weekly_late_data_backfill",
    description="Mondays: the last 7 days again, as one run, to take in late data.",
)
def weekly_late_data_backfill(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    last = last_complete_day(context.scheduled_execution_time)
    first = max(last - timedelta(days=6), first_day())
    return range_run_request(first.isoformat(), last.isoformat(), run_key=f"weekly:{first}:{last}")
