"""Live model monitoring: labels that arrive days after the prediction count from the day they
are known, in the ``model_monitoring`` asset and in the dbt mart built from it."""

import os
from datetime import UTC, date, datetime, timezone

import dagster as dg
import duckdb
import polars as pl
from warehouse_support import run_dbt

from assets.models.monitoring import below_reference, live_metrics_hold, model_monitoring
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.dbt import DBT_DIR
from resources.lake_io import LakeIOManager
from resources.ml_schemas import TICKET_PREDICTIONS
from resources.model_gate import decision, write_decisions
from resources.schemas import RAW_INCIDENTS
from resources.storage import LakehouseStorage, write_parquet_atomic

D1, D2, D3 = date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)


def _utc(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def incidents(day: date, rows: list[tuple]) -> pl.DataFrame:
    """(number, category, resolved) rows updated on ``day``."""
    frame = pl.DataFrame(
        {
            "number": [r[0] for r in rows],
            "opened_at": [_utc(D1, 8)] * len(rows),
            "short_description": ["x"] * len(rows),
            "category": [r[1] for r in rows],
            "resolved_at": [_utc(day, 9) if r[2] else None for r in rows],
            "sys_updated_on": [_utc(day, 10)] * len(rows),
            "partition_date": [day] * len(rows),
        },
        schema_overrides={"category": pl.String, "resolved_at": pl.Datetime("us", "UTC")},
    )
    return frame.with_columns(
        *[
            pl.lit(None, dtype=t).alias(c)
            for c, t in RAW_INCIDENTS.with_partition.items()
            if c not in frame.columns
        ]
    ).select(RAW_INCIDENTS.with_partition.keys())


def write_lake(root) -> LakehouseStorage:
    storage = LakehouseStorage(root=str(root))
    predictions = pl.DataFrame(
        {
            "number": ["t1", "t2", "t3", "t4"],
            "predicted_category": ["network", "network", "database", "inquiry"],
            "category_confidence": [0.95, 0.9, 0.4, 0.97],
            "needs_review": [False, False, True, False],
            "model_version": ["1"] * 4,
            "partition_date": [D1] * 4,
        }
    )
    _write_predictions(storage, predictions)
    # opened on D1 without a confirmed category; t1 (right) and t2 (wrong) resolved on D3
    write_parquet_atomic(
        incidents(
            D1, [("t1", "network", False), ("t2", None, False), ("t3", None, False), ("t4", "inquiry", False)]
        ),
        storage.lake_file("raw_incidents", D1),
    )
    write_parquet_atomic(
        incidents(D3, [("t1", "network", True), ("t2", "database", True)]),
        storage.lake_file("raw_incidents", D3),
    )
    write_decisions(
        storage,
        "ticket_classifier",
        [decision("ticket_category", D1, "promoted", "first model", challenger="1", champion_after="1")],
    )
    return storage


def _write_predictions(storage, predictions: pl.DataFrame) -> None:
    """Day D1's ticket_predictions file: the given columns, the others null."""
    full = predictions.with_columns(
        *[
            pl.lit(None, dtype=t).alias(c)
            for c, t in TICKET_PREDICTIONS.with_partition.items()
            if c not in predictions.columns
        ]
    ).select(TICKET_PREDICTIONS.with_partition.keys())
    write_parquet_atomic(
        full.cast(TICKET_PREDICTIONS.with_partition), storage.lake_file("ticket_predictions", D1)
    )


def test_live_precision_counts_late_labels_from_the_day_they_arrive(tmp_path):
    root = tmp_path / "appops_home"
    storage = write_lake(root)
    result = dg.materialize(
        [model_monitoring, live_metrics_hold],
        resources={"storage": storage, "lake_io_manager": LakeIOManager(storage=storage)},
        tags={RANGE_START_TAG: str(D1), RANGE_END_TAG: str(D3)},
    )
    assert result.success
    frame = storage.read_days("model_monitoring", [D1, D2, D3], strict=False)
    ticket = frame.filter(pl.col("model") == "ticket_category")
    value = {(r["partition_date"], r["metric"]): r["value"] for r in ticket.iter_rows(named=True)}
    assert value[(D1, "labels_known_share")] == 0 and value[(D2, "live_precision")] is None
    assert value[(D3, "labels_known_share")] == 0.5  # t1, t2 resolved on D3; t4 never resolved
    assert value[(D3, "live_precision")] == 0.5 and value[(D3, "coverage")] == 0.75

    env = {
        **os.environ,
        "APPOPS_LAKE": str(root / "lake"),
        "APPOPS_WAREHOUSE": str(root / "warehouse.duckdb"),
    }
    built = run_dbt(["build", "--select", "+mart_model_monitoring"], DBT_DIR, env, tmp_path)
    assert built.returncode == 0, built.stdout[-3000:]
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select partition_date, live_precision, labels_known_share, decisions "
            "from mart_model_monitoring where model = 'ticket_category' "
            "order by partition_date"
        ).fetchall()
    assert rows == [(D1, None, 0.0, 1), (D2, None, 0.0, 0), (D3, 0.5, 0.5, 0)]


