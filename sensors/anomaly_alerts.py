"""Sends each flagged metric anomaly once, through the same sinks as the EOL alerts (run log,
``reports/alerts/alerts.jsonl``, the ``APPOPS_ALERT_WEBHOOK_URL`` webhook) and the same
persisted set of ids already sent (an anomaly's id hashes series, grain and time)."""

import json
import os

import dagster as dg

from resources.storage import LakehouseStorage
from sensors.alerts import WEBHOOK_ENV, dispatch_alerts


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Sends each new flagged row of metric_anomalies once to the run log, "
    "reports/alerts/alerts.jsonl and the APPOPS_ALERT_WEBHOOK_URL webhook.",
)
def metric_anomaly_alert_sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    cursor = json.loads(context.cursor) if context.cursor else {}
    new_cursor, sent = dispatch_alerts(
        storage,
        cursor,
        os.environ.get(WEBHOOK_ENV),
        context.log,
        asset="metric_anomalies",
        flag="flagged",
        label="Metric anomaly",
    )
    context.update_cursor(json.dumps(new_cursor, sort_keys=True))
    return dg.SkipReason(f"{len(sent)} new anomaly alert(s) sent" if sent else "no new anomaly")
