"""The satisfaction classifier of verbatims in the MLflow registry (``verbatim_sentiment``).

The label is the sentiment class the score stands for (a detractor's text is "negative"), so
the model learns to read satisfaction from text alone and can classify unscored comments.
Candidates (``resources.text_models``) train on the same time split of the scored history,
oldest first: French representations (character n-grams, spaCy ``fr_core_news_md`` vectors)
beside MiniLM and the TF-IDF baseline; the best on validation becomes ``challenger`` and the
promotion gate decides. A model version's tag ``block_start`` says which block trained it:
any later run of the block reuses it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

import polars as pl

from resources.model_gate import gate
from resources.model_registry import CHALLENGER, CHAMPION, ModelRegistry, RegisteredModel
from resources.text_models.selection import select

MODEL = "verbatim_sentiment"


@dataclass
class SentimentParams:
    candidates: tuple[str, ...] = ("tfidf", "tfidf_chars", "spacy_vectors", "embeddings", "ensemble")
    encoder_path: str = ""
    spacy_model: str = "fr_core_news_md"
    val_share: float = 0.3
    target_precision: float = 0.87
    setfit_steps: int = 40
    max_train_rows: int = 6_000
    gate_bootstrap: int = 300
    gate_level: float = 0.90


def training_rows(history: pl.DataFrame) -> pl.DataFrame:
    """Scored answers, one per response, oldest first (the time split's order)."""
    return (
        history.filter(pl.col("label").is_not_null())
        .unique("response_id", keep="last")
        .sort("partition_date", "response_id")
    )


def data_digest(rows: pl.DataFrame) -> str:
    return hashlib.sha256("\n".join(rows["response_id"]).encode()).hexdigest()[:10]


def find_block_version(registry: ModelRegistry, start: date, digest: str) -> str | None:
    for version in reversed(registry.versions(MODEL)):
        tags = registry.version_tags(MODEL, version)
        if tags.get("block_start") == start.isoformat() and tags.get("data") == digest:
            return version
    return None


def train_and_gate(
    registry: ModelRegistry, rows: pl.DataFrame, start: date, in_sample: bool, params: SentimentParams, log
) -> tuple[str, dict]:
    rows = rows.tail(params.max_train_rows)
    texts, labels = rows["text"].to_list(), rows["label"].to_list()
    chosen = select(
        texts,
        labels,
        names=params.candidates,
        val_share=params.val_share,
        target=params.target_precision,
        encoder_path=params.encoder_path,
        spacy_model=params.spacy_model,
        setfit_steps=params.setfit_steps,
        log=lambda m: log.info(f"{MODEL} {start}: {m}"),
    )
    predicted = chosen.val_predictions[chosen.chosen]
    scores = chosen.validation[chosen.chosen]
    shares = {k: round(v / len(labels), 4) for k, v in pl.Series(labels).value_counts().iter_rows()}
    val = rows.slice(chosen.n_train)
    tags = {
        "trained_on": start.isoformat(),
        "block_start": start.isoformat(),
        "data": data_digest(rows),
        "candidate": chosen.chosen,
        "trained_in_sample": in_sample,
        "label_shares": json.dumps(shares, sort_keys=True),
        "evaluation_window": f"{val['partition_date'].min()} .. {val['partition_date'].max()}",
        "training_partitions": f"{rows['partition_date'].min()} .. {rows['partition_date'].max()}",
    }
    metrics = {k: v for k, v in scores.items() if isinstance(v, (int, float))}
    metrics.update({f"{n}_macro_f1": s["macro_f1"] for n, s in chosen.validation.items() if "macro_f1" in s})
    version = registry.log_version(
        MODEL,
        chosen.model,
        thresholds=chosen.thresholds,
        tags=tags,
        metrics=metrics,
        params={
            "candidates": ",".join(params.candidates),
            "val_share": params.val_share,
            "n_rows": len(texts),
            "spacy_model": params.spacy_model,
        },
        meta={**chosen.report, "model": chosen.model.describe(), "trained_in_sample": in_sample},
        validation={"truth": chosen.val_truth, "predicted": predicted},
    )
    row = gate(
        registry,
        MODEL,
        version,
        start,
        texts[chosen.n_train :],
        chosen.val_truth,
        predicted,
        n_boot=params.gate_bootstrap,
        level=params.gate_level,
    )
    log.info(f"{MODEL} {start}: version {version} ({chosen.chosen}) {row['action']}: {row['reason']}")
    return version, row


def serving(registry: ModelRegistry, day: date) -> tuple[RegisteredModel | None, RegisteredModel | None]:
    """(champion, challenger) usable on ``day``: trained on or before it."""

    def usable(alias):
        version = registry.alias(MODEL, alias)
        if version is None:
            return None
        if date.fromisoformat(registry.version_tags(MODEL, version)["trained_on"]) > day:
            return None
        return registry.load(MODEL, version)

    champion = usable(CHAMPION)
    if champion is None:  # a backfill of days older than the champion: the newest version by then
        older = [
            v
            for v in registry.versions(MODEL)
            if date.fromisoformat(registry.version_tags(MODEL, v)["trained_on"]) <= day
        ]
        champion = registry.load(MODEL, older[-1]) if older else None
    return champion, usable(CHALLENGER)
