"""Landing sensor (start and skip by file name and content hash) and the weekly backfill."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.storage import LakehouseStorage
from sensors.landing import contiguous_ranges, landing_sensor, plan_landing_runs
from sensors.schedules import weekly_late_data_backfill

NOW = datetime(2024, 3, 10, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))


def _by_job(requests):
    return {(r.job_name, r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in requests}


def test_new_files_request_their_days_and_unchanged_files_start_nothing(landed_root):
    storage = LakehouseStorage(root=str(landed_root))
    requests, cursor = plan_landing_runs(storage, {}, NOW)
    planned = _by_job(requests)
    # the metrics files cover 4 and 5 March (23:30 Paris stays on the 4th): one run, one range
    assert ("land_raw_metrics", "2024-03-04", "2024-03-05") in planned
    assert ("land_raw_incidents", "2024-03-04", "2024-03-05") in planned
    assert ("land_raw_verbatims", "2024-03-04", "2024-03-04") in planned
    assert ("land_raw_software_inventory", "2024-03-04", "2024-03-04") in planned
    # undated referential and catalog files: yesterday's partition
    assert ("land_raw_applications", "2024-03-09", "2024-03-09") in planned
    assert ("land_raw_eol_catalog", "2024-03-09", "2024-03-09") in planned
    assert len({r.run_key for r in requests}) == len(requests)

    again, cursor2 = plan_landing_runs(storage, cursor, NOW)
    assert again == [] and cursor2 == cursor


def test_changed_content_of_the_same_file_starts_its_days_again(landed_root):
    storage = LakehouseStorage(root=str(landed_root))
    _, cursor = plan_landing_runs(storage, {}, NOW)
    team_file = landed_root / "landing/appops360/team_indicators/indicateurs.csv"
    team_file.write_text(team_file.read_text() + "Paiements;2024-03-06;11;0;0\n")
    requests, _ = plan_landing_runs(storage, cursor, NOW)
    assert _by_job(requests) == {
        ("land_raw_team_indicators", "2024-03-04", "2024-03-04"),
        ("land_raw_team_indicators", "2024-03-06", "2024-03-06"),
    }


def test_days_after_the_last_partition_are_ignored(landed_root):
    storage = LakehouseStorage(root=str(landed_root))
    early = datetime(2024, 3, 5, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))  # last partition: 4 March
    requests, _ = plan_landing_runs(storage, {}, early)
    metrics = [r for r in requests if r.job_name == "land_raw_metrics"]
    assert [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in metrics] == [
        ("2024-03-04", "2024-03-04")
    ]


def test_sensor_through_dagster_context(landed_root, tmp_path):
    defs = build_definitions(root=str(landed_root), mode="files")
    storage = LakehouseStorage(root=str(landed_root))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"storage": storage}, definitions=defs)
        first = landing_sensor(context)
        assert isinstance(first, list) and first
        assert all(r.job_name.startswith("land_raw_") for r in first)
        cursor = json.loads(context.cursor)
        assert "metrics/export_capacite_cp1252.csv" in cursor
        context2 = dg.build_sensor_context(
            instance=instance, resources={"storage": storage}, cursor=context.cursor, definitions=defs
        )
        assert isinstance(landing_sensor(context2), dg.SkipReason)
        # a new file arrives: only its job starts
        shutil.copy(
            landed_root / "landing/verbatims/irc_flash_mars.csv",
            landed_root / "landing/verbatims/irc_flash_mars_bis.csv",
        )
        context3 = dg.build_sensor_context(
            instance=instance, resources={"storage": storage}, cursor=context2.cursor, definitions=defs
        )
        third = landing_sensor(context3)
        assert {r.job_name for r in third} == {"land_raw_verbatims"}


def test_unreadable_file_is_reported_once_and_a_fixed_file_starts_its_days(landed_root):
    storage = LakehouseStorage(root=str(landed_root))
    bad = landed_root / "landing/verbatims/broken.csv"
    bad.write_text("colonne_inconnue\nx\n")
    errors: list[str] = []

    class Log:
        def error(self, message):
            errors.append(message)

        def info(self, message):
            pass

    requests, cursor = plan_landing_runs(storage, {}, NOW, Log())
    assert "verbatims/irc_flash_mars.csv" in cursor
    assert len(errors) == 1 and "broken.csv" in errors[0] and "response_id" in errors[0]
    assert not any("broken.csv" in r.tags["appops/landing_files"] for r in requests)
    again, cursor = plan_landing_runs(storage, cursor, NOW, Log())
    assert again == [] and len(errors) == 1  # the same content is not reported again
    bad.write_text("response_id;answered_at;score;score_scale;verbatim\nR-9;06/03/2024 10:00;8;10;Bien\n")
    fixed, _ = plan_landing_runs(storage, cursor, NOW, Log())
    assert _by_job(fixed) == {("land_raw_verbatims", "2024-03-06", "2024-03-06")}


def test_contiguous_ranges():
    from datetime import date

    days = {date(2024, 1, d) for d in (1, 2, 3, 5, 7, 8)}
    assert contiguous_ranges(days) == [
        (date(2024, 1, 1), date(2024, 1, 3)),
        (date(2024, 1, 5), date(2024, 1, 5)),
        (date(2024, 1, 7), date(2024, 1, 8)),
    ]


def test_weekly_backfill_is_one_run_over_the_last_seven_days():
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2024, 3, 11, 7, 0, tzinfo=ZoneInfo("Europe/Paris"))
    )
    request = weekly_late_data_backfill(context)
    assert request.tags[RANGE_START_TAG] == "2024-03-04"
    assert request.tags[RANGE_END_TAG] == "2024-03-10"
    assert request.job_name == "daily_lakehouse"
