"""The promotion gate and the ``model_decisions`` table.

A retrained model is registered and becomes ``challenger``. The gate replays the champion on
the challenger's evaluation window (the newest labelled rows, unseen by both in training) and
promotes the challenger only when it beats the champion by more than the noise: the lower
bound of the bootstrap interval of the macro-F1 difference must be above ``min_delta``
(default 0). Otherwise the champion stays, the challenger keeps predicting in shadow beside
it, and the decision says why. ``rollback`` moves ``champion`` back to a given version.

Every decision is a row of ``model_decisions``: ``lake/model_decisions/<day>_<model>.parquet``
(one file per day and writing asset, so two assets never write the same file; a rerun of a
day replaces that day's decisions of that asset; dbt reads them all as one source).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from resources.ml_schemas import MODEL_DECISIONS
from resources.model_registry import CHALLENGER, CHAMPION, ModelRegistry
from resources.storage import LakehouseStorage, read_parquet, write_parquet_atomic
from resources.text_models.evaluation import bootstrap_delta, macro_f1

DECISIONS_SCHEMA = MODEL_DECISIONS.with_partition


def decision(
    model: str,
    day: date,
    action: str,
    reason: str,
    *,
    champion_before=None,
    challenger=None,
    champion_after=None,
    metric="macro_f1",
    stats: dict | None = None,
    scores: tuple[float | None, float | None] = (None, None),
) -> dict:
    stats = stats or {}
    return {
        "decided_at": datetime.now(UTC),
        "model": model,
        "action": action,
        "champion_before": champion_before,
        "challenger": challenger,
        "champion_after": champion_after,
        "metric": metric,
        "champion_score": scores[0],
        "challenger_score": scores[1],
        "delta": stats.get("delta"),
        "delta_low": stats.get("low"),
        "delta_high": stats.get("high"),
        "reason": reason,
        "partition_date": day,
    }


def gate(
    registry: ModelRegistry,
    name: str,
    version: str,
    day: date,
    texts: list[str],
    truth: list[str],
    predicted: list[str],
    *,
    n_boot: int = 300,
    level: float = 0.90,
    min_delta: float = 0.0,
) -> dict:
    """Make ``version`` challenger, then promote it or keep the champion (see module)."""
    before = registry.alias(name, CHAMPION)
    if before is None:
        registry.set_alias(name, CHAMPION, version)
        registry.drop_alias(name, CHALLENGER)
        return decision(
            name,
            day,
            "promoted",
            "no champion yet: first model",
            challenger=version,
            champion_after=version,
            scores=(None, macro_f1(truth, predicted)),
        )
    if before == str(version):
        return decision(
            name,
            day,
            "kept",
            "challenger is the champion already",
            champion_before=before,
            challenger=version,
            champion_after=before,
        )
    registry.set_alias(name, CHALLENGER, version)
    if not truth:
        return decision(
            name,
            day,
            "kept",
            "no evaluation window: champion kept, challenger in shadow",
            champion_before=before,
            challenger=version,
            champion_after=before,
        )
    champion_pred = registry.load(name, before).predict(texts)
    stats = bootstrap_delta(truth, champion_pred, predicted, n=n_boot, level=level)
    scores = (round(macro_f1(truth, champion_pred), 4), round(macro_f1(truth, predicted), 4))
    window = f"{len(truth)} newest labelled rows"
    if stats["low"] > min_delta:
        registry.set_alias(name, CHAMPION, version)
        registry.drop_alias(name, CHALLENGER)
        return decision(
            name,
            day,
            "promoted",
            f"challenger macro-F1 {scores[1]:.3f} vs champion {scores[0]:.3f} on {window}: "
            f"+{stats['delta']:.3f}, {level:.0%} interval [{stats['low']:.3f}, {stats['high']:.3f}] "
            f"above {min_delta}",
            champion_before=before,
            challenger=version,
            champion_after=version,
            stats=stats,
            scores=scores,
        )
    verdict = "worse than" if stats["delta"] < 0 else "not better than the noise over"
    return decision(
        name,
        day,
        "kept",
        f"challenger {verdict} the champion on {window}: macro-F1 {scores[1]:.3f} vs "
        f"{scores[0]:.3f}, delta {stats['delta']:+.3f}, {level:.0%} interval "
        f"[{stats['low']:.3f}, {stats['high']:.3f}] does not clear {min_delta}; "
        "champion kept, challenger in shadow",
        champion_before=before,
        challenger=version,
        champion_after=before,
        stats=stats,
        scores=scores,
    )


def rollback(registry: ModelRegistry, name: str, version: str, day: date, reason: str = "") -> dict:
    """Move ``champion`` to ``version`` (a registered version of ``name``)."""
    if str(version) not in registry.versions(name):
        raise ValueError(
            f"rollback_model: {name!r} has no version {version!r}; registered: {registry.versions(name)}"
        )
    before = registry.alias(name, CHAMPION)
    registry.set_alias(name, CHAMPION, str(version))
    return decision(
        name,
        day,
        "rollback",
        reason or f"manual rollback from {before} to {version}",
        champion_before=before,
        champion_after=str(version),
    )


def decisions_file(storage: LakehouseStorage, model: str, day: date):
    return storage.lake_dir("model_decisions") / f"{day.isoformat()}_{model}.parquet"


def write_decisions(
    storage: LakehouseStorage,
    model: str,
    rows: list[dict],
    *,
    replace_days: list[date] = (),
) -> None:
    """Write ``rows`` into their days' files. Days in ``replace_days`` are rewritten from ``rows``
    alone (a partition rerun); other days keep their earlier rows (a rollback appends)."""
    days = sorted({r["partition_date"] for r in rows} | set(replace_days))
    for day in days:
        path = decisions_file(storage, model, day)
        new = pl.DataFrame([r for r in rows if r["partition_date"] == day], schema=DECISIONS_SCHEMA)
        if day not in replace_days and path.exists():
            new = pl.concat([read_parquet(path).cast(DECISIONS_SCHEMA), new])
        write_parquet_atomic(new, path)


def read_decisions(storage: LakehouseStorage, model: str | None = None) -> pl.DataFrame:
    base = storage.lake_dir("model_decisions")
    files = sorted(base.glob("*.parquet" if model is None else f"*_{model}.parquet")) if base.exists() else []
    frames = [read_parquet(p).cast(DECISIONS_SCHEMA) for p in files]
    return pl.concat(frames) if frames else pl.DataFrame(schema=DECISIONS_SCHEMA)
