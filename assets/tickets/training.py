"""Training of the ticket models on the labelled history, through the candidate selection of
``resources.text_models`` (no Dagster here).

Rows are sorted by ``opened_at``: the newest ``val_share`` are the validation window (time
split), every candidate trains on the earlier ones, the best on validation is kept (never one
that does not beat TF-IDF), its per-class thresholds are fitted on validation, and it is
refitted on all rows. The new version is registered, becomes ``challenger``, and the promotion
gate (``resources.model_gate``) decides whether it replaces the champion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from assets.tickets.registry import CATEGORY, GROUP, SUBCATEGORY, TARGETS
from resources.model_gate import gate
from resources.model_registry import ModelRegistry
from resources.nlp.fewshot import confusion_matrix_png, evaluate
from resources.text_models.selection import select


@dataclass
class TrainingParams:
    encoder_path: str = ""
    candidates: tuple[str, ...] = ("tfidf", "tfidf_chars", "embeddings", "ensemble")
    val_share: float = 0.3
    target_precision: float = 0.87
    class_targets: dict[str, float] = field(default_factory=dict)
    setfit_steps: int = 40
    max_train_rows: int = 20_000
    min_per_target: int = 2  # labels of a target seen fewer times are left out of its model
    gate_bootstrap: int = 300
    gate_level: float = 0.90
    gate_min_delta: float = 0.0


def labelled(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("category").is_not_null() & (pl.col("text") != ""))


def time_split(frame: pl.DataFrame, holdout_days: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(train, holdout): holdout = tickets opened in the last ``holdout_days`` days of ``frame``."""
    if frame.height == 0 or holdout_days <= 0:
        return frame, frame.clear()
    cut = frame["opened_at"].max() - timedelta(days=holdout_days)
    return frame.filter(pl.col("opened_at") <= cut), frame.filter(pl.col("opened_at") > cut)


def target_rows(history: pl.DataFrame, name: str, min_count: int) -> pl.DataFrame:
    """``text`` and ``label`` for one model, oldest first (subcategory labels are hierarchical)."""
    column = TARGETS[name]
    if column not in history.columns:
        return pl.DataFrame(
            schema={
                "text": pl.String,
                "label": pl.String,
                "opened_at": pl.Datetime("us", "UTC"),
                "partition_date": pl.Date,
            }
        )
    label = (
        pl.concat_str("category", "subcategory", separator="/")
        if name == SUBCATEGORY
        else pl.col(column).cast(pl.String)
    )
    rows = history.sort("opened_at", "number").select("text", "opened_at", "partition_date", label=label)
    rows = rows.filter(pl.col("label").is_not_null())
    counts = rows["label"].value_counts()
    keep = counts.filter(pl.col("count") >= min_count)["label"]
    return rows.filter(pl.col("label").is_in(keep.implode()))


def train_and_gate(
    registry: ModelRegistry, name: str, rows: pl.DataFrame, day: date, params: TrainingParams, log
) -> tuple[str, dict] | None:
    """Train ``name`` on ``rows`` (oldest first), register it and run the gate; None when the
    rows cannot train a model (fewer than 2 labels)."""
    rows = rows.tail(params.max_train_rows)
    texts, labels = rows["text"].to_list(), rows["label"].to_list()
    if len(set(labels)) < 2 or len(texts) < 10:
        log.warning(f"{name}: {len(texts)} labelled row(s), {len(set(labels))} label(s): not trained")
        return None
    chosen = select(
        texts,
        labels,
        names=params.candidates,
        val_share=params.val_share,
        target=params.target_precision,
        targets=params.class_targets,
        encoder_path=params.encoder_path,
        setfit_steps=params.setfit_steps,
        log=lambda m: log.info(f"{name} {day}: {m}"),
    )
    cut = chosen.n_train
    val = rows.slice(cut)
    shares = {k: round(v / len(labels), 4) for k, v in pl.Series(labels).value_counts().iter_rows()}
    scores = chosen.validation[chosen.chosen]
    predicted = chosen.val_predictions[chosen.chosen]
    files = {}
    if name == CATEGORY:
        found = evaluate(chosen.val_truth, predicted)
        files["confusion_category.png"] = confusion_matrix_png(
            found["confusion_matrix"], found["labels"], f"category, validation ({day})"
        )
    tags = {
        "trained_on": day.isoformat(),
        "candidate": chosen.chosen,
        "label_shares": json.dumps(shares, sort_keys=True),
        "evaluation_window": f"{val['opened_at'].min()} .. {val['opened_at'].max()}",
        "training_partitions": f"{rows['partition_date'].min()} .. {rows['partition_date'].max()}",
    }
    metrics = {k: v for k, v in scores.items() if isinstance(v, (int, float))}
    metrics.update({f"{n}_macro_f1": s["macro_f1"] for n, s in chosen.validation.items() if "macro_f1" in s})
    version = registry.log_version(
        name,
        chosen.model,
        thresholds=chosen.thresholds,
        tags=tags,
        metrics=metrics,
        files=files,
        params={
            "candidates": ",".join(params.candidates),
            "val_share": params.val_share,
            "target_precision": params.target_precision,
            "n_rows": len(texts),
            "encoder": params.encoder_path or "bundled MiniLM",
        },
        meta={**chosen.report, "model": chosen.model.describe()},
        validation={"truth": chosen.val_truth, "predicted": predicted},
    )
    val_texts = texts[cut:]
    row = gate(
        registry,
        name,
        version,
        day,
        val_texts,
        chosen.val_truth,
        predicted,
        n_boot=params.gate_bootstrap,
        level=params.gate_level,
        min_delta=params.gate_min_delta,
    )
    log.info(f"{name} {day}: version {version} ({chosen.chosen}) {row['action']}: {row['reason']}")
    return version, {
        **row,
        "validation": scores,
        "candidates": {n: s.get("macro_f1") for n, s in chosen.validation.items()},
    }


def train_all(
    registry: ModelRegistry, history: pl.DataFrame, day: date, params: TrainingParams, log
) -> dict[str, tuple[str, dict] | None]:
    """Category, subcategory and assignment-group models trained and gated on ``history``."""
    return {
        name: train_and_gate(
            registry, name, target_rows(history, name, params.min_per_target), day, params, log
        )
        for name in (CATEGORY, SUBCATEGORY, GROUP)
    }
