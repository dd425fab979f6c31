"""Session fixtures for the real servers some tests need, on loopback: PostgreSQL (run as an
unprivileged user when the tests run as root) and moto's S3 API. Both stop at the end of the
session; their variables are set in this process (and so in the dbt subprocesses) meanwhile."""

import uuid
from collections.abc import Iterator

import pytest

from deploy.services import MotoS3, Postgres
from resources.environment import environment


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    with Postgres() as server, environment(server.env):
        yield server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[MotoS3]:
    with MotoS3() as server, environment(server.env):
        yield server


@pytest.fixture
def s3_root(s3_server: MotoS3, tmp_path) -> Iterator[str]:
    """A fresh ``s3://`` storage root, its DuckDB working directory under tmp_path."""
    with environment({"APPOPS_WORKDIR": str(tmp_path / "work")}):
        yield f"s3://{s3_server.bucket}/{uuid.uuid4().hex}"


def same_rows(left: list[tuple], right: list[tuple]) -> bool:
    """Row lists equal, floats to 1e-9 (DuckDB's parallel sums add in any order)."""
    import math

    if len(left) != len(right):
        return False
    for a, b in zip(left, right):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if isinstance(x, float) and isinstance(y, float):
                if not (math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y))):
                    return False
            elif x != y:
                return False
    return True
