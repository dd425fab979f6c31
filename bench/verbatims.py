"""Verbatim intelligence figures: satisfaction model against its TF-IDF baseline on French bank
reviews, verbatims per second, topic-modelling time on demo verbatims, and the personal-data
redaction (speed, false positives on look-alikes, recall on planted items).

    taskset -c 0,1 .venv/bin/python bench/verbatims.py [--data ../shared/data]
        [--per-class 64] [--setfit-steps 60] [--topic-docs 50000]
        [--parts sentiment topics redaction]

Redaction: both passes (regular expressions + checksums, then Presidio with spaCy's French NER)
over the reviews' texts, in texts per second; false positives = generated look-alikes (order
numbers, versions, amounts, dates, IP addresses, SIREN/SIRET, IBAN/card/NIR with a broken
checksum, ticket ids) that come out changed; recall = generated sentences with one planted item
(names with and without a civility, apostrophe and hyphen surnames, ids with prefixes and
separators) whose item is gone. The generators use their own seed, not the reviews.

Reviews: ``<data>/verbatims/trustpilot_fr_finance_reviews.csv`` (1-5 stars, read with the
5-point rule of ``verbatim_sentiment``: 1-2 negative, 3 neutral, 4-5 positive), exact duplicate
texts dropped, a stratified 70/30 split (seed 42). Both models learn from the same class-balanced
sample of the training part (at most ``--per-class`` reviews a class, as the asset does); the
TF-IDF baseline is also fitted on the whole training part. Macro-F1 on the test part.
Topics: ``--topic-docs`` demo verbatims (resources/demo), embedded with the bundled MiniLM, then
UMAP + HDBSCAN + c-TF-IDF (resources/nlp/topics.py) timed apart from the embedding.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_data import default_data

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import polars as pl

from assets.verbatims.common import CLASSES, clean_text
from resources.nlp.embeddings import EmbeddingModel
from resources.nlp.fewshot import evaluate, tfidf_baseline
from resources.redaction import redact_texts
from resources.text_models.setfit_candidate import SetFitText

RESULT: dict[str, float] = {}


def reviews(data: Path) -> pl.DataFrame:
    path = data / "verbatims" / "trustpilot_fr_finance_reviews.csv"
    frame = pl.read_csv(path).select(text=pl.col("Experience").str.strip_chars(), rating=pl.col("Rating"))
    label = (
        pl.when(pl.col("rating") >= 4)
        .then(pl.lit("positive"))
        .when(pl.col("rating") == 3)
        .then(pl.lit("neutral"))
        .otherwise(pl.lit("negative"))
    )
    frame = frame.filter(pl.col("text").str.len_chars() > 0).unique("text", keep="first", maintain_order=True)
    return frame.with_columns(label=label, response_id=pl.format("R{}", pl.int_range(pl.len())))


def bench_sentiment(data: Path, per_class: int, steps: int) -> None:
    from sklearn.model_selection import train_test_split

    frame = reviews(data)
    train_idx, test_idx = train_test_split(
        range(frame.height), test_size=0.3, random_state=42, stratify=frame["label"].to_list()
    )
    train_all, test = frame[sorted(train_idx)], frame[sorted(test_idx)]
    sample = (
        train_all.sample(fraction=1.0, shuffle=True, seed=42)
        .group_by("label", maintain_order=True)
        .head(per_class)
        .sort("response_id")
    )
    print(
        f"reviews: {frame.height} distinct texts; train {train_all.height}, test {test.height} "
        f"{dict(test['label'].value_counts().iter_rows())}; few-shot sample {sample.height} "
        f"{dict(sample['label'].value_counts().iter_rows())}"
    )
    truth, texts = test["label"].to_list(), test["text"].to_list()
    start = time.perf_counter()
    fitted = SetFitText(EmbeddingModel().name_or_path, steps=steps, pairs_per_class=per_class).fit(
        sample["text"].to_list(), sample["label"].to_list()
    )
    print(f"SetFit ({steps} steps) trained + evaluated in {time.perf_counter() - start:.0f} s")
    full = tfidf_baseline(train_all["text"].to_list(), train_all["label"].to_list())
    same = tfidf_baseline(sample["text"].to_list(), sample["label"].to_list())
    majority = evaluate(truth, ["positive"] * len(truth), list(CLASSES))["macro_f1"]
    print(
        f"macro-F1  SetFit (sample): {evaluate(truth, fitted.predict(texts), list(CLASSES))['macro_f1']:.3f} | "
        f"TF-IDF (same sample): {evaluate(truth, list(same.predict(texts)), list(CLASSES))['macro_f1']:.3f} | "
        f"TF-IDF (whole train part): "
        f"{evaluate(truth, list(full.predict(texts)), list(CLASSES))['macro_f1']:.3f} | "
        f"always positive: {majority:.3f}"
    )
    report = evaluate(truth, fitted.predict(texts), list(CLASSES))
    print(f"SetFit per class: {report['per_class']}")
    start = time.perf_counter()
    fitted.predict(texts)
    print(f"SetFit inference: {len(texts) / (time.perf_counter() - start):.0f} verbatims/s")
    start = time.perf_counter()
    redact_texts(texts * 20)
    print(f"redaction: {20 * len(texts) / (time.perf_counter() - start):.0f} verbatims/s")


def demo_texts(n: int) -> list[str]:
    from resources.demo import verbatims

    texts, day = [], date(2023, 1, 1)
    while len(texts) < n:
        found = verbatims.generate(day)["verbatim"].drop_nulls().to_list()
        texts += [t for t in map(clean_text, redact_texts(found)[0]) if t]
        day += timedelta(days=1)
    return texts[:n]


def bench_topics(n: int) -> None:
    from resources.nlp.stopwords import stop_words
    from resources.nlp.topics import cluster_documents

    texts = demo_texts(n)
    start = time.perf_counter()
    vectors = EmbeddingModel().encode(texts)
    embedded = time.perf_counter() - start
    start = time.perf_counter()
    result = cluster_documents(
        vectors, texts, seed=42, min_cluster_size=max(15, n // 1000), stop_words=stop_words()
    )
    clustered = time.perf_counter() - start
    topics = len(set(result.labels.tolist()) - {-1})
    print(
        f"topics on {len(texts)} demo verbatims: embedding {embedded:.0f} s "
        f"({len(texts) / embedded:.0f}/s), UMAP + HDBSCAN + c-TF-IDF {clustered:.0f} s, "
        f"{topics} topics, {float((result.labels == -1).mean()):.0%} outliers"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data",
        type=Path,
        default=default_data(),
    )
    parser.add_argument("--per-class", type=int, default=64)
    parser.add_argument("--setfit-steps", type=int, default=60)
    parser.add_argument("--topic-docs", type=int, default=50_000)
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["sentiment", "topics", "redaction"],
        choices=["sentiment", "topics", "redaction"],
    )
    args = parser.parse_args()
    print(
        "command:",
        " ".join([Path(sys.executable).name, *sys.argv]),
        f"| cores visible: {len(os.sched_getaffinity(0))}",
    )
    if "sentiment" in args.parts:
        bench_sentiment(args.data, args.per_class, args.setfit_steps)
    if "topics" in args.parts:
        bench_topics(args.topic_docs)
    if "redaction" in args.parts:
        from bench.redaction_cases import bench_redaction

        RESULT.update(bench_redaction(reviews(args.data)["text"].to_list()))
    print("RESULT " + json.dumps(RESULT, sort_keys=True))


if __name__ == "__main__":
    main()
