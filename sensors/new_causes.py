"""Alert once per new root-cause cluster, through the alert sinks of sensors/alerts.py.

Reads the newest ``LOOKBACK_DAYS`` daily files of ``root_cause_clusters``; every cluster
flagged ``is_new`` whose id was never alerted is written to
``reports/alerts/new_root_causes.jsonl``, logged, and POSTed as JSON to
``APPOPS_ALERT_WEBHOOK_URL`` when set (Teams/Slack/Mattermost incoming webhook: ``text`` holds
the message). Alerted ids are kept with the other alerts' (``state/alerts/sent.json``), so a
rerun of the same days, the next tick or a reset cursor alerts nothing again; a failed webhook
call is retried at the next tick.
"""

import polars as pl

from sensors.alerts import alert_sensor

LOOKBACK_DAYS = 14


def new_cluster_alerts(rows: pl.DataFrame) -> pl.DataFrame:
    """The ``is_new`` clusters of a day as alerts (``alert_id`` is the cluster id)."""
    new = rows.filter(pl.col("is_new"))
    day = pl.col("partition_date").cast(pl.String)
    return new.select(
        alert_id=pl.col("cluster_id"),
        severity=pl.lit("warning"),
        cluster_id=pl.col("cluster_id"),
        day=day,
        label=pl.col("label"),
        keywords=pl.col("keywords"),
        size_window=pl.col("size_window"),
        top_application=pl.col("top_application"),
        representative_numbers=pl.col("representative_numbers"),
        message=pl.format(
            "New root-cause candidate {} on {}: {} ({} tickets, {})",
            pl.col("cluster_id"),
            day,
            pl.col("label"),
            pl.col("size_window"),
            pl.when(pl.col("top_application").fill_null("") == "")
            .then(pl.lit("several applications"))
            .otherwise(pl.col("top_application")),
        ),
    )


new_root_cause_sensor = alert_sensor(
    "new_root_cause_sensor",
    "root_cause_clusters",
    new_cluster_alerts,
    "Root cause",
    "Alerts once per new root-cause cluster (file, log, optional webhook).",
    jsonl="new_root_causes.jsonl",
    newest_days=LOOKBACK_DAYS,
    minimum_interval_seconds=300,
    noun="root-cause alert",
    nothing="no new root-cause cluster",
)
