"""``topic_summaries``: per topic and ISO week (week to date on each day; Sunday's file holds
the full week), an extractive summary: the most central verbatims of the topic that week,
near-duplicates removed. With an LLM configured (resource ``llm``, resources/llm.py), an
abstractive summary and suggested actions are added; only redacted text is sent, and the reply
is redacted again before it is stored."""

import json
from datetime import timedelta

import dagster as dg
import numpy as np
import polars as pl

from assets.lake import daily_lake_asset, lake_checks
from assets.verbatims.common import embed_answers, iso_week, texts_of_days
from resources.calendar import context_days
from resources.llm import LLMResource
from resources.ml_schemas import TOPIC_SUMMARIES
from resources.nlp.embeddings import EmbeddingModel
from resources.redaction import redact
from resources.storage import LakehouseStorage

SYSTEM = (
    "Tu es analyste de la satisfaction client d'une banque. À partir de verbatims "
    'clients (données personnelles déjà masquées), réponds en JSON: {"summary": '
    '"2 phrases en français", "actions": ["action concrète", ...]} (3 actions au plus).'
)


def central_texts(
    texts: list[str], vectors: np.ndarray, k: int = 3, duplicate_cosine: float = 0.95
) -> list[int]:
    """Indexes of the ``k`` texts closest to the centroid, skipping near-duplicates."""
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    picked: list[int] = []
    for i in np.argsort(-(vectors @ centroid), kind="stable"):
        folded = " ".join(texts[i].lower().split())
        if any(
            folded == " ".join(texts[j].lower().split()) or float(vectors[i] @ vectors[j]) >= duplicate_cosine
            for j in picked
        ):
            continue
        picked.append(int(i))
        if len(picked) == k:
            break
    return picked


def abstractive(llm: LLMResource, label: str, texts: list[str]) -> tuple[str, str]:
    """(summary, actions as "; "-joined text) from the LLM, redacted again."""
    prompt = f"Thème : {label}\nVerbatims :\n" + "\n".join(f"- {redact(t)[0]}" for t in texts)
    reply = llm.chat(SYSTEM, prompt)
    try:
        parsed = json.loads(reply[reply.index("{") : reply.rindex("}") + 1])
        summary, actions = str(parsed.get("summary", "")), "; ".join(map(str, parsed.get("actions", [])))
    except ValueError:
        summary, actions = reply, ""
    return redact(summary)[0], redact(actions)[0]


def summarise_day(
    day, storage: LakehouseStorage, embedding: EmbeddingModel, llm: LLMResource
) -> pl.DataFrame:
    week_days = [day - timedelta(days=i) for i in range(day.weekday(), -1, -1)]
    assigned = storage.read_days("verbatim_topic_assignments", week_days, strict=False)
    topics = storage.read_days("verbatim_topics", week_days, strict=False)
    if assigned is None or topics is None or assigned.is_empty():
        return TOPIC_SUMMARIES.empty()
    labels = dict(topics.sort("partition_date").select("topic_id", "label").iter_rows())
    answers = texts_of_days(storage, week_days).join(assigned.drop("partition_date"), on="response_id")
    answers = answers.sort("response_id")
    vectors = embed_answers(storage, embedding, answers)
    rows = []
    for topic_id in answers["topic_id"].unique(maintain_order=True):
        mask = (answers["topic_id"] == topic_id).to_numpy()
        members = answers.filter(mask)
        texts = members["text"].to_list()
        central = central_texts(texts, vectors[mask], k=10)
        picked, label = central[:3], labels.get(topic_id, "")
        summary, actions = (
            abstractive(llm, label, [texts[i] for i in central]) if llm.enabled else (None, None)
        )
        rows.append(
            (
                topic_id,
                label,
                iso_week(day),
                members.height,
                " • ".join(texts[i] for i in picked),
                ", ".join(members["response_id"][i] for i in picked),
                summary,
                actions,
                llm.model if llm.enabled else "extractive",
                day,
            )
        )
    return pl.DataFrame(rows, schema=TOPIC_SUMMARIES.with_partition, orient="row")


@daily_lake_asset(
    TOPIC_SUMMARIES,
    group_name="verbatims",
    kinds={"polars"},
    deps=["raw_verbatims", "verbatim_topics", "verbatim_topic_assignments"],
    description="Per topic and ISO week (to date): the most central verbatims, de-duplicated; "
    "plus an LLM summary and suggested actions when APPOPS_LLM_URL is set.",
)
def topic_summaries(
    context: dg.AssetExecutionContext,
    storage: LakehouseStorage,
    embedding_model: EmbeddingModel,
    llm: LLMResource,
) -> pl.DataFrame:
    frame = pl.concat([summarise_day(day, storage, embedding_model, llm) for day in context_days(context)])
    context.add_output_metadata({"dagster/row_count": frame.height, "abstractive": llm.enabled})
    return frame


topic_summaries_checks = [
    *lake_checks(TOPIC_SUMMARIES),
]
