"""Sends each new EOL alert once: run log, ``reports/alerts/alerts.jsonl``, optional webhook.

Alerts are the rows of ``lake/eol_alerts/<day>.parquet``. The ids already sent are kept in
``state/alerts/sent.json`` (written after each delivery), so neither a new tick, a rerun of a
day nor a daemon restart (or a reset cursor) sends one twice. The cursor remembers each
file's modification time, so a tick only reads files that changed. The webhook
(``APPOPS_ALERT_WEBHOOK_URL``) gets one JSON POST per alert; when it fails the alert is not
marked sent and the file is read again at the next tick.
"""

import json
import os
import urllib.request

import dagster as dg
import polars as pl

from resources.storage import LakehouseStorage, append_text, read_parquet

WEBHOOK_ENV = "APPOPS_ALERT_WEBHOOK_URL"


def post_json(url: str, payload: dict, timeout: float = 10.0) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status >= 300:
            raise OSError(f"webhook answered HTTP {response.status}")


class AlertSinks:
    """The three sinks, and the persisted set of ids already sent."""

    def __init__(self, storage: LakehouseStorage, webhook_url: str | None, log, label: str = "EOL"):
        self.state = storage.state("alerts", "sent.json")
        self.jsonl = storage.reports("alerts", "alerts.jsonl")
        self.webhook_url, self.log, self.label = webhook_url, log, label
        self.sent: set[str] = set(json.loads(self.state.read_text())) if self.state.exists() else set()

    def send(self, alert: dict) -> None:
        if self.webhook_url:
            post_json(self.webhook_url, alert)
        append_text(self.jsonl, json.dumps(alert, ensure_ascii=False) + "\n")
        self.log.warning(f"{self.label} alert {alert['alert_id']} [{alert['severity']}] {alert['message']}")
        self.sent.add(alert["alert_id"])
        self.state.parent.mkdir(parents=True, exist_ok=True)
        self.state.write_text(json.dumps(sorted(self.sent)))


def dispatch_alerts(
    storage: LakehouseStorage,
    cursor: dict[str, int],
    webhook_url: str | None,
    log,
    asset: str = "eol_alerts",
    flag: str | None = None,
    label: str = "EOL",
) -> tuple[dict[str, int], list[str]]:
    """Send the alerts not sent yet from files changed since ``cursor``; returns the next
    cursor and the ids sent by this call. ``asset``: the lake asset whose rows are alerts;
    ``flag``: a boolean column, only its true rows are alerts (metric_anomalies)."""
    sinks = AlertSinks(storage, webhook_url, log, label)
    folder = storage.lake_dir(asset)
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    new_cursor, sent_now = dict(cursor), []
    for path in files:
        mtime = path.stat().st_mtime_ns
        if cursor.get(path.name) == mtime:
            continue
        rows = read_parquet(path).with_columns(pl.col("partition_date").cast(pl.String))
        if flag:
            rows = rows.filter(pl.col(flag)).with_columns(pl.col(pl.Datetime).cast(pl.String))
        try:
            for alert in rows.unique("alert_id", keep="first", maintain_order=True).to_dicts():
                if alert["alert_id"] not in sinks.sent:
                    sinks.send(alert)
                    sent_now.append(alert["alert_id"])
        except OSError as exc:
            log.error(f"alert webhook failed, will retry at the next tick: {exc}")
            break
        new_cursor[path.name] = mtime
    return new_cursor, sent_now


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Sends each new EOL alert once to the run log, reports/alerts/alerts.jsonl "
    "and the APPOPS_ALERT_WEBHOOK_URL webhook when set.",
)
def eol_alert_sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    cursor = json.loads(context.cursor) if context.cursor else {}
    new_cursor, sent = dispatch_alerts(storage, cursor, os.environ.get(WEBHOOK_ENV), context.log)
    context.update_cursor(json.dumps(new_cursor, sort_keys=True))
    return dg.SkipReason(f"{len(sent)} new alert(s) sent" if sent else "no new alert")
