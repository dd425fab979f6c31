"""The ``data_contract`` check: GX 1.x validation of a run's lake files, run through Dagster."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta, timezone

import dagster as dg
import great_expectations.expectations as gxe
import polars as pl
import pytest

from assets.checks.contracts import build_contract_check, evaluate_contract
from assets.metrics.forecasts import nested_bands
from resources.calendar import daily_partitions, single_run
from resources.ml_schemas import CAPACITY_FORECASTS
from resources.schemas import RAW_VERBATIMS as SCHEMA
from resources.storage import LakehouseStorage

DAY1, DAY2, DAY3 = date(2024, 3, 30), date(2024, 3, 31), date(2024, 4, 1)  # over the DST change


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Any attempt to open a network connection (GX usage statistics, version check) fails."""

    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def verbatims(day: date, n: int = 40) -> pl.DataFrame:
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return pl.DataFrame(
        {
            "response_id": [f"R{i:04d}" for i in range(n)],
            "answered_at": [at] * n,
            "score": [i % 11 for i in range(n)],
            "score_scale": [10 if i % 3 else 5 for i in range(n)],
            "verbatim": ["RAS"] * n,
            "channel": ["web"] * n,
            "agency": ["Lyon"] * n,
            "product": [None] * n,
            "partition_date": [day] * n,
        },
        schema=SCHEMA.with_partition,
    )


def run_contract(root, lake: dict[date, pl.DataFrame], first: date, last: date, **options):
    storage = LakehouseStorage(root=str(root))
    for day, frame in lake.items():
        path = storage.lake_file(SCHEMA.asset, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(str(path))

    @dg.asset(name=SCHEMA.asset, partitions_def=daily_partitions, backfill_policy=single_run)
    def raw_asset() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    check = build_contract_check(SCHEMA, daily_partitions, **options)
    result = dg.materialize(
        [raw_asset, check],
        resources={"storage": storage},
        raise_on_error=False,
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "data_contract"
    return evaluation


def failures(evaluation) -> dict[str, dict]:
    return {f["expectation"]: f for f in evaluation.metadata["failed_expectations"].value}


def test_good_days_pass_with_metadata(root):
    empty = verbatims(DAY3).head(0)  # a day without any answer is valid
    evaluation = run_contract(root, {DAY1: verbatims(DAY1), DAY2: verbatims(DAY2), DAY3: empty}, DAY1, DAY3)
    assert evaluation.passed, evaluation.metadata["failures"].value
    meta = evaluation.metadata
    assert meta["rows_validated"].value == 80  # the same ids on two days: the key is per day
    assert meta["days"].value == 3
    assert meta["expectations"].value >= 8
    assert failures(evaluation) == {}
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR


def test_bad_frame_fails_and_names_each_failure(root):
    bad = (
        verbatims(DAY1)
        .with_columns(
            response_id=pl.when(pl.col("response_id") == "R0001")
            .then(None)  # null key
            .when(pl.col("response_id") == "R0002")
            .then(pl.lit("R0003"))  # duplicate id
            .otherwise(pl.col("response_id")),
            score=pl.when(pl.col("response_id") == "R0005").then(42).otherwise(pl.col("score")),
            score_scale=pl.when(pl.col("response_id") == "R0006").then(7).otherwise(pl.col("score_scale")),
        )
        .cast(SCHEMA.with_partition)
    )
    mistyped = verbatims(DAY2).with_columns(pl.col("score").cast(pl.Float64))  # wrong dtype
    evaluation = run_contract(root, {DAY1: bad, DAY2: mistyped}, DAY1, DAY2)
    assert not evaluation.passed
    found = failures(evaluation)
    assert found["expect_column_values_to_not_be_null(response_id)"]["unexpected_count"] == 1
    unique = found["expect_compound_columns_to_be_unique(response_id, partition_date)"]
    assert unique["unexpected_count"] == 2 and "R0003" in unique["samples"][0]
    assert found["expect_column_values_to_be_between(score)"]["samples"] == ["42"]
    assert found["expect_column_values_to_be_in_set(score_scale)"]["samples"] == ["7"]
    typed = found["expect_column_values_to_be_of_type(score)"]
    assert typed["unexpected_count"] == 40 and "2024-03-31: Float64" in typed["samples"][0]
    assert len(found) == 5
    assert "expect_column_values_to_be_between(score): 1" in evaluation.metadata["failures"].value


def test_missing_column_is_named(root):
    evaluation = run_contract(root, {DAY1: verbatims(DAY1).drop("channel")}, DAY1, DAY1)
    assert not evaluation.passed
    [failure] = failures(evaluation).values()
    assert failure["expectation"].startswith("expect_table_columns_to_match_set")
    assert failure["samples"] == ["channel absent on 2024-03-30"]


def test_missing_lake_day_fails_with_the_day(root):
    evaluation = run_contract(root, {DAY1: verbatims(DAY1), DAY3: verbatims(DAY3)}, DAY1, DAY3)
    assert not evaluation.passed
    assert "2024-03-31" in evaluation.description
    assert evaluation.metadata["missing_days"].value == ["2024-03-31"]


def test_extra_expectations_and_non_blocking(root):
    def extra(schema):
        return [gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=["phone"])]

    evaluation = run_contract(
        root, {DAY1: verbatims(DAY1)}, DAY1, DAY1, extra_expectations=extra, blocking=False
    )
    assert not evaluation.passed
    assert set(failures(evaluation)) == {"expect_column_values_to_be_in_set(channel)"}


def forecasts(day: date) -> pl.DataFrame:
    """Two daily steps of one series: the bands nest (lo95 <= lo80 <= forecast <= hi80 <= hi95)."""
    at = [datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=k) for k in (1, 2)]
    return pl.DataFrame(
        {
            "series_id": ["cpu/A/mean"] * 2,
            "origin": [day] * 2,
            "target_time": at,
            "horizon_days": [1, 2],
            "grain": ["daily"] * 2,
            "model": ["ets"] * 2,
            "forecast": [50.0, 51.0],
            "lo80": [45.0, 44.0],
            "hi80": [55.0, 58.0],
            "lo95": [40.0, 40.0],
            "hi95": [60.0, 62.0],
            "native_forecast": [None] * 2,  # daily rows: no native-point bands
            "native_lo80": [None] * 2,
            "native_hi80": [None] * 2,
            "native_lo95": [None] * 2,
            "native_hi95": [None] * 2,
            "partition_date": [day] * 2,
        },
        schema=CAPACITY_FORECASTS.with_partition,
    )


