"""Every daily lake asset is declared one way, from its ``LakeSchema``: daily partitions,
single-run backfills, the lake IO manager, a data contract, and a drift check exactly when its
schema names drift columns; every raw asset is fed by the source the schema says."""

import dagster as dg

from definitions import build_definitions
from resources.calendar import daily_partitions
from resources.config import RAW_ASSET_OF_SOURCE, SOURCES
from resources.ml_schemas import EOL_ALERTS, ML_OUTPUTS
from resources.retrieval.schemas import DOCUMENT_CHUNKS, DOCUMENT_INDEX, INCIDENT_INDEX
from resources.schemas import RAW_SCHEMAS

SCHEMAS = {
    **RAW_SCHEMAS,
    **ML_OUTPUTS,
    **{s.asset: s for s in (DOCUMENT_CHUNKS, DOCUMENT_INDEX, INCIDENT_INDEX, EOL_ALERTS)},
}


def test_each_lake_schema_declares_its_asset_and_checks(root):
    defs = build_definitions(root=str(root), mode="demo")
    graph = defs.resolve_asset_graph()
    checks = {
        (k.asset_key.to_user_string(), k.name)
        for key in graph.get_all_asset_keys()
        for k in graph.get(key).check_keys
    }
    seen = 0
    for asset in defs.assets:
        if not isinstance(asset, dg.AssetsDefinition) or len(asset.keys) != 1:
            continue  # the dbt selections and the topics multi-asset
        name = asset.key.to_user_string()
        if name not in SCHEMAS:
            continue
        seen += 1
        schema = SCHEMAS[name]
        assert asset.partitions_def == daily_partitions, name
        assert asset.backfill_policy == dg.BackfillPolicy.single_run(), name
        assert asset.get_io_manager_key_for_asset_key(asset.key) == "lake_io_manager", name
        assert (name, "data_contract") in checks, name
        assert ((name, "drift") in checks) == (schema.drift is not None), name
    assert seen >= 20  # raw, ML outputs and indexes: the factory is what declares them


def test_every_source_feeds_the_raw_asset_of_its_schema():
    assert set(RAW_ASSET_OF_SOURCE) == set(SOURCES)
    assert sorted(RAW_ASSET_OF_SOURCE.values()) == sorted(RAW_SCHEMAS)
    for key, (_, _, demo, files) in SOURCES.items():
        assert demo().schema.asset == RAW_ASSET_OF_SOURCE[key]
        assert files(landing_dir="/nonexistent").schema.asset == RAW_ASSET_OF_SOURCE[key]
