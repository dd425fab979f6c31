"""Technical documents as searchable passages: runbooks, endoflife.date product pages and
whatever lands in ``landing/docs/``, chunked (``document_chunks``) and embedded
(``document_index``) for the question-answering service."""

import dagster as dg

from assets.checks.contracts import build_contract_check
from assets.knowledge.documents import document_chunks, document_index
from resources.calendar import daily_partitions
from resources.retrieval.schemas import DOCUMENT_CHUNKS, DOCUMENT_INDEX

defs = dg.Definitions(
    assets=[document_chunks, document_index],
    asset_checks=[
        build_contract_check(DOCUMENT_CHUNKS, daily_partitions),
        build_contract_check(DOCUMENT_INDEX, daily_partitions),
    ],
)
