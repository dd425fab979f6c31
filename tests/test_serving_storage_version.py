"""serving.duckdb opens in the DuckDB inside BI drivers (1.1 and later), not only in ours.

The project's DuckDB writes its newest storage format by default, which DBeaver's and the
ODBC driver's DuckDB 1.x refuse ("version number 999, but we can only read version 64").
"""

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.appops360.serving import serving_duckdb
from resources.storage import LakehouseStorage

# The storage version number DuckDB 0.10 to 1.1 read and write (file header, after "DUCK").
DUCKDB_1_1_STORAGE_NUMBER = 64
OLDEST_WHEEL = "duckdb==1.1.3"


def _serve(root: Path) -> Path:
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute(
            "create table mart_team_daily as select range as id, 'team ' || range as team,"
            " now()::timestamptz as at, [range, 2]::int[] as xs from range(500)"
        )
        con.execute("create table fct_installed_components as select 1 as id")
    result = dg.materialize([serving_duckdb], resources={"storage": LakehouseStorage(root=str(root))})
    assert result.success
    return root / "serving.duckdb"


def _header_storage_number(path: Path) -> int:
    head = path.read_bytes()[:20]
    assert head[8:12] == b"DUCK", f"{path}: not a DuckDB file"
    return struct.unpack("<Q", head[12:20])[0]


def test_serving_file_pins_the_duckdb_1_1_storage_version(root: Path):
    serving = _serve(root)
    assert _header_storage_number(serving) == DUCKDB_1_1_STORAGE_NUMBER
    with duckdb.connect(str(serving), read_only=True) as con:
        tags = con.execute("select tags from duckdb_databases() where path = ?", [str(serving)]).fetchone()[0]
        assert tags["storage_version"].startswith("v1.")
        assert con.execute("select count(*) from mart_team_daily").fetchone()[0] == 500
    # The warehouse itself keeps the current format: only the BI copy is pinned.
    assert _header_storage_number(root / "warehouse.duckdb") != DUCKDB_1_1_STORAGE_NUMBER


def test_oldest_supported_duckdb_reads_serving_file(root: Path, tmp_path: Path):
    """Open the file with the DuckDB 1.1 wheel from PyPI, in a separate interpreter."""
    serving = _serve(root)
    wheels = tmp_path / "wheels"
    fetched = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "--only-binary=:all:",
            "-d",
            str(wheels),
            OLDEST_WHEEL,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if fetched.returncode != 0:
        pytest.skip(f"pip could not fetch {OLDEST_WHEEL} (offline?): {fetched.stderr[-300:]}")
    site = tmp_path / "old_duckdb"
    with zipfile.ZipFile(next(wheels.glob("duckdb-*.whl"))) as wheel:
        wheel.extractall(site)
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, con.execute('select count(*), max(team) "
        "from mart_team_daily').fetchone())"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(site)!r}); " + script,
            str(serving),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1.1.3 (500, 'team 99')"), out.stdout
