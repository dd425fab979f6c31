"""Frozen text representations shared by candidates: a sentence-transformers model (any
path; the bundled MiniLM by default) or spaCy word vectors (``fr_core_news_md`` for French).

A model keeps only a *reference* to its encoder (kind + name), never the encoder's weights:
the artefact of a head on frozen embeddings is a few kilobytes, and every model version
shares the one encoder installed on the machine. Encodings are memoised per process by text
hash, so candidates, the ensemble and the refit on all rows encode each text once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_MEMO: dict[tuple[str, str], np.ndarray] = {}
_MEMO_LIMIT = 200_000
MAX_TOKENS = 128  # what a ticket or review says first decides its class; bounds the cost


@dataclass(frozen=True)
class EncoderRef:
    kind: str  # "sentence" or "spacy"
    name: str  # a sentence-transformers path/name, or a spaCy package name

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


def sentence_ref(path: str = "") -> EncoderRef:
    """The sentence-transformers model at ``path``; empty means the bundled MiniLM."""
    if not path:
        from resources.nlp.embeddings import default_model_path

        path = default_model_path()
    return EncoderRef("sentence", path)


def spacy_ref(name: str = "fr_core_news_md") -> EncoderRef:
    return EncoderRef("spacy", name)


@lru_cache(maxsize=2)
def _spacy(name: str):
    import spacy

    return spacy.load(
        name, exclude=["tagger", "parser", "ner", "lemmatizer", "morphologizer", "attribute_ruler", "senter"]
    )


def _encode_now(ref: EncoderRef, texts: list[str]) -> np.ndarray:
    if ref.kind == "spacy":
        nlp = _spacy(ref.name)
        vectors = np.stack([nlp.make_doc(t).vector for t in texts]).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)
    from resources.nlp.embeddings import load_sentence_model
    from resources.nlp.precision import inference_context

    model = load_sentence_model(ref.name, "cpu")
    model.max_seq_length = min(model.max_seq_length or MAX_TOKENS, MAX_TOKENS)
    with inference_context():
        vectors = model.encode(
            texts, batch_size=64, show_progress_bar=False, normalize_embeddings=True, convert_to_numpy=True
        )
    return np.asarray(vectors, dtype=np.float32)


def forget_encodings() -> None:
    """Empty the per-process memo (a benchmark measuring the encoder itself starts from it)."""
    _MEMO.clear()


def encode(ref: EncoderRef, texts: list[str]) -> np.ndarray:
    """One L2-normalised row per text (memoised by text hash)."""
    keys = [(ref.key, hashlib.sha1(t.encode()).hexdigest()) for t in texts]
    missing = sorted({i for i, k in enumerate(keys) if k not in _MEMO}, key=lambda i: keys[i])
    unique = {keys[i]: texts[i] for i in missing}
    if unique:
        if len(_MEMO) > _MEMO_LIMIT:
            _MEMO.clear()
        vectors = _encode_now(ref, list(unique.values()))
        _MEMO.update(zip(unique.keys(), vectors))
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([_MEMO[k] for k in keys])
