"""BI marts that answer the questions a reader brings: satisfaction per application through an
explicit product -> application seed, top root causes per day, capacity forecasts for the next
7/30/90 days, and a dbt description on every model and column."""

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from fixtures.warehouse.lake import DAYS
from warehouse_support import query, run_assets

from assets.appops360.serving import mart_names
from resources.dbt import dbt_project
from resources.demo.text_verbatims import PRODUCTS
from resources.ml_schemas import CAPACITY_FORECASTS, ROOT_CAUSE_CLUSTERS
from resources.schemas import RAW_VERBATIMS
from resources.storage import LakehouseStorage, write_parquet_atomic

SEED = (
    Path(__file__).resolve().parent.parent
    / "dbt_project"
    / "seeds"
    / "appops360"
    / "survey_product_applications.csv"
)


def _seed() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_survey_product_maps_to_an_application():
    mapped = {row["product"].strip().lower() for row in _seed()}
    assert {p.lower() for p in PRODUCTS} <= mapped
    assert all(row["application"].startswith("APP-") for row in _seed())


def test_unmapped_survey_product_is_a_dbt_warning_on_stg_verbatims():
    manifest = json.loads(Path(dbt_project().manifest_path).read_text())
    tests = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test"
        and n.get("attached_node") == "model.appops.stg_verbatims"
        and n["test_metadata"]["name"] == "relationships"
    ]
    assert tests and tests[0]["config"]["severity"].lower() == "warn"


def _write(storage: LakehouseStorage, asset: str, day: date, frame: pl.DataFrame) -> None:
    write_parquet_atomic(frame.with_columns(partition_date=pl.lit(day)), storage.lake_file(asset, day))


def test_satisfaction_reaches_applications_through_the_seed(copied_root):
    """APP-PAYM ("Paiements") serves the product "compte courant"; APP-A is named "Banque
    mobile" but no product maps to it: names are never compared."""
    storage = LakehouseStorage(root=str(copied_root))
    day = DAYS[2]
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    answers = pl.DataFrame(
        [
            ("S1", at, 8, 10, "ok", "site", "Agence", "Compte courant"),
            ("S2", at, 4, 10, "bof", "site", "Agence", "compte courant"),
            ("S3", at, 9, 10, "bien", "site", "Agence", "banque mobile"),
        ],
        schema=RAW_VERBATIMS.columns,
        orient="row",
    )
    _write(storage, "raw_verbatims", day, answers)
    assert run_assets(copied_root, ["warehouse_reference", "warehouse_daily"], day, day, checks=False).success
    rows = {
        a: (n, s)
        for a, n, s in query(
            copied_root,
            f"""select application,
        survey_responses, satisfaction_10 from mart_application_daily
        where partition_date = date '{day}'""",
        )
    }
    assert rows["APP-PAYM"] == (2, 6.0)
    assert rows["APP-A"] == (None, None) and rows["APP-B"] == (None, None)


def test_root_cause_mart_per_day_with_growth_keywords_and_example_tickets(copied_root):
    storage = LakehouseStorage(root=str(copied_root))
    numbers = query(copied_root, "select number, short_description from stg_incidents order by 1")
    assert len(numbers) >= 2
    (n1, d1), (n2, d2) = numbers[:2]
    for i, day in enumerate(DAYS):
        size = 2 if i < 7 else 9  # a burst on the last day
        frame = pl.DataFrame(
            [
                (
                    "RC1",
                    "disque / plein",
                    "disque, plein, volume",
                    10 + i,
                    size,
                    f"{n1}, {n2}",
                    "APP-A",
                    i == 0,
                    i == 7,
                )
            ],
            schema=ROOT_CAUSE_CLUSTERS.columns,
            orient="row",
        )
        _write(storage, "root_cause_clusters", day, frame)
    assert run_assets(copied_root, ["warehouse_reference", "warehouse_daily"], checks=False).success
    last = DAYS[-1]
    row = query(
        copied_root,
        f"""select size_day, size_window, size_7d, size_prev_7d, growth_7d,
        top_keywords, is_new, is_growing, first_seen, example_tickets, rank_7d
        from mart_root_cause_daily where partition_date = date '{last}'""",
    )
    assert row == [
        (
            9,
            17,
            2 * 6 + 9,
            2,
            2 * 6 + 9 - 2,
            "disque, plein, volume",
            False,
            True,
            DAYS[0],
            f"{n1}: {d1} | {n2}: {d2}",
            1,
        )
    ]
    assert query(
        copied_root,
        """select count(*), count(*) filter (where is_new)
                                 from mart_root_cause_daily""",
    ) == [(8, 1)]


