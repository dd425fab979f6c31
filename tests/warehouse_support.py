"""Helpers of the warehouse tests: run warehouse assets over a root, query a DuckDB file,
compare row lists. The one dbt build of the fixture lake per session (``built_root``) is a
fixture in conftest.py."""

import subprocess
from pathlib import Path

import dagster as dg
import duckdb
from fixtures.warehouse.lake import DAYS, write_fixture_lake

from assets import warehouse
from assets.appops360.serving import serving_duckdb
from assets.obsolescence.alerts import eol_alerts, eol_alerts_checks
from assets.obsolescence.report import committee_report
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.dbt import dbt_resource
from resources.lake_io import LakeIOManager
from resources.storage import LakehouseStorage

DBT_ASSETS = {a.node_def.name: a for a in warehouse.dbt_defs}
# the warehouse and what reads it: serving (appops360), EOL alerts and report (obsolescence)
WAREHOUSE_ASSETS = [*warehouse.dbt_defs, serving_duckdb, eol_alerts, committee_report]
WAREHOUSE_CHECKS = [*warehouse.defs.asset_checks, *eol_alerts_checks]


def run_dbt(args: list[str], project: Path, env: dict, target: Path) -> subprocess.CompletedProcess:
    """The installed ``dbt`` with ``args`` in ``project`` (profiles there), its target and logs
    under ``target`` (never in the working tree); output captured, never raises."""
    from resources.dbt import dbt_executable

    command = [dbt_executable(), *args, "--profiles-dir", ".", "--target-path", str(target / "target")]
    return subprocess.run(
        [*command, "--log-path", str(target / "logs")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def resources(root: Path) -> dict:
    storage = LakehouseStorage(root=str(root))
    return {"storage": storage, "dbt": dbt_resource(), "lake_io_manager": LakeIOManager(storage=storage)}


def run_assets(
    root: Path, names: list[str], first=DAYS[0], last=DAYS[-1], run_config=None, checks: bool = True
) -> dg.ExecuteInProcessResult:
    """Materialise the warehouse assets named (dbt selections by their op name) over a range."""
    keys = [
        k
        for a in WAREHOUSE_ASSETS
        if a.node_def.name in names or any(k.path[-1] in names for k in a.keys)
        for k in a.keys
    ]
    selection = dg.AssetSelection.assets(*keys)
    if not checks:
        selection = selection.without_checks()
    return dg.materialize(
        [*WAREHOUSE_ASSETS, *WAREHOUSE_CHECKS],
        selection=selection,
        resources=resources(root),
        run_config=run_config,
        tags={RANGE_START_TAG: str(first), RANGE_END_TAG: str(last)},
    )


def query(root: Path, sql: str, db: str = "warehouse.duckdb") -> list[tuple]:
    with duckdb.connect(str(root / db), read_only=True) as con:
        return con.execute(sql).fetchall()


BUILD: dict[str, dg.ExecuteInProcessResult] = {}


def same_rows(left: list[tuple], right: list[tuple]) -> bool:
    """Row lists equal, floats to 1e-9 (DuckDB's parallel sums add in any order)."""
    import math

    if len(left) != len(right):
        return False
    for a, b in zip(left, right):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if isinstance(x, float) and isinstance(y, float):
                if not (math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y))):
                    return False
            elif x != y:
                return False
    return True
