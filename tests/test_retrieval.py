"""Retrieval on small fixtures: chunking of every document type, hybrid fusion, extractive
answers, and triage's re-ranking and review decision."""

import sys
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from upath import UPath

from resources.retrieval.ask import DocumentIndex, Passage, extractive_answer
from resources.retrieval.corpus import corpus_files, read_corpus
from resources.retrieval.documents import (
    DocumentError,
    parse_document,
    release_sentences,
)
from resources.retrieval.hybrid import HybridIndex, fuse
from resources.retrieval.labels import LabelModel, Prediction, RegisteredPredictor
from resources.retrieval.triage import IncidentIndex, review_decision, triage
from tests.tests_support import FIXTURES

DOCS = FIXTURES / "docs"
PRODUCT = Path(__file__).parent.parent / "resources" / "catalog" / "endoflife" / "products" / "python.md"


def chunks_of(name):
    return parse_document(f"docs/{name}", (DOCS / name).read_bytes())


def test_markdown_chunks_keep_heading_path_and_front_matter():
    chunks = chunks_of("vpn-runbook.md")
    rekey = next(c for c in chunks if "rekey" in c.text)
    assert rekey.heading == "VPN access runbook > Troubleshooting > Tunnel drops every hour"
    assert rekey.title == "VPN access runbook"
    assert rekey.fields["application"] == "APP-VPN" and rekey.fields["owner"] == "Network N2"
    assert "Certificate rejected" not in rekey.text  # a section never spills into the next


def test_html_text_and_pdf_documents_become_passages():
    html = chunks_of("dns-guide.html")
    assert [c.heading for c in html] == ["DNS guide", "DNS guide > Flushing the cache"]
    assert "menu" not in " ".join(c.text for c in html)  # navigation and styles dropped
    assert "zone serial" in html[1].text
    text = chunks_of("backup-notes.txt")
    assert text[0].title == "Backup notes" and "01:30" in text[0].text
    pdf = chunks_of("postmortem_2024-09-18.pdf")
    assert pdf[0].heading == "Page 1" and "HSM firmware to version 7.2" in pdf[0].text
    assert pdf[0].title == "postmortem_2024-09-18"


def test_long_sections_are_cut_at_sentence_ends_under_the_limit():
    body = "# Big\n\n" + " ".join(f"Sentence number {i} says something." for i in range(200))
    chunks = parse_document("big.md", body.encode(), max_chars=300)
    assert len(chunks) > 5
    assert all(len(c.text) <= 300 and c.text.endswith(".") for c in chunks)
    assert all(c.heading == "Big" for c in chunks)


def test_bad_documents_are_named_in_the_error():
    with pytest.raises(DocumentError, match="docs/notes.docx: unsupported document type"):
        parse_document("docs/notes.docx", b"x")
    with pytest.raises(DocumentError, match="docs/bad.md: front matter is not valid YAML"):
        parse_document("docs/bad.md", b"---\ntitle: [oops\n---\ntext")
    with pytest.raises(DocumentError, match="docs/broken.pdf: unreadable PDF"):
        parse_document("docs/broken.pdf", b"%PDF-1.4 not really")


def test_product_pages_get_one_passage_per_release_cycle_with_its_dates():
    chunks = parse_document("endoflife/python.md", PRODUCT.read_bytes())
    cycle = next(c for c in chunks if c.heading == "Release cycles > 3.11")
    release = cycle.fields["release"]
    assert f"Python 3.11 reaches end of life on {release['eol']}." in cycle.text
    assert f"The latest release of Python 3.11 is {release['latest']}" in cycle.text
    assert "releases" not in cycle.fields and cycle.fields["category"] == "lang"
    assert release_sentences("X", {"releaseCycle": "1", "eol": True}) == "X 1 has reached end of life."


