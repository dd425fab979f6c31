"""`.ci/backfill.py` (how `bash .ci/demo` launches the demo range) speaks the GraphQL of the
installed Dagster, and splits the graph into the lake backfill and the warehouse run so that
together they cover every asset."""

import importlib.util
from pathlib import Path

import pytest
from graphql import parse, validate

from definitions import build_definitions
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
    for name in (
        "LOCATIONS",
        "ASSETS",
        "LAUNCH",
        "CANCEL",
        "STATUS",
        "LAUNCH_RUN",
        "RUN_STATUS",
        "TERMINATE",
    ):
        errors = validate(schema, parse(getattr(launcher, name)))
        assert not errors, (name, [e.message for e in errors])
    assert (launcher.RANGE_START_TAG, launcher.RANGE_END_TAG) == (RANGE_START_TAG, RANGE_END_TAG)
    assert daily_lakehouse_job.name == launcher.JOB  # the job the schedules run ranges with


def test_lake_backfill_and_warehouse_run_cover_every_asset_once(launcher, root):
    graph = build_definitions(root=str(root)).resolve_asset_graph()
    nodes = [  # what the ASSETS query returns, built from the same definitions
        {
            "assetKey": {"path": list(key.path)},
            "isPartitioned": graph.get(key).partitions_def is not None,
            "dependencyKeys": [{"path": list(p.path)} for p in graph.get(key).parent_keys],
        }
        for key in graph.get_all_asset_keys()
    ]
    lake, warehouse = launcher.split_assets(nodes)
    assert set(lake).isdisjoint(warehouse)
    assert len(lake) + len(warehouse) == len(nodes)
    assert {"raw_incidents", "ticket_classifier", "forecast_models", "verbatim_topics"} <= set(lake)
    assert {"stg_incidents", "mart_team_daily", "serving_duckdb", "committee_report", "eol_alerts"} <= set(
        warehouse
    )
    for key in lake:  # a backfill requests these: each daily, with only daily assets upstream
        node = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == key))
        assert node.partitions_def is not None
        assert all(
            graph.get(p).partitions_def is not None for p in node.parent_keys if p.to_user_string() in lake
        )


def test_poll_waits_for_an_outcome_and_reports_at_the_end(launcher, capsys):
    """The launcher's one waiting loop: running states print only once a report interval,
    the outcome always, and the outcome (failed as well as succeeded) is returned."""
    for outcome in (True, False):
        states = iter([None, None, outcome])
        seen = []

        def describe(elapsed, states=states, seen=seen):
            state = next(states)
            seen.append(elapsed)
            return state, f"state {state}"

        assert launcher.poll(describe, every=0.0, report_every=3600) is outcome
        assert len(seen) == 3 and seen == sorted(seen)
        assert capsys.readouterr().out.splitlines() == [f"state {outcome}"]
    states = iter([None, None, True])
    assert launcher.poll(lambda elapsed: (next(states), "line"), every=0.0, report_every=0.0)
    assert capsys.readouterr().out.splitlines() == ["line"] * 3  # every state once due
