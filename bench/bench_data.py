"""Where the benchmarks find their public data sets (laid out like ``../shared/data``)."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "APPOPS_BENCH_DATA"


def default_data() -> Path:
    """``$APPOPS_BENCH_DATA``, else ``../shared/data`` beside the repository."""
    found = os.environ.get(DATA_ENV)
    return Path(found) if found else Path(__file__).resolve().parents[2] / "shared" / "data"