def test_corpus_takes_dated_landing_files_from_their_day_only(tmp_path):
    landing = tmp_path / "docs"
    (landing / "sub").mkdir(parents=True)
    for p in DOCS.iterdir():
        (landing / "sub" / p.name).write_bytes(p.read_bytes())
    (landing / "sub" / "broken.pdf").write_bytes(b"%PDF-1.4 nope")
    before = {d for _, d, _ in corpus_files(UPath(landing), date(2024, 9, 17), shipped=False)}
    after = {d for _, d, _ in corpus_files(UPath(landing), date(2024, 9, 18), shipped=False)}
    assert "landing/docs/sub/postmortem_2024-09-18.pdf" in after - before
    frame, errors = read_corpus(corpus_files(UPath(landing), None, shipped=False))
    assert errors == ["landing/docs/sub/broken.pdf: unreadable PDF: " + errors[0].split(": ", 2)[2]]
    assert frame["chunk_id"].n_unique() == frame.height
    shipped = {s for s, _, _ in corpus_files(None)}
    assert shipped == {"runbooks", "endoflife"}


def test_fusion_ranks_by_reciprocal_rank_and_both_sides_count():
    hits = fuse([(3, 9.0), (1, 5.0)], [(1, 0.9), (2, 0.8)], k=3)
    assert [h.row for h in hits] == [1, 3, 2]  # row 1 is in both lists
    assert hits[0].lexical == 5.0 and hits[0].cosine == 0.9


def test_hybrid_index_finds_by_words_and_by_meaning():
    texts = ["printer out of toner", "vpn tunnel drops", "password reset request"]
    vectors = np.eye(3, dtype=np.float32)
    index = HybridIndex(texts, vectors)
    assert index.search(["vpn keeps dropping"], k=1)[0][0].row == 1
    # no shared word: only the embedding finds it
    hit = index.search(["cannot sign in"], vectors=np.array([[0, 0, 1]], np.float32), k=1)[0][0]
    assert hit.row == 2 and hit.lexical is None and hit.cosine == pytest.approx(1.0)
    assert HybridIndex([]).search(["x"], k=3) == [[]]


def test_extractive_answer_picks_the_sentence_that_answers():
    passages = [
        Passage(
            "p.md",
            "Release cycles > 3.9",
            "Python 3.9 was released on 2020-10-05. "
            "Python 3.9 reaches end of life on 2025-10-31. The latest release of "
            "Python 3.9 is 3.9.23, released on 2025-06-03.",
            1.0,
        )
    ]
    assert (
        extractive_answer("When does Python 3.9 reach end of life?", passages)
        == "Python 3.9 reaches end of life on 2025-10-31."
    )
    assert "3.9.23" in extractive_answer("Which is the latest release of Python 3.9?", passages)
    assert extractive_answer("completely unrelated words", passages) is None


def test_document_index_retrieves_the_right_cycle_among_product_pages():
    frame, _ = read_corpus(
        [
            ("endoflife", "endoflife/python.md", PRODUCT),
            *[("landing", f"docs/{p.name}", p) for p in sorted(DOCS.iterdir())],
        ]
    )
    index = DocumentIndex(frame)
    passages = index.retrieve(["When does Python 3.10 reach end of life?"], top_k=3)[0]
    assert passages[0].path == "endoflife/python.md" and passages[0].heading.endswith("> 3.10")
    assert index.retrieve(["rekey timer of the VPN"], top_k=1)[0][0].path == "docs/vpn-runbook.md"


class FixedPredictor:
    def __init__(self, labels):
        self.labels = labels

    def predict(self, texts):
        return {name: [Prediction(value, conf) for _ in texts] for name, (value, conf) in self.labels.items()}


def incidents():
    return IncidentIndex(
        pl.DataFrame(
            {
                "number": ["INC1", "INC2", "INC3"],
                "short_description": ["vpn tunnel drops", "vpn tunnel drops often", "vpn client slow"],
                "text": ["vpn tunnel drops", "vpn tunnel drops often", "vpn client slow"],
                "category": ["network", "network", "network"],
                "subcategory": ["vpn", "vpn-other", "vpn"],
                "assignment_group": ["Network N2"] * 3,
                "cmdb_ci": ["APP-VPN"] * 3,
                "close_notes": ["rekey raised", "user rebooted", "client upgraded"],
            }
        )
    )


