"""Training of the ticket models on the labelled history, through the candidate selection of
``resources.text_models`` (no Dagster here).

Rows are sorted by ``opened_at``: the newest ``val_share`` are the validation window (time
split), every candidate trains on the earlier ones, the best on validation is kept (never one
that does not beat TF-IDF), its per-class thresholds are fitted on validation, and it is
refitted on all rows. The new version is registered, becomes ``challenger``, and the promotion
gate (``resources.model_gate``) decides whether it replaces the champion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from assets.tickets.registry import CATEGORY, GROUP, SUBCATEGORY, TARGETS
from resources.model_gate import gate
from resources.model_registry import ModelRegistry
from resources.nlp.fewshot import confusion_matrix_png, evaluate
from resources.text_models.training import TextModelParams, select_on_rows, selection_record


@dataclass
class TrainingParams(TextModelParams):
    class_targets: dict[str, float] = field(default_factory=dict)
    min_per_target: int = 2  # labels of a target seen fewer times are left out of its model
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
    chosen = select_on_rows(
        rows, params, lambda m: log.info(f"{name} {day}: {m}"), targets=params.class_targets
    )
    cut = chosen.n_train
    recorded, metrics = selection_record(chosen, rows, "opened_at")
    scores = chosen.validation[chosen.chosen]
    predicted = chosen.val_predictions[chosen.chosen]
    files = {}
    if name == CATEGORY:
        found = evaluate(chosen.val_truth, predicted)
        files["confusion_category.png"] = confusion_matrix_png(
            found["confusion_matrix"], found["labels"], f"category, validation ({day})"
        )
    tags = {"trained_on": day.isoformat(), **recorded}
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
