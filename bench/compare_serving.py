"""Compare the tables of two storage roots (e.g. a demo run before and after a change, or a
local root and an object-store one): every lake and quarantine file (asset x day) and every
table of ``serving.duckdb`` (its ``_serving_build`` stamp aside), rows sorted, floats to 1e-9
relative; the committee reports (HTML) byte for byte.

    .venv/bin/python bench/compare_serving.py BEFORE_ROOT AFTER_ROOT [--warehouse]

``--warehouse`` compares the tables of ``warehouse.duckdb`` too. Prints one line per table
that differs (and the columns that do), a summary, and a last line ``RESULT {json}``; exits 1
when anything differs. Roots are paths or fsspec URLs (``s3://...``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import duckdb
import polars as pl
from upath import UPath

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resources.storage import local_copy, read_parquet

SKIPPED_TABLES = {"_serving_build"}  # when the copy was built: differs by design


def _rows(values: list) -> list:
    return sorted(values, key=repr)


def same_rows(a: list[tuple], b: list[tuple]) -> bool:
    """Equal row lists, floats compared to 1e-9 relative (NaN equals NaN)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        for u, v in zip(x, y):
            if isinstance(u, float) and isinstance(v, float):
                if not (math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(u) and math.isnan(v))):
                    return False
            elif u != v:
                return False
    return True


def compare_frames(a: pl.DataFrame, b: pl.DataFrame) -> str:
    """``identical``, or what differs (shape, or the columns whose sorted values differ)."""
    if sorted(a.columns) != sorted(b.columns) or a.height != b.height:
        return f"shape {a.shape} vs {b.shape}" + (
            f", columns {sorted(set(a.columns) ^ set(b.columns))}" if set(a.columns) != set(b.columns) else ""
        )
    differ = [
        c
        for c in a.columns
        if not same_rows(_rows(a.select(c).rows()), _rows(b.select(c).rows())) or a.schema[c] != b.schema[c]
    ]
    return "identical" if not differ else "differs: " + ", ".join(differ)


def compare_files(before: UPath, after: UPath, folder: str, pattern: str) -> dict[str, str]:
    """Every file matching ``pattern`` under ``folder`` of either root: Parquet files compared
    as tables, other files byte for byte."""
    report: dict[str, str] = {}
    names = set()
    for root in (before, after):
        if (root / folder).exists():
            names |= {str(p.relative_to(root / folder)) for p in (root / folder).rglob(pattern)}
    for name in sorted(names):
        a, b = before / folder / name, after / folder / name
        key = f"{folder}/{name}"
        if not (a.exists() and b.exists()):
            report[key] = "only in " + ("before" if a.exists() else "after")
        elif name.endswith(".parquet"):
            report[key] = compare_frames(read_parquet(a), read_parquet(b))
        else:
            report[key] = "identical" if a.read_bytes() == b.read_bytes() else "differs"
    return report


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_type = 'BASE TABLE'"  # views read the lake
        ).fetchall()
    } - SKIPPED_TABLES


def compare_duckdb(before: UPath, after: UPath, name: str) -> dict[str, str]:
    report: dict[str, str] = {}
    paths = [local_copy(root / name) for root in (before, after)]
    if not all(p.exists() for p in paths):
        return {
            name: "missing in "
            + " and ".join(s for s, p in zip(("before", "after"), paths) if not p.exists())
        }
    with (
        duckdb.connect(str(paths[0]), read_only=True) as a,
        duckdb.connect(str(paths[1]), read_only=True) as b,
    ):
        ta, tb = _tables(a), _tables(b)
        for table in sorted(ta | tb):
            key = f"{name.removesuffix('.duckdb')}/{table}"
            if table not in ta or table not in tb:
                report[key] = "only in " + ("before" if table in ta else "after")
                continue
            left, right = (
                pl.from_arrow(con.sql(f'select * from "{table}"').to_arrow_table()) for con in (a, b)
            )
            report[key] = compare_frames(left, right)
    return report


def compare_roots(before: UPath, after: UPath, warehouse: bool = False) -> dict[str, str]:
    """Per table (lake file, serving table, optionally warehouse table): the verdict."""
    report = {
        **compare_files(before, after, "lake", "*.parquet"),
        **compare_files(before, after, "quarantine", "*.parquet"),
        **compare_files(before, after, "reports/committee", "*.html"),
        **compare_duckdb(before, after, "serving.duckdb"),
    }
    if warehouse:
        report |= compare_duckdb(before, after, "warehouse.duckdb")
    return report


def print_report(report: dict[str, str], extra: dict | None = None) -> bool:
    """The table of what differs, the counts and ``RESULT {json}``; True when all is identical."""
    differ = {k: v for k, v in report.items() if v != "identical"}
    print(f"{'table':<64} verdict")
    for name, verdict in differ.items():
        print(f"{name:<64} {verdict}")
    print(f"tables compared: {len(report)}, identical: {len(report) - len(differ)}, differ: {len(differ)}")
    served = [k for k in report if k.startswith("serving/")]
    print(
        "RESULT "
        + json.dumps(
            {
                **(extra or {}),
                "tables": len(report),
                "serving_tables": len(served),
                "lake_files": sum(k.startswith("lake/") for k in report),
                "identical": len(report) - len(differ),
                "differ": differ,
            }
        )
    )
    return not differ


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--warehouse", action="store_true", help="compare warehouse.duckdb too")
    args = parser.parse_args()
    report = compare_roots(UPath(args.before), UPath(args.after), args.warehouse)
    ok = print_report(report, {"before": args.before, "after": args.after})
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
