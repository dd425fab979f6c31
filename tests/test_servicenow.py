"""ServiceNow incident source against a real fake Table API served on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import logging
import math
import random
import socket
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from servicenow_fake import EDGES, PASSWORD, TOKEN, USER, UTC, FakeServiceNow, expected, serve

from resources.schemas import RAW_INCIDENTS
from resources.sources.servicenow import ServiceNowIncidentSource, paris_bounds
from resources.sources.servicenow_client import ServiceNowAuthError, ServiceNowClient, ServiceNowError


@pytest.fixture
def sn():
    with serve(FakeServiceNow()) as fake:
        yield fake


def client(sn, sleeps=None, **kw) -> ServiceNowClient:
    kw = {"username": USER, "password": PASSWORD, **kw}
    if sleeps is not None:
        kw["sleep"] = sleeps.append
    return ServiceNowClient(sn.url, **kw)


def numbers(records) -> list[str]:
    return [r["number"] for r in records]


@pytest.mark.parametrize("send_total", [True, False])
@pytest.mark.parametrize("size", [500, 362])  # 2534 = 7 * 362: the last page is full
def test_paging_returns_every_record_once(sn, send_total, size):
    sn.send_total = send_total
    got = numbers(
        client(sn, page_size=size).fetch_updated(*paris_bounds(date(2024, 3, 30), date(2024, 4, 2)))
    )
    want = expected(date(2024, 3, 30), date(2024, 4, 2))
    assert len(got) == len(set(got)) == len(want) == 2534 and set(got) == want
    # without X-Total-Count, paging ends at the first empty page
    pages = math.ceil(len(want) / size) + (0 if send_total else 1)
    assert [int(p["sysparm_offset"]) for p, _ in sn.requests] == [size * i for i in range(pages)]
    first = sn.requests[0][0]
    assert first["sysparm_limit"] == str(size) and first["sysparm_display_value"] == "false"
    assert first["sysparm_exclude_reference_link"] == "true"
    assert first["sysparm_query"] == (
        "sys_updated_on>=2024-03-29 23:00:00^sys_updated_on<"
        "2024-04-01 22:00:00^ORDERBYsys_updated_on^ORDERBYsys_id"
    )


@pytest.mark.parametrize("end", [date(2024, 4, 2), date(2024, 4, 6)])
def test_update_during_paging_lists_again(sn, end):
    """INC0010002 (page 1) is updated after page 1 was served: it leaves the window (end 04-02)
    or moves to its end (end 04-06); either way the offsets shift and a record would be lost."""

    def touch(fake, params):
        if params["sysparm_offset"] == "0" and fake.after_request:
            fake.records[1]["sys_updated_on"] = "2024-04-05 10:00:00"
            fake.after_request = None

    sn.after_request = touch
    got = numbers(client(sn, page_size=500).fetch_updated(*paris_bounds(date(2024, 3, 30), end)))
    assert len(got) == len(set(got)) and set(got) == expected(date(2024, 3, 30), end) ^ (
        {"INC0010002"} if end == date(2024, 4, 2) else set()
    )
    assert [p["sysparm_offset"] for p, _ in sn.requests].count("0") == 2


def test_window_follows_paris_days(sn):
    assert paris_bounds(date(2024, 3, 31), date(2024, 4, 1)) == (
        datetime(2024, 3, 30, 23, tzinfo=UTC),
        datetime(2024, 3, 31, 22, tzinfo=UTC),
    )
    for n, (_, day) in EDGES.items():
        got = numbers(client(sn, page_size=1000).fetch_updated(*paris_bounds(day, day + timedelta(1))))
        assert n in got and set(got) == expected(day, day + timedelta(1))
        others = [m for m, (_, d) in EDGES.items() if d != day]
        assert not set(others) & set(got)


def test_reference_fields_flattened_and_fields_selected(sn):
    got = client(sn).fetch_updated(
        *paris_bounds(date(2024, 3, 30), date(2024, 3, 31)), fields=["number", "assignment_group", "cmdb_ci"]
    )
    assert all(set(r) == {"number", "assignment_group", "cmdb_ci"} for r in got)
    assert {r["assignment_group"] for r in got} == {f"g{i}" for i in range(7)}
    assert all(r["cmdb_ci"].startswith("APP-") for r in got)
    assert sn.requests[0][0]["sysparm_fields"] == "number,assignment_group,cmdb_ci,sys_id"


@pytest.mark.parametrize(
    "status,headers,delays",
    [
        (429, {"Retry-After": "0"}, [(0, 0), (0, 0)]),
        (503, {}, [(1, 2), (2, 3)]),
    ],
)
def test_retries_then_success(sn, status, headers, delays):
    sn.failures = [(status, headers)] * 2
    sleeps = []
    got = client(sn, sleeps, rng=random.Random(1)).fetch_updated(
        *paris_bounds(date(2024, 3, 30), date(2024, 3, 31))
    )
    assert set(numbers(got)) == expected(date(2024, 3, 30), date(2024, 3, 31))
    assert len(sn.requests) == 3 and len(sleeps) == 2
    assert all(lo <= s <= hi for s, (lo, hi) in zip(sleeps, delays))


def test_gives_up_after_max_retries(sn):
    sn.failures = [(503, {})] * 10
    sleeps = []
    with pytest.raises(ServiceNowError, match=r"failed after 4 attempts: HTTP 503") as err:
        client(sn, sleeps, max_retries=3).fetch_updated(datetime(2024, 3, 30), datetime(2024, 3, 31))
    assert len(sn.requests) == 4 and len(sleeps) == 3 and sleeps == sorted(sleeps)
    assert err.value.status == 503 and "/api/now/table/incident" in str(err.value)


def test_connection_errors_are_retried():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = []
    c = ServiceNowClient(f"http://127.0.0.1:{port}", token=TOKEN, max_retries=2, sleep=sleeps.append)
    with pytest.raises(ServiceNowError, match="after 3 attempts: ConnectionError"):
        c.fetch_updated(datetime(2024, 3, 30), datetime(2024, 3, 31))
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "kw,secret",
    [
        ({"password": "wrong-" + PASSWORD}, "wrong-" + PASSWORD),
        ({"username": None, "password": None, "token": "x" + TOKEN}, "x" + TOKEN),
    ],
)
def test_401_fails_at_once_without_leaking_the_secret(sn, caplog, kw, secret):
    caplog.set_level(logging.DEBUG)
    sn.failures = [(503, {})]  # a retried failure first: its log line must not leak either
    c = client(sn, [], **kw)
    with pytest.raises(ServiceNowAuthError, match="authentication failed.*HTTP 401") as err:
        c.fetch_updated(datetime(2024, 3, 30), datetime(2024, 3, 31))
    assert len(sn.requests) == 2 and err.value.status == 401
    b64 = base64.b64encode(f"{USER}:{secret}".encode()).decode()
    for text in (str(err.value), repr(err.value), caplog.text, repr(c)):
        assert secret not in text and b64 not in text
    assert "***" in str(err.value)  # the echoed credential was redacted


def test_other_4xx_fails_at_once(sn):
    with pytest.raises(ServiceNowError, match=r"u_nope failed: HTTP 400 \(Invalid table u_nope\)"):
        client(sn, [], table="u_nope").fetch_updated(datetime(2024, 3, 30), datetime(2024, 3, 31))
    assert len(sn.requests) == 1


def test_auth_headers(sn):
    client(sn).fetch_updated(datetime(2024, 3, 30), datetime(2024, 3, 31))
    client(sn, username=None, password=None, token=TOKEN).fetch_updated(
        datetime(2024, 3, 30), datetime(2024, 3, 31)
    )
    assert sn.requests[0][1]["Authorization"] == sn.auth
    assert sn.requests[-1][1]["Authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(ValueError, match="not both"):
        ServiceNowClient(sn.url, username=USER, password=PASSWORD, token=TOKEN)
    with pytest.raises(ValueError, match="required"):
        ServiceNowClient(sn.url, username=USER)


def source(sn, state_dir) -> ServiceNowIncidentSource:
    return ServiceNowIncidentSource(
        instance_url=sn.url,
        username=USER,
        password=PASSWORD,
        page_size=700,
        backoff_seconds=0.0,
        state_dir=state_dir,
    )


def test_read_returns_canonical_rows(sn, tmp_path):
    batch = source(sn, str(tmp_path)).read(date(2024, 3, 30), date(2024, 4, 2))
    rows = batch.rows
    assert {c: rows.schema[c] for c in RAW_INCIDENTS.with_partition} == RAW_INCIDENTS.with_partition
    assert rows.schema["u_entite"] == pl.String() and "sys_id" in rows.columns
    assert set(rows["number"]) == expected(date(2024, 3, 30), date(2024, 4, 2)) - {"INC0010008"}
    assert batch.rejects["number"].to_list() == ["INC0010008"]  # empty short_description
    assert batch.rejects["partition_date"].to_list() == [date(2024, 3, 30)]
    assert set(rows["priority"]) == {1, 2, 3, 4, 5} and set(rows["urgency"]) == {2}
    assert rows.filter(pl.col("number") == "INC9000002")["partition_date"].item() == date(2024, 3, 31)
    assert rows["resolved_at"].null_count() > 0 and rows["assignment_group"].str.starts_with("g").all()
    again = source(sn, str(tmp_path)).read(date(2024, 3, 30), date(2024, 4, 2))
    assert again.rows.equals(rows)  # a rerun of the window gives the same rows


def test_watermark_is_monotonic_and_detects_updated_days(sn, tmp_path):
    src = source(sn, str(tmp_path / "state"))
    assert src.watermark() is None and source(sn, None).watermark() is None
    assert PASSWORD not in repr(src) and PASSWORD not in str(src)
    src.read(date(2024, 3, 31), date(2024, 4, 1))
    assert src.watermark() == datetime(2024, 3, 31, 21, 59, 59, tzinfo=UTC)
    assert src.has_updates_since(src.watermark()) == [date(2024, 4, 1), date(2024, 4, 2)]
    params = sn.requests[-1][0]
    assert params["sysparm_fields"] == "sys_updated_on,sys_id"
    assert params["sysparm_query"].startswith("sys_updated_on>2024-03-31 21:59:59^ORDERBY")
    src.read(date(2024, 3, 30), date(2024, 3, 31))  # an older window: no step back
    assert src.watermark() == datetime(2024, 3, 31, 21, 59, 59, tzinfo=UTC)
    src.read(date(2024, 3, 29), date(2024, 4, 3))
    mark = src.watermark()
    assert mark == datetime(2024, 4, 1, 23, 30, tzinfo=UTC) and src.has_updates_since(mark) == []
    sn.records[0]["sys_updated_on"] = "2024-04-02 10:00:00"  # someone updates an old incident
    assert src.has_updates_since(mark) == [date(2024, 4, 2)]
    stored = json.loads((tmp_path / "state" / "servicenow_incident_watermark.json").read_text())
    assert stored["sys_updated_on"] == "2024-04-01 23:30:00"


def test_short_pages_with_a_total_do_not_end_paging(sn):
    """An ACL hides records after the limit applied: pages are short (one even empty) while
    X-Total-Count says more remain; every visible record is still returned, once."""
    want = expected(date(2024, 3, 30), date(2024, 4, 2))
    ordered = sorted(
        (r for r in sn.records if r["number"] in want), key=lambda r: (r["sys_updated_on"], r["sys_id"])
    )
    sn.hidden = {r["number"] for r in ordered[500:1000]} | {r["number"] for r in ordered[1:40]}
    got = numbers(client(sn, page_size=500).fetch_updated(*paris_bounds(date(2024, 3, 30), date(2024, 4, 2))))
    assert len(got) == len(set(got)) and set(got) == want - sn.hidden
    assert [int(p["sysparm_offset"]) for p, _ in sn.requests] == [500 * i for i in range(6)]


def test_a_reset_mid_body_is_retried(sn):
    sn.faults = ["reset", "reset"]
    sleeps = []
    got = numbers(
        client(sn, sleeps, page_size=1000).fetch_updated(*paris_bounds(date(2024, 3, 30), date(2024, 4, 2)))
    )
    assert set(got) == expected(date(2024, 3, 30), date(2024, 4, 2)) and len(sleeps) == 2


@pytest.mark.parametrize(
    "fault,message",
    [("html", "HTML page instead of JSON"), ("reset", "ChunkedEncodingError|not complete JSON")],
)
def test_a_body_that_stays_broken_fails_as_servicenow_error_with_the_url(sn, fault, message):
    sn.faults = [fault] * 3
    sleeps = []
    with pytest.raises(ServiceNowError, match=message) as err:
        client(sn, sleeps, max_retries=2).fetch_updated(datetime(2024, 3, 30), datetime(2024, 3, 31))
    assert err.value.url == f"{sn.url}/api/now/table/incident" and sn.url in str(err.value)
    assert PASSWORD not in str(err.value) and len(sleeps) == 2


def test_items_that_are_not_objects_fail_as_servicenow_error(sn):
    sn.faults = ["items"]
    with pytest.raises(ServiceNowError, match="2 item.* not objects") as err:
        client(sn, []).fetch_updated(datetime(2024, 3, 30), datetime(2024, 3, 31))
    assert err.value.url.endswith("/api/now/table/incident") and len(sn.requests) == 1
