"""Uncertainty the user can read: within-hour bands for native points, and crossing
probabilities mapped to observed frequencies."""

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from resources.forecasting.backtest import Z80
from resources.forecasting.headroom import fit_recalibration, headroom_row, recalibrate
from resources.forecasting.within_hour import deviation_quantiles, native_bands

Z95 = 1.959963984540054


def _five_minute_points(rng, days: int, hourly_level, noise) -> pl.DataFrame:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = [start + timedelta(minutes=5 * k) for k in range(days * 24 * 12)]
    hours = np.array([t.hour for t in times])
    values = hourly_level(hours) + rng.normal(0, noise(hours))
    return pl.DataFrame({"timestamp": times, "value": values}).with_columns(
        pl.col("timestamp").dt.cast_time_unit("us")
    )


def test_within_hour_bands_cover_native_points_where_the_hourly_band_does_not():
    """Native points = the hour's level + noise inside the hour (larger at busy hours); the
    hourly forecast misses the hour's level by N(0, 1). The hourly band (exact for the hour's
    mean) under-covers the 5-minute points; the within-hour band covers them at nominal."""
    rng = np.random.default_rng(3)

    def level(h):
        return 50 + 20 * np.sin(2 * np.pi * h / 24)

    def noise(h):
        return 1.0 + 1.5 * (h >= 8) * (h < 20)

    history = _five_minute_points(rng, 28, level, noise)
    quantiles = deviation_quantiles(history)
    assert quantiles["95"][12] > quantiles["95"][2] > 0  # busy hours scatter more

    inside_native = {"80": [], "95": []}
    inside_hourly = {"80": [], "95": []}
    for _ in range(40):  # 40 forecast days, 24 hourly steps each, 12 native points per hour
        hours = np.arange(24)
        miss = rng.normal(0, 1.0, 24)  # the hourly model's error on each hour's level
        point = level(hours) + miss
        bands = {"forecast": point}
        for lvl, z in (("80", Z80), ("95", Z95)):
            bands[f"lo{lvl}"], bands[f"hi{lvl}"] = point - z, point + z
        native = native_bands(bands, hours, quantiles)
        actual = level(hours)[:, None] + rng.normal(0, noise(hours)[:, None], (24, 12))
        for lvl in ("80", "95"):
            inside_native[lvl].append(
                ((actual >= native[f"lo{lvl}"][:, None]) & (actual <= native[f"hi{lvl}"][:, None])).mean()
            )
            inside_hourly[lvl].append(
                ((actual >= bands[f"lo{lvl}"][:, None]) & (actual <= bands[f"hi{lvl}"][:, None])).mean()
            )
    for lvl, nominal in (("80", 0.80), ("95", 0.95)):
        assert abs(np.mean(inside_native[lvl]) - nominal) <= 0.03
        assert np.mean(inside_hourly[lvl]) < nominal - 0.1


def test_native_bands_of_a_summed_series_are_per_native_point_and_never_negative():
    quantiles = {"80": np.full(24, 2.0), "95": np.full(24, 3.0)}
    bands = {"forecast": np.array([120.0]), "lo80": np.array([0.0]), "hi80": np.array([240.0])}
    bands |= {"lo95": np.array([0.0]), "hi95": np.array([360.0])}
    native = native_bands(bands, np.array([5]), quantiles, per_hour=12.0)
    assert native["forecast"][0] == 10.0  # 120 per hour over 12 five-minute points
    assert native["lo80"][0] == 0.0 and native["hi80"][0] > 20.0
    assert native["hi95"][0] > native["hi80"][0]


def test_recalibration_recovers_a_known_distortion_and_improves_the_brier_score():
    """Outcomes drawn from sigmoid(2 * logit(p) - 0.5): the raw p is under-confident; the fit
    finds (2, -0.5) and its probabilities score a lower Brier score on fresh draws."""
    rng = np.random.default_rng(0)
    p = rng.uniform(0.02, 0.98, 4000)
    true = 1 / (1 + np.exp(-(2 * np.log(p / (1 - p)) - 0.5)))
    a, b = fit_recalibration(p, rng.uniform(size=p.size) < true)
    assert abs(a - 2) < 0.25 and abs(b + 0.5) < 0.2
    fresh = rng.uniform(size=p.size) < true
    mapped = np.array([recalibrate(v, a, b) for v in p])
    assert ((mapped - fresh) ** 2).mean() < ((p - fresh) ** 2).mean()


