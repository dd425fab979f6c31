"""``ForecastSettings``: every knob of the forecasting assets, one Dagster resource (key
``forecasting``). Defaults suit the demo; tests shrink them (few candidates, tiny LSTM)."""

import dagster as dg

DAILY_CANDIDATES = ["naive", "profile", "ets", "arima", "theta", "lstm"]
HOURLY_CANDIDATES = [
    "naive",
    "naive_week",
    "profile",
    "theta",
    "mstl",
]  # "ets" possible: slow with a 24 h season


class ForecastSettings(dg.ConfigurableResource):
    """Horizons: 7, 30, 90 days at daily grain; 7 days at hourly grain for sub-daily sources."""

    history_days: int = 1095  # daily history read at each origin (3 years)
    hourly_history_days: int = 28  # hourly history (4 weeks: enough for a 24 h season)
    within_hour_days: int = 28  # native points before an origin that size its within-hour bands
    train_days: int = 240  # statistical models are fit on the last 8 months (speed, recency)
    refit_days: int = 7  # a fitted model is reused for this many origins, then refit
    backfill_refit_days: int = 28  # in a run of more than 14 days (a first backfill), this
    #                                many instead: see assets/metrics/forecasts.py run_settings
    force_refit: bool = False  # refit at every origin of the run (e.g. after late data)
    backtest_origins: int = 4  # rolling origins of the backtest, ``backtest_stride`` apart
    backtest_stride: int = 7
    backtest_horizon: int = 28  # daily steps judged per origin
    hourly_backtest_horizon: int = 168  # hourly steps judged per origin (7 days)
    hourly_backtest_stride: int = 24
    daily_candidates: list[str] = DAILY_CANDIDATES
    hourly_candidates: list[str] = HOURLY_CANDIDATES
    arima_max_season: int = 12  # AutoARIMA skipped when the season is longer (hourly: 24)
    arima_max_models: int = 8  # stepwise search budget (a time box that gives the same result)
    lstm_epochs: int = 3
    lstm_hidden: int = 16
    lstm_max_series: int = 200  # the global model trains on at most this many series (evenly
    #                             spread over the refit set) and forecasts all of them
    min_coverage80: float = 0.6  # a candidate whose backtest 80 % coverage is lower is only
    #                              chosen when no candidate reaches it
    selection_margin: float = 0.1  # a candidate replaces seasonal naive only when its backtest
    #                                MASE is this share below naive's...
    selection_min_wins: float = 0.5  # ...and it beats naive on this share of the origins
    interval_widening80: float = 1.15  # conformal half-widths x these (see fitting.interval_meta)
    interval_widening95: float = 1.5
    drift_refit_share: float = 0.5  # share of days since the fit outside the 95 % band: refit
    anomaly_threshold: float = 0.9975  # metric_anomalies flags a score at or above this (chosen on
    #                                   NAB's AWS series; see resources/forecasting/anomaly.py)
    crossing_method: str = "calibrated"  # how days' crossing probabilities combine (headroom.py)
    hierarchy_file: str = ""  # YAML of hierarchies (reconciled_forecasts); empty: the shipped one
    thresholds_file: str = ""  # YAML of capacity thresholds; empty: the shipped file
    plots_top: int = 5  # PNGs for the series most at risk
    workers: int = 1  # processes for per-series fitting (bench: 2)
    seed: int = 42
