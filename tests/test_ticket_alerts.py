"""The new-root-cause sensor alerts once per new cluster: file, log and webhook."""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import polars as pl
import pytest

from resources.ml_schemas import ROOT_CAUSE_CLUSTERS
from resources.storage import LakehouseStorage, write_parquet_atomic
from sensors.new_causes import new_root_cause_sensor


def write_day(storage: LakehouseStorage, day: date, clusters: dict[str, bool]) -> None:
    rows = [
        {
            "cluster_id": cid,
            "label": f"label {cid}",
            "keywords": "quota, api",
            "size_window": 12,
            "size_day": 3,
            "representative_numbers": "INC1, INC2",
            "top_application": "APP-APIG",
            "is_new": new,
            "is_growing": new,
            "partition_date": day,
        }
        for cid, new in clusters.items()
    ]
    frame = pl.DataFrame(rows, schema=ROOT_CAUSE_CLUSTERS.with_partition)
    write_parquet_atomic(frame, storage.lake_file("root_cause_clusters", day))


@pytest.fixture
def webhook():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def tick(storage: LakehouseStorage, cursor: str | None):
    """One evaluation: (the cursor it leaves, its result)."""
    context = dg.build_sensor_context(cursor=cursor, resources={"storage": storage})
    result = new_root_cause_sensor(context)
    return context.cursor, result


def test_a_new_cluster_is_alerted_once(root, webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv("APPOPS_ALERT_WEBHOOK_URL", url)
    storage = LakehouseStorage(root=str(root))
    write_day(storage, date(2025, 6, 1), {"RC1": False, "RC20250601-2": True})
    first, result = tick(storage, None)
    assert "1 new root-cause alert(s)" in result.skip_message
    assert [a["cluster_id"] for a in received] == ["RC20250601-2"]
    assert "New root-cause candidate RC20250601-2" in received[0]["text"]

    write_day(storage, date(2025, 6, 2), {"RC1": False, "RC20250601-2": False, "RC20250602-0": True})
    second, _ = tick(storage, first)
    assert [a["cluster_id"] for a in received] == ["RC20250601-2", "RC20250602-0"]
    assert tick(storage, second)[1].skip_message == "no new root-cause cluster"  # nothing twice
    assert tick(storage, None)[1].skip_message == "no new root-cause cluster"  # lost cursor

    alerts = storage.reports("alerts", "new_root_causes.jsonl").read_text().splitlines()
    assert [json.loads(a)["cluster_id"] for a in alerts] == ["RC20250601-2", "RC20250602-0"]


def test_no_clusters_yet_skips(root):
    assert tick(LakehouseStorage(root=str(root)), None)[1].skip_message == "no new root-cause cluster"
