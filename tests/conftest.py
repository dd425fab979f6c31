"""Shared fixtures: a temporary storage root, offline settings, landing fixtures, the one dbt
build of the warehouse fixture lake, and the real servers some tests need on loopback.

Session fixtures live here and only here: a session fixture imported into several test
modules is set up once per module, which built the warehouse ten times and started a second
S3 server whose AWS_ENDPOINT_URL then pointed new filesystem instances at the wrong store."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An empty storage root (APPOPS_HOME) for one test."""
    home = tmp_path / "appops_home"
    home.mkdir()
    return home


@pytest.fixture
def landed_root(root: Path) -> Path:
    """A storage root whose landing/ holds the fixture files (and two catalog products)."""
    shutil.copytree(FIXTURES / "landing", root / "landing")
    catalog = root / "landing" / "obsolescence" / "eol_catalog"
    catalog.mkdir(parents=True)
    shipped = Path(__file__).parent.parent / "resources" / "catalog" / "endoflife" / "products"
    for name in ("python.md", "postgresql.md", "nodejs.md"):
        shutil.copy(shipped / name, catalog / name)
    return root


@pytest.fixture(scope="session")
def built_root(tmp_path_factory) -> Path:
    """The fixture lake built into warehouse.duckdb and serving.duckdb (do not modify: copy)."""
    from fixtures.warehouse.lake import write_fixture_lake
    from warehouse_support import BUILD, run_assets

    root = tmp_path_factory.mktemp("warehouse") / "appops_home"
    write_fixture_lake(str(root))
    result = run_assets(
        root, ["warehouse_reference", "warehouse_daily", "warehouse_summary", "serving_duckdb"]
    )
    assert result.success
    BUILD["result"] = result
    return root


@pytest.fixture
def copied_root(built_root: Path, tmp_path: Path) -> Path:
    """A private copy of the built root that a test may change. Rebuild its staging views
    (``warehouse_reference``) before reading the copy's lake: a view holds the absolute lake
    path of the root it was built in."""
    root = tmp_path / "appops_home"
    shutil.copytree(built_root, root)
    return root


@pytest.fixture(scope="session")
def postgres():
    """PostgreSQL on loopback (run as an unprivileged user when the tests run as root); its
    variables (those deploy/dagster.yaml reads) are set in this process meanwhile."""
    from deploy.services import Postgres
    from resources.environment import environment

    with Postgres() as server, environment(server.env):
        yield server


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 API on loopback, one bucket; AWS_ENDPOINT_URL and credentials set meanwhile."""
    from deploy.services import MotoS3
    from resources.environment import environment

    with MotoS3() as server, environment(server.env):
        yield server


@pytest.fixture
def s3_root(s3_server, tmp_path) -> Iterator[str]:
    """A fresh ``s3://`` storage root, its DuckDB working directory under tmp_path."""
    from resources.environment import environment

    with environment({"APPOPS_WORKDIR": str(tmp_path / "work")}):
        yield f"s3://{s3_server.bucket}/{uuid.uuid4().hex}"
