"""The ``drift`` check: Evidently 0.7 on the last day of a run against the days before it."""

import socket
from datetime import date, timedelta

import dagster as dg
import numpy as np
import polars as pl
import pytest

from assets.checks.drift import build_drift_check
from resources.calendar import daily_partitions, single_run
from resources.storage import LakehouseStorage

ASSET = "ticket_features"
DAY = date(2024, 6, 20)
WORDS = ["disque", "plein", "serveur", "lent", "sauvegarde", "echec", "reseau", "vpn", "mot", "de", "passe"]
OTHER = ["imprimante", "badge", "bloque", "teams", "micro", "casque", "ecran", "clavier", "souris"]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def frame(
    day: date, seed: int, n: int = 1000, shift: float = 0.0, weights=(0.6, 0.3, 0.1), words=WORDS
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "duration": rng.normal(60 + shift * 15, 15, n),
            "team": rng.choice(["infra", "reseau", "poste"], n, p=list(weights)),
            "note": [" ".join(rng.choice(words, 6)) for _ in range(n)],
            "site": ["Paris"] * n,
            "empty": pl.Series([None] * n, dtype=pl.Float64),
            "partition_date": [day] * n,
        }
    )


def run_drift(root, lake: dict[date, pl.DataFrame], first: date, last: date, **columns):
    storage = LakehouseStorage(root=str(root))
    for day, data in lake.items():
        path = storage.lake_file(ASSET, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        data.write_parquet(str(path))

    @dg.asset(name=ASSET, partitions_def=daily_partitions, backfill_policy=single_run)
    def features() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    check = build_drift_check(ASSET, daily_partitions, reference_days=14, **columns)
    result = dg.materialize(
        [features, check],
        resources={"storage": storage},
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "drift" and evaluation.severity == dg.AssetCheckSeverity.WARN
    return evaluation, storage


def history(days: int = 14) -> dict[date, pl.DataFrame]:
    return {DAY - timedelta(days=i): frame(DAY - timedelta(days=i), seed=i) for i in range(1, days + 1)}


TABULAR = dict(numeric=["duration", "empty"], categorical=["team", "site"])


def test_shifted_day_is_flagged_with_a_report(root):
    shifted = frame(DAY, seed=99, shift=4, weights=(0.1, 0.2, 0.7))
    lake = {**history(), DAY: shifted}
    evaluation, storage = run_drift(root, lake, DAY - timedelta(days=1), DAY, **TABULAR)
    meta = evaluation.metadata
    assert not evaluation.passed
    assert set(meta["drifted_columns"].value) == {"duration", "team"}
    assert meta["n_columns"].value == 3  # duration, team, site ("empty" is all null)
    assert meta["drift_share"].value == pytest.approx(2 / 3)
    assert meta["current_day"].value == DAY.isoformat()  # the last day of the run's range
    assert meta["reference_days_used"].value == 14
    assert meta["skipped_columns"].value == {"empty": "all null in current"}
    report = storage.reports("drift", ASSET, f"{DAY}.html")
    assert meta["report"].value == str(report)
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_same_distribution_is_not_flagged(root):
    lake = {**history(), DAY: frame(DAY, seed=1234)}
    evaluation, _ = run_drift(root, lake, DAY, DAY, **TABULAR)
    assert evaluation.passed, evaluation.description
    assert evaluation.metadata["drifted_columns"].value == []
    assert evaluation.metadata["drift_share"].value == 0.0


def test_text_drift_with_other_vocabulary(root):
    lake = {**history(), DAY: frame(DAY, seed=7, words=OTHER)}
    evaluation, storage = run_drift(root, lake, DAY, DAY, text=["note"])
    assert not evaluation.passed
    assert evaluation.metadata["drifted_columns"].value == ["note"]
    # the report's word tables show keyed hashes, never a word of the texts
    html = storage.reports("drift", ASSET, f"{DAY}.html").read_text(encoding="utf-8").lower()
    assert not [w for w in WORDS + OTHER if len(w) >= 6 and w in html]
    score = evaluation.metadata["column_scores"].value["note"]
    assert "text content drift" in score["method"].lower() and score["score"] > 0.9
    same = {**history(), DAY: frame(DAY, seed=8)}
    evaluation, _ = run_drift(root, same, DAY, DAY, text=["note"])
    assert evaluation.passed, evaluation.metadata["column_scores"].value


def test_not_enough_reference_passes_with_reason(root):
    lake = {**history(3), DAY: frame(DAY, seed=5, shift=10)}
    evaluation, _ = run_drift(root, lake, DAY, DAY, **TABULAR)
    assert evaluation.passed
    assert "not enough reference" in evaluation.metadata["reason"].value
    assert evaluation.metadata["reference_days_used"].value == 3


def test_small_day_says_not_enough_rows_instead_of_warning(root):
    """An ordinary Monday of 57 tickets against four weeks of 1,264: no warning."""
    lake = {**{d: f.head(45) for d, f in history(28).items()}, DAY: frame(DAY, seed=5).head(57)}
    evaluation, storage = run_drift(root, lake, DAY, DAY, **TABULAR)
    assert evaluation.passed
    assert "not enough rows" in evaluation.metadata["reason"].value
    assert evaluation.metadata["current_rows"].value == 57
    assert not storage.reports("drift", ASSET, f"{DAY}.html").exists()


def test_empty_current_day_passes_with_reason(root):
    lake = {**history(), DAY: frame(DAY, seed=5).head(0)}
    evaluation, storage = run_drift(root, lake, DAY, DAY, **TABULAR)
    assert evaluation.passed
    assert "no rows" in evaluation.metadata["reason"].value
    assert not storage.reports("drift", ASSET, f"{DAY}.html").exists()