def test_every_asset_monitoring_reads_is_upstream_of_it(tmp_path, monkeypatch):
    """model_monitoring reads other assets' files through the storage API: each must be
    upstream of it in the graph, or a run may compute it before them (seen: the rows of
    capacity_forecasts present or not depending on the order of the steps)."""
    from definitions import build_definitions

    storage = write_lake(tmp_path / "appops_home")
    read = set()
    original = LakehouseStorage.read_days

    def spy(self, asset, *args, **kwargs):
        read.add(asset)
        return original(self, asset, *args, **kwargs)

    monkeypatch.setattr(LakehouseStorage, "read_days", spy)
    result = dg.materialize(
        [model_monitoring],
        resources={"storage": storage, "lake_io_manager": LakeIOManager(storage=storage)},
        tags={RANGE_START_TAG: str(D1), RANGE_END_TAG: str(D3)},
    )
    assert result.success
    graph = build_definitions(root=str(tmp_path / "defs"), mode="demo").resolve_asset_graph()
    upstream = dg.AssetSelection.assets("model_monitoring").upstream().resolve(graph)
    assert {"capacity_forecasts", "metric_series", "ticket_predictions"} <= read
    assert read - {"model_monitoring"} <= {k.to_user_string() for k in upstream}


def test_the_check_flags_live_figures_more_than_the_margin_below_validation():
    frame = pl.DataFrame(
        {
            "model": ["m"] * 3,
            "version": ["1"] * 3,
            "metric": ["live_precision", "coverage", "class_share_drift"],
            "value": [0.70, 0.80, 0.5],
            "reference": [0.90, 0.85, None],
            "n": [50, 60, 60],
            "partition_date": [D1] * 3,
        }
    )
    assert below_reference(frame, 0.10)["metric"].to_list() == ["live_precision"]
    assert below_reference(frame, 0.25).height == 0


def test_in_the_demo_labels_arrive_late_and_live_precision_fills_in(tmp_path):
    """The demo's tickets get their category at resolution: the share of one day's predictions
    with a known label grows over the following days, and live precision is computed on them."""
    from datetime import timedelta

    from assets.models.monitoring import ticket_rows
    from resources.demo.tickets import generate
    from resources.model_registry import ModelRegistry

    storage = LakehouseStorage(root=str(tmp_path / "appops_home"))
    days = [D1 + timedelta(days=k) for k in range(7)]
    for day in days:
        write_parquet_atomic(generate(day), storage.lake_file("raw_incidents", day))
    opened = generate(D1).filter(pl.col("opened_at") >= datetime(2024, 4, 30, 22, tzinfo=UTC))  # on D1
    predictions = opened.select(
        "number",
        predicted_category=pl.lit("software"),
        category_confidence=pl.lit(0.9),
        needs_review=pl.lit(False),
        model_version=pl.lit("1"),
        partition_date=pl.lit(D1),
    )
    _write_predictions(storage, predictions)
    registry = ModelRegistry(str(tmp_path / "appops_home"))
    known, precision = [], []
    for k, day in enumerate(days):
        rows = {r["metric"]: r for r in ticket_rows(storage, registry, day, k + 1)}
        known.append(rows["labels_known_share"]["value"])
        precision.append(rows["live_precision"]["value"])
    assert known == sorted(known) and known[0] < 0.8 and known[-1] > known[0] + 0.15  # fills in
    assert all(p is not None and 0 <= p <= 1 for p in precision)
