"""Model stores and alert logs work on an fsspec root that has no local path (``memory://`` stands in
for ``s3://``): forecasting models and the global LSTM, the MLflow registry (its SQLite database in a local
working folder). Nothing is written under the working directory."""

import uuid
from datetime import date

import numpy as np
import pandas as pd
import pytest

from resources.forecasting.fitting import fit_series
from resources.forecasting.history import History
from resources.forecasting.lstm import GlobalLSTM
from resources.forecasting.outputs import forecast_frame
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.model_registry import ModelRegistry
from resources.nlp.fewshot import tfidf_baseline
from resources.storage import LakehouseStorage

ORIGIN = date(2025, 6, 30)


@pytest.fixture
def storage():
    found = LakehouseStorage(root=f"memory://appops-{uuid.uuid4().hex}")
    yield found
    found.base.fs.rm(found.base.path, recursive=True)


def _daily(n=200, series_id="api/r/sum") -> History:
    t = np.arange(n)
    values = 500 + 2 * t + 80 * np.sin(2 * np.pi * t / 7) + np.random.default_rng(0).normal(0, 5, n)
    times = pd.date_range(end=pd.Timestamp(ORIGIN), periods=n, freq="D")
    return History(series_id, "daily", "api", "r", "sum", "calls", times, values).cut(ORIGIN)


def test_forecasting_models_and_the_lstm_round_trip(storage, tmp_path, monkeypatch):
    monkeypatch.setenv("APPOPS_MLFLOW_LOCAL", str(tmp_path / "mlflow"))  # the registry's SQLite db
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = ForecastSettings(daily_candidates=["naive", "theta"], lstm_epochs=1, lstm_hidden=4)
    store, hist = ModelStore(storage, "daily"), _daily()
    assert store.base.protocol == "memory"
    meta = fit_series(hist, ORIGIN, settings, store, settings.daily_candidates, None, None)
    assert store.latest(hist.series_id, ORIGIN) == ORIGIN
    assert store.latest(hist.series_id, date(2025, 6, 29)) is None
    loaded, members = store.load(hist.series_id, ORIGIN)
    assert loaded["model"] == meta["model"] and set(members) == set(meta["members"]) - {"lstm"}
    assert forecast_frame(loaded, members, None, hist, ORIGIN).height == 90

    lstm = GlobalLSTM(settings).fit([(hist, hist.values), (_daily(series_id="b"), _daily().values)])
    path = store.lstm_path(ORIGIN)
    lstm.save(path)
    assert path.exists() and path.with_name("model.pt.ckpt").exists()
    assert path.protocol == "memory" and store.lstm_path(ORIGIN) == path  # registered, on the root
    window = (hist, hist.values[-60:], GlobalLSTM._scale(hist.values))
    again = GlobalLSTM.load(path, settings)
    np.testing.assert_allclose(again.predict([window], 7)[0], lstm.predict([window], 7)[0], rtol=1e-5)


def test_the_registry_of_an_object_store_root_keeps_its_sqlite_db_in_a_local_folder(
    storage, tmp_path, monkeypatch
):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("APPOPS_MLFLOW_LOCAL", str(tmp_path / "mlflow"))
    registry = ModelRegistry(storage.root)
    assert registry.tracking_uri == f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}"
    texts = ["super appli", "très bon conseiller", "nul, attente interminable", "appli en panne"]
    labels = ["positive", "positive", "negative", "negative"]
    version = registry.log_version("sentiment_toy", tfidf_baseline(texts, labels))
    registry.set_alias("sentiment_toy", "champion", version)
    assert list(ModelRegistry(storage.root).load_alias("sentiment_toy").predict(texts)) == labels
    assert not storage.base.exists() or not any(storage.base.rglob("*.db"))  # nothing on the store
    storage.state().mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert ModelRegistry(storage.root).tracking_uri == "http://127.0.0.1:5000"


def test_alert_logs_append_on_an_object_store(storage):
    from resources.storage import append_text

    path = storage.reports("alerts", "alerts.jsonl")
    append_text(path, '{"alert_id": "a"}\n')
    append_text(path, '{"alert_id": "b"}\n')
    assert path.read_text().splitlines() == ['{"alert_id": "a"}', '{"alert_id": "b"}']
