"""Few-shot and zero-shot text classification with SetFit, a TF-IDF baseline, and evaluation.

SetFit fine-tunes a sentence-transformers body on pairs of examples (same label / different
label), then fits a logistic-regression head on its embeddings: a few labelled examples per
class suffice. A class without examples is learnt "zero-shot" from templated sentences built
from its name and description (SetFit's templated-dataset technique).
"""

import io
import re
import tempfile

import numpy as np

TEMPLATES: tuple[str, ...] = (
    "{description}",
    "Incident {label} : {description}",
    "Ticket about {label}: {description}",
    "Problème de type {label} : {description}",
)


def zero_shot_examples(
    label_descriptions: dict[str, str], templates: tuple[str, ...] = TEMPLATES
) -> tuple[list[str], list[str]]:
    """One sentence per label, template and description phrase (phrases split on ``;``)."""
    texts, labels = [], []
    for label, description in sorted(label_descriptions.items()):
        phrases = [p.strip() for p in (description or label).split(";") if p.strip()] or [label]
        for phrase in phrases:
            for template in templates:
                texts.append(template.format(label=label, description=phrase))
                labels.append(label)
    return texts, labels


def train_setfit(
    texts: list[str],
    labels: list[str],
    *,
    model_path: str,
    seed: int = 42,
    num_iterations: int = 5,
    batch_size: int = 16,
    epochs: int = 1,
    max_steps: int = -1,
    max_length: int = 128,
    trainable_layers: int | None = None,
):
    """A SetFitModel fine-tuned from the sentence-transformers model at ``model_path``.

    ``trainable_layers`` (an int) fine-tunes only the top that many transformer layers and
    freezes the rest (embeddings included): the frozen tensors stay bit-for-bit the base
    encoder's, so an artefact can keep the tuned layers and a reference to the base instead
    of a full copy, and each step back-propagates through fewer layers. None tunes everything
    (SetFit's default).

    ``max_steps`` (>0) caps the contrastive steps, hence the pairs (steps x batch size): the
    head is still fitted on every example. Texts are cut at ``max_length`` tokens (tickets say
    what matters first; long bodies would multiply the cost). Nothing is written to the
    working directory.
    """
    from datasets import Dataset
    from setfit import SetFitModel, Trainer, TrainingArguments
    from transformers import set_seed

    if len(set(labels)) < 2:
        raise ValueError(f"train_setfit: need at least 2 classes, got {sorted(set(labels))}")
    set_seed(seed)
    model = SetFitModel.from_pretrained(
        model_path, local_files_only=True, head_params={"max_iter": 1000, "random_state": seed}
    )
    model.model_body.max_seq_length = max_length
    if trainable_layers is not None:
        freeze_below(model.model_body, trainable_layers)
    with tempfile.TemporaryDirectory(prefix="setfit-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            logging_dir=scratch,
            batch_size=batch_size,
            num_epochs=epochs,
            num_iterations=num_iterations,
            max_steps=max_steps,
            max_length=max_length,
            seed=seed,
            report_to="none",
            save_strategy="no",
            show_progress_bar=False,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_dict({"text": list(texts), "label": list(labels)}),
        )
        trainer.train()
    return model


def layer_of(parameter_name: str) -> int | None:
    """The transformer layer a parameter belongs to (``...encoder.layer.3.attention...`` -> 3)."""
    match = re.search(r"(?:^|\.)(?:encoder\.)?layers?\.(\d+)\.", parameter_name)
    return int(match.group(1)) if match else None


def freeze_below(body, trainable_layers: int) -> None:
    """Freeze every parameter of ``body`` except those of its top ``trainable_layers`` layers."""
    layers = [layer_of(n) for n, _ in body.named_parameters()]
    found = sorted({n for n in layers if n is not None})
    if not found:
        raise ValueError("freeze_below: the encoder has no numbered transformer layers to tune")
    first = found[-1] - trainable_layers + 1
    for (_, parameter), layer in zip(body.named_parameters(), layers):
        parameter.requires_grad = layer is not None and layer >= first


def tfidf_baseline(train_texts: list[str], train_labels: list[str]):
    """TF-IDF (words and word pairs) + logistic regression, fitted: the bar SetFit must beat."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("logreg", LogisticRegression(max_iter=1000, class_weight="balanced", random_state=0)),
        ]
    )
    return pipeline.fit(list(train_texts), list(train_labels))


def evaluate(y_true: list[str], y_pred: list[str], labels: list[str] | None = None) -> dict:
    """Macro-F1, accuracy, per-class precision/recall/support and the confusion matrix
    (rows: true, columns: predicted, in ``labels`` order)."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    labels = sorted(set(y_true) | set(y_pred)) if labels is None else list(labels)
    precision, recall, _, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return {
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else 0.0,
        "n": len(y_true),
        "labels": labels,
        "per_class": {
            label: {"precision": round(float(p), 4), "recall": round(float(r), 4), "support": int(s)}
            for label, p, r, s in zip(labels, precision, recall, support)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def confusion_matrix_png(matrix: list[list[int]], labels: list[str], title: str = "") -> bytes:
    """The confusion matrix as a PNG image (rows true, columns predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    data = np.asarray(matrix)
    size = max(4.0, 0.5 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(data, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for (i, j), v in np.ndenumerate(data):
        ax.text(
            j,
            i,
            str(v),
            ha="center",
            va="center",
            color="white" if v > data.max() / 2 else "black",
            fontsize=8,
        )
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return buffer.getvalue()
