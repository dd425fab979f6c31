"""The lake IO manager: one file per day, ranges split and loaded whole, any fsspec root."""

from datetime import date

import dagster as dg
import polars as pl
from upath import UPath

from resources.calendar import RANGE_END_TAG, RANGE_START_TAG, daily_partitions, single_run
from resources.lake_io import LakeIOManager
from resources.storage import LakehouseStorage, read_parquet, write_parquet_atomic


@dg.asset(partitions_def=daily_partitions, backfill_policy=single_run, io_manager_key="lake_io_manager")
def daily_counts(context: dg.AssetExecutionContext) -> pl.DataFrame:
    window = context.partition_time_window
    days = pl.date_range(window.start.date(), window.end.date(), closed="left", eager=True)
    # no row on the 3rd: its file must still be (re)written, empty
    return pl.DataFrame({"partition_date": days, "n": range(len(days))}).filter(
        pl.col("partition_date") != date(2024, 1, 3)
    )


@dg.asset(partitions_def=daily_partitions, backfill_policy=single_run, io_manager_key="lake_io_manager")
def daily_totals(daily_counts: pl.DataFrame) -> pl.DataFrame:
    return daily_counts.group_by("partition_date").agg(pl.col("n").sum())


def _resources(root: str) -> dict:
    storage = LakehouseStorage(root=root)
    return {"storage": storage, "lake_io_manager": LakeIOManager(storage=storage)}


def _range(first: str, last: str) -> dict:
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def test_range_run_writes_one_file_per_day_and_downstream_loads_the_range(root):
    result = dg.materialize(
        [daily_counts, daily_totals], resources=_resources(str(root)), tags=_range("2024-01-01", "2024-01-05")
    )
    assert result.success
    storage = LakehouseStorage(root=str(root))
    files = sorted(p.name for p in storage.lake_dir("daily_counts").iterdir())
    assert files == [f"2024-01-0{d}.parquet" for d in range(1, 6)]
    assert read_parquet(storage.lake_file("daily_counts", date(2024, 1, 3))).height == 0
    totals = pl.concat(
        [read_parquet(storage.lake_file("daily_totals", date(2024, 1, d))) for d in range(1, 6)]
    )
    assert totals.sort("partition_date")["n"].to_list() == [0, 1, 3, 4]
    assert not list(storage.lake_dir("daily_counts").glob(".*.tmp"))  # no temporary left


def test_rerunning_a_sub_range_replaces_only_those_days(root):
    resources = _resources(str(root))
    dg.materialize([daily_counts], resources=resources, tags=_range("2024-01-01", "2024-01-05"))
    dg.materialize([daily_counts], resources=resources, tags=_range("2024-01-04", "2024-01-05"))
    storage = LakehouseStorage(root=str(root))
    values = {
        d: read_parquet(storage.lake_file("daily_counts", date(2024, 1, d)))["n"].to_list()
        for d in range(1, 6)
    }
    assert values == {1: [0], 2: [1], 3: [], 4: [0], 5: [1]}


def test_loading_a_range_with_a_missing_day_names_it(root):
    resources = _resources(str(root))
    dg.materialize([daily_counts], resources=resources, partition_key="2024-01-01")
    result = dg.materialize(
        [daily_counts.to_source_asset(), daily_totals],
        resources=resources,
        selection=[daily_totals],
        tags=_range("2024-01-01", "2024-01-02"),
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "2024-01-02" in str(failure.event_specific_data.error)


def test_storage_works_on_an_fsspec_root_without_local_paths():
    """An object-store root (here fsspec's in-memory filesystem) goes through the same code."""
    result = dg.materialize(
        [daily_counts], resources=_resources("memory://appops-lake"), partition_key="2024-01-02"
    )
    assert result.success
    storage = LakehouseStorage(root="memory://appops-lake")
    path = storage.lake_file("daily_counts", date(2024, 1, 2))
    assert isinstance(path, UPath) and path.protocol == "memory"
    assert read_parquet(path)["n"].to_list() == [0]
    write_parquet_atomic(pl.DataFrame({"x": [1]}), storage.base / "probe.parquet")
    assert read_parquet(storage.base / "probe.parquet")["x"].to_list() == [1]


def test_lake_files_list_each_day_and_change_when_a_day_is_rewritten(root):
    storage = LakehouseStorage(root=str(root))
    assert storage.lake_files("daily_counts") == ()
    days = [date(2024, 1, 2), date(2024, 1, 1)]
    for n, day in enumerate(days):
        frame = pl.DataFrame({"partition_date": [day], "n": [n]})
        write_parquet_atomic(frame, storage.lake_file("daily_counts", day))
    files = storage.lake_files("daily_counts")
    assert [(f.name, f.day) for f in files] == [
        ("2024-01-01.parquet", date(2024, 1, 1)),
        ("2024-01-02.parquet", date(2024, 1, 2)),
    ]
    assert all(f.size == storage.lake_file("daily_counts", f.day).stat().st_size > 0 for f in files)
    assert storage.lake_files("daily_counts") == files  # nothing written: the same listing
    write_parquet_atomic(
        pl.DataFrame({"partition_date": [days[1]] * 3, "n": [7, 8, 9]}),
        storage.lake_file("daily_counts", days[1]),
    )
    assert storage.lake_files("daily_counts") != files  # the 1st rewritten, larger


def test_lake_files_on_an_fsspec_root():
    storage = LakehouseStorage(root="memory://appops-lake-files")
    write_parquet_atomic(pl.DataFrame({"n": [1]}), storage.lake_file("probe", date(2024, 3, 1)))
    (file,) = storage.lake_files("probe")
    assert (file.name, file.day) == ("2024-03-01.parquet", date(2024, 3, 1)) and file.size > 0
