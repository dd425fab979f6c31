"""Ticket intelligence benchmark: few-shot SetFit against a TF-IDF baseline, inference speed,
clustering time.

    .venv/bin/python bench/tickets.py [--data ../shared/data] [--sizes 8 32 128]
        [--max-steps 20] [--max-length 64] [--cluster-n 50000] [--threads 2]
        [--parts classify infer cluster bursts]
        [--burst-seeds 1 2 3 4 42] [--burst-days 7] [--quiet-days 5]

1. Classification on ``tickets/endava_tickets.csv`` (title + body -> category code; classes with
   at least 10 tickets) and ``tickets/assignment_group_tickets.csv`` (short description +
   description -> assignment group; the 20 largest groups). A stratified 70/30 split (seed 42);
   SetFit (bundled all-MiniLM-L6-v2, ``--max-steps`` contrastive steps of 16 pairs, texts cut
   at ``--max-length`` tokens) and the TF-IDF + logistic-regression baseline are trained on the
   same k examples per class (all of a class when it has fewer), the baseline also on all
   training data; macro-F1 on the test part.
2. Inference: tickets per second of a trained SetFit model (encode + head) on demo tickets.
3. Clustering: UMAP + HDBSCAN time for ``--cluster-n`` tickets. Embedding that many tickets is
   the daily ``ticket_embeddings`` job's cost, not clustering's: 5,000 demo tickets are embedded
   and replicated with small noise up to ``--cluster-n`` vectors.
4. Bursts: the demo plants two new root causes (iOS crash from 2024-09-16, API quota 429 from
   2025-06-01). For each, ``root_cause_clusters``' daily step (``cluster_day``, default
   ``ClusterConfig``) runs from ``--quiet-days`` + 1 days before the start to ``--burst-days``
   days after it, once per clustering seed in ``--burst-seeds``; a burst is detected on the first day a cluster flagged
   new or growing has the burst's words among its keywords. Rate = detected (seed, burst)
   pairs by day offset. False alarms: clusters flagged new on the ``--quiet-days`` days before
   each start (the demo has no new root cause then) and, on burst days, those without the
   burst's words. Embeddings at the default (float32) precision.
"""

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_data import default_data

from assets.tickets.history import with_text
from resources.demo.tickets import generate
from resources.nlp.embeddings import EmbeddingModel, default_model_path
from resources.nlp.fewshot import evaluate, tfidf_baseline, train_setfit
from resources.nlp.precision import inference_context, resolve
from resources.nlp.stopwords import stop_words
from resources.nlp.topics import cluster_documents

SEED = 42


def load_sets(data: Path) -> dict[str, pl.DataFrame]:
    """{name: frame with text, label}."""
    endava = pl.read_csv(data / "tickets" / "endava_tickets.csv", infer_schema=False)
    endava = endava.select(
        text=pl.concat_str(pl.col("title").fill_null(""), pl.col("body").fill_null(""), separator=". "),
        label=pl.col("category"),
    )
    groups = pl.read_csv(data / "tickets" / "assignment_group_tickets.csv", infer_schema=False)
    groups = groups.select(
        text=pl.concat_str(
            pl.col("Short description").fill_null(""), pl.col("Description").fill_null(""), separator=". "
        ),
        label=pl.col("Assignment group"),
    )
    out = {}
    for name, frame, keep in (("endava_category", endava, None), ("assignment_group", groups, 20)):
        counts = frame["label"].value_counts().sort(["count", "label"], descending=[True, False])
        labels = counts.filter(pl.col("count") >= 10)["label"].to_list()[:keep]
        out[name] = frame.filter(pl.col("label").is_in(labels) & (pl.col("text").str.len_chars() > 2))
    return out


def split(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=SEED).with_row_index("i")
    ranked = shuffled.with_columns(rank=pl.col("i").rank("ordinal").over("label"), n=pl.len().over("label"))
    test = ranked.filter(pl.col("rank") <= (pl.col("n") * 0.3).ceil())
    return ranked.filter(pl.col("rank") > (pl.col("n") * 0.3).ceil()), test


