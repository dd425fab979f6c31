"""Shared fixtures: a temporary storage root, offline settings, landing fixtures."""

from __future__ import annotations

import os
import shutil
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
