"""What-if scenarios: the arithmetic of growth, step and removal on hand-made forecasts, the
validation of a scenarios file, and ``capacity_scenarios`` through Dagster beside the baseline."""

from datetime import date, timedelta

import dagster as dg
import polars as pl
import pytest

from definitions import build_definitions
from resources.demo.metrics import generate
from resources.forecasting.plots import save_plot
from resources.forecasting.resample import resample
from resources.forecasting.scenarios import apply_scenario, load_scenarios, parse_scenarios
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.within_hour import without_native
from resources.ml_schemas import CAPACITY_FORECASTS
from resources.storage import LakehouseStorage, write_parquet_atomic

ORIGIN = date(2025, 6, 30)


def _forecasts(levels: dict[str, float], days=10) -> pl.DataFrame:
    rows = []
    for series_id, level in levels.items():
        for h in range(1, days + 1):
            rows.append(
                {
                    "series_id": series_id,
                    "origin": ORIGIN,
                    "horizon_days": h,
                    "grain": "daily",
                    "model": "naive",
                    "forecast": level,
                    "lo80": level * 0.9,
                    "hi80": level * 1.1,
                    "lo95": level * 0.8,
                    "hi95": level * 1.2,
                    "partition_date": ORIGIN,
                    "h": h,
                }
            )
    frame = pl.DataFrame(rows).with_columns(
        target_time=(pl.lit(ORIGIN) + pl.duration(days=pl.col("h")))
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
    )
    frame = without_native(frame)  # daily rows
    return frame.select(CAPACITY_FORECASTS.with_partition.keys()).cast(CAPACITY_FORECASTS.with_partition)


def _one(kind, **fields):
    return parse_scenarios([{"name": "s", "kind": kind, **fields}])[0]


def test_growth_compounds_from_its_start_and_a_step_adds_its_share():
    daily = _forecasts({"calls/api-a/sum": 100.0, "calls/api-b/sum": 50.0})
    grown = apply_scenario(daily, _one("growth", metric="calls", rate_pct=30, start="2025-07-05"))
    by_day = dict(
        zip(
            grown.filter(pl.col("series_id") == "calls/api-a/sum")["horizon_days"],
            grown.filter(pl.col("series_id") == "calls/api-a/sum")["forecast"],
        )
    )
    assert by_day[4] == pytest.approx(100.0)  # 4 July: before the start
    assert by_day[10] == pytest.approx(100.0 * 1.3 ** (5 / 30))  # 10 July: 5 days of growth
    step = apply_scenario(daily, _one("step", metric="calls", resource="api-b", pct=25))
    assert step["series_id"].unique().to_list() == ["calls/api-b/sum"]
    assert step["forecast"].to_list() == pytest.approx([62.5] * 10)
    assert step["hi95"].to_list() == pytest.approx([75.0] * 10)  # the band scales with the load


def test_a_saved_plot_is_a_report_file_and_a_markdown_entry(tmp_path):
    storage = LakehouseStorage(root=str(tmp_path))
    png = b"\x89PNG fake"
    path, entry = save_plot(storage, "scenarios", date(2025, 7, 1), "cpu/srv 1/max", "CPU: srv 1", png)
    assert path == str(storage.reports("scenarios", "2025-07-01", "cpu__srv_1__max.png"))
    assert storage.reports("scenarios", "2025-07-01", "cpu__srv_1__max.png").read_bytes() == png
    assert entry == "**CPU: srv 1**\n\n![cpu/srv 1/max](data:image/png;base64,iVBORyBmYWtl)"
    save_plot(storage, "scenarios", date(2025, 7, 1), "cpu/srv 1/max", "again", b"new")  # a rerun
    assert storage.reports("scenarios", "2025-07-01", "cpu__srv_1__max.png").read_bytes() == b"new"


def test_removing_a_resource_moves_its_load_to_the_others_in_proportion():
    daily = _forecasts({"cpu/n1/mean": 60.0, "cpu/n2/mean": 20.0, "cpu/n3/mean": 20.0})
    out = apply_scenario(daily, _one("remove", metric="cpu", resource="n1"), capped={"cpu/n2/mean"})
    assert set(out["series_id"]) == {"cpu/n2/mean", "cpu/n3/mean"}
    n3 = out.filter(pl.col("series_id") == "cpu/n3/mean")
    assert n3["forecast"].to_list() == pytest.approx([50.0] * 10)  # 20 x (1 + 60 / 40)
    n2 = out.filter(pl.col("series_id") == "cpu/n2/mean")
    assert n2["hi95"].max() <= 100.0  # a utilisation is capped at 100 %


def test_a_bad_scenario_is_refused_naming_where(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - {name: a, kind: shrink, metric: m}\n")
    with pytest.raises(ValueError, match=r"s.yaml\[0\].kind is 'shrink'"):
        load_scenarios(path)
    with pytest.raises(ValueError, match=r"remove needs the resource"):
        parse_scenarios([{"name": "a", "kind": "remove", "metric": "m"}])


LAST = date(2025, 10, 20)


def test_capacity_scenarios_asset_beside_the_baseline(tmp_path):
    storage = LakehouseStorage(root=str(tmp_path))
    keep = ("CLU-PAR-07", "CLU-PAR-08", "api-comptes")
    for i in range(60):
        day = LAST - timedelta(days=59 - i)
        raw = generate(day).filter(pl.col("resource").is_in(keep))
        write_parquet_atomic(resample(raw), storage.lake_file("metric_series", day))
    defs = build_definitions(root=str(tmp_path), mode="demo")
    resources = {
        **defs.resources,
        "forecasting": ForecastSettings(
            daily_candidates=["naive", "profile"], hourly_candidates=["naive"], hourly_history_days=14
        ),
    }
    config = {
        "ops": {
            "capacity_scenarios": {
                "config": {
                    "scenarios": [
                        {
                            "name": "partner",
                            "kind": "step",
                            "metric": "api_calls",
                            "resource": "api-comptes",
                            "pct": 50,
                        },
                        {
                            "name": "drop_07",
                            "kind": "remove",
                            "metric": "cpu_utilisation",
                            "resource": "CLU-PAR-07",
                        },
                    ]
                }
            }
        }
    }
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources=resources,
        run_config=config,
        selection=dg.AssetSelection.assets("forecast_models", "capacity_forecasts", "capacity_scenarios"),
        partition_key=LAST.isoformat(),
    )
    assert result.success
    contract = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "data_contract" and e.asset_key.path[-1] == "capacity_scenarios"
    ]
    assert contract and contract[0].passed
    frame = pl.read_parquet(storage.lake_file("capacity_scenarios", LAST))
    partner = frame.filter(pl.col("scenario") == "partner").row(0, named=True)
    assert partner["peak_forecast_90d"] == pytest.approx(1.5 * partner["baseline_peak_forecast_90d"])
    assert partner["capacity_threshold"] == 4.0e7
    dropped = frame.filter(pl.col("scenario") == "drop_07")
    assert "cpu_utilisation/CLU-PAR-08/mean" in dropped["series_id"].to_list()
    assert (dropped["peak_forecast_90d"] >= dropped["baseline_peak_forecast_90d"]).all()
    assert (dropped["p_cross_90d"] >= dropped["baseline_p_cross_90d"]).all()
    assert (tmp_path / "reports" / "scenarios" / LAST.isoformat() / "partner.png").exists()
