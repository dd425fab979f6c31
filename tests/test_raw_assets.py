"""Every raw asset materialises into the lake, reruns replace exactly, ranges run as one."""

from __future__ import annotations

from datetime import date

import dagster as dg
import polars as pl
import pytest

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.schemas import RAW_SCHEMAS
from resources.storage import LakehouseStorage, read_parquet

RAW = list(RAW_SCHEMAS)  # every raw asset, in the schemas' order


def _run(root, mode, selection, partition_key=None, tags=None, raise_on_error=True):
    defs = build_definitions(root=str(root), mode=mode)
    return dg.materialize(
        [*defs.assets, *(defs.asset_checks or [])],
        selection=selection,
        partition_key=partition_key,
        tags=tags,
        resources=defs.resources,
        raise_on_error=raise_on_error,
    )


def _lake(root, asset, day):
    return read_parquet(LakehouseStorage(root=str(root)).lake_file(asset, day))


def test_every_raw_asset_materialises_one_demo_day(root):
    result = _run(root, "demo", RAW, partition_key="2024-06-03")
    assert result.success
    for asset in RAW:
        frame = _lake(root, asset, date(2024, 6, 3))
        assert frame.height > 0, asset
        assert frame["partition_date"].unique().to_list() == [date(2024, 6, 3)]
    contracts = [e for e in result.get_asset_check_evaluations() if e.check_name == "data_contract"]
    assert {e.asset_key.to_user_string() for e in contracts} == set(RAW)
    for evaluation in contracts:
        assert evaluation.passed, (evaluation.asset_key, evaluation.metadata)
    drift = [e for e in result.get_asset_check_evaluations() if e.check_name == "drift"]
    assert {e.asset_key.to_user_string() for e in drift} == set(RAW)


def test_demo_rerun_gives_identical_data(root):
    _run(root, "demo", RAW, partition_key="2024-06-03")
    first = {a: _lake(root, a, date(2024, 6, 3)) for a in RAW}
    _run(root, "demo", RAW, partition_key="2024-06-03")
    for asset in RAW:
        assert _lake(root, asset, date(2024, 6, 3)).equals(first[asset]), asset


def test_thirty_days_in_one_run_match_day_by_day_runs(root, tmp_path):
    tags = {RANGE_START_TAG: "2024-02-01", RANGE_END_TAG: "2024-03-01"}
    result = _run(root, "demo", ["raw_metrics", "raw_incidents"], tags=tags)
    assert result.success
    days = [date(2024, 2, d) for d in range(1, 30)] + [date(2024, 3, 1)]
    for day in days:
        frame = _lake(root, "raw_incidents", day)
        assert frame["partition_date"].unique().to_list() == [day]
    # the range run writes exactly what a one-day run writes
    other = tmp_path / "other_root"
    other.mkdir()
    _run(other, "demo", ["raw_metrics", "raw_incidents"], partition_key="2024-02-17")
    for asset in ("raw_metrics", "raw_incidents"):
        assert _lake(root, asset, date(2024, 2, 17)).equals(_lake(other, asset, date(2024, 2, 17)))


