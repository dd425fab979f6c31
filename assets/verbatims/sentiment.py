"""``verbatim_sentiment``: satisfaction class of each answer's text, beside its score's class.

Days are grouped in training blocks (``retrain_days``, counted from the first partition). At a
block's start the registry's champion is kept unless it is ``retrain_days`` old (or there is
none); a retrain uses the ``history_days`` before the block (never what it predicts), and is
skipped while that history holds fewer than ``min_train`` scored answers and a champion exists.
Only the very first model, when no history exists yet, trains on the block's own days too
(``trained_in_sample`` says so). The retrained model becomes ``challenger``; the promotion
gate decides (``resources.model_gate``); the champion serves and the challenger's class is
stored beside it (shadow). An answer whose text contradicts its score (a promoter whose text
reads negative, or the reverse) with ``contradiction_confidence`` is flagged.
"""

from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.verbatims import sentiment_model as sm
from assets.verbatims.common import SCORE_TO_SENTIMENT, block_start, texts_of_days
from resources.calendar import context_days, days_before
from resources.ml_schemas import VERBATIM_SENTIMENT
from resources.model_gate import write_decisions
from resources.model_registry import ModelRegistry
from resources.nlp.embeddings import EmbeddingModel
from resources.storage import LakehouseStorage


class SentimentConfig(dg.Config):
    candidates: list[str] = ["tfidf", "tfidf_chars", "spacy_vectors", "embeddings", "ensemble"]
    retrain_days: int = 28
    history_days: int = 180
    min_train: int = 300  # scored answers before a retrain replaces a champion
    spacy_model: str = "fr_core_news_md"
    val_share: float = 0.3
    target_precision: float = 0.87
    setfit_steps: int = 40
    prefer_cheap: bool = True  # keep a transformer candidate only when it beats the cheap ones clearly
    contradiction_confidence: float = 0.7


def model_for_block(
    start: date,
    config: SentimentConfig,
    storage: LakehouseStorage,
    registry: ModelRegistry,
    embedding: EmbeddingModel,
    log,
) -> tuple[dict | None, str]:
    """Train (or reuse) the block's model when due; returns (decision row or None, note)."""
    champion, _ = sm.serving(registry, start)
    if champion is not None:
        age = (
            start - date.fromisoformat(registry.version_tags(sm.MODEL, champion.version)["trained_on"])
        ).days
        if age < config.retrain_days:
            return None, f"champion {champion.version} kept ({age} days old)"
    history = sm.training_rows(texts_of_days(storage, days_before(start, config.history_days)))
    in_sample = False
    if history.height < config.min_train:
        if champion is not None:
            return None, (
                f"only {history.height} scored answers before {start} (< {config.min_train}): "
                f"champion {champion.version} kept"
            )
        block = [start + timedelta(days=i) for i in range(config.retrain_days)]
        history = sm.training_rows(
            pl.concat(
                [
                    texts_of_days(storage, days_before(start, config.history_days)),
                    texts_of_days(storage, block),
                ]
            )
        )
        in_sample = True
    if history["label"].n_unique() < 2:
        if champion is not None:
            return None, f"scored answers of a single class before {start}: champion kept"
        raise ValueError(
            f"verbatim_sentiment: block from {start}: need scored verbatims of at "
            f"least 2 classes in raw_verbatims to train, found {history.height} rows"
        )
    if (found := sm.find_block_version(registry, start, sm.data_digest(history))) is not None:
        return None, f"version {found} already trained for this block"
    params = sm.SentimentParams.from_config(config, encoder_path=embedding.name_or_path)
    version, row = sm.train_and_gate(registry, history, start, in_sample, params, log)
    return row, f"trained {version} on {history.height} answers{' (in sample)' if in_sample else ''}"


def predict_days(
    days: list[date], champion, challenger, storage: LakehouseStorage, threshold: float
) -> pl.DataFrame:
    answers = texts_of_days(storage, days)
    texts = answers["text"].to_list()
    found = champion.predict_with_reasons(texts)
    shadow = challenger.predict(texts) if challenger is not None else [None] * len(texts)
    said = pl.col("score_class").replace_strict(SCORE_TO_SENTIMENT, default=None)
    frame = answers.with_columns(
        predicted_class=pl.Series(found["predicted"], dtype=pl.String),
        confidence=pl.Series(found["confidence"], dtype=pl.Float64),
        challenger_class=pl.Series(shadow, dtype=pl.String),
    )
    contradiction = (pl.col("confidence") >= threshold) & (
        ((said == "positive") & (pl.col("predicted_class") == "negative"))
        | ((said == "negative") & (pl.col("predicted_class") == "positive"))
    )
    frame = frame.with_columns(
        contradiction=contradiction.fill_null(False),
        model_version=pl.lit(champion.version),
        challenger_version=pl.lit(challenger.version if challenger else None, dtype=pl.String),
    )
    return frame.select(list(VERBATIM_SENTIMENT.with_partition)).cast(VERBATIM_SENTIMENT.with_partition)


@daily_lake_asset(
    VERBATIM_SENTIMENT,
    group_name="verbatims",
    deps=["raw_verbatims"],
    kinds={"mlflow", "polars"},
    description="Satisfaction class (negative/neutral/positive) read from each verbatim by the "
    "registry's champion (candidates trained on scored history, French "
    "representations), the score's own class, contradictions, and the challenger's "
    "class in shadow.",
)
def verbatim_sentiment(
    context: dg.AssetExecutionContext,
    config: SentimentConfig,
    storage: LakehouseStorage,
    embedding_model: EmbeddingModel,
) -> pl.DataFrame:
    registry, days = ModelRegistry(storage.root), context_days(context)
    blocks: dict[date, list[date]] = {}
    for day in days:
        blocks.setdefault(block_start(day, config.retrain_days), []).append(day)
    frames, notes, decisions = [], {}, []
    for start, block_days in blocks.items():
        if texts_of_days(storage, block_days).is_empty():
            continue  # nothing to classify: no model needed
        row, notes[start.isoformat()] = model_for_block(
            start, config, storage, registry, embedding_model, context.log
        )
        if row is not None:
            decisions.append({**row, "partition_date": block_days[0]})
        champion, challenger = sm.serving(registry, start)
        if champion is None:
            continue
        frames.append(
            predict_days(block_days, champion, challenger, storage, config.contradiction_confidence)
        )
    write_decisions(storage, sm.MODEL, decisions, replace_days=days)
    frame = pl.concat(frames) if frames else VERBATIM_SENTIMENT.empty()
    context.add_output_metadata(
        {
            "dagster/row_count": frame.height,
            "blocks": dg.MetadataValue.json(notes),
            "decisions": dg.MetadataValue.json([{k: str(v) for k, v in d.items()} for d in decisions]),
            "contradictions": int(frame["contradiction"].sum()),
            "class_counts": dg.MetadataValue.json(dict(frame["predicted_class"].value_counts().iter_rows())),
        }
    )
    return frame


verbatim_sentiment_checks = [
    *lake_checks(VERBATIM_SENTIMENT),
]
