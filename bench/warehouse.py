"""Warehouse benchmark: three years of demo data in every domain, then

- the full warehouse build (the three dbt selections, every day, as one run), then serving;
- a one-day incremental build (the daily job's warehouse part for the last day), then serving;
- p50 / p95 latency of ten typical BI queries on serving.duckdb (fresh read-only connection).

    .venv/bin/python bench/warehouse.py [--days 1095] [--end 2025-12-31] [--root DIR] [--repeat 20]

The raw data come from the embedded demo generators (deterministic), through the raw assets;
``--root`` reuses a root whose lake is already filled (the raw step is skipped when every day's
files exist). ``--data`` is accepted for symmetry with the other benches but unused: no
external file is needed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dagster as dg
import duckdb
from bench_data import default_data

from assets import warehouse
from assets.appops360.serving import serving_duckdb
from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.schemas import RAW_SCHEMAS
from resources.storage import LakehouseStorage

QUERIES = {
    "exposure by status, last day": "select eol_status, sum(components) from mart_eol_exposure "
    "where partition_date = (select max(partition_date) from mart_eol_exposure) group by 1",
    "production past EOL per team": "select team, sum(components) from mart_eol_exposure where "
    "environment = 'production' and eol_status = 'eol_passed' and partition_date = "
    "(select max(partition_date) from mart_eol_exposure) group by 1 order by 2 desc",
    "EOL trend, 90 days": "select partition_date, eol_status, sum(components) from mart_eol_exposure "
    "where partition_date >= (select max(partition_date) - 90 from mart_eol_exposure) group by all",
    "components of one application": "select * from fct_installed_components where application = "
    "'APP-PAYM' and partition_date = (select max(partition_date) from fct_installed_components)",
    "unmatched components, last 30 days": "select product, version, count(*) from "
    "mart_unmatched_components where partition_date >= (select max(partition_date) - 30 "
    "from mart_unmatched_components) group by all",
    "MTTR per team and month": "select team, date_trunc('month', partition_date) m, "
    "sum(mttr_hours * incidents_resolved) / nullif(sum(incidents_resolved), 0) "
    "from mart_team_daily group by all order by 1, 2",
    "incidents per application, last year": "select application, sum(incidents_opened) from "
    "mart_application_daily where partition_date >= (select max(partition_date) - 365 from "
    "mart_application_daily) group by 1 order by 2 desc",
    "satisfaction per product and week": "select product, date_trunc('week', partition_date) w, "
    "sum(avg_score_10 * responses) / sum(responses) from mart_satisfaction_daily group by all",
    "correlations": "select * from mart_correlations order by abs(coefficient) desc nulls last",
    "release cycles ending next 180 days": "select product, release_cycle, eol_date from "
    "dim_release_cycle where eol_date between current_date and current_date + 180",
}


def _materialize(assets, selection, resources, first, last) -> float:
    """Wall time of one run; prints each step's own duration (one dbt invocation per step)."""
    start = time.perf_counter()
    result = dg.materialize(
        assets,
        selection=selection,
        resources=resources,
        raise_on_error=True,
        tags={RANGE_START_TAG: str(first), RANGE_END_TAG: str(last)},
    )
    assert result.success
    steps = [
        f"{e.step_key} {e.event_specific_data.duration_ms / 1000:.1f} s"
        for e in result.all_events
        if e.event_type_value == "STEP_SUCCESS"
    ]
    print("    steps: " + ", ".join(steps))
    return time.perf_counter() - start


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2025, 12, 31))
    parser.add_argument("--root", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--data",
        default=str(default_data()),
    )
    args = parser.parse_args()
    root = args.root or tempfile.mkdtemp(prefix="appops_bench_wh_")
    first, last = args.end - timedelta(days=args.days - 1), args.end
    defs = build_definitions(root=root, mode="demo")
    resources = defs.resources
    storage = LakehouseStorage(root=root)
    raws = [
        a
        for a in defs.assets
        if isinstance(a, dg.AssetsDefinition) and set(a.keys) & {dg.AssetKey(n) for n in RAW_SCHEMAS}
    ]
    every_day = [first + timedelta(days=i) for i in range(args.days)]
    if not all(storage.lake_file(n, d).exists() for n in RAW_SCHEMAS for d in every_day):
        seconds = _materialize(
            raws, dg.AssetSelection.assets(*[k for a in raws for k in a.keys]), resources, first, last
        )
        print(f"raw assets, {args.days} days, one run: {seconds:.1f} s")
    dbt_keys = [k for a in warehouse.dbt_defs for k in a.keys]
    assets = [*warehouse.dbt_defs, serving_duckdb]
    no_checks = dg.AssetSelection.assets(*dbt_keys).without_checks()
    serving = dg.AssetSelection.assets("serving_duckdb")

    Path(storage.warehouse_path).unlink(missing_ok=True)  # a full build starts from nothing
    full = _materialize(assets, no_checks, resources, first, last)
    served = _materialize(assets, serving, resources, first, last)
    print(
        f"full dbt build, {args.days} days (3 dbt invocations): {full:.1f} s; serving export {served:.1f} s"
    )
    daily = _materialize(assets, no_checks, resources, last, last)
    served_day = _materialize(assets, serving, resources, last, last)
    print(f"one-day incremental build ({last}): {daily:.1f} s; serving export {served_day:.1f} s")

    size = os.path.getsize(storage.serving_path)
    print(f"serving.duckdb: {size / 1e6:.1f} MB")
    all_ms = []
    for name, sql in QUERIES.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            with duckdb.connect(str(storage.serving_path), read_only=True) as con:
                con.execute(sql).fetchall()
            times.append((time.perf_counter() - start) * 1000)
        all_ms += times
        print(f"  {name:40s} p50 {statistics.median(times):7.1f} ms  p95 {_percentile(times, 0.95):7.1f} ms")
    print(
        f"BI queries (10 x {args.repeat}, connect + query): p50 {statistics.median(all_ms):.1f} ms, "
        f"p95 {_percentile(all_ms, 0.95):.1f} ms"
    )
    print("command: .venv/bin/python bench/warehouse.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
