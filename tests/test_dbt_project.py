"""The dbt project's wiring, without running dbt: sources in sync with the lake schemas,
partition window -> vars, translator groups, keys and ML dependencies."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from assets.warehouse.dbt_assets import build_args, build_dbt_assets, window_vars
from assets.warehouse.duck_types import LAKE_SCHEMAS, source_columns
from resources.dbt import DBT_DIR
from resources.ml_schemas import ML_OUTPUTS

PARIS = ZoneInfo("Europe/Paris")


def _t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=PARIS)


def test_window_vars_take_first_and_last_day_of_the_window():
    assert window_vars(_t("2025-03-01"), _t("2025-03-02")) == {
        "min_date": "2025-03-01",
        "max_date": "2025-03-01",
    }
    assert window_vars(_t("2024-02-27"), _t("2024-03-02")) == {  # leap day inside
        "min_date": "2024-02-27",
        "max_date": "2024-03-01",
    }
    with pytest.raises(ValueError, match="empty partition window"):
        window_vars(_t("2025-03-01"), _t("2025-03-01"))


def test_build_args_window_full_refresh_and_unpartitioned():
    args = build_args(_t("2025-03-01"), _t("2025-03-03"), full_refresh=False)
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"min_date": "2025-03-01", "max_date": "2025-03-02"}
    assert build_args(_t("2025-03-01"), _t("2025-03-03"), full_refresh=True) == ["build", "--full-refresh"]
    assert build_args(None, None, full_refresh=False) == ["build"]


def test_sources_declare_the_schemas_columns_and_types():
    sources = yaml.safe_load((DBT_DIR / "models" / "sources.yml").read_text())["sources"][0]
    declared = {t["name"]: {c["name"]: c["data_type"] for c in t["columns"]} for t in sources["tables"]}
    assert declared == {name: source_columns(s) for name, s in LAKE_SCHEMAS.items()}


def _graph(defined: set[str]) -> dict[dg.AssetKey, dg.AssetSpec]:
    specs = {}
    for assets_def in build_dbt_assets(frozenset(dg.AssetKey(k) for k in defined)):
        specs.update({spec.key: spec for spec in assets_def.specs})
    return specs


def test_sources_are_lake_assets_and_models_take_their_domain_group():
    specs = _graph(set())
    deps = lambda name: {d.asset_key.path[-1] for d in specs[dg.AssetKey(name)].deps}  # noqa: E731
    assert deps("stg_metrics") == {"raw_metrics"}
    assert deps("stg_software_inventory") == {"raw_software_inventory"}
    groups = {k.path[-1]: s.group_name for k, s in specs.items()}
    assert groups["stg_incidents"] == "tickets"
    assert groups["stg_verbatims"] == "verbatims"
    assert groups["fct_installed_components"] == "obsolescence"
    assert groups["mart_team_daily"] == "appops360"
    assert groups["stg_capacity_headroom"] == "metrics"


def test_ml_dependencies_only_on_defined_assets():
    before = _graph(set())
    assert not before[dg.AssetKey("stg_capacity_headroom")].deps
    after = _graph(set(ML_OUTPUTS))
    assert {d.asset_key for d in after[dg.AssetKey("stg_capacity_headroom")].deps} == {
        dg.AssetKey("capacity_headroom")
    }


def test_daily_models_are_partitioned_and_share_the_warehouse_pool():
    (daily,) = [a for a in build_dbt_assets(frozenset()) if a.node_def.name == "warehouse_daily"]
    assert daily.partitions_def is not None
    assert daily.backfill_policy == dg.BackfillPolicy.single_run()
    assert dg.AssetKey("fct_installed_components") in daily.keys
    assert dg.AssetKey("dim_product") not in daily.keys
    assert daily.node_def.pool == "warehouse"
