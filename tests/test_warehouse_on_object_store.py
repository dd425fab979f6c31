"""The warehouse on an ``s3://`` root (moto's S3 server on loopback): dbt reads the lake through
the fsspec filesystem registered in DuckDB (no httpfs download), warehouse.duckdb and
serving.duckdb are built in the run's working directory and uploaded; the marts equal those
of the same lake on a local root."""

import os

import duckdb
from fixtures.warehouse.lake import DAYS, write_fixture_lake
from upath import UPath
from warehouse_support import run_assets, same_rows

from resources.storage import local_copy, store_path

STEPS = ["warehouse_reference", "warehouse_daily", "warehouse_summary", "serving_duckdb"]


def _tables(path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_name <> '_serving_build'"
            ).fetchall()
        ]
        return {n: sorted(con.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}


def _assert_same(served: dict, local: dict) -> None:
    assert served.keys() == local.keys() and len(served) > 5
    for name, rows in local.items():
        assert same_rows(served[name], rows), name


def test_warehouse_and_serving_on_s3_equal_the_local_build(s3_root, built_root, tmp_path):
    write_fixture_lake(s3_root)
    assert run_assets(s3_root, STEPS).success
    base = store_path(s3_root)
    assert base.protocol == "s3"
    assert (base / "warehouse.duckdb").exists() and (base / "serving.duckdb").exists()
    local = _tables(built_root / "serving.duckdb")
    assert sum(len(r) for r in local.values()) > 0
    _assert_same(_tables(local_copy(base / "serving.duckdb")), local)
    assert {p.name for p in (base / "serving").iterdir()} == {f"{n}.parquet" for n in local}
    assert any((tmp_path / "work").rglob("warehouse.duckdb"))  # built in the working directory

    # A new working directory stands for another pod: the one-day incremental build must start
    # from the published warehouse (an empty one would lose the other seven days).
    os.environ["APPOPS_WORKDIR"] = str(tmp_path / "other-pod")
    assert run_assets(
        s3_root, ["warehouse_daily", "serving_duckdb"], first=DAYS[-1], last=DAYS[-1], checks=False
    ).success
    _assert_same(_tables(local_copy(base / "serving.duckdb")), local)