def test_forecast_mart_next_7_30_90_days_with_bands(copied_root):
    storage = LakehouseStorage(root=str(copied_root))
    origin = DAYS[3]
    rows = []
    for h in range(1, 91):
        target = datetime.combine(origin + timedelta(days=h), datetime.min.time(), UTC)
        rows.append(
            (
                "payments/sepa/sum",
                origin,
                target,
                h,
                "daily",
                "ets",
                100.0 + h,
                90.0 + h,
                110.0 + h,
                80.0 + h,
                120.0 + h,
                *(None,) * 5,  # daily rows: no native-point bands
            )
        )
    rows.append(
        (
            "payments/sepa/sum",
            origin,
            datetime(2025, 3, 5, 10, tzinfo=UTC),
            1,
            "hourly",
            "mstl",
            5.0,
            4.0,
            6.0,
            3.0,
            7.0,
            0.42,  # per 5-minute point: 5.0 an hour / 12
            0.3,
            0.55,
            0.2,
            0.65,
        )
    )  # hourly rows stay out of the daily mart, and make the hourly one
    _write(
        storage,
        "capacity_forecasts",
        origin,
        pl.DataFrame(rows, schema=CAPACITY_FORECASTS.columns, orient="row"),
    )
    assert run_assets(
        copied_root, ["warehouse_reference", "warehouse_daily"], origin, origin, checks=False
    ).success
    got = query(
        copied_root,
        """select horizon, metric, forecast, lo80, hi80, lo95, hi95,
        forecast_total, forecast_peak, hi95_peak, days_forecast
        from mart_capacity_forecasts order by horizon""",
    )
    assert got == [
        (
            h,
            "payments",
            100.0 + h,
            90.0 + h,
            110.0 + h,
            80.0 + h,
            120.0 + h,
            sum(100.0 + i for i in range(1, h + 1)),
            100.0 + h,
            120.0 + h,
            h,
        )
        for h in (7, 30, 90)
    ]
    assert query(
        copied_root,
        """select partition_date, metric, resource, horizon_days, forecast, hi95,
        native_forecast, native_lo80, native_hi80, native_lo95, native_hi95
        from mart_capacity_forecasts_hourly""",
    ) == [(origin, "payments", "sepa", 1, 5.0, 7.0, 0.42, 0.3, 0.55, 0.2, 0.65)]


def test_new_marts_are_served_and_grouped_by_domain():
    assert {"mart_root_cause_daily", "mart_capacity_forecasts", "mart_capacity_forecasts_hourly"} <= set(
        mart_names()
    )


def test_every_model_and_column_has_a_description(built_root):
    """Descriptions in the manifest for every model and for every column the warehouse has."""
    manifest = json.loads(Path(dbt_project().manifest_path).read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    columns = query(
        built_root,
        """select table_name, column_name from information_schema.columns
                                  where table_schema = 'main'""",
    )
    missing_models = sorted(m for m, n in models.items() if not n["description"].strip())
    missing_columns = sorted(
        f"{t}.{c}"
        for t, c in columns
        if t in models and not models[t]["columns"].get(c, {}).get("description", "").strip()
    )
    assert missing_models == [] and missing_columns == []
    assert set(models) <= {t for t, _ in columns}  # every model was built and checked
