"""What every registered text model (ticket classifiers, verbatim sentiment) shares between its
labelled rows and its registry version: the selection knobs, the ``select`` call on the rows,
and the tags and metrics the version records of that selection. No Dagster, no registry here."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import polars as pl

from resources.text_models.selection import Selection, select


@dataclass
class TextModelParams:
    """Candidates, time split, precision target, encoder and SetFit steps of a selection, and
    whether it weighs inference cost; at most ``max_train_rows`` (the newest); the promotion
    gate's bootstrap and level."""

    candidates: tuple[str, ...] = ("tfidf", "tfidf_chars", "embeddings", "ensemble")
    encoder_path: str = ""
    val_share: float = 0.3
    target_precision: float = 0.87
    setfit_steps: int = 40
    max_train_rows: int = 20_000
    gate_bootstrap: int = 300
    gate_level: float = 0.90
    prefer_cheap: bool = True  # a transformer candidate must beat the best cheap one (selection rule 4)

    @classmethod
    def from_config(cls, config, **given):
        """The params a model's run config names (its fields of the same name; lists and
        mappings copied as tuples and dicts), then ``given``; the rest keep their defaults."""
        values = {}
        for f in fields(cls):
            if f.name in given or not hasattr(config, f.name):
                continue
            value = getattr(config, f.name)
            if isinstance(value, list):
                value = tuple(value)
            elif isinstance(value, dict):
                value = dict(value)
            values[f.name] = value
        return cls(**values, **given)


def select_on_rows(rows: pl.DataFrame, params: TextModelParams, log, **options) -> Selection:
    """``select`` on the ``text`` and ``label`` columns of ``rows`` (oldest first: the newest
    ``val_share`` validate) with ``params``; ``options``: the model's own (per-class targets,
    spaCy model)."""
    return select(
        rows["text"].to_list(),
        rows["label"].to_list(),
        names=params.candidates,
        val_share=params.val_share,
        target=params.target_precision,
        encoder_path=params.encoder_path,
        setfit_steps=params.setfit_steps,
        prefer_cheap=params.prefer_cheap,
        log=log,
        **options,
    )


def selection_record(chosen: Selection, rows: pl.DataFrame, time_column: str) -> tuple[dict, dict]:
    """Tags and metrics of a version that ``chosen`` trained on ``rows`` (its input, oldest first,
    with ``label`` and ``partition_date``). Tags: the candidate kept, the label shares, the
    validation window (first and last ``time_column`` of the validation rows) and the training
    partitions; metrics: the kept candidate's numeric validation scores and every candidate's
    macro-F1."""
    labels = rows["label"].to_list()
    shares = {k: round(v / len(labels), 4) for k, v in pl.Series(labels).value_counts().iter_rows()}
    val = rows.slice(chosen.n_train)
    tags = {
        "candidate": chosen.chosen,
        "label_shares": json.dumps(shares, sort_keys=True),
        "evaluation_window": f"{val[time_column].min()} .. {val[time_column].max()}",
        "training_partitions": f"{rows['partition_date'].min()} .. {rows['partition_date'].max()}",
    }
    scores = chosen.validation[chosen.chosen]
    metrics = {k: v for k, v in scores.items() if isinstance(v, (int, float))}
    metrics.update({f"{n}_macro_f1": s["macro_f1"] for n, s in chosen.validation.items() if "macro_f1" in s})
    return tags, metrics
