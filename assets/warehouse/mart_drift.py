"""``drift`` checks on the daily-partitioned dbt marts, like every daily lake frame has.

The marts live in ``warehouse.duckdb``, not in the lake; ``WarehouseDays`` answers the two
questions ``evaluate_drift`` (assets/checks/drift.py) asks of the lake (which days exist, their
rows) from the warehouse, so the same Evidently comparison, thresholds and reports apply. The
checks run in the ``warehouse`` pool: they never read while dbt or the serving copy writes.

All the marts' checks are ONE step (a ``multi_asset_check``, one ``drift`` result per selected
mart): as 15 steps of the pool (limit 1), each 3-4 s of work, they started ~15 s apart in the
demo's warehouse run (5-10 s with no step running between one check's end and the next one's
start: the pool's claim back-off and a step process launch), 139 s of its 312 s idle.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from assets.checks.drift import evaluate_drift
from resources.calendar import context_days, daily_partitions
from resources.compute import DRIFT_CHECK_PRIORITY, PRIORITY_TAG
from resources.dbt import WAREHOUSE_POOL, local_path
from resources.storage import LakehouseStorage

# A mart row is already an aggregate (an application, a product, a series per day): fewer rows
# make a sample than for the lake's raw frames (drift.MIN_ROWS), but a handful still do not.
MART_MIN_ROWS = 10

# mart -> (numeric, categorical) columns compared; the daily-tagged models of dbt_project.
MART_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fct_installed_components": (("days_to_eol",), ("eol_status", "environment", "match_status")),
    "mart_application_daily": (
        (
            "incidents_opened",
            "incidents_p1_p2",
            "incidents_resolved",
            "mttr_hours",
            "components_eol_passed",
            "satisfaction_10",
        ),
        (),
    ),
    "mart_capacity_forecasts": (("forecast", "hi95", "forecast_peak"), ("model",)),
    "mart_capacity_forecasts_hourly": (("forecast", "native_hi95"), ("model",)),
    "mart_capacity_headroom": (("days_to_threshold", "p_cross_30d"), ()),
    "mart_capacity_scenarios": (("peak_forecast_90d", "p_cross_30d"), ("scenario",)),
    "mart_eol_exposure": (("components", "hosts"), ("eol_status", "environment")),
    "mart_metric_anomalies": (("points", "anomalies", "max_score"), ("grain",)),
    "mart_root_cause_daily": (("size_day", "size_7d", "growth_7d"), ("top_application",)),
    "mart_satisfaction_daily": (("responses", "avg_score_10", "nps"), ("product",)),
    "mart_team_daily": (("incidents_opened", "mttr_hours", "staff_on_duty", "changes_deployed"), ()),
    "mart_topic_trends": (("size_day", "size_window", "negative_share"), ()),
    "mart_unmatched_components": ((), ("match_status", "product", "environment")),
    "mart_verbatim_problems": (("mentions", "negative_mentions"), ("problem",)),
    "mart_verbatim_satisfaction": (("responses", "avg_score_10"), ("channel", "product")),
}


@dataclass
class _Day:
    present: bool

    def exists(self) -> bool:
        return self.present


class WarehouseDays:
    """The lake-like view of warehouse tables that ``evaluate_drift`` reads (duck-typed)."""

    def __init__(self, storage: LakehouseStorage):
        self.storage = storage
        self.path = Path(local_path(storage.warehouse_path, "warehouse.duckdb"))
        self._days: dict[str, set[date]] = {}

    def _query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        with duckdb.connect(
            str(self.path), read_only=True, config={"autoinstall_known_extensions": False}
        ) as con:
            return pl.from_arrow(con.execute(sql, params or []).to_arrow_table())

    def days_of(self, table: str) -> set[date]:
        if table not in self._days:
            found = self._query(f'select distinct partition_date from "{table}"')
            self._days[table] = set(found["partition_date"].to_list())
        return self._days[table]

    def lake_file(self, table: str, day: date) -> _Day:
        return _Day(day in self.days_of(table))

    def read_days(self, table: str, days: list[date], *, strict: bool) -> pl.DataFrame | None:
        if strict and (absent := [d for d in days if d not in self.days_of(table)]):
            raise FileNotFoundError(f"{table}: no rows for {len(absent)} day(s), first {absent[0]}")
        wanted = [d for d in days if d in self.days_of(table)]
        if not wanted:
            return None
        return self._query(
            f'select * from "{table}" where partition_date in (select unnest(?::date[]))', [wanted]
        )

    def reports(self, *parts: str):
        return self.storage.reports(*parts)


DESCRIPTION = "Evidently drift of the mart's last day against the 28 days before"


@dg.multi_asset_check(
    name="mart_drift",
    specs=[
        dg.AssetCheckSpec(
            "drift", asset=mart, partitions_def=daily_partitions, blocking=False, description=DESCRIPTION
        )
        for mart in MART_COLUMNS
    ],
    pool=WAREHOUSE_POOL,
    can_subset=True,  # one mart's check from the UI runs that mart only
    op_tags={PRIORITY_TAG: str(DRIFT_CHECK_PRIORITY)},  # nothing waits on a drift check
)
def mart_drift(context: dg.AssetCheckExecutionContext, storage: LakehouseStorage):
    """The selected marts' ``drift`` results over one read-only view of the warehouse (a
    connection per query, never a write lock). A mart whose evaluation raises fails the step,
    after the other marts' results."""
    day = context_days(context)[-1]
    selected = context.selected_asset_check_keys
    warehouse = WarehouseDays(storage)
    failed = []
    for mart, (numeric, categorical) in MART_COLUMNS.items():
        if dg.AssetCheckKey(dg.AssetKey(mart), "drift") not in selected:
            continue
        if not warehouse.path.exists():
            yield dg.AssetCheckResult(
                asset_key=mart,
                check_name="drift",
                passed=True,
                severity=dg.AssetCheckSeverity.WARN,
                description="no warehouse yet: nothing to compare",
            )
            continue
        try:
            result = evaluate_drift(
                warehouse, mart, day, numeric=numeric, categorical=categorical, min_rows=MART_MIN_ROWS
            )
        except Exception:
            context.log.exception(f"drift of {mart} on {day}")
            failed.append(mart)
            continue
        yield dg.AssetCheckResult(  # the same result, addressed to its mart's check
            asset_key=mart,
            check_name="drift",
            passed=result.passed,
            severity=result.severity,
            description=result.description,
            metadata=result.metadata,
        )
    if failed:
        raise RuntimeError(f"drift check raised for {len(failed)} mart(s): {', '.join(failed)}")


mart_drift_checks = [mart_drift]
