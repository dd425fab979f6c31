"""A fake ServiceNow Table API (incident table) served over real HTTP on 127.0.0.1.

Implements what the client uses: ``sysparm_query`` bounds on ``sys_updated_on`` (``>=``, ``<``,
``>``) and ``ORDERBY``, ``sysparm_limit``/``sysparm_offset``, ``sysparm_fields``,
``X-Total-Count``, basic/bearer auth, and failure injection.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

UTC, PARIS = UTC, ZoneInfo("Europe/Paris")
FMT = "%Y-%m-%d %H:%M:%S"
USER, PASSWORD, TOKEN = "svc_appops", "Tr0ub4dor&3-s3cret", "eyJ-bearer-t0ken-s3cret"
# Paris days 2024-03-30 .. 2024-04-01 (03-31 is the 23-hour DST day); value: expected Paris day
EDGES = {
    "INC9000001": ("2024-03-29 22:59:59", date(2024, 3, 29)),
    "INC9000002": ("2024-03-30 23:30:00", date(2024, 3, 31)),  # 23:30 UTC: next Paris day
    "INC9000003": ("2024-03-31 21:59:59", date(2024, 3, 31)),
    "INC9000004": ("2024-03-31 22:00:00", date(2024, 4, 1)),
    "INC9000005": ("2024-04-01 22:00:00", date(2024, 4, 2)),
    "INC9000006": ("2024-04-01 23:30:00", date(2024, 4, 2)),
    "INC9000007": ("2024-03-29 23:00:00", date(2024, 3, 30)),
}


def make_records() -> list[dict]:
    start = datetime(2024, 3, 29, 23, 0, tzinfo=UTC)
    stamps = [
        (f"INC{10001 + i:07d}", (start + timedelta(seconds=(i // 3) * 302)).strftime(FMT))
        for i in range(2530)
    ] + [(n, ts) for n, (ts, _) in EDGES.items()]
    records = []
    for i, (number, ts) in enumerate(stamps):
        opened = (datetime.strptime(ts, FMT) - timedelta(hours=i % 48)).strftime(FMT)
        group = {"link": f"https://x/api/now/table/sys_user_group/g{i % 7}", "value": f"g{i % 7}"}
        records.append(
            {
                "sys_id": hashlib.md5(str(i).encode()).hexdigest(),
                "number": number,
                "opened_at": opened,
                "short_description": "" if i == 7 else f"Incident {i}",
                "description": "",
                "category": "software",
                "subcategory": "",
                "priority": f"{i % 5 + 1}" if i % 2 else f"{i % 5 + 1} - Moderate",
                "impact": "2",
                "urgency": "2 - Medium",
                "assignment_group": group if i % 2 else f"g{i % 7}",
                "cmdb_ci": {"display_value": f"APP-{i % 11}"},
                "state": "6" if i % 3 else "2",
                "resolved_at": ts if i % 3 else "",
                "close_code": "",
                "close_notes": "",
                "sys_updated_on": ts,
                "u_entite": "BDDF",
            }
        )
    return records


RECORDS = make_records()


def paris_day(ts: str) -> date:
    return datetime.strptime(ts, FMT).replace(tzinfo=UTC).astimezone(PARIS).date()


def expected(first: date, last: date) -> set[str]:
    return {r["number"] for r in RECORDS if first <= paris_day(r["sys_updated_on"]) < last}


class FakeServiceNow:
    """The incident table: encoded-query bounds on sys_updated_on, ORDERBY, limit/offset."""

    def __init__(self):
        self.records = copy.deepcopy(RECORDS)
        self.requests: list[tuple[dict[str, str], dict[str, str]]] = []
        self.failures: list[tuple[int, dict[str, str]]] = []
        self.send_total = True
        self.auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        self.after_request = None  # a concurrent update, run once a page was served
        self.hidden: set[str] = set()  # numbers an ACL hides: filtered after the limit applies
        self.faults: list[str] = []  # per request: "reset" (body cut mid-way), "html", "items"
        self.lock = threading.Lock()

    def handle(self, path: str, params: dict[str, str], headers: dict[str, str]):
        with self.lock:
            answer = self._answer(path, params, headers)
            if self.after_request:
                self.after_request(self, params)
            return answer

    def _answer(self, path: str, params: dict[str, str], headers: dict[str, str]):
        self.requests.append((params, headers))
        if self.faults:
            fault = self.faults.pop(0)
            if fault == "html":
                return 200, {"Content-Type": "text/html"}, "<html><body>Instance hibernating"
            if fault == "items":
                return 200, {}, {"result": [{"number": "INC1"}, "INC2", 3]}
            return 200, {"X-Fault": fault}, {"result": [{"number": "x" * 50}] * 50}
        if self.failures:
            status, extra = self.failures.pop(0)
            return status, extra, {"error": {"message": "busy"}, "status": "failure"}
        if headers.get("Authorization") not in (self.auth, f"Bearer {TOKEN}"):
            echo = headers.get("Authorization", "")  # a careless gateway echoing the credential
            return 401, {}, {"error": {"message": f"User Not Authenticated ({echo})"}}
        if path != "/api/now/table/incident":
            return 400, {}, {"error": {"message": f"Invalid table {path.rsplit('/', 1)[-1]}"}}
        rows, order = list(self.records), []
        for part in params.get("sysparm_query", "").split("^"):
            if part.startswith("ORDERBY"):
                order.append(part[len("ORDERBY") :])
                continue
            field, op, value = re.fullmatch(r"(\w+)(>=|<|>)(.+)", part).groups()
            test = {">=": str.__ge__, "<": str.__lt__, ">": str.__gt__}[op]
            rows = [r for r in rows if test(r[field], value)]
        if order:
            rows.sort(key=lambda r: tuple(r[f] for f in order))
        else:  # no guaranteed order: differs from page to page
            random.Random(params.get("sysparm_offset")).shuffle(rows)
        offset, limit = int(params.get("sysparm_offset", 0)), int(params.get("sysparm_limit", 10000))
        page = [r for r in rows[offset : offset + limit] if r["number"] not in self.hidden]
        if "sysparm_fields" in params:
            page = [{f: r[f] for f in params["sysparm_fields"].split(",")} for r in page]
        return 200, {"X-Total-Count": str(len(rows))} if self.send_total else {}, {"result": page}


@contextmanager
def serve(fake: FakeServiceNow) -> Iterator[FakeServiceNow]:
    """Serve ``fake`` on 127.0.0.1 (a free port) in a thread; ``fake.url`` is its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            status, headers, body = fake.handle(url.path, params, dict(self.headers))
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if headers.get("X-Fault") == "reset":  # the connection drops mid-body
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
