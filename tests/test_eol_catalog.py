"""ObsoWatch catalog parsing (endoflife.date snapshot, API JSON) and the demo inventory."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta

import polars as pl
import pytest

from resources.calendar import day_bounds_utc
from resources.demo import obsolescence
from resources.demo.common import APPLICATIONS
from resources.demo.obsolescence import generate_inventory
from resources.schemas import RAW_EOL_CATALOG, RAW_SOFTWARE_INVENTORY
from resources.sources.eol_catalog import (
    CatalogParseError,
    catalog_dir,
    parse_api_json,
    parse_products_dir,
    read_api_json,
    read_products_dir,
)


@pytest.fixture(scope="module")
def catalog() -> pl.DataFrame:
    return parse_products_dir(catalog_dir())


def _release(catalog: pl.DataFrame, product: str, cycle: str) -> dict:
    rows = catalog.filter((pl.col("product") == product) & (pl.col("release_cycle") == cycle))
    assert rows.height == 1, (product, cycle)
    return rows.row(0, named=True)


def test_snapshot_shape(catalog):
    assert dict(catalog.schema) == RAW_EOL_CATALOG.columns
    assert catalog.height >= 4000
    assert catalog["product"].n_unique() == 233
    assert catalog.select(pl.col("product", "release_cycle", "eol").null_count().sum()).row(0) == (0, 0, 0)
    assert catalog.select("product", "release_cycle").is_duplicated().sum() == 0
    assert read_products_dir(catalog_dir()).rejects.is_empty()
    assert {"python", "postgresql", "tomcat", "nodejs"} <= set(catalog["product"])


def test_release_cycle_kept_as_text(catalog):
    py310, py31 = _release(catalog, "python", "3.10"), _release(catalog, "python", "3.1")
    assert (py310["latest"], py310["eol_date"], py310["eoas_date"]) == (
        "3.10.21",
        date(2026, 10, 31),
        date(2023, 4, 5),
    )
    assert (py31["latest"], py31["eol"], py31["eoas"], py31["eoas_date"]) == (
        "3.1.5",
        "2012-04-09",
        "true",
        None,
    )
    assert _release(catalog, "tomcat", "9.0")["latest"] == "9.0.121"


def test_eol_true_false_and_date(catalog):
    solaris = _release(catalog, "oracle-solaris", "11.2")  # eol: true
    assert (solaris["eol"], solaris["eol_date"], solaris["release_date"]) == ("true", None, date(2014, 4, 29))
    tomcat11 = _release(catalog, "tomcat", "11.0")  # eol: false
    assert (tomcat11["eol"], tomcat11["eol_date"]) == ("false", None)
    tomcat10 = _release(catalog, "tomcat", "10.0")  # eol: 2022-10-31
    assert (tomcat10["eol"], tomcat10["eol_date"]) == ("2022-10-31", date(2022, 10, 31))
    assert _release(catalog, "oracle-solaris", "11.3")["eoes_date"] == date(2027, 1, 1)
    mysql80 = _release(catalog, "mysql", "8.0")  # lts: 2023-07-18 (a date) -> True
    assert (mysql80["lts"], mysql80["eoas"], mysql80["latest_release_date"]) == (
        True,
        "2025-04-30",
        date(2026, 4, 7),
    )
    assert _release(catalog, "python", "3.12")["lts"] is False
    kinds = catalog["eol"].replace_strict({"true": "true", "false": "false"}, default="date")
    assert set(kinds) == {"true", "false", "date"}
    assert catalog.filter(pl.col("eol_date").is_not_null() != pl.col("eol").str.contains("-")).is_empty()
    assert _release(catalog, "debian", "12")["release_label"] == "12 (Bookworm)"  # product-level template


MD = """---
title: Node.js
category: framework
releases:
  - releaseCycle: "20"
    releaseDate: 2023-04-18
    lts: 2023-10-24
    eoas: 2024-10-22
    eol: 2026-04-30
    eoes: false
    latest: "20.20.2"
    latestReleaseDate: 2026-03-24

  - releaseCycle: "0.10"
    releaseDate: 2013-03-11
    eol: true
    latest: "0.10.48"
    latestReleaseDate: 2016-10-18

  - releaseCycle: "0.1"
    releaseDate: 2009-05-27
    eol: false
---

