"""The satisfaction classifier of verbatims: trained on scored history, stored as a versioned
artifact, evaluated beside a TF-IDF baseline on held-out history.

The label is the sentiment class the score stands for (a detractor's text is "negative"), so
the model learns to read satisfaction from text alone and can classify unscored comments.
SetFit (contrastive fine-tuning of the sentence-embedding body, then a logistic head) is the
model; ``kind="tfidf"`` uses the baseline itself (no torch, for tiny machines and tests).
"""

import hashlib
import json
import pickle
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from assets.verbatims.common import CLASSES
from resources.model_files import readable_dir, remove_dir, writable_dir
from resources.nlp.fewshot import evaluate, tfidf_baseline, train_setfit
from resources.nlp.precision import inference_context
from resources.storage import LakehouseStorage

SEED = 42
KEEP_VERSIONS = 6  # a SetFit model is ~90 MB: older versions are removed


@dataclass
class SentimentModel:
    version: str
    kind: str
    model: object
    metrics: dict = field(default_factory=dict)

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Predicted class and its probability for each text."""
        if not texts:
            return [], np.zeros(0)
        if self.kind == "setfit":
            with inference_context():
                proba = np.asarray(self.model.predict_proba(texts, batch_size=64), dtype=float)
            classes = list(self.model.model_head.classes_)
        else:
            proba = self.model.predict_proba(texts)
            classes = list(self.model.classes_)
        best = proba.argmax(axis=1)
        return [str(classes[i]) for i in best], proba[np.arange(len(texts)), best]


def split_history(history: pl.DataFrame, max_per_class: int, eval_share: float = 0.2
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A class-balanced training sample (at most ``max_per_class`` each) and a held-out set."""
    labelled = history.filter(pl.col("label").is_not_null()).unique("response_id", keep="last")
    labelled = labelled.sort("response_id").sample(fraction=1.0, shuffle=True, seed=SEED)
    n_eval = int(labelled.height * eval_share)
    held_out, pool = labelled.head(n_eval), labelled.tail(labelled.height - n_eval)
    train = pool.group_by("label", maintain_order=True).head(max_per_class).sort("response_id")
    return train, held_out


def version_of(kind: str, start: str, train: pl.DataFrame) -> str:
    digest = hashlib.sha256("\n".join(train["response_id"]).encode()).hexdigest()[:10]
    return f"{start}_{kind}_{digest}"


def fit(kind: str, train: pl.DataFrame, held_out: pl.DataFrame, model_path: str,
        setfit_steps: int, version: str) -> SentimentModel:
    texts, labels = train["text"].to_list(), train["label"].to_list()
    baseline = tfidf_baseline(texts, labels)
    if kind == "setfit":
        model = train_setfit(texts, labels, model_path=model_path, seed=SEED, num_iterations=5,
                             batch_size=16, epochs=1, max_steps=setfit_steps)
    else:
        model = baseline
    fitted = SentimentModel(version=version, kind=kind, model=model)
    metrics = {"n_train": train.height, "n_eval": held_out.height}
    if held_out.height:
        truth = held_out["label"].to_list()
        metrics["macro_f1"] = evaluate(truth, fitted.predict(held_out["text"].to_list())[0],
                                       list(CLASSES))["macro_f1"]
        metrics["baseline_macro_f1"] = evaluate(
            truth, list(baseline.predict(held_out["text"].to_list())), list(CLASSES))["macro_f1"]
    fitted.metrics = metrics
    return fitted


def save(storage: LakehouseStorage, fitted: SentimentModel) -> None:
    """Write the model under models/verbatim_sentiment/<version>/ (any fsspec root), keeping
    the ``KEEP_VERSIONS`` newest."""
    with writable_dir(storage.models("verbatim_sentiment", fitted.version), "metrics.json") as folder:
        if fitted.kind == "setfit":
            fitted.model.save_pretrained(str(folder))
        else:
            (folder / "tfidf.pkl").write_bytes(pickle.dumps(fitted.model))
        (folder / "metrics.json").write_text(json.dumps(fitted.metrics))
    versions = sorted(p.name for p in storage.models("verbatim_sentiment").iterdir())
    for old in versions[:-KEEP_VERSIONS]:
        remove_dir(storage.models("verbatim_sentiment", old))


def load(storage: LakehouseStorage, version: str, kind: str) -> SentimentModel | None:
    """The stored model of ``version``, or None when it is not there."""
    target = storage.models("verbatim_sentiment", version)
    if not (target / "metrics.json").exists():
        return None
    metrics = json.loads((target / "metrics.json").read_text())
    if kind == "tfidf":
        return SentimentModel(version, kind, pickle.loads((target / "tfidf.pkl").read_bytes()),
                              metrics)
    from setfit import SetFitModel

    with readable_dir(target) as folder:
        model = SetFitModel.from_pretrained(str(folder), local_files_only=True)
    return SentimentModel(version, kind, model, metrics)