def classification(name: str, frame: pl.DataFrame, sizes: list[int], max_steps: int, max_length: int):
    train, test = split(frame)
    texts, truth = test["text"].to_list(), test["label"].to_list()
    print(f"\n## {name}: {frame['label'].n_unique()} classes, train {train.height}, test {test.height}")
    print("| examples/class | train n | SetFit macro-F1 | SetFit train s | TF-IDF macro-F1 (same) |")
    print("| --- | --- | --- | --- | --- |")
    for k in sizes:
        few = train.group_by("label", maintain_order=True).head(k)
        started = time.perf_counter()
        model = train_setfit(
            few["text"].to_list(),
            few["label"].to_list(),
            model_path=default_model_path(),
            seed=SEED,
            num_iterations=1,
            batch_size=16,
            epochs=1,
            max_steps=max_steps,
            max_length=max_length,
        )
        seconds = time.perf_counter() - started
        setfit_f1 = evaluate(truth, [str(p) for p in model.predict(texts)])["macro_f1"]
        base = tfidf_baseline(few["text"].to_list(), few["label"].to_list())
        base_f1 = evaluate(truth, base.predict(texts).tolist())["macro_f1"]
        print(f"| {k} | {few.height} | {setfit_f1:.3f} | {seconds:.0f} | {base_f1:.3f} |", flush=True)
    full = tfidf_baseline(train["text"].to_list(), train["label"].to_list())
    print(
        f"TF-IDF baseline on all {train.height} training tickets: macro-F1 "
        f"{evaluate(truth, full.predict(texts).tolist())['macro_f1']:.3f}",
        flush=True,
    )
    return model


def demo_texts(n: int) -> list[str]:
    frames, day = [], date(2025, 1, 6)
    while sum(f.height for f in frames) < n:
        frames.append(generate(day))
        day += timedelta(days=1)
    return with_text(pl.concat(frames))["text"].to_list()[:n]


def inference(model, n: int = 2000) -> None:
    """Tickets per second through SetFit (encode + head), at float32 (the assets' default on
    every CPU) and at bfloat16 autocast (``APPOPS_INFERENCE_PRECISION=bf16``, only when asked)."""
    texts = demo_texts(n)
    print(f"\nInference on {n} demo tickets (SetFit encode + head):")
    found, rates = {}, {}
    # interleaved and repeated: on a shared machine the load moves between passes
    for precision in ("fp32", "bf16", "fp32", "bf16"):
        with inference_context(precision):
            model.predict(texts[:64])  # warm-up
            started = time.perf_counter()
            found[precision] = [str(p) for p in model.predict(texts)]
            rate = n / (time.perf_counter() - started)
        rates[precision] = max(rate, rates.get(precision, 0.0))
        print(f"- {precision} ({resolve(precision)}): {rate:.0f} tickets/s", flush=True)
    print(f"- best of two: fp32 {rates['fp32']:.0f}, bf16 {rates['bf16']:.0f} tickets/s")
    same = np.mean([a == b for a, b in zip(found["fp32"], found["bf16"])])
    print(f"- same predicted label at both precisions: {same:.1%}", flush=True)


