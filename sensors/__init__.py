"""Automation: jobs, schedules and sensors."""

import dagster as dg

from sensors.alerts import eol_alert_sensor
from sensors.anomaly_alerts import metric_anomaly_alert_sensor
from sensors.docs import docs_job, docs_landing_sensor
from sensors.jobs import daily_lakehouse_job, landing_jobs
from sensors.landing import landing_sensor
from sensors.new_causes import new_root_cause_sensor
from sensors.schedules import daily_schedule, weekly_late_data_backfill
from sensors.servicenow import servicenow_sensor

defs = dg.Definitions(
    jobs=[daily_lakehouse_job, *landing_jobs.values(), docs_job],
    schedules=[daily_schedule, weekly_late_data_backfill],
    sensors=[
        landing_sensor,
        servicenow_sensor,
        metric_anomaly_alert_sensor,
        docs_landing_sensor,
        eol_alert_sensor,
        new_root_cause_sensor,
    ],
)
