"""Retrieval benchmark: similar incidents, document questions, triage latency.

    .venv/bin/python bench/retrieval.py --index DIR --queries DIR [--semantic]
        [--max-questions 600] [--latency-n 300] [--parts incidents documents latency]
        [--champion embeddings | tfidf_chars | selected | ...]

Folders are laid out like ``../shared/data`` (the default of both, or ``APPOPS_BENCH_DATA``).
When ``--index`` and ``--queries`` are the same folder it is split in halves: even rows of
``tickets/endava_tickets.csv`` are indexed and odd rows are queries; product pages are
alternated within each category (the shared split's own rule), the first of each pair indexed.

1. Similar incidents: Endava tickets of INDEX are the resolved incidents, those of QUERIES the
   new tickets. Precision@5 of the returned incidents sharing the query's ``sub_category2`` (the
   finest label) and ``category``, for: the TF-IDF cosine baseline (word TF-IDF fitted on the
   index), BM25 alone, and the service's triage (BM25 candidates, re-ranked by the subcategory
   and category the light classifier predicts, trained on the index only); with ``--semantic``
   also triage over hybrid BM25 + MiniLM candidates.
2. Documents: the ``obsolescence/products/*.md`` pages of INDEX are chunked as the
   ``document_chunks`` asset does; questions are generated from each page's front matter ("When
   does <product> <cycle> reach end of life?" for cycles with an end-of-life date, "Which is the
   latest release of <product> <cycle>?"), ``--max-questions`` drawn with a fixed seed. Hit@1 and
   hit@3 of the right page (distinct pages in rank order) and exact match of the date or version
   in the offline extractive answer; BM25 alone beside hybrid when ``--semantic``.
3. Triage latency through the HTTP app (FastAPI's in-process client, JSON both ways): p50/p95 of
   one ticket per request, and tickets per second through the batch endpoint (500 a request),
   wall-clock and per CPU-second of the process (the second does not move with other load on
   the machine; the service uses one core per worker process).

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_data import default_data

from resources.retrieval.ask import DocumentIndex, extractive_answer
from resources.retrieval.corpus import read_corpus
from resources.retrieval.documents import split_front_matter
from resources.retrieval.triage import IncidentIndex, ticket_text, triage

DEFAULT_DATA = str(default_data())


def endava(folder: Path) -> pl.DataFrame:
    frame = pl.read_csv(folder / "tickets" / "endava_tickets.csv", infer_schema=False).with_row_index("row")
    return frame.with_columns(
        number=pl.format("END{}", pl.col("row")),
        short_description=pl.col("title").fill_null(""),
        description=pl.col("body").fill_null(""),
    )


def ticket_halves(index_dir: Path, query_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    if index_dir.resolve() == query_dir.resolve():
        frame = endava(index_dir)
        return frame.filter(pl.col("row") % 2 == 0), frame.filter(pl.col("row") % 2 == 1)
    return endava(index_dir), endava(query_dir)


def as_index(frame: pl.DataFrame) -> IncidentIndex:
    texts = [ticket_text(t) for t in frame.select("short_description", "description").to_dicts()]
    return IncidentIndex(
        frame.with_columns(
            text=pl.Series(texts),
            subcategory=pl.col("sub_category2"),
            assignment_group=pl.lit(None, pl.String),
            cmdb_ci=pl.col("business_service"),
            close_notes=pl.lit(None, pl.String),
        )
    )


def precision(results: list[list[int]], labels: list, truth: list) -> float:
    return float(
        np.mean(
            [
                np.mean([labels[r] == truth[i] for r in rows[:5]]) if rows else 0.0
                for i, rows in enumerate(results)
            ]
        )
    )


def bench_incidents(index_dir: Path, query_dir: Path, semantic: bool) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer

    idx_frame, qry_frame = ticket_halves(index_dir, query_dir)
    index = as_index(idx_frame)
    tickets = qry_frame.select("short_description", "description").to_dicts()
    q_texts = [ticket_text(t) for t in tickets]
    numbers = {n: i for i, n in enumerate(index.frame["number"].to_list())}
    labels = {f: index.frame[f].to_list() for f in ("sub_category2", "category")}
    truth = {f: qry_frame[f].to_list() for f in ("sub_category2", "category")}
    runs: dict[str, list[list[int]]] = {}

    tfidf = TfidfVectorizer(sublinear_tf=True)
    matrix = tfidf.fit_transform(index.frame["text"].to_list())
    sims = (tfidf.transform(q_texts) @ matrix.T).toarray()
    runs["tfidf_cosine"] = [list(np.argsort(-s, kind="stable")[:5]) for s in sims]
    runs["bm25"] = [[h.row for h in hits] for hits in index.search_index.search(q_texts, k=5)]
    started = time.perf_counter()
    model = index.fit_labels()
    fit_s = time.perf_counter() - started
    out = triage(tickets, index, model, k=5)
    runs["triage_bm25"] = [[numbers[s.number] for s in r.similar] for r in out]
    if semantic:
        from resources.nlp.embeddings import EmbeddingModel

        embedder = EmbeddingModel()
        vectors = embedder.encode(index.frame["text"].to_list())
        hybrid = IncidentIndex(
            index.frame.with_columns(
                embedding=pl.Series(vectors, dtype=pl.Array(pl.Float32(), vectors.shape[1]))
            )
        )
        out = triage(tickets, hybrid, model, k=5, vectors=embedder.encode(q_texts))
        runs["triage_hybrid"] = [[numbers[s.number] for s in r.similar] for r in out]
        sem = hybrid.search_index.semantic(embedder.encode(q_texts), 5)
        runs["embedding_cosine"] = [[r for r, _ in hits] for hits in sem]
    predicted = model.predict(q_texts)
    accuracy = {
        f: float(np.mean([p.label == t for p, t in zip(predicted[name], truth[f])]))
        for f, name in (("sub_category2", "subcategory"), ("category", "category"))
    }
    table = {
        name: {f"p@5_{f}": precision(rows, labels[f], truth[f]) for f in labels}
        for name, rows in runs.items()
    }
    print(f"\nSimilar incidents: {index_dir} ({len(index)} indexed) -> {query_dir} ({len(tickets)} queries)")
    print(f"{'method':<18}{'p@5 sub_category2':>20}{'p@5 category':>16}")
    for name, row in table.items():
        print(f"{name:<18}{row['p@5_sub_category2']:>20.3f}{row['p@5_category']:>16.3f}")
    print(
        f"classifier accuracy (for the re-ranking): sub_category2 {accuracy['sub_category2']:.3f}, "
        f"category {accuracy['category']:.3f}; fitted in {fit_s:.1f} s"
    )
    gain = table["triage_bm25"]["p@5_sub_category2"] - table["tfidf_cosine"]["p@5_sub_category2"]
    return {
        "indexed": len(index),
        "queries": len(tickets),
        "methods": table,
        "classifier_accuracy": accuracy,
        "gain_sub_category2_vs_tfidf": gain,
    }


def product_pages(index_dir: Path, same: bool) -> list[Path]:
    pages = sorted((index_dir / "obsolescence" / "products").glob("*.md"))
    if not same:
        return pages
    by_category: dict[str, list[Path]] = {}
    for page in pages:
        fields, _ = split_front_matter(page.read_text(encoding="utf-8"), str(page))
        by_category.setdefault(str(fields.get("category")), []).append(page)
    return sorted(p for group in by_category.values() for p in sorted(group)[::2])


def questions(pages: list[Path], limit: int) -> list[tuple[str, str, str]]:
    out = []
    for page in pages:
        fields, _ = split_front_matter(page.read_text(encoding="utf-8"), str(page))
        title = str(fields.get("title") or page.stem)
        for release in fields.get("releases") or []:
            cycle = release.get("releaseCycle")
            if cycle is None:
                continue
            eol = release.get("eol")
            if isinstance(eol, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", eol):
                out.append((f"When does {title} {cycle} reach end of life?", page.name, eol))
            if release.get("latest") not in (None, ""):
                out.append(
                    (f"Which is the latest release of {title} {cycle}?", page.name, str(release["latest"]))
                )
    random.Random(0).shuffle(out)
    return out[:limit]


def exact(expected: str, answer: str | None) -> bool:
    return bool(answer) and re.search(rf"(?<![\w.]){re.escape(expected)}(?![\w]|\.\w)", answer) is not None


def bench_documents(index_dir: Path, same: bool, limit: int, semantic: bool) -> dict:
    pages = product_pages(index_dir, same)
    frame, errors = read_corpus([("products", f"products/{p.name}", p) for p in pages])
    asked = questions(pages, limit)
    methods = {"bm25": DocumentIndex(frame)}
    vectors = None
    if semantic:
        from resources.nlp.embeddings import EmbeddingModel

        embedder = EmbeddingModel()
        texts = [f"{t}. {h}. {x}" for t, h, x in frame.select("title", "heading", "text").iter_rows()]
        emb = embedder.encode(texts)
        methods["hybrid"] = DocumentIndex(
            frame.with_columns(embedding=pl.Series(emb, dtype=pl.Array(pl.Float32(), emb.shape[1])))
        )
        vectors = embedder.encode([q for q, _, _ in asked])
    table = {}
    for name, index in methods.items():
        results = index.retrieve([q for q, _, _ in asked], vectors if name == "hybrid" else None, top_k=5)
        h1 = h3 = em = 0
        for (question, page, expected), passages in zip(asked, results):
            docs: list[str] = []
            for p in passages:
                if p.path not in docs:
                    docs.append(p.path)
            h1 += docs[:1] == [f"products/{page}"]
            h3 += f"products/{page}" in docs[:3]
            em += exact(expected, extractive_answer(question, passages))
        n = max(len(asked), 1)
        table[name] = {"hit@1": h1 / n, "hit@3": h3 / n, "exact_match": em / n}
    print(
        f"\nDocuments: {len(pages)} product pages of {index_dir} ({frame.height} passages, "
        f"{len(errors)} unreadable), {len(asked)} questions"
    )
    print(f"{'method':<10}{'hit@1':>8}{'hit@3':>8}{'exact match':>13}")
    for name, row in table.items():
        print(f"{name:<10}{row['hit@1']:>8.3f}{row['hit@3']:>8.3f}{row['exact_match']:>13.3f}")
    return {"pages": len(pages), "passages": frame.height, "questions": len(asked), "methods": table}


def register_champions(home: str, index: IncidentIndex, candidate: str) -> None:
    """Train ``candidate`` (a ``resources.text_models`` name, or ``selected``: what the
    assets' selection keeps among its default candidates) on the indexed half for category
    and subcategory and register it as the ``champion`` of a fresh registry under ``home``, so
    that the service classifies as it does in production with that champion."""
    from resources.model_registry import CHAMPION, ModelRegistry
    from resources.text_models.candidates import build
    from resources.text_models.selection import select

    registry = ModelRegistry(home)
    texts = index.frame["text"].to_list()
    for target, name in (("category", "ticket_category"), ("subcategory", "ticket_subcategory")):
        labels = [str(v) for v in index.frame[target].to_list()]
        if candidate == "selected":
            model = select(texts, labels, log=lambda m, t=target: print(f"  {t}: {m}")).model
        else:
            model = build(candidate)
            model.fit(texts, labels)
        tags = {"bench": "retrieval", "candidate": model.describe().get("candidate", candidate)}
        registry.set_alias(name, CHAMPION, registry.log_version(name, model, tags=tags))
        print(f"  {target}: champion {tags['candidate']}")


def bench_latency(index_dir: Path, query_dir: Path, n: int, champion: str = "") -> dict:
    from fastapi.testclient import TestClient

    from resources.llm import LLMResource
    from resources.storage import write_parquet_atomic
    from resources.text_models.encoders import forget_encodings
    from service.app import create_app
    from service.core import Service, Settings

    idx_frame, qry_frame = ticket_halves(index_dir, query_dir)
    index = as_index(idx_frame)
    tickets = [
        {**t, "short_description": t["short_description"] or t["description"][:80] or "-"}
        for t in qry_frame.select("number", "short_description", "description").to_dicts()
    ]
    with tempfile.TemporaryDirectory(prefix="appops-bench-") as home:
        from upath import UPath

        write_parquet_atomic(
            index.frame.with_columns(partition_date=pl.date(2024, 1, 1)),
            UPath(home) / "lake" / "incident_index" / "2024-01-01.parquet",
        )
        if champion:
            register_champions(home, index, champion)
        settings = Settings(root=home, semantic="off", reload_s=0, max_body_bytes=50_000_000)
        service = Service(settings, llm=LLMResource())
        with TestClient(create_app(settings, service)) as client:
            for t in tickets[:20]:  # warm-up
                client.post("/v1/tickets/triage", json=t)
            forget_encodings()  # the warm-up tickets are measured again: as new ones
            times = []
            for t in tickets[:n]:
                started = time.perf_counter()
                response = client.post("/v1/tickets/triage", json=t)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            # tickets the single requests did not send, and no memoised encoding: every ticket
            # of every round costs what a new ticket costs (an encoder pass for an
            # embeddings champion)
            batch = [tickets[(n + i) % len(tickets)] for i in range(500)]
            rounds, elapsed, cpu = 4, 0.0, 0.0
            for _ in range(rounds):
                forget_encodings()
                started, cpu_started = time.perf_counter(), time.process_time()
                assert client.post("/v1/tickets/triage/batch", json={"tickets": batch}).status_code == 200
                elapsed += time.perf_counter() - started
                cpu += time.process_time() - cpu_started
            per_s = rounds * len(batch) / elapsed
            per_cpu_s = rounds * len(batch) / cpu
    ms = np.array(times) * 1000
    row = {
        "single_p50_ms": float(np.percentile(ms, 50)),
        "single_p95_ms": float(np.percentile(ms, 95)),
        "batch_tickets_per_s": per_s,
        "batch_tickets_per_cpu_s": per_cpu_s,
        "requests": len(times),
    }
    row["classifier"] = f"registry champion: {champion}" if champion else "index's own TF-IDF"
    print(
        f"\nTriage latency over HTTP (in-process client, {len(index)} incidents indexed, "
        f"classifier: {row['classifier']}): "
        f"single p50 {row['single_p50_ms']:.1f} ms, p95 {row['single_p95_ms']:.1f} ms "
        f"({len(times)} requests); batch {per_s:.0f} tickets/s wall-clock, {per_cpu_s:.0f} per "
        f"CPU-second of this process (500 per request)"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, default=Path(DEFAULT_DATA))
    parser.add_argument("--queries", type=Path, default=Path(DEFAULT_DATA))
    parser.add_argument("--semantic", action="store_true", help="also embed with MiniLM (slow on 2 cores)")
    parser.add_argument("--max-questions", type=int, default=600)
    parser.add_argument("--latency-n", type=int, default=300)
    parser.add_argument(
        "--champion",
        default="",
        help="latency with this text candidate registered as champion (e.g. embeddings, tfidf; "
        "selected: what the assets' selection keeps on the indexed half)",
    )
    parser.add_argument("--parts", nargs="+", default=["incidents", "documents", "latency"])
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    same = args.index.resolve() == args.queries.resolve()
    result: dict = {
        "index": str(args.index),
        "queries": str(args.queries),
        "split": "halves" if same else "folders",
    }
    if "incidents" in args.parts:
        result["incidents"] = bench_incidents(args.index, args.queries, args.semantic)
    if "documents" in args.parts:
        result["documents"] = bench_documents(args.index, same, args.max_questions, args.semantic)
    if "latency" in args.parts:
        result["latency"] = bench_latency(args.index, args.queries, args.latency_n, args.champion)
    print("RESULT " + json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
