"""The index assets on a temporary root: document passages and their incremental embeddings,
the resolved-incident index, and the landing/docs sensor's plan."""

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import polars as pl
import pytest

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.storage import LakehouseStorage, read_parquet
from sensors.docs import plan_docs_run
from tests.tests_support import FIXTURES

INDEXES = ("document_chunks", "document_index", "incident_index")
PRODUCTS = Path(__file__).parent.parent / "resources" / "catalog" / "endoflife" / "products"


def materialize(root, selection, first, last, include_shipped=False):
    defs = build_definitions(root=str(root), mode="demo")
    config = {"document_chunks": {"config": {"include_shipped": include_shipped}}}
    contracts = [dg.AssetCheckKey(dg.AssetKey(a), "data_contract") for a in selection if a in INDEXES]
    chosen = dg.AssetSelection.assets(*selection).without_checks() | dg.AssetSelection.checks(*contracts)
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        selection=chosen,
        tags={RANGE_START_TAG: first, RANGE_END_TAG: last},
        resources=defs.resources,
        run_config={"ops": {k: v for k, v in config.items() if k in selection}},
    )
    assert result.success
    evaluations = {e.asset_key.path[-1]: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {a: True for a in selection if a in INDEXES}  # the data contracts
    return result


def land_docs(root):
    folder = root / "landing" / "docs" / "runbooks"
    folder.mkdir(parents=True)
    for path in (FIXTURES / "docs").iterdir():
        shutil.copy(path, folder / path.name)
    shutil.copy(PRODUCTS / "python.md", root / "landing" / "docs" / "python.md")
    return folder


def lake(root, asset, day):
    return read_parquet(LakehouseStorage(root=str(root)).lake_file(asset, datetime.fromisoformat(day).date()))


def test_documents_are_chunked_per_day_and_embedded_once(root):
    folder = land_docs(root)
    materialize(root, ["document_chunks", "document_index"], "2024-09-17", "2024-09-18")
    day1, day2 = lake(root, "document_chunks", "2024-09-17"), lake(root, "document_chunks", "2024-09-18")
    assert "landing/docs/runbooks/postmortem_2024-09-18.pdf" not in day1["path"].to_list()
    assert "landing/docs/runbooks/postmortem_2024-09-18.pdf" in day2["path"].to_list()
    assert {"landing/docs/python.md", "landing/docs/runbooks/vpn-runbook.md"} <= set(day1["path"])
    vpn = day1.filter(pl.col("path").str.ends_with("vpn-runbook.md"))
    assert '"application": "APP-VPN"' in vpn["fields"][0]
    emb1, emb2 = lake(root, "document_index", "2024-09-17"), lake(root, "document_index", "2024-09-18")
    prose = day1.filter(pl.col("kind") == "prose")
    assert sorted(emb1["chunk_id"]) == sorted(prose["chunk_id"])  # the first day embeds all prose
    releases = day1.filter(pl.col("kind") == "release")  # found by BM25: not embedded by default
    assert releases.height > 10 and set(releases["path"]) == {"landing/docs/python.md"}
    assert emb2["path"].unique().to_list() == ["landing/docs/runbooks/postmortem_2024-09-18.pdf"]
    assert emb1["embedding"].to_numpy().shape[1] == 384

    # A changed document: the rerun of the day re-embeds only its passages.
    text = (folder / "vpn-runbook.md").read_text().replace("two years", "three years")
    (folder / "vpn-runbook.md").write_text(text)
    materialize(root, ["document_chunks", "document_index"], "2024-09-18", "2024-09-18")
    emb2 = lake(root, "document_index", "2024-09-18")
    assert set(emb2["path"]) == {
        "landing/docs/runbooks/vpn-runbook.md",
        "landing/docs/runbooks/postmortem_2024-09-18.pdf",
    }
    changed = lake(root, "document_chunks", "2024-09-18").filter(pl.col("text").str.contains("three years"))
    assert changed["chunk_id"][0] in emb2["chunk_id"].to_list()


def test_shipped_runbooks_and_product_pages_are_in_the_default_corpus(root):
    materialize(root, ["document_chunks"], "2024-09-17", "2024-09-17", include_shipped=True)
    chunks = lake(root, "document_chunks", "2024-09-17")
    assert {"runbooks", "endoflife"} == set(chunks["source"])
    assert chunks.filter(pl.col("path") == "runbooks/app-paym-sepa-payments.md").height >= 3
    assert chunks["path"].n_unique() == len(list(PRODUCTS.glob("*.md"))) + 3
    # public reference pages are not run through the recogniser, whose only findings there
    # were product and code names taken for persons
    pages = chunks.filter(pl.col("source") == "endoflife")
    assert not pages.filter(pl.col("text").str.contains("<NAME>|<CARD>")).height
    assert pages.filter(pl.col("text").str.contains("Akeneo PIM 6.0 is code-named")).height


def test_incident_index_holds_the_resolved_incidents_with_their_embedding(root):
    materialize(root, ["raw_incidents", "ticket_embeddings", "incident_index"], "2024-09-16", "2024-09-16")
    raw = lake(root, "raw_incidents", "2024-09-16")
    index = lake(root, "incident_index", "2024-09-16")
    resolved = raw.filter(pl.col("resolved_at").is_not_null())["number"].unique()
    assert index.height > 0 and sorted(index["number"]) == sorted(resolved)
    assert index["embedding"].null_count() == 0 and index["close_notes"].null_count() == 0
    assert {"category", "subcategory", "assignment_group", "cmdb_ci", "text"} <= set(index.columns)


def test_docs_sensor_plans_one_run_from_the_earliest_changed_day(root):
    now = datetime(2024, 9, 20, 8, tzinfo=ZoneInfo("Europe/Paris"))
    storage = LakehouseStorage(root=str(root))
    request, cursor = plan_docs_run(storage, {}, now)
    assert request is None and cursor == {}
    land_docs(root)
    request, cursor = plan_docs_run(storage, {}, now)
    assert request.tags[RANGE_START_TAG] == "2024-09-18" and request.tags[RANGE_END_TAG] == "2024-09-19"
    assert plan_docs_run(storage, cursor, now)[0] is None  # nothing changed since
    (root / "landing" / "docs" / "python.md").unlink()
    request, cursor = plan_docs_run(storage, cursor, now)
    assert request.tags[RANGE_START_TAG] == "2024-09-19" and "landing/docs/python.md" not in cursor


@pytest.mark.parametrize("asset", ["document_chunks", "document_index", "incident_index"])
def test_index_assets_are_in_the_definitions_and_a_landing_job(asset):
    defs = build_definitions(root="/tmp/unused", mode="demo")
    assert dg.AssetKey(asset) in {k for a in defs.assets for k in a.keys}
    if asset != "incident_index":
        assert asset in {
            k.path[-1] for k in defs.resolve_job_def("land_documents").asset_layer.executable_asset_keys
        }
