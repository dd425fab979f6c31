"""The Dagster instance of deploy/dagster.yaml on a real PostgreSQL server (loopback, run as an
unprivileged user): run, event-log and schedule storage are Postgres, configured from the
environment, and a single-run backfill of two raw assets is recorded there."""

import shutil
from pathlib import Path

import dagster as dg
import psycopg2
import yaml
from dagster_postgres import (
    PostgresEventLogStorage,
    PostgresRunStorage,
    PostgresScheduleStorage,
)

from definitions import build_definitions
from deploy.services import PG_DB, PG_SUPERUSER
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG

INSTANCE = Path(__file__).resolve().parent.parent / "deploy" / "dagster.yaml"


def test_instance_file_reads_every_connection_setting_from_the_environment():
    config = yaml.safe_load(INSTANCE.read_text())
    db = config["storage"]["postgres"]["postgres_db"]
    assert all(set(value) == {"env"} for key, value in db.items() if key != "scheme"), db
    assert config["telemetry"] == {"enabled": False}


def test_backfill_is_recorded_in_postgres(postgres, tmp_path, root):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(INSTANCE, home / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(home))
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)

    defs = build_definitions(root=str(root), mode="demo")
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=["raw_applications", "raw_team_indicators"],
        resources=defs.resources,
        instance=instance,
        tags={RANGE_START_TAG: "2025-03-01", RANGE_END_TAG: "2025-03-03"},
    )
    assert result.success
    instance.dispose()

    with (
        psycopg2.connect(
            host="127.0.0.1", port=postgres.port, user=PG_SUPERUSER, password="x", dbname=PG_DB
        ) as con,
        con.cursor() as cur,
    ):
        cur.execute("select status from runs where run_id = %s", (result.run_id,))
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute(
            "select asset_key, partition from event_logs where run_id = %s and "
            "dagster_event_type = 'ASSET_MATERIALIZATION'",
            (result.run_id,),
        )
        stored = set(cur.fetchall())
    days = ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert stored == {(f'["{a}"]', d) for a in ("raw_applications", "raw_team_indicators") for d in days}
    # nothing fell back to SQLite files in DAGSTER_HOME
    assert not list(home.rglob("*.db"))
