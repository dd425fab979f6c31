"""``ticket_embeddings``: one sentence embedding per incident and day, from the cleaned text
(short description and description without greetings, signatures or boilerplate).

Columns: ``number, opened_at, application`` (the ``cmdb_ci``), ``text`` (cleaned),
``model_id``, ``embedding`` (float32 array, unit length) and ``partition_date``.
"""

from datetime import date

import dagster as dg
import numpy as np
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.tickets.history import latest_per_number, with_text
from resources.calendar import context_days, days_before
from resources.ml_schemas import TICKET_EMBEDDINGS
from resources.nlp.embeddings import EmbeddingModel
from resources.progress import progress
from resources.storage import LakehouseStorage

CACHE_DAYS = 30  # an incident updated again within a month reuses its embedding

COLUMNS = ["number", "opened_at", "application", "text", "model_id", "embedding", "partition_date"]


def embed_incidents(
    incidents: pl.DataFrame, model: EmbeddingModel, cache: dict[tuple[str, str], np.ndarray] | None = None
) -> pl.DataFrame:
    """The embeddings frame of ``incidents`` (one day's rows, latest version per number).
    ``cache`` ((number, text) -> vector, filled here): an incident updated on several days with
    the same text is encoded once."""
    frame = with_text(latest_per_number(incidents)).rename({"cmdb_ci": "application"})
    cache = {} if cache is None else cache
    keys = list(zip(frame["number"].to_list(), frame["text"].to_list(), strict=True))
    todo = list(dict.fromkeys(k for k in keys if k not in cache))
    if todo:
        cache.update(zip(todo, model.encode([text for _, text in todo]), strict=True))
    vectors = np.stack([cache[k] for k in keys]) if keys else model.encode([])
    embedding = pl.Series(
        "embedding", vectors.astype(np.float32), dtype=pl.Array(pl.Float32(), vectors.shape[1])
    )
    return frame.with_columns(embedding, model_id=pl.lit(model.model_id)).select(COLUMNS)


def cached_embeddings(
    storage: LakehouseStorage, first: date, model_id: str, days: int = CACHE_DAYS
) -> dict[tuple[str, str], np.ndarray]:
    """(number, text) -> embedding from the lake's ``ticket_embeddings`` of the ``days`` days
    before ``first`` by the same model: the lake is the cache, no other store."""
    known = storage.read_days("ticket_embeddings", days_before(first, days), strict=False)
    if known is None or not known.height:
        return {}
    known = known.filter(pl.col("model_id") == model_id)
    return dict(
        zip(
            zip(known["number"].to_list(), known["text"].to_list(), strict=True),
            known["embedding"].to_numpy(),
            strict=True,
        )
    )


@daily_lake_asset(
    TICKET_EMBEDDINGS,
    group_name="tickets",
    kinds={"sentence-transformers", "polars"},
    description="Sentence embeddings of each day's cleaned incident texts.",
)
def ticket_embeddings(
    context: dg.AssetExecutionContext,
    raw_incidents: pl.DataFrame,
    embedding_model: EmbeddingModel,
    storage: LakehouseStorage,
) -> pl.DataFrame:
    days = context_days(context)
    cache = cached_embeddings(storage, days[0], embedding_model.model_id)
    frames = [
        embed_incidents(raw_incidents.filter(pl.col("partition_date") == day), embedding_model, cache)
        for day in progress(context.log, "ticket_embeddings", days, unit="days")
    ]
    out = pl.concat(frames)
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "model_id": embedding_model.model_id,
            "dimension": int(out.schema["embedding"].size),
        }
    )
    return out


ticket_embeddings_checks = [
    *lake_checks(TICKET_EMBEDDINGS),
]
