"""The one way alerts leave the lakehouse: each new alert once to the run log, a JSON-lines
file under ``reports/alerts/`` and, when ``APPOPS_ALERT_WEBHOOK_URL`` is set, a JSON POST.

``alert_sensor`` builds every alert sensor (EOL alerts, metric anomalies, new root causes):
alerts are rows of a daily lake asset, read through the storage API. The ids already sent are
kept in ``state/alerts/sent.json`` (written after each delivery), so neither a new tick, a
rerun of a day nor a daemon restart (or a reset cursor) sends one twice. The cursor remembers
each day file's stamp, so a tick only reads the days that changed. The webhook gets one POST
per alert, always the same shape: ``{"text": message, "alert_id", "severity", "message", ...
the alert's own fields}`` (``text`` for Teams/Slack/Mattermost incoming webhooks); when it
fails the alert is not marked sent and its day is read again at the next tick.
"""

import json
import os
import urllib.request
from collections.abc import Callable

import dagster as dg
import polars as pl

from resources.storage import LakehouseStorage, append_text

WEBHOOK_ENV = "APPOPS_ALERT_WEBHOOK_URL"

# The rows of one lake day -> its alerts (``alert_id``, ``severity``, ``message`` + fields).
ToAlerts = Callable[[pl.DataFrame], pl.DataFrame]


def post_json(url: str, payload: dict, timeout: float = 10.0) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status >= 300:
            raise OSError(f"webhook answered HTTP {response.status}")


class AlertSinks:
    """The three sinks, and the persisted set of ids already sent."""

    def __init__(
        self, storage: LakehouseStorage, webhook_url: str | None, log, label: str, jsonl: str = "alerts.jsonl"
    ):
        self.state = storage.state("alerts", "sent.json")
        self.jsonl = storage.reports("alerts", jsonl)
        self.webhook_url, self.log, self.label = webhook_url, log, label
        self.sent: set[str] = set(json.loads(self.state.read_text())) if self.state.exists() else set()

    def send(self, alert: dict) -> None:
        if self.webhook_url:
            post_json(self.webhook_url, {"text": alert["message"], **alert})
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
    asset: str,
    to_alerts: ToAlerts,
    label: str,
    jsonl: str = "alerts.jsonl",
    newest_days: int | None = None,
) -> tuple[dict[str, int], list[str]]:
    """Send the alerts not sent yet from the days of ``asset`` changed since ``cursor`` (only
    the ``newest_days`` last days when set); returns the next cursor and the ids sent."""
    sinks = AlertSinks(storage, webhook_url, log, label, jsonl)
    days = storage.lake_days(asset)
    new_cursor, sent_now = dict(cursor), []
    for day in days[-newest_days:] if newest_days else days:
        key, stamp = storage.lake_file(asset, day).name, storage.lake_stamp(asset, day)
        if cursor.get(key) == stamp:
            continue
        alerts = to_alerts(storage.read_days(asset, [day], strict=True))
        try:
            for alert in alerts.unique("alert_id", keep="first", maintain_order=True).to_dicts():
                if alert["alert_id"] not in sinks.sent:
                    sinks.send(alert)
                    sent_now.append(alert["alert_id"])
        except OSError as exc:
            log.error(f"alert webhook failed, will retry at the next tick: {exc}")
            break
        new_cursor[key] = stamp
    return new_cursor, sent_now


def alert_sensor(
    name: str,
    asset: str,
    to_alerts: ToAlerts,
    label: str,
    description: str,
    jsonl: str = "alerts.jsonl",
    newest_days: int | None = None,
    minimum_interval_seconds: int = 60,
    noun: str = "alert",
    nothing: str = "no new alert",
) -> dg.SensorDefinition:
    """A sensor that sends each new alert of ``asset`` once (see the module docstring); its
    skip message says ``N new <noun>(s) sent`` or ``nothing``."""

    @dg.sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=description,
    )
    def _sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
        cursor = json.loads(context.cursor) if context.cursor else {}
        new_cursor, sent = dispatch_alerts(
            storage,
            cursor if isinstance(cursor, dict) else {},  # a cursor of the older list shape
            os.environ.get(WEBHOOK_ENV),
            context.log,
            asset,
            to_alerts,
            label,
            jsonl,
            newest_days,
        )
        context.update_cursor(json.dumps(new_cursor, sort_keys=True))
        return dg.SkipReason(f"{len(sent)} new {noun}(s) sent" if sent else nothing)

    return _sensor


def _eol_alerts(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(pl.col("partition_date").cast(pl.String))


eol_alert_sensor = alert_sensor(
    "eol_alert_sensor",
    "eol_alerts",
    _eol_alerts,
    "EOL",
    "Sends each new EOL alert once to the run log, reports/alerts/alerts.jsonl "
    "and the APPOPS_ALERT_WEBHOOK_URL webhook when set.",
)
