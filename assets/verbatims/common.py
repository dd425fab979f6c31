"""What the verbatim assets share: the texts of a set of days and their cached embeddings,
the score's own class, the sentiment classes, and the ISO-week / training-block arithmetic."""

import hashlib
import io
from datetime import date, timedelta

import numpy as np
import polars as pl

from resources.calendar import first_day
from resources.nlp.text import PLACEHOLDER
from resources.storage import LakehouseStorage

CLASSES = ("negative", "neutral", "positive")
# The score's own class, and the sentiment class it stands for.
SCORE_TO_SENTIMENT = {
    "detractor": "negative",
    "passive": "neutral",
    "promoter": "positive",
    "negative": "negative",
    "neutral": "neutral",
    "positive": "positive",
}


def score_class() -> pl.Expr:
    """NPS rule on a 10-point scale (0-6 detractor, 7-8 passive, 9-10 promoter); on a 5-point
    scale 1-2 negative, 3 neutral, 4-5 positive. Null without a score."""
    score, scale = pl.col("score"), pl.col("score_scale")
    return (
        pl.when(score.is_null())
        .then(None)
        .when(scale == 10)
        .then(
            pl.when(score >= 9)
            .then(pl.lit("promoter"))
            .when(score >= 7)
            .then(pl.lit("passive"))
            .otherwise(pl.lit("detractor"))
        )
        .otherwise(
            pl.when(score >= 4)
            .then(pl.lit("positive"))
            .when(score == 3)
            .then(pl.lit("neutral"))
            .otherwise(pl.lit("negative"))
        )
    )


def clean_text(text: str) -> str:
    """The verbatim without redaction placeholders, spaces collapsed."""
    return " ".join(PLACEHOLDER.sub(" ", text).split())


def texts_of_days(storage: LakehouseStorage, days: list[date]) -> pl.DataFrame:
    """Answers of ``days`` (from the lake) that have text, with ``text`` (cleaned),
    ``score_class`` and ``label`` (the sentiment class the score stands for)."""
    raw = storage.read_days("raw_verbatims", days, strict=False)
    if raw is None:
        return pl.DataFrame(
            schema={
                "response_id": pl.String,
                "text": pl.String,
                "score_class": pl.String,
                "label": pl.String,
                "channel": pl.String,
                "agency": pl.String,
                "product": pl.String,
                "partition_date": pl.Date,
            }
        )
    frame = raw.with_columns(
        text=pl.col("verbatim").map_elements(clean_text, return_dtype=pl.String), score_class=score_class()
    )
    frame = frame.with_columns(
        label=pl.col("score_class").replace_strict(SCORE_TO_SENTIMENT, default=None, return_dtype=pl.String)
    )
    return (
        frame.filter(pl.col("text").str.len_chars() > 0)
        .select(
            "response_id", "text", "score_class", "label", "channel", "agency", "product", "partition_date"
        )
        .sort("partition_date", "response_id")
    )


def block_start(day: date, block_days: int) -> date:
    """Start of the ``block_days``-long block (counted from the first partition) holding ``day``."""
    origin = first_day()
    return origin + timedelta(days=((day - origin).days // block_days) * block_days)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def embed_answers(storage: LakehouseStorage, embedding, answers: pl.DataFrame) -> np.ndarray:
    """Embeddings of ``answers["text"]``, cached per day under models/verbatim_embeddings/ by
    model and text hash: a daily run embeds only its new day, not the whole window again."""
    folder = storage.models(
        "verbatim_embeddings", hashlib.sha256(embedding.model_id.encode()).hexdigest()[:12]
    )
    keys = [hashlib.sha256(t.encode()).hexdigest()[:16] for t in answers["text"]]
    out: list[np.ndarray | None] = [None] * answers.height
    for day in answers["partition_date"].unique().sort():
        rows = np.flatnonzero((answers["partition_date"] == day).to_numpy())
        path = folder / f"{day.isoformat()}.npz"
        cached = {}
        if path.exists():
            with np.load(io.BytesIO(path.read_bytes())) as stored:
                cached = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        missing = [i for i in rows if keys[i] not in cached]
        if missing:
            vectors = embedding.encode([answers["text"][int(i)] for i in missing])
            cached.update(zip((keys[i] for i in missing), vectors, strict=True))
            buffer = io.BytesIO()
            np.savez(
                buffer,
                keys=np.array([keys[i] for i in rows]),
                vectors=np.stack([cached[keys[i]] for i in rows]),
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(buffer.getvalue())
        for i in rows:
            out[i] = cached[keys[i]]
    if not out:
        return embedding.encode([])
    return np.stack(out).astype(np.float32)
