"""Model stores and alert logs work on an fsspec root that has no local path (``memory://`` stands in
for ``s3://``): forecasting models and the global LSTM, ticket model versions, sentiment
models. Nothing is written under the working directory."""

import uuid
from datetime import date

import numpy as np
import pandas as pd
import pytest

from assets.tickets import registry
from assets.tickets.model import TicketModel, fit_head
from assets.verbatims import sentiment_model as sm
from resources.forecasting.fitting import fit_series
from resources.forecasting.history import History
from resources.forecasting.lstm import GlobalLSTM
from resources.forecasting.outputs import forecast_frame
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.nlp.embeddings import default_model_path
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


def test_forecasting_models_and_the_lstm_round_trip(storage):
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
    window = (hist, hist.values[-60:], GlobalLSTM._scale(hist.values))
    again = GlobalLSTM.load(path, settings)
    np.testing.assert_allclose(again.predict([window], 7)[0], lstm.predict([window], 7)[0], rtol=1e-5)


def test_ticket_model_versions_round_trip(storage):
    from setfit import SetFitModel

    texts = ["VPN down for the branch", "VPN tunnel drops", "disk full on batch server",
             "filesystem full /var", "password reset please", "account locked after reset"]
    categories = ["network", "network", "storage", "storage", "access", "access"]
    setfit = SetFitModel.from_pretrained(default_model_path(), local_files_only=True)
    model = TicketModel(setfit=setfit, meta={"version": "2025-06-30-abc", "trained_on": "2025-06-30"})
    emb = model.encode(texts)
    setfit.model_head = fit_head(emb, categories, seed=0)
    model.group_head = fit_head(emb, ["net-team", "net-team", "ops", "ops", "desk", "desk"], seed=0)
    target = registry.save(storage, model, {"confusion_category": b"\x89PNG fake"})
    assert target.protocol == "memory" and (target / "confusion_category.png").exists()
    assert [m["version"] for m in registry.list_versions(storage)] == ["2025-06-30-abc"]
    loaded = registry.load(storage, "2025-06-30-abc")
    assert loaded.predict(texts) == model.predict(texts)
    with pytest.raises(FileNotFoundError, match="2025-07-01"):
        registry.load(storage, "2025-07-01-def")


def test_sentiment_models_round_trip_and_keep_the_newest_versions(storage):
    texts = ["super appli", "très bon conseiller", "nul, attente interminable", "appli en panne"]
    labels = ["positive", "positive", "negative", "negative"]
    for k in range(sm.KEEP_VERSIONS + 2):
        fitted = sm.SentimentModel(f"v{k:02d}", "tfidf", tfidf_baseline(texts, labels), {"macro_f1": 0.5})
        sm.save(storage, fitted)
    kept = sorted(p.name for p in storage.models("verbatim_sentiment").iterdir())
    assert kept == [f"v{k:02d}" for k in range(2, sm.KEEP_VERSIONS + 2)]
    loaded = sm.load(storage, kept[-1], "tfidf")
    assert loaded.metrics == {"macro_f1": 0.5}
    assert loaded.predict(texts)[0] == fitted.predict(texts)[0]
    assert sm.load(storage, "v00", "tfidf") is None


def test_alert_logs_append_on_an_object_store(storage):
    from resources.storage import append_text

    path = storage.reports("alerts", "alerts.jsonl")
    append_text(path, '{"alert_id": "a"}\n')
    append_text(path, '{"alert_id": "b"}\n')
    assert path.read_text().splitlines() == ['{"alert_id": "a"}', '{"alert_id": "b"}']
