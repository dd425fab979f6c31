"""Long steps log progress (done/total, rate): model selection counts every candidate fit and
the refit, a refit day of the forecasts counts its series, and ``parallel_map`` reports each
finished item on every engine."""

from __future__ import annotations

import itertools
import logging
import re
from datetime import date

import numpy as np
import pandas as pd

from resources import compute
from resources.forecasting.engine import LstmCache, models_at
from resources.forecasting.history import History
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.storage import LakehouseStorage
from resources.text_models.selection import select

ORIGIN = date(2025, 6, 30)
LINE = re.compile(r": (\d+)/(\d+) (\w[\w-]*) \((\d+) %\), ([\d.]+ \w[\w-]*/s|[\d.]+ s each)")


def _counts(lines: list[str], what: str) -> list[tuple[int, int]]:
    found = [LINE.search(line) for line in lines if what in line]
    return [(int(m.group(1)), int(m.group(2))) for m in found if m]


def test_model_selection_logs_every_fit_up_to_the_refit():
    rng = np.random.default_rng(0)
    words = {"network": ["vpn", "wifi", "dns", "proxy"], "access": ["password", "login", "badge", "sso"]}
    labels = [str(rng.choice(list(words))) for _ in range(90)]
    texts = [" ".join(rng.choice(words[y], 3)) + f" ticket {i}" for i, y in enumerate(labels)]
    lines: list[str] = []
    select(texts, labels, names=("tfidf", "tfidf_chars"), folds=3, n_boot=20, log=lines.append)
    counts = _counts(lines, "model fits")
    assert counts[0] == (1, 7)  # 2 candidates x 3 folds + the refit, the first logged
    assert counts[-1] == (7, 7)  # and the last
    assert all(a <= b for (a, _), (b, _) in itertools.pairwise(counts))


def _history(i: int) -> History:
    n = 120 + 10 * i
    t = np.arange(n)
    values = 100 * (i + 1) + t + 20 * np.sin(2 * np.pi * t / 7) + np.random.default_rng(i).normal(0, 3, n)
    times = pd.date_range(end=pd.Timestamp(ORIGIN), periods=n, freq="D")
    return History(f"api/r{i}/sum", "daily", "api", f"r{i}", "sum", "calls", times, values)


def test_a_refit_day_of_the_forecasts_logs_its_series(tmp_path, caplog):
    settings = ForecastSettings(daily_candidates=["naive", "theta"], lstm_epochs=1, workers=1)
    store = ModelStore(LakehouseStorage(root=str(tmp_path)), "daily")
    log = logging.getLogger("appops.test.progress")
    with caplog.at_level(logging.INFO, logger=log.name):
        models_at(
            [_history(i) for i in range(3)], ORIGIN, "daily", settings, store, LstmCache(store, settings), log
        )
    counts = _counts([r.getMessage() for r in caplog.records], f"daily series refitted at {ORIGIN}")
    assert counts[0] == (1, 3) and counts[-1] == (3, 3), caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=log.name):  # the next day reuses them: nothing to count
        models_at(
            [_history(i) for i in range(3)], ORIGIN, "daily", settings, store, LstmCache(store, settings), log
        )
    assert _counts([r.getMessage() for r in caplog.records], "series refitted") == []


def _double(x: int) -> int:
    return 2 * x


def test_parallel_map_reports_each_finished_item(monkeypatch):
    monkeypatch.setenv("APPOPS_COMPUTE", "local")
    for workers in (1, 2):
        ticks = itertools.count()
        out = compute.parallel_map(_double, range(9), workers=workers, done=ticks.__next__)
        assert out == [2 * x for x in range(9)] and next(ticks) == 9