def test_triage_puts_incidents_of_the_predicted_subcategory_first():
    index = incidents()
    confident = FixedPredictor(
        {"category": ("network", 0.9), "subcategory": ("vpn", 0.8), "assignment_group": ("Network N2", 0.95)}
    )
    [result] = triage([{"short_description": "vpn tunnel drops"}], index, confident, k=3)
    assert [s.number for s in result.similar] == ["INC1", "INC3", "INC2"]
    assert result.similar[0].close_notes == "rekey raised"
    assert result.needs_review is False
    unsure = FixedPredictor(
        {"category": ("network", 0.9), "subcategory": ("vpn", 0.3), "assignment_group": ("Network N2", 0.95)}
    )
    [result] = triage([{"short_description": "vpn tunnel drops"}], index, unsure, k=3)
    assert result.needs_review and result.reason == "subcategory confidence 0.30 < 0.60"


def test_review_reason_names_a_missing_classifier():
    review, reason = review_decision({}, 0.6)
    assert review and "no category prediction" in reason


class Proba:
    """A registered-model stand-in: fixed probabilities over its classes."""

    def __init__(self, classes, row):
        self.classes_ = np.array(classes, dtype=object)
        self.row = np.array(row)

    def predict_proba(self, texts):
        return np.tile(self.row, (len(texts), 1))


def test_registered_models_are_read_as_one_predictor_with_class_thresholds():
    predictor = RegisteredPredictor(
        {
            "category": Proba(["network", "software"], [0.9, 0.1]),
            "subcategory": Proba(["network/vpn", "software/vpn", "network/dns"], [0.5, 0.3, 0.2]),
            "assignment_group": Proba(["Network N2"], [1.0]),
        },
        {"category": {"network": 0.95}},
    )
    predicted = predictor.predict(["a ticket"])
    assert predicted["subcategory"][0] == Prediction("vpn", pytest.approx(0.8))
    [result] = triage([{"short_description": "vpn tunnel drops"}], incidents(), predictor, k=2)
    assert result.needs_review and result.reason == "category confidence 0.90 < 0.95"


def test_the_service_takes_the_registry_champions_when_there_are_some(monkeypatch):
    import types

    from resources.storage import LakehouseStorage
    from service.models import load_ticket_models

    champions = {
        "ticket_category": types.SimpleNamespace(
            classes_=["network"], predict_proba=lambda t: np.ones((len(t), 1)), thresholds={"network": 0.5}
        )
    }

    def load_champion(name, root):
        if name not in champions:
            raise LookupError(name)
        return champions[name]

    storage = LakehouseStorage(root="/tmp/unused")
    monkeypatch.setitem(
        sys.modules, "resources.model_registry", types.SimpleNamespace(load_champion=load_champion)
    )
    found = load_ticket_models(storage, incidents())
    assert isinstance(found, RegisteredPredictor) and set(found.models) == {"category"}
    champions.clear()  # a registry without champions yet: the index's own classifier
    assert isinstance(load_ticket_models(storage, incidents()), LabelModel)


def test_personal_data_in_documents_is_redacted_before_it_is_kept(tmp_path):
    doc = tmp_path / "postmortem.md"
    doc.write_text(
        "---\ntitle: Outage\nauthor: jean.martin@example.com\n---\n# Outage\n\n"
        "Reported by Monsieur Dupont, call 06 12 34 56 78 or write to jean.martin@example.com.\n"
    )
    counts = Counter()
    frame, errors = read_corpus([("landing", "landing/docs/postmortem.md", doc)], counts)
    text = " ".join(frame["text"].to_list() + frame["fields"].to_list())
    assert not errors and "jean.martin" not in text and "Dupont" not in text and "06 12" not in text
    assert "<EMAIL>" in text and counts["EMAIL"] == 2 and counts["NAME"] == 1