def test_calibrated_crossing_probabilities_stay_ordered_by_horizon_and_threshold():
    origin = datetime(2026, 1, 1).date()
    frame = pl.DataFrame(
        {
            "origin": [origin] * 90,
            "horizon_days": list(range(1, 91)),
            "forecast": np.linspace(50, 80, 90),
            "lo80": np.linspace(45, 60, 90),
            "hi80": np.linspace(55, 100, 90),
        }
    )
    meta = {"series_id": "cpu/a/mean", "metric": "cpu", "resource": "a"}
    rows = [headroom_row(frame, meta, t, "calibrated") for t in (70.0, 85.0, 95.0)]
    for row in rows:
        assert 0 <= row["p_cross_7d"] <= row["p_cross_30d"] <= row["p_cross_90d"] <= 1
    assert rows[0]["p_cross_90d"] >= rows[1]["p_cross_90d"] >= rows[2]["p_cross_90d"]


def test_capacity_forecasts_rows_get_the_native_bands_of_their_series_history():
    """``with_native_bands`` on forecast rows: hourly rows of a sub-daily series get bands
    sized by that series' native points of the 28 days before the origin only (later or
    older points change nothing: no look-ahead), per native point for a summed series;
    daily rows and a series without native points keep them null; row order is kept."""
    from datetime import date

    from resources.calendar import day_bounds_utc
    from resources.forecasting.within_hour import NATIVE_COLUMNS, with_native_bands

    rng = np.random.default_rng(5)
    origin = date(2026, 1, 29)
    end = day_bounds_utc(origin)[1]
    quiet = _five_minute_points(rng, 40, lambda h: 50.0 + 0 * h, lambda h: 1.0 + 0 * h)
    before = quiet.filter(pl.col("timestamp") < end)
    noisy_after = quiet.filter(pl.col("timestamp") >= end).with_columns(pl.col("value") * 50)
    raw = pl.concat([before, noisy_after]).with_columns(metric=pl.lit("cpu"), resource=pl.lit("db1"))
    volume = raw.with_columns(metric=pl.lit("calls"), value=pl.col("value") * 0 + 12.0)
    hours = [end + timedelta(hours=k) for k in range(48)]

    def rows(series_id, grain, times, level):
        return pl.DataFrame(
            {
                "series_id": series_id,
                "origin": origin,
                "target_time": pl.Series(times).dt.cast_time_unit("us"),
                "grain": grain,
                "forecast": level,
                "lo80": level - 1.0,
                "hi80": level + 1.0,
                "lo95": level - 2.0,
                "hi95": level + 2.0,
            }
        )

    forecasts = pl.concat(
        [
            rows("cpu/db1/mean", "hourly", hours, 50.0),
            rows("cpu/db1/mean", "daily", [end + timedelta(days=k) for k in range(3)], 50.0),
            rows("calls/db1/sum", "hourly", hours, 144.0),
            rows("disk/none/mean", "hourly", hours, 5.0),
        ]
    )
    out = with_native_bands(forecasts, pl.concat([raw, volume]))
    assert out.select(forecasts.columns).equals(forecasts)  # same rows, same order
    cpu = out.filter((pl.col("series_id") == "cpu/db1/mean") & (pl.col("grain") == "hourly"))
    expected = native_bands(
        {c: cpu[c].to_numpy() for c in ("forecast", "lo80", "hi80", "lo95", "hi95")},
        np.array([t.hour for t in hours]),
        deviation_quantiles(before.filter(pl.col("timestamp") >= end - timedelta(days=28))),
    )
    for key, values in expected.items():
        np.testing.assert_allclose(cpu[f"native_{key}"].to_numpy(), values)
    assert (cpu["native_hi95"] > cpu["hi95"]).all() and (cpu["native_lo80"] < cpu["lo80"]).all()
    assert (cpu["native_hi95"] - cpu["native_forecast"]).max() < 6  # the 50x noise after the origin unseen
    calls = out.filter(pl.col("series_id") == "calls/db1/sum")
    assert (calls["native_forecast"] == 12.0).all()  # 144 per hour over 12 five-minute points
    for frame in (
        out.filter(pl.col("grain") == "daily"),
        out.filter(pl.col("series_id") == "disk/none/mean"),
    ):
        assert frame.select(NATIVE_COLUMNS).null_count().row(0) == (frame.height,) * len(NATIVE_COLUMNS)