def test_file_sources_read_fixture_files_and_quarantine_bad_rows(landed_root):
    result = _run(landed_root, "files", RAW, partition_key="2024-03-04", raise_on_error=False)
    metrics = _lake(landed_root, "raw_metrics", date(2024, 3, 4))
    # 3 good rows of the Windows-1252 file on the 4th + 24 rows of the two-column file
    assert metrics.height == 27
    assert "ec2_cpu_utilization_825cc2" in metrics["metric"].to_list()
    quarantine = read_parquet(
        LakehouseStorage(root=str(landed_root)).quarantine_file("raw_metrics", date(2024, 3, 4))
    )
    assert sorted(quarantine["_row"].to_list()) == [4, 7]
    assert set(quarantine["_column"]) == {"value", "timestamp"}
    incidents = _lake(landed_root, "raw_incidents", date(2024, 3, 4))
    # INC0010002 appears twice in the export: its last update of the day is kept
    assert incidents.filter(pl.col("number") == "INC0010002")["state"].to_list() == ["6"]
    assert "u_custom_field" in incidents.columns
    inventory = _lake(landed_root, "raw_software_inventory", date(2024, 3, 4))
    assert inventory.height == 3
    catalog = _lake(landed_root, "raw_eol_catalog", date(2024, 3, 4))
    assert set(catalog["product"]) == {"python", "postgresql", "nodejs"}
    applications = _lake(landed_root, "raw_applications", date(2024, 3, 4))
    assert applications["application"].to_list() == ["APP-PAYM", "APP-MOBI"]
    contract = {
        e.asset_key.to_user_string(): e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "data_contract"
    }
    # the crafted bad values are quarantined at parse time: every contract passes
    storage = LakehouseStorage(root=str(landed_root))
    bad_incidents = read_parquet(storage.quarantine_file("raw_incidents", date(2024, 3, 4)))
    reasons = dict(zip(bad_incidents["_row"], bad_incidents["_column"]))
    assert reasons == {4: "priority", 3: "number"}  # out of 1..5; replaced by its later update
    bad_verbatims = read_parquet(storage.quarantine_file("raw_verbatims", date(2024, 3, 4)))
    assert bad_verbatims["_row"].to_list() == [5] and bad_verbatims["_column"][0] == "score"
    for asset in RAW:
        assert contract[asset].passed, (asset, contract[asset].metadata)


def test_rerun_after_a_new_drop_replaces_the_day_exactly(landed_root):
    _run(landed_root, "files", ["raw_metrics"], partition_key="2024-03-05")
    before = _lake(landed_root, "raw_metrics", date(2024, 3, 5))
    assert before.height == 1
    extra = landed_root / "landing/metrics/late_export.csv"
    extra.write_text(
        "timestamp,metric,resource,value,unit\n"
        "2024-03-05 10:00:00,api_calls,api-comptes,1500,calls\n"
        "2024-03-05 00:15:00,sftn_transfer_volume,SFTN-Crédit,980.5,GB\n"
    )
    for _ in range(2):
        _run(landed_root, "files", ["raw_metrics"], partition_key="2024-03-05")
        after = _lake(landed_root, "raw_metrics", date(2024, 3, 5))
        # the same point in two files is kept once; the new point is added; nothing doubles
        assert after.height == 2
    assert extra.exists()  # landed files are never touched


def test_unparseable_file_fails_only_its_days_naming_the_file(landed_root):
    bad = landed_root / "landing/verbatims/export_casse_2024-03-04.csv"
    bad.write_bytes(b"\x00\x01\x02garbage without header")
    with pytest.raises(Exception, match="export_casse_2024-03-04.csv"):
        _run(landed_root, "files", ["raw_verbatims"], partition_key="2024-03-04")
    # another day of the domain is not blocked by it
    assert _run(landed_root, "files", ["raw_verbatims"], partition_key="2024-03-05").success


def test_each_partition_gets_its_own_row_count(landed_root):
    """A range run reports each day's rows on that day's partition, not the run's total."""
    tags = {RANGE_START_TAG: "2024-03-04", RANGE_END_TAG: "2024-03-05"}
    result = _run(landed_root, "files", ["raw_metrics"], tags=tags)
    counts = {
        e.partition: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    for day in (date(2024, 3, 4), date(2024, 3, 5)):
        metadata = counts[day.isoformat()]
        assert metadata["dagster/row_count"].value == _lake(landed_root, "raw_metrics", day).height
        files = metadata["files"].data
        assert sum(f["read"] for f in files.values()) == (
            metadata["dagster/row_count"].value + metadata["rejected_rows"].value
        )
    assert counts["2024-03-04"]["dagster/row_count"].value == 27
    assert counts["2024-03-05"]["dagster/row_count"].value == 1
