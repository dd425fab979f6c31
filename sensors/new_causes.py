"""Alert once per new root-cause cluster.

Reads the last ``LOOKBACK_FILES`` daily files of ``root_cause_clusters`` in the lake; every
cluster flagged ``is_new`` whose id was never alerted is written to
``reports/alerts/new_root_causes.jsonl``, logged, and POSTed as JSON to ``APPOPS_ALERT_WEBHOOK_URL``
when set (Teams/Slack/Mattermost incoming webhook). Alerted ids are kept in the sensor cursor,
so a rerun of the same days, or the next tick, alerts nothing again.
"""

import json
import os

import dagster as dg
import polars as pl

from resources.storage import LakehouseStorage, append_text, read_parquet
from sensors.alerts import WEBHOOK_ENV, post_json

LOOKBACK_FILES = 14
MAX_REMEMBERED = 5000


def new_clusters(storage: LakehouseStorage) -> pl.DataFrame:
    """``is_new`` clusters of the newest daily files, oldest day first."""
    folder = storage.lake_dir("root_cause_clusters")
    files = (
        sorted(folder.glob("*.parquet"), key=lambda p: p.name)[-LOOKBACK_FILES:] if folder.exists() else []
    )
    frames = [read_parquet(p) for p in files]
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames, how="diagonal_relaxed").filter(pl.col("is_new")).sort("partition_date")


@dg.sensor(
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Alerts once per new root-cause cluster (file, log, optional webhook).",
)
def new_root_cause_sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    alerted = json.loads(context.cursor) if context.cursor else []
    known, fresh = set(alerted), []
    for row in new_clusters(storage).iter_rows(named=True):
        if row["cluster_id"] in known:
            continue
        known.add(row["cluster_id"])
        fresh.append(
            {
                "cluster_id": row["cluster_id"],
                "day": str(row["partition_date"]),
                "label": row["label"],
                "keywords": row["keywords"],
                "size_window": row["size_window"],
                "top_application": row["top_application"],
                "representative_numbers": row["representative_numbers"],
                "message": f"New root-cause candidate {row['cluster_id']} on "
                f"{row['partition_date']}: {row['label']} ({row['size_window']} "
                f"tickets, {row['top_application'] or 'several applications'})",
            }
        )
    if not fresh:
        return dg.SkipReason("no new root-cause cluster")
    path = storage.reports("alerts", "new_root_causes.jsonl")
    append_text(path, "".join(json.dumps(alert, ensure_ascii=False) + "\n" for alert in fresh))
    webhook = os.environ.get(WEBHOOK_ENV)
    for alert in fresh:
        context.log.warning(alert["message"])
        if webhook:
            try:
                post_json(webhook, {"text": alert["message"], **alert})
            except OSError as error:  # the file and log alerts stand; never alert twice
                context.log.error(f"{WEBHOOK_ENV}: {alert['cluster_id']} not posted: {error}")
    alerted += [a["cluster_id"] for a in fresh]
    return dg.SensorResult(cursor=json.dumps(alerted[-MAX_REMEMBERED:]))
