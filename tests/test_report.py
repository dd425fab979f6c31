"""Committee report: one self-contained HTML file per day, linked from the metadata."""

import re

from fixtures.warehouse.lake import DAYS
from warehouse_support import run_assets


def test_report_per_day_self_contained_with_risks_and_weekly_changes(copied_root):
    result = run_assets(copied_root, ["committee_report"], DAYS[-2], DAYS[-1], checks=False)
    assert result.success
    folder = copied_root / "reports" / "committee"
    assert sorted(p.name for p in folder.iterdir()) == [f"{DAYS[-2]}.html", f"{DAYS[-1]}.html"]
    metadata = result.asset_materializations_for_node("committee_report")[0].metadata
    assert metadata["path"].path == str(folder / f"{DAYS[-1]}.html")

    page = (folder / f"{DAYS[-1]}.html").read_text(encoding="utf-8")
    images = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert len(images) == 2 and all(i.startswith("data:image/png;base64,") for i in images)
    assert not re.search(r'(src|href)="(http|/|\.)', page)  # nothing fetched from elsewhere
    risks = page.split("Top risks per team")[1].split("What changed")[0]
    assert "legacyos" in risks and "Alpha" in risks and "3.1.5" not in risks  # dev only
    changes = page.split("What changed since")[1]
    assert "left past EOL" in changes and "3.8.20" in changes  # a-prd-02 upgraded on the last day

    earlier = (folder / f"{DAYS[-2]}.html").read_text(encoding="utf-8")
    assert "no scan that day to compare with" in earlier  # the fixture starts 6 days before


def test_a_host_missing_from_a_scan_has_not_left_past_eol(copied_root, monkeypatch):
    """a-prd-01 (legacyos 7.9, past EOL) is missing from the last day's scan: the report does
    not list it as having left past-EOL, and says it was not compared; the UI gets an http link
    and the tables as markdown."""
    import polars as pl

    from resources.storage import LakehouseStorage, write_parquet_atomic

    storage = LakehouseStorage(root=str(copied_root))
    path = storage.lake_file("raw_software_inventory", DAYS[-1])
    write_parquet_atomic(pl.read_parquet(path).filter(pl.col("host") != "a-prd-01"), path)
    monkeypatch.setenv("APPOPS_REPORTS_URL", "http://127.0.0.1:3001/")
    result = run_assets(
        copied_root,
        ["warehouse_reference", "warehouse_daily", "serving_duckdb", "committee_report"],
        DAYS[-1],
        DAYS[-1],
        checks=False,
    )
    assert result.success
    page = (copied_root / "reports" / "committee" / f"{DAYS[-1]}.html").read_text(encoding="utf-8")
    changes = page.split("What changed since")[1]
    left = changes.split("Hosts seen in only one")[0]
    assert "3.8.20" in left  # a-prd-02 was scanned on both days and really upgraded
    assert "legacyos" not in left and "a-prd-01" not in left
    assert f"a-prd-01</td>\n      <td>not scanned on {DAYS[-1]}" in changes
    metadata = result.asset_materializations_for_node("committee_report")[0].metadata
    assert metadata["report"].url == f"http://127.0.0.1:3001/committee/{DAYS[-1]}.html"
    summary = metadata["summary"].md_str
    assert "Top risks per team" in summary and "| left past EOL | APP-A" in summary
