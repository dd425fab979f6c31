"""Incremental daily models: rerunning a day replaces exactly that day (delete+insert over
the partition window), including a day whose rows changed or shrank."""

import polars as pl
from fixtures.warehouse.lake import DAYS
from warehouse_support import query, run_assets

from resources.storage import LakehouseStorage, read_parquet, write_parquet_atomic

DAILY_TABLES = (
    "fct_installed_components",
    "mart_eol_exposure",
    "mart_unmatched_components",
    "mart_application_daily",
    "mart_team_daily",
    "mart_satisfaction_daily",
)


def _snapshot(root) -> dict[str, list[tuple]]:
    return {t: sorted(query(root, f"select * from {t}"), key=repr) for t in DAILY_TABLES}


def test_rerunning_days_replaces_them_exactly(copied_root):
    before = _snapshot(copied_root)
    day = DAYS[3]
    storage = LakehouseStorage(root=str(copied_root))
    path = storage.lake_file("raw_software_inventory", day)
    original = read_parquet(path)
    write_parquet_atomic(original.filter(pl.col("host") != "b-prd-01"), path)
    # the copy's staging views are rebuilt first: they hold the lake path they were built with
    assert run_assets(copied_root, ["warehouse_reference", "warehouse_daily"], day, day, checks=False).success
    counts = dict(
        query(
            copied_root,
            """select partition_date, count(*)
                                       from fct_installed_components group by 1""",
        )
    )
    assert counts[day] == 6 and all(n == 10 for d, n in counts.items() if d != day)
    assert query(
        copied_root,
        f"""select count(*) from mart_unmatched_components
                                 where partition_date = date '{day}'""",
    ) == [(0,)]

    write_parquet_atomic(original, path)
    assert run_assets(copied_root, ["warehouse_daily"], day, day, checks=False).success
    assert _snapshot(copied_root) == before  # same inputs again: identical, no duplicates
