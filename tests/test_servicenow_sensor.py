"""The ServiceNow sensor asks for updates after the watermark and runs the days they touch."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest
from servicenow_fake import PASSWORD, USER, FakeServiceNow, serve

from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.sources.servicenow import ServiceNowIncidentSource
from resources.sources.tickets import DemoIncidentSource
from sensors.servicenow import plan_servicenow_runs, servicenow_sensor


@pytest.fixture
def sn():
    with serve(FakeServiceNow()) as fake:
        yield fake


def test_updates_after_the_watermark_request_their_days_only(sn, tmp_path):
    source = ServiceNowIncidentSource(
        instance_url=sn.url, username=USER, password=PASSWORD, state_dir=str(tmp_path / "state")
    )
    assert plan_servicenow_runs(source, date(2024, 4, 30)) == []  # no watermark yet
    source.read(date(2024, 3, 30), date(2024, 4, 2))
    # the fake holds records on 2 April (Paris), after the window read: that day is asked
    assert [
        (r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG])
        for r in plan_servicenow_runs(source, date(2024, 4, 30))
    ] == [("2024-04-02", "2024-04-02")]
    source.read(date(2024, 3, 29), date(2024, 4, 3))
    assert plan_servicenow_runs(source, date(2024, 4, 30)) == []  # nothing newer
    sn.records[5]["sys_updated_on"] = "2024-04-05 10:00:00"
    sn.records[9]["sys_updated_on"] = "2024-04-06 23:30:00"  # 01:30 on the 7th in Paris
    requests = plan_servicenow_runs(source, date(2024, 4, 30))
    assert [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in requests] == [
        ("2024-04-05", "2024-04-05"),
        ("2024-04-07", "2024-04-07"),
    ]
    assert all(r.job_name == "land_raw_incidents" for r in requests)
    # once those days are read, the watermark moves past them and nothing is asked again
    source.read(date(2024, 4, 5), date(2024, 4, 8))
    assert plan_servicenow_runs(source, date(2024, 4, 30)) == []


def test_sensor_skips_when_tickets_do_not_come_from_servicenow():
    context = dg.build_sensor_context(resources={"incident_source": DemoIncidentSource()})
    assert isinstance(servicenow_sensor(context), dg.SkipReason)
