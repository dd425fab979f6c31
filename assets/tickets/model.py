"""The hierarchical ticket model: SetFit for the category, then a subcategory head per category
and an assignment-group head, all on the fine-tuned SetFit body's embeddings (one encoding
per ticket at inference)."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from resources.nlp.precision import inference_context


def fit_head(embeddings: np.ndarray, labels: list[str], seed: int) -> Any:
    """A logistic-regression head, or the label itself when there is only one."""
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) == 1:
        return labels[0]
    return LogisticRegression(max_iter=1000, random_state=seed).fit(embeddings, labels)


def apply_head(head: Any, embeddings: np.ndarray) -> tuple[list[str], list[float]]:
    if isinstance(head, str):
        return [head] * len(embeddings), [1.0] * len(embeddings)
    proba = head.predict_proba(embeddings)
    best = proba.argmax(axis=1)
    return [str(head.classes_[i]) for i in best], proba[np.arange(len(best)), best].tolist()


@dataclass
class TicketModel:
    setfit: Any  # setfit.SetFitModel: body + category head
    subcategory_heads: dict[str, Any] = field(default_factory=dict)  # category -> head
    group_head: Any = None
    meta: dict = field(default_factory=dict)

    def encode(self, texts: list[str]) -> np.ndarray:
        with inference_context():
            vectors = self.setfit.encode(texts, batch_size=64, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def predict(self, texts: list[str]) -> dict[str, list]:
        """Category, subcategory (given the predicted category) and group, with confidences."""
        n = len(texts)
        out: dict[str, list] = {"predicted_category": [], "category_confidence": [],
                                "predicted_subcategory": [None] * n,
                                "subcategory_confidence": [None] * n,
                                "predicted_assignment_group": [None] * n}
        if n == 0:
            return out
        emb = self.encode(texts)
        out["predicted_category"], out["category_confidence"] = apply_head(self.setfit.model_head, emb)
        categories = np.asarray(out["predicted_category"])
        for category, head in self.subcategory_heads.items():
            rows = np.flatnonzero(categories == category)
            if rows.size:
                subs, confs = apply_head(head, emb[rows])
                for i, s, c in zip(rows, subs, confs):
                    out["predicted_subcategory"][i], out["subcategory_confidence"][i] = s, c
        if self.group_head is not None:
            out["predicted_assignment_group"] = apply_head(self.group_head, emb)[0]
        return out

    def save(self, folder: Path) -> None:
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        self.setfit.save_pretrained(str(folder / "setfit"))
        joblib.dump({"subcategory_heads": self.subcategory_heads, "group_head": self.group_head},
                    folder / "heads.joblib")
        (folder / "meta.json").write_text(json.dumps(self.meta, indent=1, default=str))

    @classmethod
    def load(cls, folder: Path) -> "TicketModel":
        import joblib
        from setfit import SetFitModel

        heads = joblib.load(folder / "heads.joblib")
        return cls(setfit=SetFitModel.from_pretrained(str(folder / "setfit"), local_files_only=True),
                   meta=json.loads((folder / "meta.json").read_text()), **heads)
