"""The forecasting assets through Dagster: reruns, range runs with weekly refit, schemas and
their data contracts, headroom from a thresholds file. A lake of metric_series for a few demo
series is built once."""

import shutil
from datetime import date, timedelta

import dagster as dg
import polars as pl
import pytest

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.demo.metrics import generate
from resources.forecasting.resample import resample
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.within_hour import NATIVE_COLUMNS
from resources.ml_schemas import CAPACITY_FORECASTS, CAPACITY_HEADROOM
from resources.storage import LakehouseStorage, write_parquet_atomic

RESOURCES = ("CLU-PAR-07", "api-comptes", "carte", "SFTN-STET")
LAST = date(2025, 10, 20)
FORECAST_ASSETS = ["forecast_models", "capacity_forecasts", "capacity_headroom"]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """metric_series for 100 days of four demo resources (5 daily, 3 hourly series), and their
    raw points of the last 30 days (the within-hour bands)."""
    home = tmp_path_factory.mktemp("forecast_lake")
    storage = LakehouseStorage(root=str(home))
    for i in range(100):
        day = LAST - timedelta(days=99 - i)
        raw = generate(day).filter(pl.col("resource").is_in(RESOURCES))
        write_parquet_atomic(resample(raw), storage.lake_file("metric_series", day))
        if i >= 70:
            write_parquet_atomic(raw, storage.lake_file("raw_metrics", day))
    return home


def _copy(lake, tmp_path, name="home"):
    home = tmp_path / name
    shutil.copytree(lake, home)
    return home


def _run(home, first, last, checks=False, **settings):
    defs = build_definitions(root=str(home), mode="demo")
    small = {
        "daily_candidates": ["naive", "ets", "theta"],
        "hourly_candidates": ["naive", "theta"],
        "hourly_history_days": 14,
    }
    resources = {**defs.resources, "forecasting": ForecastSettings(**{**small, **settings})}
    selection = dg.AssetSelection.assets(*FORECAST_ASSETS)
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=selection if checks else selection.without_checks(),
        resources=resources,
        tags={RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()},
    )
    assert result.success
    return result


def _read(home, asset, day=LAST):
    return pl.read_parquet(home / "lake" / asset / f"{day.isoformat()}.parquet")


def test_rerun_of_a_partition_gives_identical_forecasts_lstm_included(lake, tmp_path):
    settings = dict(daily_candidates=["naive", "theta", "lstm"], lstm_epochs=1)
    first_home, other_home = _copy(lake, tmp_path), _copy(lake, tmp_path, "other")
    _run(first_home, LAST, LAST, **settings)
    models = _read(first_home, "forecast_models")
    assert "lstm" in set(models["model"])  # the global LSTM was a scored candidate
    first = _read(first_home, "capacity_forecasts")
    _run(first_home, LAST, LAST, **settings)  # rerun: reuses the model fit at this origin
    _run(other_home, LAST, LAST, **settings)  # fresh root: refits from scratch, same seeds
    assert first.height > 0
    assert first.equals(_read(first_home, "capacity_forecasts"))
    assert first.equals(_read(other_home, "capacity_forecasts"))
    assert not list(tmp_path.glob("**/lightning_logs")) and not list(tmp_path.glob("**/darts_logs"))


def test_range_run_forecasts_every_origin_and_refits_on_schedule(lake, tmp_path):
    home = _copy(lake, tmp_path)
    start = LAST - timedelta(days=4)
    _run(home, start, LAST, refit_days=3, drift_refit_share=1.0)
    chosen = pl.concat([_read(home, "forecast_models", start + timedelta(days=i)) for i in range(5)]).filter(
        pl.col("selected")
    )
    refit_days = chosen.filter(pl.col("refit")).group_by("origin").len()
    assert sorted(refit_days["origin"]) == [start, start + timedelta(days=3)]
    reused = chosen.filter(~pl.col("refit"), pl.col("origin") == start + timedelta(days=2))
    assert set(reused["version"]) == {start.isoformat()}
    for i in range(5):
        day = start + timedelta(days=i)
        forecasts = _read(home, "capacity_forecasts", day)
        assert set(forecasts["origin"]) == {day}
        assert forecasts.filter(pl.col("grain") == "daily")["series_id"].n_unique() == 5


