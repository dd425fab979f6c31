"""Fit, backtest and choose the model of one series at one origin (runs in worker processes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from resources.forecasting.backtest import Score, cuts, mase_scale, select
from resources.forecasting.candidates import build
from resources.forecasting.history import History
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore

MAX_FILLED_SHARE = 0.5


def layout(grain: str, settings: ForecastSettings) -> tuple[int, int, int]:
    """(backtest horizon, stride, training points) of a grain."""
    if grain == "hourly":
        return (
            settings.hourly_backtest_horizon,
            settings.hourly_backtest_stride,
            settings.hourly_history_days * 24,
        )
    return settings.backtest_horizon, settings.backtest_stride, settings.train_days


def fallback_reason(hist: History, cut_points: list[int], season: int) -> str | None:
    """Why the series gets the seasonal-naive baseline without a backtest, or None."""
    n = len(hist.values)
    if n and hist.filled / n > MAX_FILLED_SHARE:
        return f"mostly missing: {hist.filled} of {n} points filled"
    if n and np.nanstd(hist.values[-4 * season :]) == 0:
        return "constant over the last four seasons"
    if not cut_points or cut_points[0] < 2 * season:
        return f"short: {n} points, a backtest needs two seasons of {season} before its origins"
    return None


def _baseline(hist: History, reason: str, settings: ForecastSettings) -> tuple[dict, dict]:
    """Seasonal naive (last value when under a season) with in-sample seasonal-difference
    quantiles as one-step widths, grown by sqrt(step)."""
    season = hist.season if len(hist.values) > hist.season else 1
    diffs = np.abs(hist.values[season:] - hist.values[:-season])
    q = {lvl: float(np.quantile(diffs, lvl)) if diffs.size else 0.0 for lvl in (0.8, 0.95)}
    forecaster = build("naive", hist.season, len(hist.values), settings)
    meta = {
        "model": "naive",
        "members": ["naive"],
        "reason": reason,
        "q80": q[0.8],
        "q95": q[0.95],
        "profile": [1.0],
        "backtest": [],
        "context_points": max(hist.season, 1),
    }
    return meta, {"naive": forecaster}


@dataclass
class Backtest:
    """Every candidate's backtest forecasts of one series (what ``select`` chooses from)."""

    forecasts: dict[str, np.ndarray]  # name -> (origins, horizon)
    actuals: np.ndarray  # (origins, horizon)
    scale: float  # MASE denominator of the fit window
    fitted: dict  # name -> fitted Forecaster (fit on the window before the first origin)
    skipped: list[str]
    start: int  # first point of the fit window
    cut_points: list[int]

    def select(self, settings: ForecastSettings) -> tuple[Score, list[Score]]:
        """``backtest.select`` under the settings' rule (80 % coverage floor, margin and wins
        over seasonal naive): the winner and every candidate's score."""
        return select(
            self.forecasts,
            self.actuals,
            self.scale,
            settings.min_coverage80,
            settings.selection_margin,
            settings.selection_min_wins,
        )


def backtest_candidates(
    hist: History,
    settings: ForecastSettings,
    candidates: list[str],
    cut_points: list[int],
    lstm_backtest: np.ndarray | None,
) -> Backtest:
    """Fit every candidate once before the first cut, forecast ``horizon`` points at each cut."""
    horizon, _, train_len = layout(hist.grain, settings)
    values = hist.values
    first = cut_points[0]
    start = max(0, first - train_len)
    actuals = np.stack([values[c : c + horizon] for c in cut_points])
    backtests, skipped, fitted = {}, [], {}
    for name in candidates:
        if name == "lstm":
            continue
        model = build(name, hist.season, first - start, settings)
        if isinstance(model, str):
            skipped.append(model)
            continue
        fitted[name] = model.fit(hist, values[start:first], start)
        backtests[name] = np.stack(
            [
                model.predict(hist, values[max(0, c - train_len) : c], max(0, c - train_len), horizon)
                for c in cut_points
            ]
        )
    if lstm_backtest is not None:
        backtests["lstm"] = lstm_backtest
    elif "lstm" in candidates and hist.grain == "daily":
        skipped.append("lstm: training part shorter than its input window")
    return Backtest(
        backtests, actuals, mase_scale(values[start:first], hist.season), fitted, skipped, start, cut_points
    )


def interval_meta(winner, settings: ForecastSettings) -> dict:
    """The winner's conformal quantiles widened by the settings' factors, and its profile.

    Why widen: backtest errors come from the weeks just before the origin; the weeks after bring
    what those did not (an incident, a regime change), so even the cross-conformal quantile
    covered 0.76 / 0.90 for nominal 0.80 / 0.95 on held-out days. The factors were chosen on the
    development split of bench/forecast.py (NAB AWS series) and checked on the others
    (docs/benchmarks.md)."""
    return {
        "q80": winner.q80 * settings.interval_widening80,
        "q95": winner.q95 * settings.interval_widening95,
        "profile": winner.profile,
    }


def select_series(
    hist: History,
    origin: date,
    settings: ForecastSettings,
    candidates: list[str],
    lstm_backtest: np.ndarray | None,
    lstm_scale: float | None,
) -> tuple[dict, dict]:
    """Backtest every candidate and choose: (meta, fitted members), nothing saved.

    The winner is stored as fitted for the backtest (parameters estimated on the window before
    the first backtest origin, ``fit_window``) and forecasts from the whole history up to the
    origin (its state is updated, its parameters are not): one fit per candidate and series.
    """
    horizon, stride, train_len = layout(hist.grain, settings)
    values = hist.values
    cut_points = cuts(len(values), settings.backtest_origins, stride, horizon)
    reason = fallback_reason(hist, cut_points, hist.season)
    if reason:
        meta, members = _baseline(hist, reason, settings)
    else:
        bt = backtest_candidates(hist, settings, candidates, cut_points, lstm_backtest)
        winner, scores = bt.select(settings)
        members = {name: bt.fitted[name] for name in winner.members if name != "lstm"}
        meta = {
            "model": winner.name,
            "members": winner.members,
            "reason": "; ".join(bt.skipped),
            **interval_meta(winner, settings),
            "backtest": [s.as_dict() for s in scores],
            "context_points": train_len,
            "lstm_scale": lstm_scale,
            "fit_window": [str(hist.times[bt.start].date()), str(hist.times[cut_points[0] - 1].date())],
            "backtest_origins": [str(hist.times[c - 1].date()) for c in cut_points],
        }
    context_start = hist.times[max(0, len(values) - meta["context_points"])]
    window = meta.get("fit_window") or [str(context_start.date()), str(hist.times[-1].date())]
    meta.update(
        series_id=hist.series_id,
        grain=hist.grain,
        version=origin.isoformat(),
        train_start=window[0],
        train_end=window[1],
        filled_points=hist.filled,
    )
    return meta, members


def fit_series(
    hist: History,
    origin: date,
    settings: ForecastSettings,
    store: ModelStore,
    candidates: list[str],
    lstm_backtest: np.ndarray | None,
    lstm_scale: float | None,
) -> dict:
    """``select_series`` and save the winner as a selection run of its own (one series)."""
    meta, members = select_series(hist, origin, settings, candidates, lstm_backtest, lstm_scale)
    store.save(hist.series_id, origin, meta, members)
    return meta
