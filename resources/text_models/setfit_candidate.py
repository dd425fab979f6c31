"""SetFit as a candidate: contrastive fine-tuning of the sentence encoder on a class-balanced
resample of *all* labelled rows (every class drawn equally often, no per-label cap), then a
class-balanced logistic-regression head fitted on every row's fine-tuned embedding.

The cost is bounded by ``steps`` (x 16 pairs) and ``max_length`` tokens. Only the top
``trainable_layers`` transformer layers are tuned; the rest of the encoder (embeddings
included) stays the base's, bit for bit. So the artefact holds the head (in the pickle), the
tuned layers' tensors (``setfit_layers.safetensors``, about 7 MB per layer for MiniLM) and a
*reference* to the base encoder with a fingerprint of the tensors taken from it
(``setfit_base.json``), not a full copy of the encoder (88 MB for MiniLM): every SetFit
version shares the one encoder installed on the machine, as the heads on frozen embeddings
do. Loading rebuilds the body from the base and refuses a base whose tensors changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from resources.text_models.base import SEED, TextModel, _logreg


class SetFitText(TextModel):
    name = "setfit"

    def __init__(
        self,
        encoder_path: str = "",
        steps: int = 40,
        max_length: int = 96,
        pairs_per_class: int = 64,
        trainable_layers: int = 2,
    ):
        self.encoder_path, self.steps, self.max_length = encoder_path, steps, max_length
        self.pairs_per_class, self.trainable_layers = pairs_per_class, trainable_layers
        self.body, self.head = None, _logreg()

    def _encode(self, texts):
        from resources.nlp.precision import inference_context

        with inference_context():
            vectors = self.body.encode(
                list(texts),
                batch_size=64,
                show_progress_bar=False,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )
        return np.asarray(vectors, dtype=np.float32)

    def fit(self, texts, labels):
        from resources.nlp.embeddings import default_model_path
        from resources.nlp.fewshot import train_setfit

        texts, labels = list(texts), list(labels)
        rng = np.random.default_rng(SEED)
        by_class: dict[str, list[int]] = {}
        for i, label in enumerate(labels):
            by_class.setdefault(label, []).append(i)
        sample = [
            int(i)
            for rows in by_class.values()
            for i in rng.choice(rows, size=self.pairs_per_class, replace=len(rows) < self.pairs_per_class)
        ]
        setfit = train_setfit(
            [texts[i] for i in sample],
            [labels[i] for i in sample],
            model_path=self.encoder_path or default_model_path(),
            seed=SEED,
            num_iterations=1,
            batch_size=16,
            epochs=1,
            max_steps=self.steps,
            max_length=self.max_length,
            trainable_layers=self.trainable_layers,
        )
        self.body = setfit.model_body
        self.head.fit(self._encode(texts), labels)
        self.classes_ = np.asarray(self.head.classes_)
        return self

    def predict_proba(self, texts):
        return self.head.predict_proba(self._encode(texts))

    def describe(self) -> dict:
        return {
            "candidate": self.name,
            "base_encoder": self.encoder_path or "bundled MiniLM",
            "steps": self.steps,
            "trainable_layers": self.trainable_layers,
        }

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "body"}

    def _base_path(self) -> str:
        from resources.nlp.embeddings import default_model_path

        return self.encoder_path or default_model_path()  # resolved where it is loaded

    def save_extra(self, folder: Path) -> None:
        """The tensors training changed and a reference to the base for all the others."""
        from safetensors.torch import save_file

        from resources.nlp.embeddings import load_sentence_model

        base = load_sentence_model(self._base_path(), "cpu").state_dict()
        tuned = self.body.state_dict()
        changed = {k: v.detach().contiguous() for k, v in tuned.items() if not v.equal(base[k])}
        save_file(changed, str(folder / "setfit_layers.safetensors"))
        reference = {
            "base_encoder": self.encoder_path,  # "" = the bundled MiniLM of the loading machine
            "base_fingerprint": _fingerprint(base, exclude=changed),
            "max_seq_length": self.body.max_seq_length,
        }
        (folder / "setfit_base.json").write_text(json.dumps(reference, indent=1))

    def load_extra(self, folder: Path) -> None:
        from safetensors.torch import load_file
        from sentence_transformers import SentenceTransformer

        if (folder / "setfit_body").is_dir():  # a version saved with the full encoder copy
            self.body = SentenceTransformer(str(folder / "setfit_body"), device="cpu")
            return
        reference = json.loads((folder / "setfit_base.json").read_text())
        body = SentenceTransformer(self._base_path(), device="cpu")  # a fresh copy: tuned below
        changed = load_file(str(folder / "setfit_layers.safetensors"))
        found = _fingerprint(body.state_dict(), exclude=changed)
        if found != reference["base_fingerprint"]:
            raise ValueError(
                f"SetFit artefact {folder}: the base encoder {self._base_path()!r} is not the one "
                f"this model was tuned from (fingerprint {found} != {reference['base_fingerprint']})"
            )
        _, unexpected = body.load_state_dict(changed, strict=False)
        if unexpected:
            raise ValueError(f"SetFit artefact {folder}: tensors {unexpected} are not in the base encoder")
        body.max_seq_length = reference["max_seq_length"]
        self.body = body


def _fingerprint(state: dict, exclude: dict) -> str:
    """sha256 of the base tensors a SetFit artefact relies on (every one it does not hold)."""
    digest = hashlib.sha256()
    for name in sorted(set(state) - set(exclude)):
        tensor = state[name].detach().contiguous().cpu()
        digest.update(name.encode())
        digest.update(tensor.numpy().tobytes())
    return digest.hexdigest()[:16]
