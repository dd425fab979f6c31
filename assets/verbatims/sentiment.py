"""``verbatim_sentiment``: satisfaction class of each answer's text, beside its score's class.

Days are grouped in training blocks (``retrain_days``, counted from the first partition); each
block's model is trained on the ``history_days`` before the block (never on what it
predicts), stored under models/verbatim_sentiment/<version>/ and reused by any later run of the
block. While history is too thin (the first block), the block's own days that are in the lake
train it, and ``trained_in_sample`` says so. An answer whose text contradicts its score (a
promoter whose text reads negative, or the reverse) with ``contradiction_confidence`` is flagged.
"""

from datetime import date, timedelta

import dagster as dg
import polars as pl

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.partitions import context_days, daily_partitions, single_run
from assets.verbatims import sentiment_model as sm
from assets.verbatims.common import SCORE_TO_SENTIMENT, block_start, days_before, texts_of_days
from resources.ml_schemas import VERBATIM_SENTIMENT
from resources.nlp.embeddings import EmbeddingModel
from resources.storage import LakehouseStorage

MIN_TRAIN = 60


class SentimentConfig(dg.Config):
    model: str = "setfit"  # or "tfidf" (the baseline alone)
    retrain_days: int = 28
    history_days: int = 90
    max_per_class: int = 64
    setfit_steps: int = 24  # contrastive steps of 16 pairs: ~20 s on 2 cores
    contradiction_confidence: float = 0.7


def model_for_block(start: date, config: SentimentConfig, storage: LakehouseStorage,
                    embedding: EmbeddingModel, log) -> tuple[sm.SentimentModel, bool]:
    """The block's model (loaded when stored, else trained and stored); True when in-sample."""
    history = texts_of_days(storage, days_before(start, config.history_days))
    in_sample = history.filter(pl.col("label").is_not_null()).height < MIN_TRAIN
    if in_sample:
        block = [start + timedelta(days=i) for i in range(config.retrain_days)]
        history = pl.concat([history, texts_of_days(storage, block)])
    train, held_out = sm.split_history(history, config.max_per_class)
    if train["label"].n_unique() < 2:
        raise ValueError(f"verbatim_sentiment: block from {start}: need scored verbatims of at "
                         f"least 2 classes in raw_verbatims to train, found {train.height} rows")
    version = sm.version_of(config.model, start.isoformat(), train)
    fitted = sm.load(storage, version, config.model)
    if fitted is None:
        log.info(f"verbatim_sentiment: training {version} on {train.height} answers")
        fitted = sm.fit(config.model, train, held_out, embedding.name_or_path,
                        config.setfit_steps, version)
        sm.save(storage, fitted)
    return fitted, in_sample


def predict_days(days: list[date], fitted: sm.SentimentModel, storage: LakehouseStorage,
                 threshold: float) -> pl.DataFrame:
    answers = texts_of_days(storage, days)
    classes, confidence = fitted.predict(answers["text"].to_list())
    said = pl.col("score_class").replace_strict(SCORE_TO_SENTIMENT, default=None)
    frame = answers.with_columns(predicted_class=pl.Series(classes, dtype=pl.String),
                                 confidence=pl.Series(confidence, dtype=pl.Float64))
    contradiction = (pl.col("confidence") >= threshold) & (
        ((said == "positive") & (pl.col("predicted_class") == "negative"))
        | ((said == "negative") & (pl.col("predicted_class") == "positive")))
    frame = frame.with_columns(contradiction=contradiction.fill_null(False),
                               model_version=pl.lit(fitted.version))
    return frame.select(list(VERBATIM_SENTIMENT.with_partition)).cast(
        VERBATIM_SENTIMENT.with_partition)


@dg.asset(
    group_name="verbatims", partitions_def=daily_partitions, backfill_policy=single_run,
    io_manager_key="lake_io_manager", deps=["raw_verbatims"], kinds={"setfit", "polars"},
    description="Satisfaction class (negative/neutral/positive) read from each verbatim by a "
                "SetFit model trained on scored history, the score's own class (NPS detractor/"
                "passive/promoter, or negative/neutral/positive on 1-5) and contradictions.")
def verbatim_sentiment(context: dg.AssetExecutionContext, config: SentimentConfig,
                       storage: LakehouseStorage, embedding_model: EmbeddingModel) -> pl.DataFrame:
    days = context_days(context)
    blocks: dict[date, list[date]] = {}
    for day in days:
        blocks.setdefault(block_start(day, config.retrain_days), []).append(day)
    frames, models = [], {}
    for start, block_days in blocks.items():
        if texts_of_days(storage, block_days).is_empty():
            continue  # nothing to classify: no model needed
        fitted, in_sample = model_for_block(start, config, storage, embedding_model, context.log)
        models[fitted.version] = {**fitted.metrics, "trained_in_sample": in_sample}
        frames.append(predict_days(block_days, fitted, storage, config.contradiction_confidence))
    frame = pl.concat(frames) if frames else VERBATIM_SENTIMENT.empty()
    last = models[list(models)[-1]] if models else {}
    context.add_output_metadata({
        "dagster/row_count": frame.height,
        "models": dg.MetadataValue.json(models),
        **{k: last[k] for k in ("macro_f1", "baseline_macro_f1") if k in last},
        "contradictions": int(frame["contradiction"].sum()),
        "class_counts": dg.MetadataValue.json(
            dict(frame["predicted_class"].value_counts().iter_rows())),
    })
    return frame


verbatim_sentiment_checks = [
    build_contract_check(VERBATIM_SENTIMENT, daily_partitions),
    build_drift_check("verbatim_sentiment", daily_partitions, numeric=["confidence"],
                      categorical=["predicted_class", "score_class", "contradiction"]),
]
