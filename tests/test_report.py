"""Committee report: one self-contained HTML file per day, linked from the metadata."""

import re

from fixtures.warehouse.lake import DAYS
from warehouse_support import built_root, copied_root, run_assets  # noqa: F401


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
