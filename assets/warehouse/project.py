"""The dbt project (cached), its CLI resource, and the environment that points its profile at
the storage root: ``APPOPS_WAREHOUSE`` = ``storage.warehouse_path``, ``APPOPS_LAKE`` =
``storage.base / "lake"`` (dbt_project/profiles.yml reads both)."""

import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from resources.storage import CHECKOUT, LakehouseStorage

DBT_DIR = CHECKOUT / "dbt_project"
WAREHOUSE_POOL = "warehouse"  # one writer at a time on warehouse.duckdb / serving.duckdb


def dbt_executable() -> str:
    """The venv's dbt next to this Python (the UI's PATH may not hold the venv)."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=str(DBT_DIR), profiles_dir=str(DBT_DIR),
                          dbt_executable=dbt_executable())


@functools.cache
def dbt_project() -> DbtProject:
    """The project, its manifest parsed once (offline, ~5 s) when a fresh clone has none."""
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
    if not project.manifest_path.exists():
        dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def local_path(path, what: str) -> str:
    """DuckDB opens local files only: say so clearly for an object-store root."""
    if getattr(path, "protocol", "") not in ("", "file", "local"):
        raise ValueError(f"{what} must be on a local disk for DuckDB, got {path}")
    return str(path)


@contextmanager
def warehouse_env(storage: LakehouseStorage) -> Iterator[None]:
    """Point the dbt profile at this storage root for the duration of one dbt invocation."""
    wanted = {"APPOPS_WAREHOUSE": local_path(storage.warehouse_path, "warehouse.duckdb"),
              "APPOPS_LAKE": local_path(storage.base / "lake", "the lake")}
    before = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
