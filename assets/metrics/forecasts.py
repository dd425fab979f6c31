"""``forecast_models`` (fit, backtest, choose, store; weekly refit) and ``capacity_forecasts``
(7/30/90 days daily, 7 days hourly, with 80/95 % intervals). One origin per day of the run."""

from datetime import date

import dagster as dg
import polars as pl

from assets.cadence import LONG_RUN_DAYS
from assets.checks.contracts import ordered
from assets.lake import daily_lake_asset, lake_checks
from assets.metrics.history import native_points, run_histories
from assets.metrics.series import metric_series
from resources.calendar import TIMEZONE, context_days
from resources.forecasting.engine import LstmCache, forecast_frames, models_at
from resources.forecasting.outputs import model_rows, models_frame
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.forecasting.within_hour import with_native_bands
from resources.ml_schemas import CAPACITY_FORECASTS, FORECAST_MODELS
from resources.progress import Progress, progress
from resources.storage import LakehouseStorage

GRAINS = ("daily", "hourly")


def _summary(frame: pl.DataFrame) -> dict:
    chosen = frame.filter(pl.col("selected"))
    scored = chosen.filter(pl.col("mase").is_not_null())
    fallbacks = chosen.filter(pl.col("mase").is_null())
    naive = frame.filter(pl.col("model") == "naive", pl.col("mase").is_not_null())
    return {
        "series": chosen.select("series_id", "grain").n_unique(),
        "refit": int(chosen["refit"].sum()),
        "chosen_models": dg.MetadataValue.json(
            dict(chosen.group_by("model").len().sort("model").iter_rows())
        ),
        "median_mase_selected": float(scored["mase"].median() or 0.0),
        "median_mase_naive": float(naive["mase"].median() or 0.0),
        "coverage80_selected": float(scored["coverage80"].mean() or 0.0),
        "coverage95_selected": float(scored["coverage95"].mean() or 0.0),
        "baseline_fallbacks": dg.MetadataValue.json(
            {r["series_id"]: r["reason"] for r in fallbacks.iter_rows(named=True)}
        ),
        "choices": dg.MetadataValue.md(
            scored.select(
                "origin", "series_id", "grain", "model", "mase", "relative_mase", "coverage80", "coverage95"
            )
            .tail(60)
            .to_pandas()
            .to_markdown(index=False)
        ),
    }


def _peak_hours(forecasts: pl.DataFrame, origin: date) -> str:
    """The busiest forecast hour of the next 7 days per sub-daily series (Paris time)."""
    hourly = forecasts.filter(pl.col("grain") == "hourly", pl.col("origin") == origin)
    if hourly.height == 0:
        return "_no sub-daily series_"
    peaks = hourly.sort("forecast", descending=True).group_by("series_id").first().sort("series_id")
    return (
        peaks.select(
            "series_id",
            peak_hour_paris=pl.col("target_time")
            .dt.convert_time_zone(TIMEZONE)
            .dt.strftime("%a %d %b %H:00"),
            forecast=pl.col("forecast").round(2),
            hi95=pl.col("hi95").round(2),
        )
        .to_pandas()
        .to_markdown(index=False)
    )


def run_settings(settings: ForecastSettings, days: list[date]) -> ForecastSettings:
    """The settings for a run of ``days``: in a long run (more than ``LONG_RUN_DAYS`` days, a
    first backfill) models are refit every ``backfill_refit_days`` instead of every
    ``refit_days``, still earlier on residual drift.

    Why: a weekly refit of every series over a 90-day backfill refits 13 times models whose
    four-week backtests barely move from one week to the next (the demo's slowest step); the
    daily schedule afterwards keeps the weekly cadence. Like the clustering cadence
    (assets/cadence.py), the same range always gives the same refit days, so a rerun of the
    range is exact; a one-day rerun inside it may refit where the long run reused."""
    if len(days) <= LONG_RUN_DAYS or settings.backfill_refit_days <= settings.refit_days:
        return settings
    fields = {name: getattr(settings, name) for name in ForecastSettings.model_fields}
    return ForecastSettings(**{**fields, "refit_days": settings.backfill_refit_days})


