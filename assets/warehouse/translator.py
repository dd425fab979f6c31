"""How dbt nodes become Dagster assets: one lineage graph with the raw and ML assets.

A dbt source ``lake.<asset>`` IS the lake asset of that name (``raw_metrics``,
``capacity_forecasts``...). Models take the group of their domain folder
(``staging/metrics/...`` -> ``metrics``). A model only depends on an ML output once that
asset is defined (the forecasting, ticket and verbatim packages add them): before, the
dependency is left out rather than pointing at an asset that does not exist.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from resources.ml_schemas import ML_OUTPUTS

DOMAINS = ("metrics", "tickets", "verbatims", "obsolescence", "appops360")


class WarehouseTranslator(DagsterDbtTranslator):
    def __init__(self, defined_keys: frozenset[dg.AssetKey]):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self.defined_keys = defined_keys

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        folders = dbt_resource_props.get("fqn", [])[1:-1]
        return next((f for f in reversed(folders) if f in DOMAINS), "appops360")

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        missing = {dg.AssetKey(name) for name in ML_OUTPUTS} - self.defined_keys
        if not missing:
            return spec
        return spec.replace_attributes(deps=[d for d in spec.deps if d.asset_key not in missing])
