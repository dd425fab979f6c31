"""`bash .ci/prod` end to end: it starts PostgreSQL (as an unprivileged user), the gRPC code
server, dagster-daemon and dagster-webserver; through the webserver's GraphQL API we launch a
run, a partition backfill (executed by the daemon) and switch a sensor on (ticked by the
daemon); the lake lands on an ``s3://`` root (moto); Postgres holds the runs, the backfill, the
events and the tick; stopping the script stops every process and the server."""

import os
import shutil
import signal
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg2
import pytest
from upath import UPath

from deploy.services import PG_DB, PG_SUPERUSER, free_port, start_prod
from resources.storage import store_path

LOCATION = {"repositoryLocationName": "appops_lakehouse", "repositoryName": "__repository__"}
DAY = "2025-03-03"

pytestmark = pytest.mark.slow


def _gql(port: int, query: str, **variables) -> dict:
    reply = httpx.post(
        f"http://127.0.0.1:{port}/graphql", json={"query": query, "variables": variables}, timeout=60
    )
    reply.raise_for_status()
    body = reply.json()
    assert "errors" not in body, body
    return body["data"]


def _until(what: str, check, seconds: float = 420):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what}")


def _location_loaded(port: int) -> bool:
    try:
        data = _gql(
            port,
            "{ workspaceOrError { ... on Workspace { locationEntries { "
            "name locationOrLoadError { __typename } } } } }",
        )
    except httpx.HTTPError:
        return False
    entries = data["workspaceOrError"]["locationEntries"]
    return any(e["locationOrLoadError"]["__typename"] == "RepositoryLocation" for e in entries)


def _run_status(port: int, run_id: str) -> str | None:
    data = _gql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", id=run_id)
    status = data["runOrError"].get("status")
    assert status not in ("FAILURE", "CANCELED"), f"run {run_id} ended {status}"
    return status if status == "SUCCESS" else None


LAUNCH_RUN = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) { __typename
  ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
BACKFILL = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  ... on PartitionBackfill { status } } }"""
START_SENSOR = """mutation($sensor: SensorSelector!) { startSensor(sensorSelector: $sensor) {
  __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""


def _pg(port: int, sql: str) -> list[tuple]:
    with (
        psycopg2.connect(host="127.0.0.1", port=port, user=PG_SUPERUSER, password="x", dbname=PG_DB) as con,
        con.cursor() as cur,
    ):
        cur.execute(sql)
        return cur.fetchall()


def test_three_process_deployment_runs_backfills_and_ticks_against_postgres(s3_server, tmp_path):
    web_port, pg_port = free_port(), free_port()
    pg_dir = Path(tempfile.mkdtemp(prefix="appops-prod-pg-"))  # outside tmp_path: its user reads it
    root = f"s3://{s3_server.bucket}/{uuid.uuid4().hex}"
    log = (tmp_path / "prod.log").open("w")
    prod = start_prod(
        log,
        home=root,
        port=web_port,
        pg_port=pg_port,
        pg_dir=pg_dir,
        dagster_home=tmp_path / "dagster",
        workdir=tmp_path / "work",
        env={"APPOPS_SOURCES": "demo"},
    )
    try:
        _until(
            "the code location in the webserver",
            lambda: (
                (prod.poll() is None and _location_loaded(web_port))
                or (prod.poll() is not None and pytest.fail(f"prod exited {prod.returncode}"))
            ),
        )

        launched = _gql(
            web_port,
            LAUNCH_RUN,
            params={
                "selector": {
                    **LOCATION,
                    "jobName": "__ASSET_JOB",
                    "assetSelection": [{"path": ["raw_applications"]}],
                },
                "runConfigData": {},
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": DAY}]},
            },
        )
        assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["launchRun"]["run"]["runId"]

        backfill = _gql(
            web_port,
            LAUNCH_BACKFILL,
            params={
                "partitionNames": ["2025-03-01", "2025-03-02"],
                "fromFailure": False,
                "assetSelection": [{"path": ["raw_team_indicators"]}],
            },
        )
        assert backfill["launchPartitionBackfill"]["__typename"] == "LaunchBackfillSuccess"
        backfill_id = backfill["launchPartitionBackfill"]["backfillId"]

        sensor = _gql(web_port, START_SENSOR, sensor={**LOCATION, "sensorName": "landing_sensor"})
        assert sensor["startSensor"]["sensorState"]["status"] == "RUNNING", sensor

        _until("the GraphQL run", lambda: _run_status(web_port, run_id))
        _until(
            "the backfill",
            lambda: (
                _gql(web_port, BACKFILL, id=backfill_id)["partitionBackfillOrError"]["status"]
                in ("COMPLETED", "COMPLETED_SUCCESS")
                or None
            ),
        )
        _until(
            "a sensor tick",
            lambda: (
                _pg(
                    pg_port,
                    "select count(*) from job_ticks where selector_id in (select "
                    "selector_id from jobs where job_origin_id is not null and job_body "
                    "like '%landing_sensor%')",
                )[0][0]
                > 0
                or None
            ),
        )

        # everything is in Postgres, not in DAGSTER_HOME files
        runs = _pg(pg_port, "select run_id, status from runs")
        assert (run_id, "SUCCESS") in runs and len(runs) >= 2
        assert all(status == "SUCCESS" for _, status in runs), runs
        assert _pg(pg_port, f"select count(*) from bulk_actions where key = '{backfill_id}'")[0][0] == 1
        events = _pg(
            pg_port,
            "select asset_key, partition from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'",
        )
        assert {(k, p) for k, p in events} >= {
            ('["raw_applications"]', DAY),
            ('["raw_team_indicators"]', "2025-03-01"),
            ('["raw_team_indicators"]', "2025-03-02"),
        }
        assert not list((tmp_path / "dagster").glob("**/*.db"))  # no SQLite fallback
        # and the lake is on the object store
        assert (store_path(root) / "lake" / "raw_applications" / f"{DAY}.parquet").exists()
        assert (store_path(root) / "lake" / "raw_team_indicators" / "2025-03-02.parquet").exists()
    finally:
        if prod.poll() is None:
            os.killpg(prod.pid, signal.SIGTERM)
        try:
            prod.wait(timeout=120)
        finally:
            if prod.poll() is None:
                os.killpg(prod.pid, signal.SIGKILL)
        log.close()
    # stopped: no process of the group left, the server down. The group's last processes (run
    # workers, the step executor's fork server) may take a few seconds to exit on a loaded
    # machine (seen once in a full suite with a 1 s wait): give them 30 s, never forever.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(prod.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(prod.pid, 0)
    assert not (pg_dir / "postmaster.pid").exists()
    shutil.rmtree(pg_dir)
    print((tmp_path / "prod.log").read_text()[-3000:])
