"""``verbatim_entities``: channels, products, agencies and problems each verbatim names, with
the answer's sentiment, so that BI can count mentions per entity and sentiment."""

import dagster as dg
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.verbatims.common import SCORE_TO_SENTIMENT, texts_of_days
from assets.verbatims.gazetteer import Gazetteer
from resources.calendar import context_days
from resources.ml_schemas import VERBATIM_ENTITIES
from resources.storage import LakehouseStorage


def extract(answers: pl.DataFrame, sentiment: pl.DataFrame | None, gazetteer: Gazetteer) -> pl.DataFrame:
    """One row per answer and entity it names. ``sentiment`` is the predicted class, or the
    score's class where no prediction exists."""
    predicted = (
        sentiment.select("response_id", "predicted_class")
        if sentiment is not None
        else pl.DataFrame(schema={"response_id": pl.String, "predicted_class": pl.String})
    )
    answers = answers.join(predicted, on="response_id", how="left")
    rows = [
        (
            r["response_id"],
            kind,
            entity,
            r["predicted_class"] or SCORE_TO_SENTIMENT.get(r["score_class"] or ""),
            r["score_class"],
            r["channel"],
            r["partition_date"],
        )
        for r in answers.iter_rows(named=True)
        for kind, entity in gazetteer.find(r["text"])
    ]
    return pl.DataFrame(rows, schema=VERBATIM_ENTITIES.with_partition, orient="row")


@daily_lake_asset(
    VERBATIM_ENTITIES,
    group_name="verbatims",
    deps=["raw_verbatims", "verbatim_sentiment"],
    kinds={"polars"},
    description="Channels, products, agencies and problems named in each verbatim (gazetteer "
    "resources/gazetteer/verbatims.yaml plus patterns), with the answer's sentiment.",
)
def verbatim_entities(context: dg.AssetExecutionContext, storage: LakehouseStorage) -> pl.DataFrame:
    days = context_days(context)
    frame = extract(
        texts_of_days(storage, days),
        storage.read_days("verbatim_sentiment", days, strict=False),
        Gazetteer.load(),
    )
    counts = frame.group_by("entity_type", "entity", "sentiment").len().sort("len", descending=True).head(20)
    context.add_output_metadata(
        {
            "dagster/row_count": frame.height,
            "top_entities": dg.MetadataValue.md(
                counts.to_pandas().to_markdown(index=False) if counts.height else "_none_"
            ),
        }
    )
    return frame


verbatim_entities_checks = [
    *lake_checks(VERBATIM_ENTITIES),
]
