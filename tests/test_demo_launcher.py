"""`.ci/backfill.py` (what `bash .ci/demo` launches the demo with) speaks the GraphQL of the
installed Dagster, and tags its run as the project's own range runs are tagged."""

import importlib.util
from pathlib import Path

import pytest
from graphql import parse, validate

from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from sensors.jobs import daily_lakehouse_job

LAUNCHER = Path(__file__).resolve().parent.parent / ".ci" / "backfill.py"


@pytest.fixture(scope="module")
def launcher():
    spec = importlib.util.spec_from_file_location("demo_launcher", LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_query_validates_against_the_installed_dagster_schema(launcher):
    from dagster_graphql.schema import create_schema

    schema = create_schema().graphql_schema
    for name in ("LOCATIONS", "LAUNCH", "STATUS", "TERMINATE"):
        errors = validate(schema, parse(getattr(launcher, name)))
        assert not errors, (name, [e.message for e in errors])


def test_the_run_is_the_daily_job_over_the_range_as_the_schedules_tag_it(launcher):
    assert daily_lakehouse_job.name == launcher.JOB
    assert (launcher.RANGE_START_TAG, launcher.RANGE_END_TAG) == (RANGE_START_TAG, RANGE_END_TAG)