def clustering(n: int) -> None:
    base_n = min(5000, n)
    texts = demo_texts(base_n)
    started = time.perf_counter()
    vectors = EmbeddingModel().encode(texts)
    embed_rate = base_n / (time.perf_counter() - started)
    rng = np.random.default_rng(SEED)
    reps = -(-n // base_n)
    big = np.vstack([vectors + rng.normal(scale=0.02, size=vectors.shape) for _ in range(reps)])[:n]
    big = (big / np.linalg.norm(big, axis=1, keepdims=True)).astype(np.float32)
    started = time.perf_counter()
    found = cluster_documents(
        big, (texts * reps)[:n], seed=SEED, min_cluster_size=max(10, n // 2000), stop_words=stop_words()
    )
    seconds = time.perf_counter() - started
    print(
        f"\nClustering {n} tickets (UMAP 5-d + HDBSCAN + c-TF-IDF): {seconds:.0f} s, "
        f"{len(found.centroids)} clusters, {(found.labels == -1).mean():.0%} outliers; "
        f"embedding rate {embed_rate:.0f} tickets/s",
        flush=True,
    )


BURSTS = {
    "ios_crash": (date(2024, 9, 16), r"(?i)ios|iphone|crash|plantage"),
    "api_quota": (date(2025, 6, 1), r"(?i)quota|429|rate limit"),
}


def bursts(seeds: list[int], days: int, quiet_days: int) -> dict[str, float]:
    """Detection of the demo's planted bursts by ``cluster_day``, over seeds and days, and the
    clusters wrongly flagged new: on the ``quiet_days`` before each burst (no new root cause
    in the demo then) and, on the burst's days, those without the burst's words."""
    from assets.tickets.clusters import ClusterConfig, cluster_day
    from assets.tickets.embeddings import embed_incidents

    model = EmbeddingModel()
    config = ClusterConfig()
    found: dict[tuple[str, int], int | None] = {}
    flagged_new: list[int] = []
    false_quiet: list[int] = []
    false_burst: list[int] = []
    first = -quiet_days - 1  # the first day only gives the next one its ids
    for name, (start, words) in BURSTS.items():
        span = [start + timedelta(days=i) for i in range(first - config.window_days, days)]
        frames = [
            embed_incidents(generate(day), model).with_columns(partition_date=pl.lit(day)) for day in span
        ]
        embeddings = pl.concat(frames)
        for seed in seeds:
            run = config.model_copy(update={"seed": seed})
            previous, found[(name, seed)], line = None, None, []
            for offset in range(first, days):
                day = start + timedelta(days=offset)
                frame, previous = cluster_day(embeddings, day, previous, run)
                if offset == first:
                    continue
                new = frame.filter(pl.col("is_new"))
                ours = new.filter(pl.col("keywords").str.contains(words)).height
                if offset < 0:
                    false_quiet.append(new.height)
                else:
                    flagged_new.append(new.height)
                    false_burst.append(new.height - ours)
                hit = frame.filter(
                    (pl.col("is_new") | pl.col("is_growing")) & pl.col("keywords").str.contains(words)
                )
                if offset >= 0 and hit.height and found[(name, seed)] is None:
                    found[(name, seed)] = offset
                line.append(f"{offset:+d}:{new.height}{'*' if offset >= 0 and hit.height else ''}")
            print(
                f"- {name} seed {seed}: detected on day "
                f"{'+' + str(found[(name, seed)]) if found[(name, seed)] is not None else 'never'}"
                f"; clusters flagged new by day ({'*'} = the burst flagged): {' '.join(line)}",
                flush=True,
            )
    pairs = len(found)
    rates = {
        f"burst_rate_by_day_{d}": round(sum(v is not None and v <= d for v in found.values()) / pairs, 3)
        for d in range(days)
    }
    rates["new_clusters_per_day"] = round(float(np.mean(flagged_new)), 2)
    rates["false_new_per_quiet_day"] = round(float(np.mean(false_quiet)), 2) if false_quiet else None
    rates["quiet_days_with_a_false_new"] = (
        round(float(np.mean([n > 0 for n in false_quiet])), 3) if false_quiet else None
    )
    rates["false_new_per_burst_day"] = round(float(np.mean(false_burst)), 2)
    print(
        f"\nBurst detection over {len(seeds)} seeds x {len(BURSTS)} bursts: "
        + ", ".join(f"by day +{d}: {rates[f'burst_rate_by_day_{d}']:.0%}" for d in range(days))
        + f"\nClusters flagged new on the {quiet_days} quiet days before each burst (false alarms): "
        f"{rates['false_new_per_quiet_day']} a day, on {rates['quiet_days_with_a_false_new']} of "
        f"those days; on the burst days, other than the burst: {rates['false_new_per_burst_day']} a day",
        flush=True,
    )
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=default_data(),
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--cluster-n", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--burst-seeds", type=int, nargs="+", default=[1, 2, 3, 4, 42])
    parser.add_argument("--burst-days", type=int, default=7)
    parser.add_argument("--quiet-days", type=int, default=5)
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["classify", "infer", "cluster", "bursts"],
        choices=["classify", "infer", "cluster", "bursts"],
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    print("command:", " ".join([".venv/bin/python", "bench/tickets.py", *sys.argv[1:]]))
    model = None
    if "classify" in args.parts or "infer" in args.parts:
        sets = load_sets(args.data)
        for name in sets if "classify" in args.parts else ["assignment_group"]:
            model = classification(
                name,
                sets[name],
                args.sizes if "classify" in args.parts else [32],
                args.max_steps,
                args.max_length,
            )
    if "infer" in args.parts:
        inference(model)
    if "cluster" in args.parts:
        clustering(args.cluster_n)
    result = {}
    if "bursts" in args.parts:
        result.update(bursts(args.burst_seeds, args.burst_days, args.quiet_days))
    print("RESULT " + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
