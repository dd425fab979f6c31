"""Forecasts and anomaly scores made on worker processes are those made in this process, in
the same order (the 1,000-series bench and ``capacity_forecasts`` with ``workers`` > 1)."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import polars as pl
from polars.testing import assert_frame_equal

from assets.metrics.anomalies import score_all
from resources.forecasting import engine
from resources.forecasting.engine import LstmCache, forecast_frames
from resources.forecasting.fitting import fit_series
from resources.forecasting.history import History
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.storage import LakehouseStorage

SETTINGS = ForecastSettings(daily_candidates=["naive", "theta"])
FIRST, SECOND = date(2025, 6, 23), date(2025, 6, 30)


def _history(seed: int, n: int = 220) -> History:
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    values = 800 + (seed + 1) * t + 90 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 8, n)
    times = pd.date_range(end=pd.Timestamp(SECOND), periods=n, freq="D")
    return History(f"m/r{seed}/sum", "daily", "m", f"r{seed}", "sum", "calls", times, values)


def test_forecast_frames_on_two_workers_are_the_in_process_ones_in_plan_order(root):
    store = ModelStore(LakehouseStorage(root=str(root)), "daily")
    hists = {h.series_id: h for h in (_history(s) for s in range(3))}
    for hist in hists.values():
        for origin in (FIRST, SECOND):
            fit_series(hist.cut(origin), origin, SETTINGS, store, SETTINGS.daily_candidates, None, None)
    ids = list(hists)
    # origins interleaved across series, and a version reused at a later origin
    plan = [
        (ids[2], SECOND, SECOND),
        (ids[0], FIRST, FIRST),
        (ids[1], FIRST, SECOND),
        (ids[0], SECOND, SECOND),
    ]
    plan += [(ids[2], FIRST, FIRST + timedelta(days=3))]
    lstms = LstmCache(store, SETTINGS)
    here = forecast_frames(plan, hists, store, lstms, workers=1)
    calls = []
    there = forecast_frames(plan, hists, store, lstms, workers=2, done=lambda: calls.append(1))
    assert len(here) == len(there) == len(plan) and len(calls) == 3  # one per series
    for (series_id, _, origin), a, b in zip(plan, here, there, strict=True):
        assert a["series_id"].unique().to_list() == [series_id] and a["origin"].unique().to_list() == [origin]
        assert_frame_equal(a, b)
    assert not here[1].equals(here[3])  # the versions differ


def test_a_series_whose_model_holds_the_lstm_is_forecast_in_this_process(root, monkeypatch):
    store = ModelStore(LakehouseStorage(root=str(root)), "daily")
    hists = {h.series_id: h for h in (_history(s) for s in range(3))}
    for hist in hists.values():
        fit_series(hist.cut(SECOND), SECOND, SETTINGS, store, SETTINGS.daily_candidates, None, None)
    lstm_series = next(iter(hists))
    real_meta = store.meta
    monkeypatch.setattr(
        store,
        "meta",
        lambda s, v: {**real_meta(s, v), "members": ["lstm"]} if s == lstm_series else real_meta(s, v),
    )
    here = []

    def local(meta, members, lstm, hist, origin):
        here.append((hist.series_id, lstm))
        return pl.DataFrame({"series_id": [hist.series_id]})

    monkeypatch.setattr(engine, "forecast_frame", local)
    lstms = LstmCache(store, SETTINGS)
    monkeypatch.setattr(lstms, "get", lambda version: "the network")
    frames = forecast_frames([(s, SECOND, SECOND) for s in hists], hists, store, lstms, workers=2)
    assert here == [(lstm_series, "the network")]  # only the LSTM series, with its network
    assert [f["series_id"][0] for f in frames] == list(hists)
    assert [f.height for f in frames] == [1, 90, 90]  # the others: real forecasts from the workers


def test_anomaly_scores_on_two_workers_are_the_in_process_ones():
    histories = {"daily": [_history(s) for s in range(3)], "hourly": []}
    one, two = score_all(histories, 0.99, workers=1), score_all(histories, 0.99, workers=2)
    assert len(one) == len(two) == 3
    for a, b in zip(one, two, strict=True):
        assert_frame_equal(a, b)
