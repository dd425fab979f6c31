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
from dataclasses import dataclass
from datetime import date

import polars as pl

from resources.model_gate import gate
from resources.model_registry import CHALLENGER, CHAMPION, ModelRegistry, RegisteredModel
from resources.text_models.training import TextModelParams, select_on_rows, selection_record

MODEL = "verbatim_sentiment"


@dataclass
class SentimentParams(TextModelParams):
    candidates: tuple[str, ...] = ("tfidf", "tfidf_chars", "spacy_vectors", "embeddings", "ensemble")
    spacy_model: str = "fr_core_news_md"
    max_train_rows: int = 6_000


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
    texts = rows["text"].to_list()
    chosen = select_on_rows(
        rows, params, lambda m: log.info(f"{MODEL} {start}: {m}"), spacy_model=params.spacy_model
    )
    predicted = chosen.val_predictions[chosen.chosen]
    recorded, metrics = selection_record(chosen, rows, "partition_date")
    tags = {
        "trained_on": start.isoformat(),
        "block_start": start.isoformat(),
        "data": data_digest(rows),
        "trained_in_sample": in_sample,
        **recorded,
    }
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
