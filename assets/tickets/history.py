"""Ticket history read back from the lake: one row per incident (its latest version), with
the cleaned text that every ticket model reads."""

from datetime import date

import polars as pl

from resources.calendar import days_through
from resources.nlp.text import clean_ticket_text
from resources.schemas import RAW_INCIDENTS
from resources.storage import LakehouseStorage


def with_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``text``: short description and description, greetings/signatures/boilerplate removed."""
    texts = [
        clean_ticket_text(s, d)
        for s, d in zip(frame["short_description"].to_list(), frame["description"].to_list())
    ]
    return frame.with_columns(text=pl.Series("text", texts, dtype=pl.String))


def latest_per_number(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep the last update of each incident (a ticket is updated on several days)."""
    return (
        frame.sort("sys_updated_on", "partition_date", nulls_last=False)
        .unique("number", keep="last", maintain_order=True)
        .sort("opened_at", "number")
    )


def read_history(storage: LakehouseStorage, days: list[date], window_days: int) -> pl.DataFrame:
    """Every raw incident row a run over ``days`` needs (``window_days`` before each), with text."""
    frame = storage.read_days(
        "raw_incidents", days_through(days[-1], window_days + len(days) - 1), strict=False
    )
    if frame is None or frame.height == 0:
        return pl.DataFrame(schema={**RAW_INCIDENTS.with_partition, "text": pl.String()})
    return with_text(frame)


def as_of(history: pl.DataFrame, day: date, window_days: int) -> pl.DataFrame:
    """The incidents updated in the ``window_days`` days up to ``day``, as last known that day."""
    return latest_per_number(history.filter(pl.col("partition_date").is_in(days_through(day, window_days))))
