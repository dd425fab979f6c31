"""BI serving: the marts copied out of the warehouse into ``serving.duckdb`` and Parquet.

``serving.duckdb`` is rebuilt in a temporary file next to it, then renamed over it (atomic on
one filesystem). A BI client that holds the old file open read-only keeps reading the old,
complete copy and never blocks the rebuild; the next connection sees the new one. Each mart
is also exported to ``serving/<mart>.parquet`` (same rename discipline), and the table
``_serving_build`` records the build (time, row count per mart). On an object-store root the
build happens in the working directory and the files are uploaded after the swap.
"""

import functools
import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from resources.calendar import single_run
from resources.dbt import WAREHOUSE_POOL, dbt_project, local_path
from resources.storage import LakehouseStorage, atomic_local, publish

# Oldest DuckDB release that must open serving.duckdb (DBeaver's and the ODBC driver's lag).
SERVING_STORAGE_VERSION = "v1.1.0"


@functools.cache
def mart_names() -> tuple[str, ...]:
    """The models under dbt_project/models/marts/ (dimensions, facts, marts)."""
    manifest = json.loads(Path(dbt_project().manifest_path).read_text())
    return tuple(
        sorted(
            n["name"]
            for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["fqn"][1] == "marts"
        )
    )


def rebuild_serving(
    warehouse: Path, serving: Path, export_dir: Path, tables: tuple[str, ...]
) -> dict[str, int]:
    """Copy ``tables`` (those the warehouse has) into a fresh serving file, swap it in.
    Returns the row count per table copied."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    export_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with atomic_local(serving) as tmp:
        try:
            with duckdb.connect(config={"autoinstall_known_extensions": False}) as con:
                # The DuckDB inside BI drivers lags: write a storage version DuckDB 1.1+ can open.
                con.execute(f"attach '{tmp}' as serving (storage_version '{SERVING_STORAGE_VERSION}')")
                con.execute("use serving")
                con.execute(f"attach '{warehouse}' as wh (read_only)")
                present = {
                    r[0]
                    for r in con.execute(
                        "select table_name from information_schema.tables where table_catalog = 'wh' "
                        "and table_schema = 'main' and table_type = 'BASE TABLE'"
                    ).fetchall()
                }
                for table in (t for t in tables if t in present):
                    con.execute(f'create table "{table}" as select * from wh.main."{table}"')
                    counts[table] = con.execute(f'select count(*) from "{table}"').fetchone()[0]
                    with atomic_local(export_dir / f"{table}.parquet") as part:
                        con.execute(f"copy \"{table}\" to '{part}' (format parquet)")
                con.execute("detach wh")
                built_at = datetime.now(UTC)
                con.execute(
                    "create table _serving_build (built_at timestamptz, mart varchar, row_count bigint)"
                )
                con.executemany(
                    "insert into _serving_build values (?, ?, ?)",
                    [(built_at, t, n) for t, n in counts.items()],
                )
        finally:
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return counts


@dg.asset(
    name="serving_duckdb",
    group_name="appops360",
    deps=[dg.AssetKey(name) for name in mart_names()],
    pool=WAREHOUSE_POOL,
    backfill_policy=single_run,  # runs in the CLI's partition-range runs (see dbt_assets.py)
    kinds={"duckdb", "parquet"},
    description="The marts, for BI tools: serving.duckdb (rebuilt aside, swapped in atomically; "
    "open it read-only) and serving/<mart>.parquet.",
)
def serving_duckdb(context: dg.AssetExecutionContext, storage: LakehouseStorage) -> dg.MaterializeResult:
    serving = Path(local_path(storage.serving_path, "serving.duckdb"))
    warehouse = Path(local_path(storage.warehouse_path, "warehouse.duckdb"))
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no warehouse yet, materialise the dbt assets first")
    counts = rebuild_serving(warehouse, serving, serving.parent / "serving", mart_names())
    for table in counts:
        publish(
            serving.parent / "serving" / f"{table}.parquet", storage.base / "serving" / f"{table}.parquet"
        )
    publish(serving, storage.serving_path)
    missing = sorted(set(mart_names()) - set(counts))
    if missing:
        context.log.warning(f"not in the warehouse yet, not served: {', '.join(missing)}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(serving)),
            "marts": len(counts),
            "rows": dg.MetadataValue.json(counts),
            "missing": ", ".join(missing) or "none",
        }
    )
