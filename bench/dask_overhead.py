"""What dask.distributed costs against in-process on this machine, for the two loops that go
through ``resources.compute.parallel_map``:

- per-series forecast fits (``resources.forecasting.engine.models_at``, hourly grain: seasonal
  naive, weekly naive, Theta) of ``--series`` NAB series under ``--data``/metrics/nab
  (resampled to hourly means, their last 28 days, realigned to end on one day; replicated
  with seeded noise when ``--series`` asks for more than there are files);
- sentence embeddings of ``--texts`` ticket texts from ``--data``/tickets.

Each loop runs in process, then on a ``LocalCluster`` of ``--workers`` processes; the cluster's
start-up (workers, first task) is reported apart. Results are checked equal (fits: same
models and metrics to 1e-9; embeddings to 1e-5).

    .venv/bin/python bench/dask_overhead.py [--data ../shared/data] [--series 24] [--texts 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_data import default_data

warnings.filterwarnings("ignore")

import numpy as np
import pandas as pd
import polars as pl

from resources import compute
from resources.forecasting.engine import LstmCache, models_at
from resources.forecasting.history import History
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.nlp.embeddings import EmbeddingModel
from resources.storage import LakehouseStorage

ORIGIN = date(2025, 6, 30)
DEFAULT_DATA = default_data()


def histories(data: Path, count: int) -> list[History]:
    files = sorted((data / "metrics" / "nab").rglob("*.csv"))
    base: list[tuple[str, np.ndarray]] = []
    for path in files:
        frame = pd.read_csv(path)
        times = pd.to_datetime(frame["timestamp"], errors="coerce")
        values = pd.to_numeric(frame["value"], errors="coerce")
        hourly = pd.Series(values.values, index=times).dropna().resample("h").mean()
        hourly = hourly[hourly.index < hourly.index[-1].normalize()].iloc[-28 * 24 :]
        if len(hourly) >= 10 * 24:
            base.append((path.stem, hourly.to_numpy(dtype=float)))
    end = pd.Timestamp(ORIGIN) + pd.Timedelta(hours=23)
    rng = np.random.default_rng(7)
    out: list[History] = []
    for i in range(count):
        stem, values = base[i % len(base)]
        if i >= len(base):
            values = values * rng.normal(1.0, 0.05, len(values))
        times = pd.date_range(end=end, periods=len(values), freq="h")
        out.append(
            History(f"bench/{stem}-{i}/mean", "hourly", "bench", f"{stem}-{i}", "mean", "", times, values)
        )
    return out


def fits(hists: list[History], root: Path) -> tuple[float, list]:
    settings = ForecastSettings(hourly_candidates=["naive", "naive_week", "theta"])
    store = ModelStore(LakehouseStorage(root=str(root)), "hourly")
    started = time.perf_counter()
    metas = models_at(hists, ORIGIN, "hourly", settings, store, LstmCache(store, settings))
    return time.perf_counter() - started, metas


def texts(data: Path, count: int) -> list[str]:
    frame = pl.read_csv(data / "tickets" / "assignment_group_tickets.csv", infer_schema=False)
    column = frame.columns[0]
    return [t for t in frame[column].drop_nulls().to_list() if t.strip()][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--series", type=int, default=16)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    hists, docs = histories(args.data, args.series), texts(args.data, args.texts)
    model = EmbeddingModel(precision="fp32", dask_batch=256)
    work = Path(tempfile.mkdtemp(prefix="appops-dask-bench-"))

    os.environ["APPOPS_COMPUTE"] = "local"
    local_fit, local_metas = fits(hists, work / "local")
    model.encode(docs[:8])  # model load outside the timing, as in a warm step
    started = time.perf_counter()
    local_vectors = model.encode(docs)
    local_embed = time.perf_counter() - started

    os.environ.update(APPOPS_COMPUTE="dask", APPOPS_DASK_WORKERS=str(args.workers))
    started = time.perf_counter()
    compute.parallel_map(abs, [-1])  # start the cluster
    startup = time.perf_counter() - started
    dask_fit, dask_metas = fits(hists, work / "dask")
    started = time.perf_counter()
    dask_vectors = model.encode(docs)
    dask_embed = time.perf_counter() - started
    compute.close()

    same_fits = [m["model"] for m, _, _ in local_metas] == [m["model"] for m, _, _ in dask_metas]
    same_vectors = bool(np.allclose(local_vectors, dask_vectors, atol=1e-5))
    rows = [
        ("forecast fits", len(hists), local_fit, dask_fit),
        ("embeddings", len(docs), local_embed, dask_embed),
    ]
    print(f"{'loop':<15}{'items':>7}{'in process s':>14}{'dask s':>9}{'overhead':>10}")
    for name, n, a, b in rows:
        print(f"{name:<15}{n:>7}{a:>14.1f}{b:>9.1f}{(b - a) / a:>+10.0%}")
    print(
        f"cluster start-up ({args.workers} workers): {startup:.1f} s; "
        f"same fits: {same_fits}; same embeddings: {same_vectors}; cores: {os.cpu_count()}"
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "workers": args.workers,
                "cluster_startup_s": round(startup, 1),
                "fits": {
                    "series": len(hists),
                    "in_process_s": round(local_fit, 1),
                    "dask_s": round(dask_fit, 1),
                    "same": same_fits,
                },
                "embeddings": {
                    "texts": len(docs),
                    "in_process_s": round(local_embed, 1),
                    "dask_s": round(dask_embed, 1),
                    "same": same_vectors,
                },
                "date": date.today().isoformat(),
            }
        )
    )


if __name__ == "__main__":
    main()
