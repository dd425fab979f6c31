"""DuckDB reads an object-store lake through the filesystem that ``fsspec_filesystems`` describes
(dbt-duckdb's ``filesystems`` profile setting). fsspec shares one cached instance per process
and keeps directory listings: a listing taken before a day's file was written (by another run
or process) must not hide that file from DuckDB, or the warehouse builds an empty day instead
of failing. Against moto's S3 API on loopback."""

import ast

import duckdb
import fsspec
import polars as pl
from upath import UPath

from resources.storage import fsspec_filesystems, write_parquet_atomic


def _duckdb_count(setting: str, glob: str) -> int:
    """Count rows the way the dbt profile does: each listed filesystem registered in DuckDB."""
    con = duckdb.connect()
    for spec in ast.literal_eval(setting):  # the profile reads the setting with as_native
        options = dict(spec)
        con.register_filesystem(fsspec.filesystem(options.pop("fs"), **options))
    try:
        return con.execute(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0]
    except duckdb.IOException:  # "No files found that match the pattern"
        return 0
    finally:
        con.close()


def test_a_listing_cached_before_a_file_lands_does_not_hide_it(s3_root):
    lake = UPath(s3_root) / "lake"
    folder = lake / "raw_metrics"
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(pl.DataFrame({"x": [1, 2]}), folder / "2025-03-01.parquet")
    glob = f"{folder}/*.parquet"
    setting = fsspec_filesystems(lake)
    assert _duckdb_count(setting, glob) == 2
    # the process-wide s3fs instance now holds a listing of the folder with one file...
    shared = fsspec.filesystem("s3")
    assert len(shared.ls(folder.path)) == 1
    # ...and another writer (a run in another process) lands a second day behind its back
    elsewhere = fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False)
    with elsewhere.open(f"{folder.path}/2025-03-02.parquet", "wb") as handle:
        pl.DataFrame({"x": [3, 4, 5]}).write_parquet(handle)
    assert len(shared.ls(folder.path)) == 1  # the shared listing is stale: the hazard is real
    assert _duckdb_count(setting, glob) == 5  # DuckDB's filesystem lists afresh
    assert ast.literal_eval(setting)[0]["use_listings_cache"] == 0
