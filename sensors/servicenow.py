"""Incremental ServiceNow ingestion: ask for records updated after the watermark and run
``raw_incidents`` (and downstream) for the Paris days they touch."""

from datetime import date

import dagster as dg

from resources.calendar import first_day, last_complete_day, range_tags
from resources.calendar import now as paris_now
from resources.sources.servicenow import ServiceNowIncidentSource
from resources.sources.tickets import IncidentSource
from sensors.jobs import landing_jobs
from sensors.landing import contiguous_ranges

incidents_job = landing_jobs["raw_incidents"]


def plan_servicenow_runs(source: ServiceNowIncidentSource, last_day: date) -> list[dg.RunRequest]:
    since = source.watermark()
    if since is None:
        return []
    first = first_day()
    days = {d for d in source.has_updates_since(since) if first <= d <= last_day}
    return [
        dg.RunRequest(
            run_key=f"servicenow:{start}:{end}:{since.isoformat()}",
            job_name=incidents_job.name,
            tags=range_tags(start, end),
        )
        for start, end in contiguous_ranges(days)
    ]


@dg.sensor(
    job=incidents_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Runs the days of incidents updated in ServiceNow since the watermark.",
)
def servicenow_sensor(context: dg.SensorEvaluationContext, incident_source: IncidentSource):
    if not isinstance(incident_source, ServiceNowIncidentSource):
        return dg.SkipReason("the incident source is not ServiceNow (APPOPS_TICKETS_SOURCE)")
    if incident_source.watermark() is None:
        return dg.SkipReason("no watermark yet: materialise raw_incidents for a first range")
    now = paris_now()
    requests = plan_servicenow_runs(incident_source, last_complete_day(now))
    return requests or dg.SkipReason("no incident updated since the watermark")
