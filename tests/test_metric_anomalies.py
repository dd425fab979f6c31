"""Anomalies: the detector on synthetic series, NAB scoring on a hand-made window, the
``metric_anomalies`` asset with its contract, and its alerts sent once through the sinks."""

import json
from datetime import date, timedelta

import dagster as dg
import numpy as np
import pandas as pd
import polars as pl
import pytest

from definitions import build_definitions
from resources.demo.metrics import generate
from resources.forecasting import nab_scoring
from resources.forecasting.anomaly import anomaly_scores, score_series, window_sizes
from resources.forecasting.history import History
from resources.forecasting.resample import resample
from resources.storage import LakehouseStorage, write_parquet_atomic
from sensors.anomaly_alerts import metric_anomaly_alert_sensor

LAST = date(2025, 10, 20)


def _hourly(values) -> History:
    times = pd.date_range("2025-09-01", periods=len(values), freq="h")
    return History(
        "cpu/node-1/mean", "hourly", "cpu", "node-1", "mean", "%", times, np.asarray(values, dtype=float)
    )


def _noisy_cycle(seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(24 * 35)
    return 50 + 10 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, t.size)


@pytest.mark.parametrize("change", ["spike", "level_shift"])
def test_a_spike_or_a_level_shift_is_flagged_once_at_its_onset(change):
    values = _noisy_cycle()
    if change == "spike":
        values[700] += 25
    else:
        values[700:] += 15  # lasting
    scored = score_series(_hourly(values), 0.9975)
    flagged = set(np.flatnonzero(scored["flagged"].to_numpy()))
    assert 700 in flagged
    assert not flagged & set(range(701, 724))  # once, not at every hour of it
    assert scored.filter(pl.col("flagged"))["message"].null_count() == 0
    assert scored["score"].is_between(0, 1).all()


def test_noise_alone_is_rarely_flagged():
    scored = score_series(_hourly(_noisy_cycle(seed=3)), 0.9975)
    assert scored["flagged"].sum() <= 0.01 * scored.height


def test_scores_only_use_the_past():
    rng = np.random.default_rng(1)
    values = rng.normal(10, 1, 600)
    sizes = window_sizes(24)
    before = anomaly_scores(values, **sizes)
    values[400:] += 50  # changing the future leaves earlier scores unchanged
    after = anomaly_scores(values, **sizes)
    assert np.array_equal(before[:400], after[:400]) and after[400] > before[400]


def _file(n=100, window=(40, 49)):
    times = np.array([np.datetime64("2024-01-01T00:00") + np.timedelta64(5 * i, "m") for i in range(n)])
    return times, [(times[window[0]], times[window[1]])]


@pytest.mark.parametrize(
    "detections, expected",
    [
        ([], 0.0),  # the null detector
        ([40], 100.0),  # at the window's left edge: perfect
        ([49], 100 * ((2 / (1 + np.exp(-0.5)) - 1) / (2 / (1 + np.exp(-5)) - 1) + 1) / 2),  # right edge
        ([40, 45], 100.0),  # a window counts once
        ([40, 80], 100 * (1 - 0.11 + 1) / 2),  # a false positive far after the window costs 0.11
        ([5], 0.0),  # inside the probationary 15 %: not scored
    ],
)
def test_nab_standard_profile_on_a_hand_made_window(detections, expected):
    times, windows = _file()
    scores = np.zeros(len(times))
    scores[detections] = 1.0
    scored = nab_scoring.sweep(times, scores, windows)
    assert nab_scoring.normalised([scored], 0.5) == pytest.approx(expected, abs=1e-6)


def _lake(root):
    storage = LakehouseStorage(root=str(root))
    for i in range(30):
        day = LAST - timedelta(days=29 - i)
        series = resample(generate(day).filter(pl.col("resource") == "CLU-PAR-07"))
        if day == LAST:  # a spike at 10:00 UTC on every hourly series of the last day
            spike = (pl.col("grain") == "hourly") & (pl.col("time").dt.hour() == 10)
            series = series.with_columns(
                value=pl.when(spike).then(pl.col("value") * 5).otherwise(pl.col("value"))
            )
        write_parquet_atomic(series, storage.lake_file("metric_series", day))
    return storage


def test_metric_anomalies_asset_flags_the_spike_and_alerts_once(tmp_path):
    storage = _lake(tmp_path)
    defs = build_definitions(root=str(tmp_path), mode="demo")
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=dg.AssetSelection.assets("metric_anomalies"),
        resources=defs.resources,
        partition_key=LAST.isoformat(),
    )
    assert result.success
    [contract] = [e for e in result.get_asset_check_evaluations() if e.check_name == "data_contract"]
    assert contract.passed
    frame = pl.read_parquet(storage.lake_file("metric_anomalies", LAST))
    assert (frame["partition_date"] == LAST).all()
    hourly = frame.filter(pl.col("grain") == "hourly")
    flagged = hourly.filter(pl.col("flagged"))
    top = hourly.sort("score", descending=True).row(0, named=True)
    assert top["flagged"] and top["time"].hour == 10 and top["severity"] == "critical"
    assert flagged.height <= 3  # the spike, and at most the day's sharpest ordinary moves

    def tick(cursor):
        context = dg.build_sensor_context(cursor=cursor, resources={"storage": storage})
        return context, metric_anomaly_alert_sensor(context)

    context, result = tick(None)
    sent = frame.filter(pl.col("flagged")).height
    assert f"{sent} new anomaly alert(s)" in result.skip_message
    lines = (tmp_path / "reports" / "alerts" / "alerts.jsonl").read_text().splitlines()
    assert {json.loads(line)["alert_id"] for line in lines} == set(
        frame.filter(pl.col("flagged"))["alert_id"]
    )
    assert tick(context.cursor)[1].skip_message == "no new anomaly"
    assert tick(None)[1].skip_message == "no new anomaly"  # lost cursor: ids remembered
