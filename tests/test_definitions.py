"""The code location loads, groups assets by domain and backfills daily assets in one run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from definitions import build_definitions

RAW = {
    "raw_metrics": "metrics",
    "raw_incidents": "tickets",
    "raw_verbatims": "verbatims",
    "raw_software_inventory": "obsolescence",
    "raw_eol_catalog": "obsolescence",
    "raw_applications": "appops360",
    "raw_team_indicators": "appops360",
}


def test_definitions_load_with_every_raw_asset_in_its_group(root):
    defs = build_definitions(root=str(root))
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    for asset, group in RAW.items():
        assert groups[asset] == group
    assert set(groups.values()) <= {
        "metrics",
        "tickets",
        "verbatims",
        "obsolescence",
        "appops360",
        "knowledge",
    }


def test_every_daily_asset_is_single_run_and_has_contract_and_drift_checks(root):
    """Raw assets: contract and drift; every other daily lake frame: a contract."""
    defs = build_definitions(root=str(root))
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.partitions_def is None:
            continue
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
        assert node.partitions_def.timezone == "Europe/Paris"
    check_names = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for asset in RAW:
        assert (asset, "data_contract") in check_names
        assert (asset, "drift") in check_names
    lake_frames = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).partitions_def is not None
        and defs.resolve_assets_def(key).get_io_manager_key_for_asset_key(key) == "lake_io_manager"
    }
    assert {"capacity_forecasts", "verbatim_topic_assignments", "eol_alerts"} <= lake_frames
    for asset in lake_frames:  # every daily frame in the lake: a GX contract
        assert (asset, "data_contract") in check_names, asset


def test_long_chains_start_first_and_drift_checks_last(root):
    """Step priorities (resources/compute.py STEP_PRIORITY) reach the ops of the asset job: an
    asset's blocking contract check shares its priority, drift checks come after everything."""
    from resources.compute import PRIORITY_TAG, STEP_PRIORITY

    job = build_definitions(root=str(root)).resolve_implicit_global_asset_job_def()
    priority = {n.name: int(n.definition.tags.get(PRIORITY_TAG, 0)) for n in job.graph.nodes}
    for asset, level in STEP_PRIORITY.items():
        assert priority[asset] == level, asset
        if f"{asset}_data_contract" in priority:
            assert priority[f"{asset}_data_contract"] == level, asset
    drift = [name for name in priority if name.endswith("_drift")]
    assert len(drift) >= len(RAW) and all(priority[name] < 0 for name in drift)
    assert priority["ticket_classifier"] > priority["document_index"] == 0


def test_code_location_loads_without_heavy_ml_imports():
    """Loading the code location imports none of torch, darts, setfit, umap or hdbscan."""
    repo = Path(__file__).resolve().parent.parent
    code = (
        "import sys, definitions; heavy = [m for m in ('torch', 'darts', 'setfit', 'umap', "
        "'hdbscan', 'sentence_transformers') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_workspace_validates_as_dagster_loads_it(root):
    """What ``dagster dev -w workspace.yaml`` loads: exactly one Definitions at module scope."""
    repo = Path(__file__).resolve().parent.parent
    cli = Path(sys.executable).parent / "dagster"
    out = subprocess.run(
        [str(cli), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "APPOPS_HOME": str(root)},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Validation successful" in out.stdout + out.stderr
