"""One origin of one grain: reuse the stored models still fresh, refit the others (weekly by
default, earlier when the residuals drift), then forecast every series from its model."""

from __future__ import annotations

import logging
from datetime import date

import numpy as np

from resources.compute import parallel_map
from resources.forecasting.backtest import cuts
from resources.forecasting.fitting import fallback_reason, layout, select_series
from resources.forecasting.history import History
from resources.forecasting.lstm import MIN_POINTS, GlobalLSTM
from resources.forecasting.outputs import forecast_frame
from resources.forecasting.predict import drift_share
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore, read_selection
from resources.progress import Progress


def _quiet_lightning() -> None:
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


class LstmCache:
    """Global LSTMs by version, loaded once per run."""

    def __init__(self, store: ModelStore, settings: ForecastSettings):
        self.store, self.settings, self.found = store, settings, {}

    def get(self, version: date) -> GlobalLSTM | None:
        if version not in self.found:
            path = self.store.lstm_path(version)
            self.found[version] = GlobalLSTM.load(path, self.settings) if path.exists() else None
        return self.found[version]


def _decide(
    full: History, origin: date, store: ModelStore, settings: ForecastSettings, lstms: LstmCache
) -> tuple[date | None, str]:
    """(version to reuse or None, why)."""
    if settings.force_refit:
        return None, "force_refit set"
    version = store.latest(full.series_id, origin)
    if version is None:
        return None, "no model yet"
    age = (origin - version).days
    if age >= settings.refit_days:
        return None, f"model of {version} is {age} days old (refit every {settings.refit_days})"
    if age == 0:
        return version, "fit at this origin"
    meta, members = store.load(full.series_id, version)
    lstm = lstms.get(version) if "lstm" in meta["members"] else None
    share = drift_share(meta, members, lstm, full, version, origin)
    if share is not None and share > settings.drift_refit_share:
        return None, f"residual drift: {share:.0%} of points since {version} outside the 95 % band"
    return version, f"reused (fit {version}, {age} days old)"


def _lstm_backtests(
    cut_hists: list[History], settings: ForecastSettings, store: ModelStore, origin: date
) -> dict[str, tuple[np.ndarray, float]]:
    """Train the global LSTM on every eligible series' training part, backtest it in one batch."""
    horizon, stride, train_len = layout("daily", settings)
    plans = {}
    for hist in cut_hists:
        points = cuts(len(hist.values), settings.backtest_origins, stride, horizon)
        if fallback_reason(hist, points, hist.season) is None:
            train = hist.values[max(0, points[0] - train_len) : points[0]]
            if len(train) >= MIN_POINTS:
                plans[hist.series_id] = (hist, points, train)
    if not plans:
        return {}
    _quiet_lightning()
    model = GlobalLSTM(settings).fit([(h, train) for h, _, train in plans.values()])
    model.save(store.lstm_path(origin))
    batch = [
        (h, h.values[max(0, c - train_len) : c], GlobalLSTM._scale(train))
        for h, points, train in plans.values()
        for c in points
    ]
    flat = iter(model.predict(batch, horizon))
    return {
        sid: (np.stack([next(flat) for _ in points]), GlobalLSTM._scale(train))
        for sid, (h, points, train) in plans.items()
    }


def _fit_job(args) -> tuple[dict, str]:
    """One series on a worker: choose, write its folder (the parent registers the run)."""
    hist, origin, fields, store, candidates, lstm_bt = args
    settings = ForecastSettings(**fields)  # a Dagster resource does not unpickle: rebuilt here
    meta, members = select_series(
        hist,
        origin,
        settings,
        candidates,
        lstm_bt[0] if lstm_bt else None,
        lstm_bt[1] if lstm_bt else None,
    )
    return meta, store.write(hist.series_id, origin, meta, members)


def models_at(
    histories: list[History],
    origin: date,
    grain: str,
    settings: ForecastSettings,
    store: ModelStore,
    lstms: LstmCache,
    log=None,
) -> list[tuple[dict, bool, str]]:
    """(meta, refit, why) of every series with history at ``origin``. ``log`` (a logger):
    progress lines while the series due for a refit are fitted (minutes on a refit day)."""
    candidates = settings.daily_candidates if grain == "daily" else settings.hourly_candidates
    out, refit = [], []
    for full in histories:
        hist = full.cut(origin)
        if len(hist.values) == 0:
            continue
        version, why = _decide(full, origin, store, settings, lstms)
        if version is None:
            refit.append((hist, why))
        else:
            out.append((store.load(full.series_id, version)[0], False, why))
    lstm = (
        _lstm_backtests([h for h, _ in refit], settings, store, origin)
        if refit and "lstm" in candidates and grain == "daily"
        else {}
    )
    fields = {name: getattr(settings, name) for name in ForecastSettings.model_fields}
    jobs = [(h, origin, fields, store, candidates, lstm.get(h.series_id)) for h, _ in refit]
    tracker = Progress(log, f"{grain} series refitted at {origin}", len(jobs), unit="series") if log else None
    written = parallel_map(  # in process, a pool, or Dask
        _fit_job, jobs, settings.workers, done=tracker.advance if tracker else None
    )
    store.register(origin, written)  # one selection run for every series refitted here
    return out + [(meta, True, why) for (meta, _), (_, why) in zip(written, refit, strict=True)]


def _forecast_job(args: tuple[History, list[tuple[date, str]]]) -> list:
    """One series' forecasts at its origins, on a worker: each version read once from its folder."""
    hist, items = args
    loaded: dict[str, tuple[dict, dict]] = {}
    out = []
    for origin, folder in items:
        if folder not in loaded:
            loaded[folder] = read_selection(folder)
        meta, members = loaded[folder]
        out.append(forecast_frame(meta, members, None, hist.cut(origin), origin))
    return out


def forecast_frames(
    plan: list[tuple[str, date, date]],
    histories: dict[str, History],
    store: ModelStore,
    lstms: LstmCache,
    workers: int = 1,
    done=None,
) -> list:
    """The forecast frame of each (series_id, version, origin) of ``plan``, in its order.

    One job per series on ``workers`` processes (forkserver: ``forecast_frame`` uses polars),
    which read each version once; a series whose model holds the global LSTM is forecast here,
    where the network is loaded once per run. ``done`` is called once per series."""
    by_series: dict[str, list[int]] = {}
    for i, (series_id, _, _) in enumerate(plan):
        by_series.setdefault(series_id, []).append(i)
    out: list = [None] * len(plan)
    jobs, placed = [], []
    for series_id, rows in by_series.items():
        versions = {plan[i][1] for i in rows}
        if any("lstm" in store.meta(series_id, v)["members"] for v in versions):
            for i in rows:
                _, version, origin = plan[i]
                meta, members = store.load(series_id, version)
                out[i] = forecast_frame(
                    meta, members, lstms.get(version), histories[series_id].cut(origin), origin
                )
            if done:
                done()
            continue
        last = max(plan[i][2] for i in rows)
        items = [(plan[i][2], str(store.folder(series_id, plan[i][1]))) for i in rows]
        jobs.append((histories[series_id].cut(last), items))
        placed.append(rows)
    for rows, frames in zip(
        placed, parallel_map(_forecast_job, jobs, workers, done=done, start_method="forkserver"), strict=True
    ):
        for i, frame in zip(rows, frames, strict=True):
            out[i] = frame
    return out