def test_derived_frames_have_contracts_with_row_wise_orderings():
    """The ML outputs are checked like the raw data; ``ordered`` adds the band nesting (the
    native-point bands too, where a row has them)."""
    bands = nested_bands
    good = evaluate_contract(CAPACITY_FORECASTS, [(DAY1, forecasts(DAY1))], [], bands)
    assert good.passed, good.metadata["failures"].value
    crossed = forecasts(DAY1).with_columns(  # second step: lo80 above the forecast
        lo80=pl.when(pl.col("horizon_days") == 2).then(53.0).otherwise(pl.col("lo80"))
    )
    bad = evaluate_contract(CAPACITY_FORECASTS, [(DAY1, crossed)], [], bands)
    assert not bad.passed
    found = failures(bad)
    assert set(found) == {"expect_column_pair_values_a_to_be_greater_than_b(forecast, lo80)"}
    assert found["expect_column_pair_values_a_to_be_greater_than_b(forecast, lo80)"]["unexpected_count"] == 1
    hourly = forecasts(DAY1).with_columns(
        grain=pl.lit("hourly"),
        native_forecast=pl.col("forecast"),
        native_lo80=pl.col("lo80") - 1,
        native_hi80=pl.col("hi80") + 1,
        native_lo95=pl.col("lo95") - 1,
        native_hi95=pl.when(pl.col("horizon_days") == 2).then(50.0).otherwise(pl.col("hi95") + 1),
    )
    found = failures(evaluate_contract(CAPACITY_FORECASTS, [(DAY1, hourly)], [], bands))
    assert set(found) == {"expect_column_pair_values_a_to_be_greater_than_b(native_hi95, native_hi80)"}
    duplicated = pl.concat([forecasts(DAY1), forecasts(DAY1).head(1)])
    found = failures(evaluate_contract(CAPACITY_FORECASTS, [(DAY1, duplicated)], [], bands))
    assert set(found) == {
        "expect_compound_columns_to_be_unique(series_id, grain, target_time, partition_date)"
    }
