"""Question answering over document passages: hybrid retrieval, an extractive answer sentence
(offline, always), and a generated answer citing the passages when an LLM is configured.

The extractive answer is the sentence of the best passages that shares the most words with
the question (the words of its passage's headings count half: a runbook section titled with
the symptom answers in sentences that do not repeat it), with a bonus when it states what the question asks for (an end-of-life date, a
latest release, a support end) and a small preference for higher-ranked passages. Only
redacted text is sent to an LLM and its reply is redacted again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from resources.redaction import redact
from resources.retrieval.hybrid import HybridIndex, tokenize

CHUNK_COLUMNS = ("path", "title", "heading", "text", "position", "fields", "chunk_id")
INTENTS = {  # question words -> words the answering sentence should contain
    "end of life": ("end", "life"),
    "eol": ("end", "life"),
    "latest": ("latest",),
    "newest": ("latest",),
    "active support": ("active", "support"),
    "extended support": ("extended", "support"),
    "released": ("released",),
    "release date": ("released",),
    "lts": ("lts",),
    "codename": ("code-named",),
}
SYSTEM_PROMPT = (
    "You answer questions about IT operations from the numbered passages only. "
    "Cite passages as [1], [2]. If the passages do not answer, say so."
)


@dataclass
class Passage:
    path: str
    heading: str
    text: str
    score: float
    title: str = ""


class DocumentIndex:
    """Chunks (``CHUNK_COLUMNS`` + optional ``embedding``) ready for hybrid search."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame
        self.rows = frame.select([c for c in CHUNK_COLUMNS if c in frame.columns]).to_dicts()
        texts = [f"{r.get('title', '')}. {r.get('heading', '')}. {r['text']}" for r in self.rows]
        embeddings = (
            np.asarray(frame["embedding"].to_list(), dtype=np.float32)
            if "embedding" in frame.columns and frame.height and frame["embedding"].null_count() == 0
            else None
        )
        self.search_index = HybridIndex(texts, embeddings)
        self.has_embeddings = embeddings is not None

    def __len__(self) -> int:
        return len(self.rows)

    def retrieve(
        self, questions: list[str], vectors: np.ndarray | None = None, top_k: int = 5
    ) -> list[list[Passage]]:
        hits = self.search_index.search(questions, vectors, k=top_k, candidates=max(50, top_k))
        return [
            [
                Passage(
                    self.rows[h.row]["path"],
                    self.rows[h.row]["heading"],
                    self.rows[h.row]["text"],
                    round(h.score, 6),
                    self.rows[h.row].get("title", ""),
                )
                for h in q
            ]
            for q in hits
        ]


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n\s*\n|\n[-*] ", text)
    return [p.strip() for p in parts if len(p.strip()) > 3]


def extractive_answer(question: str, passages: list[Passage], depth: int = 3) -> str | None:
    """The sentence of the top ``depth`` passages that best answers ``question``."""
    q_tokens = set(tokenize([question])[0])
    wanted = {w for key, words in INTENTS.items() if key in question.lower() for w in words}
    best, best_score = None, 0.0
    for rank, passage in enumerate(passages[:depth]):
        context = len(q_tokens & set(tokenize([passage.heading])[0]))
        for sentence in sentences(passage.text):
            s_tokens = set(tokenize([sentence])[0])
            overlap = len(q_tokens & s_tokens)
            intent = len(wanted & s_tokens) / len(wanted) if wanted else 0.0
            score = overlap + 0.5 * context + 2.0 * intent - 0.1 * rank
            if (overlap or context) and score > best_score:
                best, best_score = sentence, score
    return best


def numbered_context(passages: list[Passage]) -> str:
    return "\n\n".join(
        f"[{i}] {p.path} — {p.heading}\n{redact(p.text)[0]}" for i, p in enumerate(passages, 1)
    )


def generated_answer(llm, question: str, passages: list[Passage]) -> str | None:
    """The LLM's answer citing passages; None when no LLM is configured. Redacted both ways."""
    if llm is None or not getattr(llm, "enabled", False) or not passages:
        return None
    user = f"Question: {redact(question)[0]}\n\nPassages:\n{numbered_context(passages)}"
    reply = llm.chat(SYSTEM_PROMPT, user)
    return redact(reply)[0]
