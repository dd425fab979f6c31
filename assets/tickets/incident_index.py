"""``incident_index``: the day's resolved incidents as the triage service searches them.

One row per incident resolved or closed in the day's updates (its latest version that day):
redacted text (``raw_incidents`` is redacted before it is written), the ``ticket_embeddings``
vector of the same text, category, subcategory, assignment group, CI and close notes. The
service reads the last days of this asset and keeps each incident's newest row.
"""

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.tickets.history import latest_per_number, with_text
from resources.calendar import context_days
from resources.retrieval.schemas import INCIDENT_INDEX

RESOLVED_STATES = ("6", "7", "resolved", "closed", "résolu", "clos")
# the contract's columns, then the vector (its width is the model's) and the partition
COLUMNS = [*INCIDENT_INDEX.columns, "embedding", "partition_date"]


def resolved_incidents(incidents: pl.DataFrame, embeddings: pl.DataFrame) -> pl.DataFrame:
    """Latest version per number of the resolved rows, with the day's embedding of the text."""
    latest = with_text(latest_per_number(incidents))
    resolved = latest.filter(
        pl.col("resolved_at").is_not_null() | pl.col("state").str.to_lowercase().is_in(RESOLVED_STATES)
    )
    vectors = embeddings.select("number", "model_id", "embedding").unique("number", keep="last")
    return resolved.join(vectors, on="number", how="left").select(COLUMNS)


@daily_lake_asset(
    INCIDENT_INDEX,
    group_name="tickets",
    kinds={"polars"},
    description="Resolved incidents with text, embedding, labels and close notes, "
    "for similar-incident search.",
)
def incident_index(
    context: dg.AssetExecutionContext, raw_incidents: pl.DataFrame, ticket_embeddings: pl.DataFrame
) -> pl.DataFrame:
    frames = [
        resolved_incidents(
            raw_incidents.filter(pl.col("partition_date") == day),
            ticket_embeddings.filter(pl.col("partition_date") == day),
        )
        for day in context_days(context)
    ]
    out = pl.concat(frames, how="vertical_relaxed")
    context.add_output_metadata(
        {"dagster/row_count": out.height, "without_embedding": int(out["embedding"].null_count())}
    )
    return out


incident_index_checks = [*lake_checks(INCIDENT_INDEX)]
