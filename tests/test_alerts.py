"""EOL alert rules and the alert sensor: each alert sent once to the run log, the JSON-lines
file and a loopback webhook, across ticks, reruns, restarts; a failed webhook is retried."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import polars as pl
import pytest
from fixtures.warehouse.lake import DAYS
from warehouse_support import run_assets

from resources.storage import LakehouseStorage, read_parquet
from sensors.alerts import WEBHOOK_ENV, eol_alert_sensor

SOON_RULE = {"name": "eol_soon", "statuses": ["eol_within_90d"], "more_than": 0}


@pytest.fixture
def webhook():
    """A loopback webhook: records JSON bodies; answers ``status[0]``."""
    received, status = [], [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if status[0] == 200:
                received.append(json.loads(body))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, status
    server.shutdown()


def _alerts(root, rules=None, checks=False) -> pl.DataFrame:
    config = {"ops": {"eol_alerts": {"config": {"rules": rules}}}} if rules else None
    result = run_assets(root, ["eol_alerts"], run_config=config, checks=checks)
    assert result.success
    if checks:  # the GX contract of the alerts frame (one alert per subject and day...)
        [contract] = [e for e in result.get_asset_check_evaluations() if e.check_name == "data_contract"]
        assert contract.passed and contract.metadata["rows_validated"].value > 0
    storage = LakehouseStorage(root=str(root))
    return pl.concat([read_parquet(storage.lake_file("eol_alerts", d)) for d in DAYS])


def _tick(root, cursor):
    context = dg.build_sensor_context(cursor=cursor, resources={"storage": LakehouseStorage(root=str(root))})
    result = eol_alert_sensor(context)
    return context.cursor, result


def test_default_rules(copied_root):
    alerts = _alerts(copied_root, checks=True)
    assert set(alerts["rule"]) == {"production_past_eol"}
    per_day = alerts.group_by("partition_date").agg(pl.col("product").sort())
    assert dict(per_day.iter_rows()) == {
        **{d: ["legacyos", "python"] for d in DAYS[:-1]},
        DAYS[-1]: ["legacyos"],
    }
    assert alerts["alert_id"].n_unique() == 2  # one alert per subject, not per day
    assert alerts.filter(pl.col("product") == "python")["severity"].unique().to_list() == ["critical"]


def test_configured_rule(copied_root):
    alerts = _alerts(copied_root, [SOON_RULE])
    assert alerts.select("rule", "application").unique().rows() == [("eol_soon", "APP-A")]


def test_each_alert_is_sent_once(copied_root, webhook, monkeypatch):
    url, received, _ = webhook
    monkeypatch.setenv(WEBHOOK_ENV, url)
    _alerts(copied_root)
    cursor, result = _tick(copied_root, None)
    assert "2 new alert(s)" in result.skip_message
    jsonl = copied_root / "reports" / "alerts" / "alerts.jsonl"
    assert len(jsonl.read_text().splitlines()) == 2 and len(received) == 2
    assert all(a["text"] == a["message"] and a["alert_id"] for a in received)  # one payload shape

    cursor, result = _tick(copied_root, cursor)  # next tick
    assert result.skip_message == "no new alert"
    _alerts(copied_root)  # the days are rerun: files rewritten with the same alerts
    _, result = _tick(copied_root, cursor)
    assert result.skip_message == "no new alert"
    cursor, result = _tick(copied_root, None)  # restart with a lost cursor
    assert result.skip_message == "no new alert"

    _alerts(
        copied_root,
        [
            SOON_RULE,
            {
                "name": "production_past_eol",
                "statuses": ["eol_passed"],
                "environments": ["production"],
                "per_cycle": True,
            },
        ],
    )
    _, result = _tick(copied_root, cursor)
    assert "1 new alert(s)" in result.skip_message
    assert [a["rule"] for a in received] == ["production_past_eol"] * 2 + ["eol_soon"]
    assert len(jsonl.read_text().splitlines()) == 3


def test_failed_webhook_is_retried_at_the_next_tick(copied_root, webhook, monkeypatch):
    url, received, status = webhook
    monkeypatch.setenv(WEBHOOK_ENV, url)
    _alerts(copied_root)
    status[0] = 500
    cursor, result = _tick(copied_root, None)
    assert result.skip_message == "no new alert" and received == []
    assert not (copied_root / "reports" / "alerts" / "alerts.jsonl").exists()
    status[0] = 200
    _, result = _tick(copied_root, cursor)
    assert "2 new alert(s)" in result.skip_message and len(received) == 2
