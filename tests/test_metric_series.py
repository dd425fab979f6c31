"""metric_series: documented aggregation per metric, gaps marked, DST days, range runs."""

from datetime import UTC, date, datetime, timedelta, timezone

import dagster as dg
import polars as pl
import pytest

from resources.demo.metrics import generate
from resources.forecasting.resample import resample
from resources.schemas import RAW_METRICS


def _raw(points: list[tuple[datetime, str, str, float, str]], day: date) -> pl.DataFrame:
    frame = pl.DataFrame(points, schema=list(RAW_METRICS.columns), orient="row")
    return frame.with_columns(partition_date=pl.lit(day)).cast(RAW_METRICS.with_partition)


def _five_minutes(day: date, values) -> list[datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=1)
    return [start + timedelta(minutes=5 * i) for i in range(len(values))]


def test_utilisation_gets_mean_and_p95_volumes_a_completed_sum():
    day = date(2025, 1, 15)  # winter: the Paris day starts at 23:00 UTC the day before
    cpu = [10.0] * 288
    cpu[:20] = [90.0] * 20  # 20 of 288 points (7 %) at 90: the p95 is the peak
    vol = [1.0] * 288
    points = [(t, "cpu_utilisation", "c1", v, "%") for t, v in zip(_five_minutes(day, cpu), cpu)]
    points += [
        (t, "api_calls", "a1", v, "calls")
        for i, (t, v) in enumerate(zip(_five_minutes(day, vol), vol))
        if i % 10
    ]  # 10 % of points missing
    out = resample(_raw(points, day))
    daily = {r["series_id"]: r for r in out.filter(pl.col("grain") == "daily").iter_rows(named=True)}
    assert daily["cpu_utilisation/c1/mean"]["value"] == pytest.approx((20 * 90 + 268 * 10) / 288)
    assert daily["cpu_utilisation/c1/p95"]["value"] == pytest.approx(90.0)
    assert daily["api_calls/a1/sum"]["value"] == pytest.approx(288.0)  # completed, not 259
    assert daily["api_calls/a1/sum"]["coverage"] == pytest.approx(259 / 288)
    hourly = out.filter(pl.col("grain") == "hourly", pl.col("series_id") == "api_calls/a1/sum")
    assert hourly.height == 24 and hourly["value"].to_list() == pytest.approx([12.0] * 24)


def test_a_mostly_empty_hour_is_marked_missing_not_dropped_and_dst_days_have_23_hours():
    day = date(2025, 3, 30)  # spring forward in Paris: 23 hours
    frame = generate(day)
    hole_start = datetime(2025, 3, 30, 8, tzinfo=UTC)
    hole = (pl.col("resource") == "CLU-PAR-01") & pl.col("timestamp").is_between(
        hole_start, hole_start + timedelta(minutes=55)
    )
    out = resample(frame.filter(~hole))
    hourly = out.filter(pl.col("series_id") == "cpu_utilisation/CLU-PAR-01/mean", pl.col("grain") == "hourly")
    assert hourly.height == 23
    gap = hourly.filter(pl.col("time") == hole_start).row(0, named=True)
    assert gap["missing"] and gap["value"] is None and gap["n_points"] == 0
    assert hourly["missing"].sum() == 1
    daily_only = out.filter(pl.col("metric") == "payments")
    assert set(daily_only["grain"]) == {"daily"}  # daily sources get no hourly rows


def test_metric_series_asset_writes_one_file_per_day_of_a_range(root):
    from definitions import build_definitions
    from resources.calendar import RANGE_END_TAG, RANGE_START_TAG

    defs = build_definitions(root=str(root), mode="demo")
    result = dg.materialize(
        list(defs.assets),
        selection=["raw_metrics", "metric_series"],
        resources=defs.resources,
        tags={RANGE_START_TAG: "2025-06-01", RANGE_END_TAG: "2025-06-02"},
    )
    assert result.success
    for day in ("2025-06-01", "2025-06-02"):
        frame = pl.read_parquet(root / "lake" / "metric_series" / f"{day}.parquet")
        assert set(frame["partition_date"]) == {date.fromisoformat(day)}
        assert {"daily", "hourly"} == set(frame["grain"])
        assert frame.filter(pl.col("grain") == "daily")["series_id"].n_unique() == 58
