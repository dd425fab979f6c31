"""The marts of issue 14 in the warehouse: empty before their lake files, filled after
(``mart_metric_anomalies`` per series and day, ``mart_capacity_scenarios`` beside the baseline)."""

from datetime import UTC, datetime, timezone

import polars as pl
from fixtures.warehouse.lake import DAYS
from warehouse_support import query, run_assets

from resources.ml_schemas import CAPACITY_SCENARIOS, METRIC_ANOMALIES
from resources.storage import LakehouseStorage, write_parquet_atomic


def test_anomaly_and_scenario_marts_fill_in_after_their_files(copied_root):
    assert query(copied_root, "select count(*) from mart_metric_anomalies")[0][0] == 0
    assert query(copied_root, "select count(*) from mart_capacity_scenarios")[0][0] == 0
    day = DAYS[1]
    at = [datetime(day.year, day.month, day.day, h, tzinfo=UTC) for h in (8, 9, 10)]
    anomalies = pl.DataFrame(
        {
            "series_id": ["cpu/n1/mean"] * 3,
            "metric": "cpu",
            "resource": "n1",
            "grain": "hourly",
            "time": at,
            "value": [40.0, 95.0, 41.0],
            "expected": [40.0, 40.0, 41.0],
            "surprise": [0.1, 12.0, 0.2],
            "score": [0.0, 0.999, 0.0],
            "flagged": [False, True, False],
            "alert_id": ["a", "b", "c"],
            "severity": ["warning", "critical", "warning"],
            "message": [None, "cpu/n1/mean spiked", None],
        }
    ).cast(METRIC_ANOMALIES.columns)
    scenarios = pl.DataFrame(
        [
            (
                "step",
                "step",
                "calls/api/sum",
                "calls",
                "api",
                day,
                100.0,
                120.0,
                80.0,
                10,
                None,
                0.7,
                0.2,
                0.9,
                0.4,
            )
        ],
        schema=CAPACITY_SCENARIOS.columns,
        orient="row",
    )
    storage = LakehouseStorage(root=str(copied_root))
    for name, frame in (("metric_anomalies", anomalies), ("capacity_scenarios", scenarios)):
        write_parquet_atomic(frame.with_columns(partition_date=pl.lit(day)), storage.lake_file(name, day))
    assert run_assets(copied_root, ["warehouse_reference", "warehouse_daily"], day, day, checks=False).success
    assert query(
        copied_root,
        """select points, anomalies, critical_anomalies, max_score,
        worst_anomaly from mart_metric_anomalies""",
    ) == [(3, 1, 1, 0.999, "cpu/n1/mean spiked")]
    [(change, newly)] = query(
        copied_root, "select peak_change, newly_at_risk_30d from mart_capacity_scenarios"
    )
    assert abs(change - 0.5) < 1e-9 and newly is True
