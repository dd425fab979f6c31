"""``document_chunks`` and ``document_index``, daily.

``document_chunks`` is the corpus of the day, one row per passage (a snapshot: a document
removed from the landing folder is gone from the next day's file). ``document_index`` holds the
embeddings of the passages that no earlier day has embedded with the same model (keyed by
``chunk_id``, a hash of the document path, position, heading and text): unchanged documents are
never encoded twice, and a day's file stays small. Release-cycle passages (``kind`` release,
about 4,000 of the shipped catalog's) are not embedded unless ``embed_release_cycles``: their
templated sentences are found by their product and cycle words, BM25 alone answers them as well
(``docs/benchmarks.md``), and encoding them would cost minutes on 2 cores. The service joins the newest snapshot with
every day's embeddings.
"""

from collections import Counter
from datetime import date

import dagster as dg
import numpy as np
import polars as pl

from assets.lake import daily_lake_asset
from resources.calendar import context_days
from resources.nlp.embeddings import EmbeddingModel
from resources.progress import progress
from resources.retrieval.corpus import corpus_files, read_corpus
from resources.retrieval.schemas import DOCUMENT_CHUNKS, DOCUMENT_INDEX
from resources.storage import LakehouseStorage


class DocumentsConfig(dg.Config):
    """``include_shipped``: the demo runbooks and the shipped endoflife.date pages are part
    of the corpus (off: landing/docs/ only)."""

    include_shipped: bool = True


@daily_lake_asset(
    DOCUMENT_CHUNKS,
    group_name="knowledge",
    kinds={"polars"},
    description="Passages of the day's documents (runbooks, product pages, landing/docs/), "
    "headings and front matter kept.",
)
def document_chunks(
    context: dg.AssetExecutionContext, config: DocumentsConfig, storage: LakehouseStorage
) -> pl.DataFrame:
    frames, errors, redacted, parsed = [], set(), Counter(), {}
    for day in progress(context.log, "document_chunks", context_days(context), unit="days"):
        counts = Counter()
        frame, day_errors = read_corpus(
            corpus_files(storage.landing("docs"), day, shipped=config.include_shipped), counts, parsed
        )
        redacted = counts  # the last day's counts: days share most files, a sum would repeat them
        errors |= set(day_errors)
        frames.append(frame.with_columns(partition_date=pl.lit(day, pl.Date)))
    for error in sorted(errors):
        context.log.error(f"document skipped: {error}")
    out = pl.concat(frames)
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "documents": int(out["path"].n_unique()) if out.height else 0,
            "unreadable_documents": len(errors),
            "errors": "\n".join(sorted(errors))[:2000],
            **{f"sanitized/{k}": v for k, v in sorted(redacted.items())},
        }
    )
    return out


def embedded_before(storage: LakehouseStorage, day: date, model_id: str) -> set[str]:
    """``chunk_id``s some day before ``day`` has embedded with ``model_id``."""
    done: set[str] = set()
    for earlier in (d for d in storage.lake_days("document_index") if d < day):
        frame = storage.read_days("document_index", [earlier], strict=True)  # one model's width each
        if frame.height:
            done |= set(frame.filter(pl.col("model_id") == model_id)["chunk_id"].to_list())
    return done


class IndexConfig(dg.Config):
    """``embed_release_cycles``: embed the release-cycle passages too."""

    embed_release_cycles: bool = False


@daily_lake_asset(
    DOCUMENT_INDEX,
    group_name="knowledge",
    kinds={"sentence-transformers", "polars"},
    description="Embeddings of the passages not embedded on an earlier day (incremental).",
)
def document_index(
    context: dg.AssetExecutionContext,
    config: IndexConfig,
    document_chunks: pl.DataFrame,
    storage: LakehouseStorage,
    embedding_model: EmbeddingModel,
) -> pl.DataFrame:
    days = context_days(context)
    if not config.embed_release_cycles:
        document_chunks = document_chunks.filter(pl.col("kind") != "release")
    done = embedded_before(storage, days[0], embedding_model.model_id)
    frames = []
    for day in progress(context.log, "document_index", days, unit="days"):
        todo = (
            document_chunks.filter(pl.col("partition_date") == day)
            .filter(~pl.col("chunk_id").is_in(list(done)))
            .unique("chunk_id", keep="first", maintain_order=True)
        )
        texts = [f"{t}. {h}. {x}" for t, h, x in todo.select("title", "heading", "text").iter_rows()]
        vectors = embedding_model.encode(texts)
        frames.append(
            pl.DataFrame(
                {
                    "chunk_id": todo["chunk_id"],
                    "path": todo["path"],
                    "model_id": [embedding_model.model_id] * todo.height,
                    "embedding": pl.Series(
                        "embedding",
                        vectors.astype(np.float32),
                        dtype=pl.Array(pl.Float32(), vectors.shape[1]),
                    ),
                    "partition_date": [day] * todo.height,
                },
                schema_overrides={"partition_date": pl.Date},
            )
        )
        done |= set(todo["chunk_id"].to_list())
    out = pl.concat(frames)
    context.add_output_metadata(
        {
            "dagster/row_count": out.height,
            "model_id": embedding_model.model_id,
            "passages_considered": document_chunks.height,
        }
    )
    return out
