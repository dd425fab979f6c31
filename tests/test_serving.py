"""serving.duckdb: rebuilt aside and swapped in while a BI client holds it open read-only.

20 consecutive runs of the serving asset; between runs the warehouse marts change size. A
reader process checks, as fast as it can, that every mart it sees is complete and that all
marts come from the same build; its long-held connection keeps a consistent old copy.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
from tests_support import FIXTURES

from assets.appops360.serving import mart_names, serving_duckdb
from resources.storage import LakehouseStorage

RUNS = 20
MARTS = ("fct_installed_components", "mart_team_daily", "mart_application_daily")


def _write_warehouse(path: Path, version: int) -> None:
    with duckdb.connect(str(path)) as con:
        for i, mart in enumerate(MARTS):
            rows = 2000 + 97 * version + 13 * i
            con.execute(
                f'create or replace table "{mart}" as select {version} as version, '
                f"range as id, md5(range::varchar) as payload from range({rows})"
            )


def _materialize(root: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize([serving_duckdb], resources={"storage": LakehouseStorage(root=str(root))})


def test_marts_served_are_the_dbt_marts():
    assert set(MARTS) <= set(mart_names())
    assert not any(name.startswith("stg_") for name in mart_names())


def test_swap_under_a_concurrent_reader(root: Path, tmp_path: Path):
    warehouse = root / "warehouse.duckdb"
    _write_warehouse(warehouse, 0)
    first = _materialize(root)
    assert first.success
    stop = tmp_path / "stop"
    outs = {mode: tmp_path / f"{mode}.json" for mode in ("held", "fresh")}
    readers = [
        subprocess.Popen(
            [
                sys.executable,
                str(FIXTURES / "warehouse" / "serving_reader.py"),
                mode,
                str(root / "serving.duckdb"),
                str(stop),
                str(out),
            ]
        )
        for mode, out in outs.items()
    ]
    try:
        for reader, out in zip(readers, outs.values()):
            while not Path(str(out) + ".ready").exists():
                assert reader.poll() is None, "reader died before starting"
                time.sleep(0.05)
        for version in range(1, RUNS + 1):
            _write_warehouse(warehouse, version)
            result = _materialize(root)
            assert result.success
            rows = result.asset_materializations_for_node("serving_duckdb")[0].metadata["rows"].data
            assert rows["mart_team_daily"] == 2000 + 97 * version + 13
    finally:
        stop.write_text("stop")
        for reader in readers:
            reader.wait(timeout=60)
    held, fresh = (json.loads(out.read_text()) for out in outs.values())
    assert held["errors"] == [] and fresh["errors"] == []
    assert held["rounds"] > RUNS and fresh["rounds"] > RUNS
    assert held["versions"] == [0]  # the open connection keeps its complete copy
    assert len(fresh["versions"]) > 1  # refreshes read the builds as they were swapped in
    with duckdb.connect(str(root / "serving.duckdb"), read_only=True) as con:
        assert con.execute("select max(version) from mart_team_daily").fetchone()[0] == RUNS
    parquet = root / "serving" / "mart_team_daily.parquet"
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall()[0][0] == 2000 + 97 * RUNS + 13
    assert not list(root.glob(".serving.duckdb.*"))  # no temporary file left behind
