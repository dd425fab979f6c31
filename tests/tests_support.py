"""Helpers importable from test modules."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
