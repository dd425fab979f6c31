"""The verbatim BI marts (satisfaction by channel / agency / product, problems, topic trends):
empty, or without their ML columns, before the verbatim ML files exist; then the fixture's
values by hand. Also: their group and their serving (their sources are declared from
resources/ml_schemas.py: tests/test_dbt_project.py)."""

import dagster as dg
from fixtures.warehouse.lake import DAYS, write_verbatim_ml
from warehouse_support import query, run_assets

from assets.appops360.serving import mart_names
from assets.warehouse import dbt_defs

MARTS = ("mart_verbatim_satisfaction", "mart_verbatim_problems", "mart_topic_trends")
DAY = DAYS[1]  # the fixture's answers: R1 10/10, R2 4/10, R3 3/5, all site / Agence / banque mobile


def test_marts_are_in_the_verbatims_group_daily_and_served():
    specs = {s.key.path[-1]: s for a in dbt_defs for s in a.specs}
    (daily,) = [a for a in dbt_defs if a.node_def.name == "warehouse_daily"]
    for mart in MARTS:
        assert specs[mart].group_name == "verbatims"
        assert dg.AssetKey(mart) in daily.keys
        assert mart in mart_names()
    assert {d.asset_key.path[-1] for d in specs["stg_verbatim_entities"].deps} == {"verbatim_entities"}


def test_before_the_ml_files_only_the_survey_columns(built_root):
    assert query(
        built_root,
        """select partition_date, channel, agency, product, responses,
        round(avg_score_10, 4), responses_10pt, promoter_share, detractor_share, nps,
        responses_scored, negative_share, contradictions from mart_verbatim_satisfaction""",
    ) == [
        (
            DAY,
            "site",
            "Agence",
            "banque mobile",
            3,
            round((10 + 4 + 3 * 2) / 3, 4),
            2,
            0.5,
            0.5,
            0.0,
            0,
            None,
            0,
        )
    ]
    for mart in ("mart_verbatim_problems", "mart_topic_trends"):
        assert query(built_root, f"select count(*) from {mart}") == [(0,)]
    served = {
        m: n for m, n in query(built_root, "select mart, row_count from _serving_build", db="serving.duckdb")
    }
    assert served["mart_verbatim_satisfaction"] == 1 and served["mart_topic_trends"] == 0


def test_marts_fill_in_from_the_ml_files(copied_root):
    write_verbatim_ml(str(copied_root))
    assert run_assets(copied_root, ["warehouse_reference", "warehouse_daily"]).success
    assert query(
        copied_root,
        """select responses_scored, negative_share, contradictions
                                from mart_verbatim_satisfaction""",
    ) == [(3, 2 / 3, 1)]
    problems = """select partition_date, problem, mentions, negative_mentions, rank_in_day,
                  mentions_7d from mart_verbatim_problems order by 1, rank_in_day"""
    expected = [
        (DAYS[0], "lenteur", 1, 1, 1, 1),
        (DAY, "lenteur", 2, 2, 1, 3),
        (DAY, "connexion", 1, 0, 2, 1),
        (DAYS[-1], "lenteur", 1, 1, 1, 3),
    ]  # 03-02..03-08: 03-01 has left the window
    assert query(copied_root, problems) == expected
    assert query(
        copied_root,
        """select topic_id, label, size_day, size_window, is_emerging,
        responses_scored, negative_share, week, summary, abstractive_summary
        from mart_topic_trends order by topic_id""",
    ) == [
        ("T1", "Lenteur, appli", 2, 5, True, 2, 1.0, "2025-W09", "appli lente • trop lent", None),
        ("T2", "Connexion", 1, 1, False, 1, 0.0, None, None, None),
    ]
    # a rerun of the last day alone reads the 6 days before it: same rolling count
    assert run_assets(copied_root, ["warehouse_daily"], DAYS[-1], DAYS[-1], checks=False).success
    assert query(copied_root, problems) == expected
