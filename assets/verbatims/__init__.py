"""Customer verbatims from IRC Flash surveys: redacted raw answers, satisfaction classes,
topics, entities and weekly topic summaries (optional LLM: resources/llm.py)."""

import dagster as dg

from assets.verbatims.entities import verbatim_entities, verbatim_entities_checks
from assets.verbatims.raw import raw_verbatims, raw_verbatims_checks
from assets.verbatims.sentiment import verbatim_sentiment, verbatim_sentiment_checks
from assets.verbatims.summaries import topic_summaries, topic_summaries_checks
from assets.verbatims.topics import verbatim_topics, verbatim_topics_checks

defs = dg.Definitions(
    assets=[raw_verbatims, verbatim_sentiment, verbatim_entities, verbatim_topics, topic_summaries],
    asset_checks=[
        *raw_verbatims_checks,
        *verbatim_sentiment_checks,
        *verbatim_entities_checks,
        *verbatim_topics_checks,
        *topic_summaries_checks,
    ],
)