def test_a_long_backfill_refits_on_the_backfill_cadence_and_reruns_exactly(lake, tmp_path):
    """More than 14 origins: refit every backfill_refit_days (10 here) instead of refit_days (3)."""
    home = _copy(lake, tmp_path)
    start = LAST - timedelta(days=15)
    settings = dict(refit_days=3, backfill_refit_days=10, drift_refit_share=1.0)
    _run(home, start, LAST, **settings)
    frames = [_read(home, "forecast_models", start + timedelta(days=i)) for i in range(16)]
    chosen = pl.concat(frames).filter(pl.col("selected"))
    refit = chosen.filter(pl.col("refit")).group_by("origin").len()
    assert sorted(refit["origin"]) == [start, start + timedelta(days=10)]
    forecasts = [_read(home, "capacity_forecasts", start + timedelta(days=i)) for i in range(16)]
    _run(home, start, LAST, **settings)  # the same range again: the same forecasts, day by day
    again = [_read(home, "capacity_forecasts", start + timedelta(days=i)) for i in range(16)]
    assert all(a.equals(b) for a, b in zip(forecasts, again, strict=True))


def test_forecasts_and_headroom_conform_to_the_warehouse_schemas(lake, tmp_path):
    home = _copy(lake, tmp_path)
    rules = tmp_path / "thresholds.yaml"
    rules.write_text(
        "thresholds:\n"
        "  - {metric: cpu_utilisation, agg: p95, threshold: 1}\n"
        "  - {metric: api_calls, resource: api-comptes, threshold: 1.0e12}\n"
    )
    result = _run(home, LAST, LAST, checks=True, thresholds_file=str(rules))
    contracts = {
        e.asset_key.path[-1]: e.passed
        for e in result.get_asset_check_evaluations()
        if e.check_name == "data_contract"
    }
    assert contracts == {asset: True for asset in FORECAST_ASSETS}  # GX, on the real outputs
    forecasts = _read(home, "capacity_forecasts")
    assert dict(forecasts.schema) == CAPACITY_FORECASTS.with_partition
    daily = forecasts.filter(pl.col("grain") == "daily")
    hourly = forecasts.filter(pl.col("grain") == "hourly")
    assert daily.group_by("series_id").agg(pl.col("horizon_days").max())["horizon_days"].to_list() == [90] * 5
    assert hourly["horizon_days"].max() == 7 and hourly["series_id"].n_unique() == 3
    assert hourly.group_by("series_id").len()["len"].to_list() == [168] * 3
    # hourly rows carry the bands of a native point of their hour, wider than the hour's own
    assert hourly.select(NATIVE_COLUMNS).null_count().row(0) == (0,) * len(NATIVE_COLUMNS)
    assert daily.select(NATIVE_COLUMNS).null_count().row(0) == (daily.height,) * len(NATIVE_COLUMNS)
    means = hourly.filter(pl.col("series_id").str.ends_with("/mean"))
    assert means.height and (means["native_forecast"] == means["forecast"]).all()
    assert ((means["native_hi95"] - means["native_lo95"]) >= (means["hi95"] - means["lo95"]) - 1e-9).all()
    headroom = _read(home, "capacity_headroom")
    assert dict(headroom.schema) == CAPACITY_HEADROOM.with_partition
    rows = {r["series_id"]: r for r in headroom.iter_rows(named=True)}
    assert set(rows) == {"cpu_utilisation/CLU-PAR-07/p95", "api_calls/api-comptes/sum"}
    low, high = rows["cpu_utilisation/CLU-PAR-07/p95"], rows["api_calls/api-comptes/sum"]
    assert low["days_to_threshold"] == 1 and low["crossing_date"] == LAST + timedelta(days=1)
    assert low["p_cross_7d"] == pytest.approx(1.0)
    assert high["days_to_threshold"] is None and high["p_cross_90d"] == pytest.approx(0.0)
    assert low["p_cross_7d"] <= low["p_cross_30d"] <= low["p_cross_90d"]
    assert list((home / "reports" / "forecasts" / LAST.isoformat()).glob("*.png"))
