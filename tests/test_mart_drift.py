"""Drift checks on the daily-partitioned dbt marts, read from the warehouse like lake days."""

import json
from pathlib import Path

import dagster as dg
from fixtures.warehouse.lake import DAYS
from warehouse_support import WAREHOUSE_ASSETS, WAREHOUSE_CHECKS, query, resources, run_assets

from assets.checks.drift import evaluate_drift
from assets.warehouse import defs as warehouse_defs
from assets.warehouse.mart_drift import MART_COLUMNS, WarehouseDays
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.dbt import WAREHOUSE_POOL, dbt_project
from resources.storage import LakehouseStorage


def test_every_daily_mart_has_a_drift_check_on_existing_columns(built_root):
    manifest = json.loads(Path(dbt_project().manifest_path).read_text())
    daily = {
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and "daily" in n["tags"]
    }
    assert set(MART_COLUMNS) == daily
    checked = {
        key.asset_key.path[-1]
        for check in warehouse_defs.asset_checks
        for key in check.check_keys
        if key.name == "drift"
    }
    assert daily <= checked
    columns = {}
    for table, column in query(
        built_root,
        """select table_name, column_name
                                              from information_schema.columns""",
    ):
        columns.setdefault(table, set()).add(column)
    for mart, (numeric, categorical) in MART_COLUMNS.items():
        assert {*numeric, *categorical} <= columns[mart], mart


def test_mart_drift_compares_the_day_with_the_days_before_it(built_root, tmp_path):
    storage = LakehouseStorage(root=str(built_root))
    days = WarehouseDays(storage)
    assert days.days_of("mart_eol_exposure") == set(DAYS)
    assert not days.lake_file("mart_eol_exposure", DAYS[0] - (DAYS[1] - DAYS[0])).exists()
    # the fixture's mart has 9 rows a day: below the mart minimum, so compare them explicitly
    result = evaluate_drift(
        days,
        "mart_eol_exposure",
        DAYS[-1],
        numeric=("components", "hosts"),
        categorical=("eol_status", "environment"),
        min_rows=5,
    )
    assert result.metadata["reference_days_used"].value == 7
    assert (
        result.metadata["current_rows"].value
        == query(
            built_root,
            f"""select count(*) from
        mart_eol_exposure where partition_date = date '{DAYS[-1]}'""",
        )[0][0]
    )
    assert Path(result.metadata["report"].path).exists()
    early = evaluate_drift(days, "mart_eol_exposure", DAYS[2], numeric=("components",))
    assert "not enough reference" in early.description


def test_drift_checks_run_with_the_daily_warehouse_build(copied_root):
    result = run_assets(copied_root, ["warehouse_reference", "warehouse_daily"], DAYS[-1], DAYS[-1])
    assert result.success
    drift = {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations() if e.check_name == "drift"}
    assert set(drift) == set(MART_COLUMNS)
    assert drift["fct_installed_components"].metadata["reference_days_used"].value == 7


def run_checks(root: Path, marts: list[str]) -> dg.ExecuteInProcessResult:
    """Only the ``drift`` checks of ``marts`` (no asset) over the fixture's last day."""
    keys = [dg.AssetCheckKey(dg.AssetKey(mart), "drift") for mart in marts]
    return dg.materialize(
        [*WAREHOUSE_ASSETS, *WAREHOUSE_CHECKS],
        selection=dg.AssetSelection.checks(*keys),
        resources=resources(root),
        tags={RANGE_START_TAG: str(DAYS[-1]), RANGE_END_TAG: str(DAYS[-1])},
    )


def test_the_marts_drift_checks_are_one_step_of_the_warehouse_pool():
    """One step for all marts: as 15 steps of the pool they ran ~15 s apart (module docstring)."""
    owners = [c for c in warehouse_defs.asset_checks if any(k.name == "drift" for k in c.check_keys)]
    assert len(owners) == 1
    [checks] = owners
    assert {k.asset_key.path[-1] for k in checks.check_keys if k.name == "drift"} == set(MART_COLUMNS)
    assert checks.node_def.pool == WAREHOUSE_POOL


def test_one_marts_drift_check_runs_alone(copied_root):
    result = run_checks(copied_root, ["fct_installed_components"])
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.asset_key == dg.AssetKey("fct_installed_components")
    assert evaluation.check_name == "drift"
    assert evaluation.metadata["reference_days_used"].value == 7
    assert evaluation.metadata["current_day"].value == DAYS[-1].isoformat()


def test_drift_checks_warn_without_a_warehouse(root):
    result = run_checks(root, ["mart_team_daily", "mart_eol_exposure"])
    assert result.success
    drift = {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations()}
    assert set(drift) == {"mart_team_daily", "mart_eol_exposure"}
    for evaluation in drift.values():
        assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
        assert evaluation.description == "no warehouse yet: nothing to compare"