> Node.js is a JavaScript runtime.
"""

V1 = {
    "schema_version": "1.2.0",
    "result": {
        "name": "nodejs",
        "label": "Node.js",
        "category": "framework",
        "releases": [
            {
                "name": "20",
                "label": "20",
                "releaseDate": "2023-04-18",
                "isLts": True,
                "ltsFrom": "2023-10-24",
                "isEoas": True,
                "eoasFrom": "2024-10-22",
                "isEol": False,
                "eolFrom": "2026-04-30",
                "isEoes": False,
                "eoesFrom": None,
                "isMaintained": True,
                "latest": {"name": "20.20.2", "date": "2026-03-24", "link": None},
            },
            {
                "name": "0.10",
                "label": "0.10",
                "releaseDate": "2013-03-11",
                "isLts": False,
                "ltsFrom": None,
                "isEol": True,
                "eolFrom": None,
                "isMaintained": False,
                "latest": {"name": "0.10.48", "date": "2016-10-18", "link": None},
            },
            {
                "name": "0.1",
                "label": "0.1",
                "releaseDate": "2009-05-27",
                "isLts": False,
                "ltsFrom": None,
                "isEol": False,
                "eolFrom": None,
                "isMaintained": True,
                "latest": None,
            },
        ],
    },
}

# Legacy /api/nodejs.json, written as raw text: the unquoted 0.10 must stay "0.10".
LEGACY = """[
 {"cycle": "20", "releaseDate": "2023-04-18", "eol": "2026-04-30", "latest": "20.20.2",
  "latestReleaseDate": "2026-03-24", "lts": "2023-10-24", "support": "2024-10-22", "extendedSupport": false},
 {"cycle": 0.10, "releaseDate": "2013-03-11", "eol": true, "latest": "0.10.48",
  "latestReleaseDate": "2016-10-18", "lts": false},
 {"cycle": "0.1", "releaseDate": "2009-05-27", "eol": false, "lts": false}
]"""


def test_api_json_matches_markdown(tmp_path):
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "nodejs.md").write_text(MD, encoding="utf-8")
    from_md = parse_products_dir(tmp_path / "md")
    assert from_md["release_cycle"].to_list() == ["20", "0.10", "0.1"]
    assert from_md["eol"].to_list() == ["2026-04-30", "true", "false"]
    assert from_md["lts"].to_list() == [True, False, False]
    v1_path = tmp_path / "v1.json"
    v1_path.write_text(json.dumps(V1), encoding="utf-8")
    for v1 in (
        parse_api_json(V1),
        parse_api_json(v1_path),
        parse_api_json({"result": [V1["result"]]}),
    ):  # /api/v1/products/full
        assert v1.equals(from_md)
    legacy_path = tmp_path / "nodejs.json"
    legacy_path.write_text(LEGACY, encoding="utf-8")
    legacy = parse_api_json(legacy_path)  # product name from the file name
    assert legacy["product_title"].null_count() == legacy.height
    assert legacy.drop("product_title", "category").equals(from_md.drop("product_title", "category"))
    decoded = read_api_json(json.loads(LEGACY), product="nodejs")  # json.loads made 0.10 a float
    assert decoded.rows["release_cycle"].to_list() == ["20", "0.1"]
    assert decoded.rejects["_reason"].to_list() == ["duplicate release cycle '0.1'"]


def test_broken_yaml_names_the_file(tmp_path):
    (tmp_path / "ok.md").write_text(MD, encoding="utf-8")
    (tmp_path / "broken.md").write_text("---\ntitle: X\nreleases: [\n  - a: b\n---\n", encoding="utf-8")
    with pytest.raises(CatalogParseError, match=r"broken\.md:4: invalid YAML"):
        parse_products_dir(tmp_path)
    (tmp_path / "broken.md").write_text("---\ntitle: X\nreleases: []\n", encoding="utf-8")
    with pytest.raises(CatalogParseError, match="broken.md.*not closed"):
        parse_products_dir(tmp_path)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogParseError, match="bad.json"):
        parse_api_json(bad_json)


def test_release_without_cycle_is_rejected(tmp_path):
    text = MD.replace('  - releaseCycle: "0.10"\n    releaseDate', "  - releaseDate")
    text = text.replace("eol: false\n", "eol: someday\n")
    (tmp_path / "nodejs.md").write_text(text, encoding="utf-8")
    parsed = read_products_dir(tmp_path)
    assert parsed.rows["release_cycle"].to_list() == ["20"]
    assert parsed.rejects.select("_row", "_column").rows() == [(14, "release_cycle"), (19, "eol")]
    assert parsed.rejects["_reason"][0] == "missing releaseCycle"


# ---- demo inventory -------------------------------------------------------------------------


def _match(catalog: pl.DataFrame, inventory: pl.DataFrame) -> pl.DataFrame:
    """Each inventory row with its longest catalog cycle that equals or prefixes the version."""
    cycles = catalog.select("product", "release_cycle", "eol_date", "lts")
    joined = (
        inventory.with_row_index("_i")
        .join(cycles, on="product", how="left")
        .filter(
            (pl.col("version") == pl.col("release_cycle"))
            | pl.col("version").str.starts_with(pl.col("release_cycle") + ".")
        )
    )
    best = joined.sort(pl.col("release_cycle").str.len_chars(), descending=True).unique("_i", keep="first")
    return (
        inventory.with_row_index("_i")
        .join(best.select("_i", "release_cycle", "eol_date", "lts"), on="_i", how="left")
        .drop("_i")
    )


def test_inventory_schema_and_shape():
    day = date(2025, 1, 15)
    inv = generate_inventory(day)
    assert dict(inv.schema) == RAW_SOFTWARE_INVENTORY.with_partition
    assert inv.select(pl.col(RAW_SOFTWARE_INVENTORY.required).null_count().sum()).row(0) == (0,) * 5
    assert inv.select(RAW_SOFTWARE_INVENTORY.key).is_duplicated().sum() == 0
    assert set(inv["environment"]) == set(RAW_SOFTWARE_INVENTORY.categories["environment"])
    assert (inv["partition_date"] == day).all()
    start, end = day_bounds_utc(day)
    assert inv["discovered_at"].min() >= start and inv["discovered_at"].max() < end
    assert all(re.fullmatch(r"srv-[a-z]+-(prd|ppr|rec|dev)-\d{2}", h) for h in inv["host"])
    assert set(inv["application"]) == {a.code for a in APPLICATIONS}
    _, hosts, _ = obsolescence._base()
    per_app = pl.Series(hosts).str.split("-").list.get(1).value_counts()["count"]
    assert per_app.min() >= 2 and per_app.max() <= 8
    assert inv.filter(pl.col("host") == inv["host"][0])["discovered_at"].n_unique() == 1


def test_inventory_is_deterministic_and_evolves():
    first = generate_inventory(date(2024, 3, 3))
    obsolescence._base.cache_clear()
    assert generate_inventory(date(2024, 3, 3)).equals(first)
    early, late = generate_inventory(date(2023, 3, 1)), generate_inventory(date(2026, 6, 1))
    both = early.join(late, on=["host", "product"], suffix="_late")
    assert (both["version"] != both["version_late"]).sum() > both.height // 3
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(120)]
    seen = pl.concat([generate_inventory(d).select("host", "partition_date").unique() for d in days])
    missing = 1 - seen.height / (len(obsolescence._base()[1]) * len(days))
    assert 0.005 < missing < 0.05


def test_inventory_versions_match_catalog(catalog):
    day = date(2025, 1, 15)
    matched = _match(catalog, generate_inventory(day))
    share = matched["release_cycle"].is_not_null().mean()
    assert 0.9 <= share < 1.0
    unmatched = matched.filter(pl.col("release_cycle").is_null())
    assert (~unmatched["product"].is_in(catalog["product"].unique())).any()  # unknown product
    assert unmatched["product"].is_in(catalog["product"].unique()).any()  # unknown version
    past_eol = matched.filter((pl.col("environment") == "production") & (pl.col("eol_date") < day))
    assert past_eol.height >= 5 and past_eol["product"].n_unique() >= 3
    assert matched["lts"].fill_null(False).sum() > 0
    assert matched.filter(pl.col("product") == "python")["release_cycle"].n_unique() >= 2


def test_inventory_is_fast():
    generate_inventory(date(2024, 1, 1))  # base built once per process
    started = time.perf_counter()
    for i in range(365):
        generate_inventory(date(2024, 1, 1) + timedelta(days=i))
    assert time.perf_counter() - started < 10
