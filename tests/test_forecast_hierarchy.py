"""Hierarchies: MinT reconciliation adds up and moves noisy nodes most, the YAML is validated,
and ``reconciled_forecasts`` with its coherence check through Dagster."""

from datetime import date, timedelta

import dagster as dg
import numpy as np
import polars as pl
import pytest

from assets.metrics.hierarchy import incoherence, reconcile_all
from assets.metrics.history import run_histories
from definitions import build_definitions
from resources.demo.metrics import generate
from resources.forecasting.hierarchy import Hierarchy, load_hierarchies, mint_wls
from resources.forecasting.resample import resample
from resources.forecasting.settings import ForecastSettings
from resources.storage import LakehouseStorage, write_parquet_atomic

HIER = Hierarchy(
    "m", "sum", ("resource", "cluster", "platform"), {"a": ("c1", "p"), "b": ("c1", "p"), "c": ("c2", "p")}
)


def test_reconciled_forecasts_add_up_and_the_noisy_node_moves_most():
    nodes, levels, s = HIER.structure(["a", "b", "c"])
    assert nodes == ["m/p/sum", "m/c1/sum", "m/c2/sum", "m/a/sum", "m/b/sum", "m/c/sum"]
    assert levels == ["platform", "cluster", "cluster", "resource", "resource", "resource"]
    base = np.array([[100.0], [60.0], [30.0], [20.0], [30.0], [30.0]])  # incoherent: 60 != 50
    variances = np.array([1.0, 1.0, 1.0, 100.0, 1.0, 1.0])  # resource a is the noisy one
    out = mint_wls(base, s, variances)[:, 0]
    assert out[0] == pytest.approx(out[1] + out[2]) and out[1] == pytest.approx(out[3] + out[4])
    assert out[2] == pytest.approx(out[5])
    moves = np.abs(out - base[:, 0])
    assert moves[3] == moves.max()  # the noisy node absorbs the disagreement
    coherent = s @ np.array([[20.0], [30.0], [30.0]])
    assert np.allclose(mint_wls(coherent, s, variances), coherent)  # coherent stays unchanged


def test_a_hierarchy_with_a_wrong_number_of_parents_is_refused(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text("hierarchies:\n  - {metric: m, levels: [r, c, p], parents: {a: [c1]}}\n")
    with pytest.raises(ValueError, match=r"h.yaml: hierarchies\[0\].parents.a has 1 parents"):
        load_hierarchies(path)
    assert {h.metric for h in load_hierarchies()} == {"sftn_transfer_volume", "api_calls"}


def test_incoherence_names_the_parent_that_does_not_add_up():
    t = pl.datetime(2025, 1, 1, time_zone="UTC")
    frame = pl.DataFrame(
        {"series_id": ["p", "a", "b"], "parent_id": [None, "p", "p"], "forecast": [10.0, 4.0, 5.0]}
    ).with_columns(target_time=t, origin=date(2024, 12, 31))
    assert incoherence(frame)["series_id"].to_list() == ["p"]
    assert incoherence(frame.with_columns(forecast=pl.Series([9.0, 4.0, 5.0]))).height == 0


def test_forecasts_of_two_origins_for_the_same_step_are_checked_apart():
    """A run over several days reads several origins; each adds up on its own."""
    t = pl.datetime(2025, 1, 5, time_zone="UTC")
    day = {"series_id": ["p", "a", "b"], "parent_id": [None, "p", "p"]}
    frame = pl.concat(
        [
            pl.DataFrame({**day, "forecast": [9.0, 4.0, 5.0]}).with_columns(origin=date(2025, 1, 1)),
            pl.DataFrame({**day, "forecast": [12.0, 6.0, 6.0]}).with_columns(origin=date(2025, 1, 2)),
        ]
    ).with_columns(target_time=t)
    assert incoherence(frame).height == 0
    wrong = frame.with_columns(forecast=pl.Series([9.0, 4.0, 5.0, 13.0, 6.0, 6.0]))
    assert incoherence(wrong).select("series_id", "origin").rows() == [("p", date(2025, 1, 2))]


LAST = date(2025, 10, 20)


def test_reconciled_forecasts_asset_passes_its_coherence_check(tmp_path):
    storage = LakehouseStorage(root=str(tmp_path))
    keep = ("SFTN-BDF", "SFTN-DGFIP", "SFTN-STET", "SFTN-SWIFT")
    for i in range(80):
        day = LAST - timedelta(days=79 - i)
        raw = generate(day).filter(pl.col("resource").is_in(keep))
        write_parquet_atomic(resample(raw), storage.lake_file("metric_series", day))
    defs = build_definitions(root=str(tmp_path), mode="demo")
    resources = {
        **defs.resources,
        "forecasting": ForecastSettings(
            daily_candidates=["naive", "profile", "theta"], hourly_candidates=["naive"]
        ),
    }
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources=resources,
        partition_key=LAST.isoformat(),
        selection=dg.AssetSelection.assets("forecast_models", "capacity_forecasts", "reconciled_forecasts"),
    )
    assert result.success
    checks = {
        e.check_name: e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.path[-1] == "reconciled_forecasts"
    }
    assert checks["hierarchy_coherence"].passed and checks["data_contract"].passed
    frame = pl.read_parquet(storage.lake_file("reconciled_forecasts", LAST))
    assert set(frame["level"]) == {"resource", "cluster", "platform"}
    assert frame.filter(pl.col("level") == "platform")["series_id"].unique().to_list() == [
        "sftn_transfer_volume/sftn/sum"
    ]
    assert checks["hierarchy_coherence"].metadata["rows_checked"].value == frame.height
    assert frame.height == 90 * 7  # 4 gateways, 2 clusters, 1 platform
    # the same reconciliation on two worker processes: the same rows in the same order
    two = ForecastSettings(
        daily_candidates=["naive", "profile", "theta"], hourly_candidates=["naive"], workers=2
    )
    histories = {h.series_id: h for h in run_histories(storage, [LAST], two)["daily"]}
    daily = pl.read_parquet(storage.lake_file("capacity_forecasts", LAST)).filter(pl.col("grain") == "daily")
    again = reconcile_all(load_hierarchies(two.hierarchy_file), [LAST], daily, histories, two)
    assert pl.concat(again).select(frame.columns).cast(frame.schema).equals(frame)
