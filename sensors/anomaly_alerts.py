"""Sends each flagged metric anomaly once, through the alert sinks of sensors/alerts.py (run
log, ``reports/alerts/alerts.jsonl``, the ``APPOPS_ALERT_WEBHOOK_URL`` webhook) and the same
persisted set of ids already sent (an anomaly's id hashes series, grain and time)."""

import polars as pl

from sensors.alerts import alert_sensor


def _flagged(rows: pl.DataFrame) -> pl.DataFrame:
    return (
        rows.with_columns(pl.col("partition_date").cast(pl.String))
        .filter(pl.col("flagged"))
        .with_columns(pl.col(pl.Datetime).cast(pl.String))
    )


metric_anomaly_alert_sensor = alert_sensor(
    "metric_anomaly_alert_sensor",
    "metric_anomalies",
    _flagged,
    "Metric anomaly",
    "Sends each new flagged row of metric_anomalies once to the run log, "
    "reports/alerts/alerts.jsonl and the APPOPS_ALERT_WEBHOOK_URL webhook.",
    noun="anomaly alert",
    nothing="no new anomaly",
)
