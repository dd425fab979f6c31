"""Technical documents as searchable passages: runbooks, endoflife.date product pages and
whatever lands in ``landing/docs/``, chunked (``document_chunks``) and embedded
(``document_index``) for the question-answering service."""

import dagster as dg

from assets.knowledge.documents import document_chunks, document_index
from assets.lake import lake_checks
from resources.retrieval.schemas import DOCUMENT_CHUNKS, DOCUMENT_INDEX

defs = dg.Definitions(
    assets=[document_chunks, document_index],
    asset_checks=[
        *lake_checks(DOCUMENT_CHUNKS),
        *lake_checks(DOCUMENT_INDEX),
    ],
)
