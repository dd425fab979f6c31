"""Backfill N days (default 365) of every raw asset, with their checks, in ONE run.

    .venv/bin/python bench/backfill.py [--days 365] [--end 2025-12-31] [--root DIR] [--no-checks]

Prints wall time, peak resident memory and rows written; a temporary storage root is used
unless --root is given. The run goes through Dagster (in-process ``materialize``) exactly as a
single-run backfill from the UI would.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dagster as dg

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.schemas import RAW_SCHEMAS

RAW = list(RAW_SCHEMAS)  # every raw asset, in the schemas' order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2025, 12, 31))
    parser.add_argument("--root", default=None)
    parser.add_argument("--no-checks", action="store_true")
    args = parser.parse_args()
    root = args.root or tempfile.mkdtemp(prefix="appops_bench_")
    first = args.end - timedelta(days=args.days - 1)
    defs = build_definitions(root=root, mode="demo")
    checks = [] if args.no_checks else list(defs.asset_checks or [])
    started = time.perf_counter()
    result = dg.materialize(
        [*defs.assets, *checks],
        selection=RAW,
        resources=defs.resources,
        tags={RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: args.end.isoformat()},
    )
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        rows[mat.asset_key.to_user_string()] = mat.metadata["dagster/row_count"].value
    checks_run = result.get_asset_check_evaluations()
    lake = Path(root) / "lake"
    size_mib = sum(p.stat().st_size for p in lake.rglob("*.parquet")) / 2**20
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"range: {first}..{args.end} ({args.days} days), one run {result.run_id}, success={result.success}")
    print(f"wall time: {wall:.1f} s   peak RSS: {peak_mib:.0f} MiB   lake: {size_mib:.1f} MiB")
    for asset in RAW:
        print(f"  {asset:<24} {rows.get(asset, 0):>12,} rows")
    print(f"checks: {sum(c.passed for c in checks_run)}/{len(checks_run)} passed")


if __name__ == "__main__":
    main()
