"""The public text sets laid out like ``../shared/data`` (``tickets/endava_tickets.csv``,
``tickets/assignment_group_tickets.csv``, ``verbatims/trustpilot_fr_finance_reviews.csv``)
read as (text, label) rows oldest first, for the benchmark and the tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

TASKS = ("endava_category", "assignment_group", "review_sentiment")
LANGUAGE = {"endava_category": "en", "assignment_group": "en", "review_sentiment": "fr"}


def _read(path: Path) -> pl.DataFrame:
    if not path.exists():
        raise FileNotFoundError(f"benchmark data: {path} is missing")
    return pl.read_csv(path, infer_schema=False)


def _text(*cols: str) -> pl.Expr:
    return pl.concat_str([pl.col(c).fill_null("") for c in cols], separator=". ").str.strip_chars(". ")


def sentiment_of_rating(rating: pl.Expr) -> pl.Expr:
    """1-2 negative, 3 neutral, 4-5 positive (the 5-point rule of ``verbatim_sentiment``)."""
    value = rating.cast(pl.Int64, strict=False)
    return (
        pl.when(value >= 4)
        .then(pl.lit("positive"))
        .when(value == 3)
        .then(pl.lit("neutral"))
        .when(value >= 1)
        .then(pl.lit("negative"))
        .otherwise(None)
    )


def load(folder: Path, task: str) -> pl.DataFrame:
    """Columns ``text``, ``label``, oldest first (file order where a set has no dates)."""
    if task == "endava_category":
        frame = _read(folder / "tickets" / "endava_tickets.csv").select(
            text=_text("title", "body"), label=pl.col("category")
        )
    elif task == "assignment_group":
        frame = _read(folder / "tickets" / "assignment_group_tickets.csv").select(
            text=_text("Short description", "Description"), label=pl.col("Assignment group")
        )
    elif task == "review_sentiment":
        frame = (
            _read(folder / "verbatims" / "trustpilot_fr_finance_reviews.csv")
            .with_row_index("_i")
            .sort("Date_review", "_i")
            .select(text=pl.col("Experience").fill_null(""), label=sentiment_of_rating(pl.col("Rating")))
        )
    else:
        raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    return frame.filter(pl.col("label").is_not_null() & (pl.col("text").str.len_chars() > 1))


def hash_split(frame: pl.DataFrame, test_share: float = 0.5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(train, test) by a hash of the text: duplicates stay on one side, order is kept."""
    cut = int(test_share * 1000)
    bucket = [int(hashlib.sha256(t.encode()).hexdigest()[:8], 16) % 1000 for t in frame["text"]]
    marked = frame.with_columns(_b=pl.Series(bucket))
    return (marked.filter(pl.col("_b") >= cut).drop("_b"), marked.filter(pl.col("_b") < cut).drop("_b"))
