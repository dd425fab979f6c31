"""The dbt project (cached), its CLI resource, and the environment that points its profile at
the storage root: ``APPOPS_WAREHOUSE`` = ``storage.warehouse_path`` (its working copy on an
object-store root), ``APPOPS_LAKE`` = ``storage.base / "lake"`` and, on an object store,
``APPOPS_DBT_FILESYSTEMS`` (dbt_project/profiles.yml reads the three)."""

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from resources.environment import environment
from resources.storage import CHECKOUT, LakehouseStorage, fsspec_filesystems, local_copy, publish

DBT_DIR = CHECKOUT / "dbt_project"
WAREHOUSE_POOL = "warehouse"  # one writer at a time on warehouse.duckdb / serving.duckdb


def dbt_executable() -> str:
    """The venv's dbt next to this Python (the UI's PATH may not hold the venv)."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_DIR), profiles_dir=str(DBT_DIR), dbt_executable=dbt_executable()
    )


@functools.cache
def dbt_project() -> DbtProject:
    """The project, its manifest parsed once (offline, ~5 s) when a fresh clone has none."""
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
    if not project.manifest_path.exists():
        dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def local_path(path, what: str) -> str:
    """A DuckDB file DuckDB can open (DuckDB opens local files only): the file itself on a local
    root, its working copy fetched from the store on an object-store root (``what`` names it
    in errors)."""
    try:
        return str(local_copy(path))
    except OSError as error:
        raise OSError(f"{what}: cannot fetch {path} into the working directory: {error}") from error


@contextmanager
def warehouse_env(storage: LakehouseStorage) -> Iterator[None]:
    """Point the dbt profile at this storage root for the duration of one dbt invocation; on an
    object-store root, build the working copy of warehouse.duckdb and publish it afterwards
    (also after a failed build, as a local root would keep what dbt wrote)."""
    warehouse = local_path(storage.warehouse_path, "warehouse.duckdb")
    lake = storage.base / "lake"
    wanted = {
        "APPOPS_WAREHOUSE": warehouse,
        "APPOPS_LAKE": str(lake),
        "APPOPS_DBT_FILESYSTEMS": fsspec_filesystems(lake),
    }
    try:
        with environment(wanted):
            yield
    finally:
        if Path(warehouse).exists():
            publish(Path(warehouse), storage.warehouse_path)