@daily_lake_asset(
    FORECAST_MODELS,
    group_name="metrics",
    deps=[metric_series],
    kinds={"darts", "parquet"},
    description="Per series and grain: every candidate (seasonal naive, AutoETS, AutoARIMA, "
    "Theta, global LSTM, ensemble of the best two) backtested on rolling "
    "origins; MASE, relative MASE and interval coverage per candidate, the "
    "winners of an origin registered in MLflow as one version of forecast.<grain> (tagged "
    "with its origin). "
    "Refit every refit_days (backfill_refit_days in runs of over 14 days), earlier on "
    "residual drift, reused in between.",
)
def forecast_models(
    context: dg.AssetExecutionContext, storage: LakehouseStorage, forecasting: ForecastSettings
) -> pl.DataFrame:
    days = context_days(context)
    histories = run_histories(storage, days, forecasting)
    forecasting = run_settings(forecasting, days)
    context.log.info(f"forecast_models: {len(days)} origins, refit every {forecasting.refit_days} days")
    rows = []
    for grain in GRAINS:
        store = ModelStore(storage, grain)
        lstms = LstmCache(store, forecasting)
        for origin in progress(context.log, f"forecast_models {grain}", days, unit="origins"):
            found = models_at(histories[grain], origin, grain, forecasting, store, lstms, log=context.log)
            for meta, refit, why in found:
                rows += model_rows(meta, origin, refit, why)
    frame = models_frame(rows)
    context.add_output_metadata({"dagster/row_count": frame.height, **_summary(frame)})
    return frame


@daily_lake_asset(
    CAPACITY_FORECASTS,
    group_name="metrics",
    deps=["raw_metrics"],
    kinds={"darts", "parquet"},
    description="Forecasts from each series' chosen model: daily for 1-90 days, hourly for "
    "the next 7 days (sub-daily sources), with 80 % and 95 % conformal "
    "intervals; hourly rows also give the bands a native (5-minute) point of the hour "
    "falls in (native_*). Schema: resources/ml_schemas.py CAPACITY_FORECASTS.",
)
def capacity_forecasts(
    context: dg.AssetExecutionContext,
    forecast_models: pl.DataFrame,
    storage: LakehouseStorage,
    forecasting: ForecastSettings,
) -> pl.DataFrame:
    days = context_days(context)
    histories = run_histories(storage, days, forecasting)
    frames = []
    chosen = forecast_models.filter(pl.col("selected"))
    for grain in GRAINS:
        store, by_id = ModelStore(storage, grain), {h.series_id: h for h in histories[grain]}
        rows = chosen.filter(pl.col("grain") == grain)
        plan = [
            (r["series_id"], date.fromisoformat(r["version"]), r["origin"])
            for r in rows.iter_rows(named=True)
        ]
        tracker = Progress(context.log, f"capacity_forecasts {grain}", rows["series_id"].n_unique(), "series")
        frames += forecast_frames(
            plan, by_id, store, LstmCache(store, forecasting), forecasting.workers, tracker.advance
        )
    out = pl.concat(frames) if frames else CAPACITY_FORECASTS.empty()
    out = with_native_bands(out, native_points(storage, days, forecasting), forecasting.within_hour_days)
    out = out.select(CAPACITY_FORECASTS.with_partition.keys())
    context.add_output_metadata(
        {
            "peak_hours": dg.MetadataValue.md(_peak_hours(out, days[-1])),
            "dagster/row_count": out.height,
            "series": out["series_id"].n_unique(),
            "origins": len(days),
            "mean_relative_width95": float(
                ((out["hi95"] - out["lo95"]) / out["forecast"].abs().clip(1e-9, None)).median() or 0.0
            ),
        }
    )
    return out


def nested_bands(schema) -> list:
    """``capacity_forecasts``' bands nest row by row: lo95 <= lo80 <= forecast <= hi80 <= hi95,
    and the same for the native-point bands of hourly rows (null elsewhere: not compared)."""
    order = ("lo95", "lo80", "forecast", "hi80", "hi95")
    return [*ordered(*order)(schema), *ordered(*(f"native_{c}" for c in order))(schema)]


forecast_checks = [
    *lake_checks(FORECAST_MODELS),
    *lake_checks(CAPACITY_FORECASTS, extra_expectations=nested_bands),
]
