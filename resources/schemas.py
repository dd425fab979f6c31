"""Canonical schemas of the lake: one ``LakeSchema`` per daily lake asset, the one place that
sources, the asset factory (assets/lake.py), its contract and drift checks, the dbt sources and
docs read. The raw assets' schemas are here; the derived frames' in resources/ml_schemas.py.

Every raw frame also carries ``partition_date`` (the Europe/Paris day it belongs to).
Timestamps are timezone-aware UTC instants.

The row rules (``ranges``, ``categories``, ``orders``, ``ranges_when``, finite floats) are checked
when a source parses its records, so a bad row goes to quarantine alone; the data contract
(assets/checks/contracts.py) checks ``ranges`` and ``categories`` again on the lake as the final
guard. Aliases of column names and category values live in ``aliases.yaml`` beside this file.
``duplicates`` says which copy of a key (per day) reaches the lake: ``first`` (the other copies
are quarantined) or ``last`` (the latest by time column, then by file and row order; the
replaced copies are quarantined).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

TS = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Drift:
    """Which columns the asset's Evidently drift check compares (assets/checks/drift.py)."""

    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    text: tuple[str, ...] = ()

    def options(self) -> dict[str, tuple[str, ...]]:
        return {"numeric": self.numeric, "categorical": self.categorical, "text": self.text}


@dataclass(frozen=True)
class LakeSchema:
    """The columns and rules of one daily lake asset (raw or derived); ``drift``: the columns
    its drift check compares (none: no drift check)."""

    asset: str
    columns: dict[str, pl.DataType]
    required: tuple[str, ...]
    key: tuple[str, ...]
    time_column: str
    keep_extra: bool = False
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # (lower, upper, blamed): a row whose ``upper`` is below its ``lower`` is refused, the
    # ``blamed`` column named in its quarantine reason
    orders: tuple[tuple[str, str, str], ...] = ()
    # (column, value, target, low, high): ``target`` in [low, high] where ``column == value``
    ranges_when: tuple[tuple[str, str, str, float | None, float | None], ...] = ()
    duplicates: str = "first"
    drift: Drift | None = None

    @property
    def with_partition(self) -> dict[str, pl.DataType]:
        return {**self.columns, "partition_date": pl.Date()}

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.with_partition)


RAW_METRICS = LakeSchema(
    asset="raw_metrics",
    columns={
        "timestamp": TS,
        "metric": pl.String(),
        "resource": pl.String(),
        "value": pl.Float64(),
        "unit": pl.String(),
    },
    required=("timestamp", "value"),
    key=("metric", "resource", "timestamp"),
    time_column="timestamp",
    ranges_when=(("unit", "%", "value", 0, 100),),
    drift=Drift(numeric=("value",), categorical=("metric", "unit")),
)

RAW_INCIDENTS = LakeSchema(
    asset="raw_incidents",
    columns={
        "number": pl.String(),
        "opened_at": TS,
        "short_description": pl.String(),
        "description": pl.String(),
        "category": pl.String(),
        "subcategory": pl.String(),
        "priority": pl.Int8(),
        "impact": pl.Int8(),
        "urgency": pl.Int8(),
        "assignment_group": pl.String(),
        "cmdb_ci": pl.String(),
        "state": pl.String(),
        "resolved_at": TS,
        "close_code": pl.String(),
        "close_notes": pl.String(),
        "sys_updated_on": TS,
    },
    required=("number", "opened_at", "short_description", "sys_updated_on"),
    key=("number",),
    time_column="sys_updated_on",
    keep_extra=True,
    ranges={"priority": (1, 5), "impact": (1, 3), "urgency": (1, 3)},
    orders=(("opened_at", "resolved_at", "resolved_at"),),
    duplicates="last",  # an incident updated twice in a day: its latest update is the day's
    drift=Drift(
        numeric=("priority",),
        categorical=("category", "assignment_group", "state"),
        text=("short_description",),
    ),
)

RAW_VERBATIMS = LakeSchema(
    asset="raw_verbatims",
    columns={
        "response_id": pl.String(),
        "answered_at": TS,
        "score": pl.Int16(),
        "score_scale": pl.Int8(),
        "verbatim": pl.String(),
        "channel": pl.String(),
        "agency": pl.String(),
        "product": pl.String(),
    },
    required=("response_id", "answered_at", "score", "score_scale"),
    key=("response_id",),
    time_column="answered_at",
    categories={"score_scale": (5, 10)},
    ranges={"score": (0, 10)},
    orders=(("score", "score_scale", "score"),),
    drift=Drift(numeric=("score",), categorical=("channel", "product", "score_scale"), text=("verbatim",)),
)

RAW_SOFTWARE_INVENTORY = LakeSchema(
    asset="raw_software_inventory",
    columns={
        "application": pl.String(),
        "host": pl.String(),
        "environment": pl.String(),
        "product": pl.String(),
        "version": pl.String(),
        "discovered_at": TS,
    },
    required=("application", "host", "product", "version", "discovered_at"),
    key=("application", "host", "product", "version"),
    time_column="discovered_at",
    categories={"environment": ("production", "preproduction", "recette", "development")},
    drift=Drift(categorical=("product", "environment")),
)

RAW_EOL_CATALOG = LakeSchema(
    asset="raw_eol_catalog",
    columns={
        "product": pl.String(),
        "product_title": pl.String(),
        "category": pl.String(),
        "release_cycle": pl.String(),
        "release_label": pl.String(),
        "release_date": pl.Date(),
        "eoas": pl.String(),
        "eoas_date": pl.Date(),
        "eol": pl.String(),
        "eol_date": pl.Date(),
        "eoes_date": pl.Date(),
        "lts": pl.Boolean(),
        "latest": pl.String(),
        "latest_release_date": pl.Date(),
    },
    required=("product", "release_cycle", "eol"),
    key=("product", "release_cycle"),
    time_column="",
    drift=Drift(categorical=("category",)),
)

RAW_APPLICATIONS = LakeSchema(
    asset="raw_applications",
    columns={
        "application": pl.String(),
        "application_name": pl.String(),
        "team": pl.String(),
        "criticality": pl.String(),
        "business_line": pl.String(),
    },
    required=("application", "team", "criticality"),
    key=("application",),
    time_column="",
    categories={"criticality": ("critical", "high", "medium", "low")},
    drift=Drift(categorical=("criticality", "team")),
)

RAW_TEAM_INDICATORS = LakeSchema(
    asset="raw_team_indicators",
    columns={
        "team": pl.String(),
        "day": pl.Date(),
        "staff_on_duty": pl.Int32(),
        "changes_deployed": pl.Int32(),
        "oncall_pages": pl.Int32(),
    },
    required=("team", "day"),
    key=("team", "day"),
    time_column="day",
    ranges={"staff_on_duty": (0, None), "changes_deployed": (0, None), "oncall_pages": (0, None)},
    drift=Drift(numeric=("staff_on_duty", "changes_deployed", "oncall_pages")),
)


def by_asset(*schemas: LakeSchema) -> dict[str, LakeSchema]:
    """The schemas keyed by their asset's name, in the order given."""
    return {s.asset: s for s in schemas}


RAW_SCHEMAS: dict[str, LakeSchema] = by_asset(
    RAW_METRICS,
    RAW_INCIDENTS,
    RAW_VERBATIMS,
    RAW_SOFTWARE_INVENTORY,
    RAW_EOL_CATALOG,
    RAW_APPLICATIONS,
    RAW_TEAM_INDICATORS,
)
