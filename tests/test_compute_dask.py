"""The heavy loops on dask.distributed (a 2-worker LocalCluster, as ``APPOPS_COMPUTE=dask``
starts it) give the same results as in process: per-series forecast fits and embedding
batches."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from resources import compute
from resources.forecasting.engine import LstmCache, models_at
from resources.forecasting.history import History
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.nlp.embeddings import EmbeddingModel
from resources.storage import LakehouseStorage

ORIGIN = date(2025, 6, 30)


@pytest.fixture(scope="module")
def dask_engine():
    """Yields a function switching the engine; the cluster is closed after the module."""

    def use(name: str, monkeypatch) -> None:
        monkeypatch.setenv("APPOPS_COMPUTE", name)
        monkeypatch.setenv("APPOPS_DASK_WORKERS", "2")
        monkeypatch.delenv("APPOPS_DASK_SCHEDULER", raising=False)

    yield use
    compute.close()


def _history(i: int) -> History:
    n = 150 + 10 * i
    t = np.arange(n)
    rng = np.random.default_rng(i)
    values = 100 * (i + 1) + (i + 1) * t + 20 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 3, n)
    times = pd.date_range(end=pd.Timestamp(ORIGIN), periods=n, freq="D")
    return History(f"api/r{i}/sum", "daily", "api", f"r{i}", "sum", "calls", times, values)


def _fit_all(root) -> list[tuple[dict, bool, str]]:
    settings = ForecastSettings(daily_candidates=["naive", "theta"], lstm_epochs=1)
    store = ModelStore(LakehouseStorage(root=str(root)), "daily")
    return models_at(
        [_history(i) for i in range(5)], ORIGIN, "daily", settings, store, LstmCache(store, settings)
    )


def _square(x: int) -> int:
    return x * x


def test_parallel_map_keeps_the_order_on_every_engine(dask_engine, monkeypatch):
    dask_engine("dask", monkeypatch)
    assert compute.engine() == "dask"
    assert compute.parallel_map(_square, range(30)) == [x * x for x in range(30)]
    client = compute.dask_client()
    assert len(client.scheduler_info()["workers"]) == 2
    dask_engine("local", monkeypatch)
    assert compute.parallel_map(_square, range(30), workers=2) == [x * x for x in range(30)]
    assert compute.parallel_map(_square, []) == []
    monkeypatch.setenv("APPOPS_COMPUTE", "spark")
    with pytest.raises(ValueError, match="APPOPS_COMPUTE"):
        compute.engine()


def test_forecast_fits_on_dask_equal_in_process(dask_engine, monkeypatch, tmp_path):
    dask_engine("local", monkeypatch)
    local = _fit_all(tmp_path / "local")
    dask_engine("dask", monkeypatch)
    distributed = _fit_all(tmp_path / "dask")
    assert len(local) == 5 and all(refit for _, refit, _ in local)
    assert [m["model"] for m, _, _ in local] == [m["model"] for m, _, _ in distributed]
    for (a, _, why_a), (b, _, why_b) in zip(local, distributed):
        assert why_a == why_b
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(a[key], float):
                assert a[key] == pytest.approx(b[key], rel=1e-9), key
            else:
                assert a[key] == b[key], key


def test_embedding_batches_on_dask_equal_in_process(dask_engine, monkeypatch):
    texts = [f"incident {i}: le serveur de paiement ne répond plus depuis {i} minutes" for i in range(23)] + [
        "VPN down",
        "mot de passe expiré",
    ]
    model = EmbeddingModel(precision="fp32", dask_batch=7)
    dask_engine("local", monkeypatch)
    local = model.encode(texts)
    dask_engine("dask", monkeypatch)
    distributed = model.encode(texts)
    assert distributed.shape == local.shape == (25, 384)
    np.testing.assert_allclose(distributed, local, atol=1e-5)
