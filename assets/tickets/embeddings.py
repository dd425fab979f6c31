"""``ticket_embeddings``: one sentence embedding per incident and day, from the cleaned text
(short description and description without greetings, signatures or boilerplate).

Columns: ``number, opened_at, application`` (the ``cmdb_ci``), ``text`` (cleaned),
``model_id``, ``embedding`` (float32 array, unit length) and ``partition_date``.
"""

import dagster as dg
import numpy as np
import polars as pl

from assets.checks.contracts import build_contract_check
from assets.checks.drift import build_drift_check
from assets.partitions import context_days, daily_partitions, single_run
from assets.tickets.history import latest_per_number, with_text
from resources.ml_schemas import TICKET_EMBEDDINGS
from resources.nlp.embeddings import EmbeddingModel

COLUMNS = ["number", "opened_at", "application", "text", "model_id", "embedding", "partition_date"]


def embed_incidents(incidents: pl.DataFrame, model: EmbeddingModel) -> pl.DataFrame:
    """The embeddings frame of ``incidents`` (one day's rows, latest version per number)."""
    frame = with_text(latest_per_number(incidents)).rename({"cmdb_ci": "application"})
    vectors = model.encode(frame["text"].to_list())
    embedding = pl.Series("embedding", vectors.astype(np.float32),
                          dtype=pl.Array(pl.Float32(), vectors.shape[1]))
    return frame.with_columns(embedding, model_id=pl.lit(model.model_id)).select(COLUMNS)


@dg.asset(group_name="tickets", partitions_def=daily_partitions, backfill_policy=single_run,
          io_manager_key="lake_io_manager", kinds={"sentence-transformers", "polars"},
          description="Sentence embeddings of each day's cleaned incident texts.")
def ticket_embeddings(context: dg.AssetExecutionContext, raw_incidents: pl.DataFrame,
                      embedding_model: EmbeddingModel) -> pl.DataFrame:
    frames = [embed_incidents(raw_incidents.filter(pl.col("partition_date") == day), embedding_model)
              for day in context_days(context)]
    out = pl.concat(frames)
    context.add_output_metadata({"dagster/row_count": out.height, "model_id": embedding_model.model_id,
                                 "dimension": int(out.schema["embedding"].size)})
    return out


ticket_embeddings_checks = [
    build_contract_check(TICKET_EMBEDDINGS, daily_partitions),
    build_drift_check("ticket_embeddings", daily_partitions, text=["text"]),
]
