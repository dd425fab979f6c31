"""The triage and question-answering service: FastAPI's test client over indexes built by the
assets on a temporary root, the LLM path against a fake OpenAI-compatible server, the real
uvicorn server on loopback, and the CLI."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import httpx
import polars as pl
import pytest
from fake_llm import FakeChat, fake_chat
from fastapi.testclient import TestClient

from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.llm import LLMResource
from resources.storage import LakehouseStorage
from service.app import create_app
from service.cli import main as cli
from service.core import Service, Settings
from tests.tests_support import FIXTURES

PRODUCTS = Path(__file__).parent.parent / "resources" / "catalog" / "endoflife" / "products"
EMAIL = "jean.martin@example.com"


def materialize(root, selection, first, last):
    defs = build_definitions(root=str(root), mode="demo")
    ops = (
        {"document_chunks": {"config": {"include_shipped": False}}} if "document_chunks" in selection else {}
    )
    result = dg.materialize(
        [*defs.assets],
        selection=dg.AssetSelection.assets(*selection),
        tags={RANGE_START_TAG: first, RANGE_END_TAG: last},
        resources=defs.resources,
        run_config={"ops": ops},
    )
    assert result.success


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A week of resolved demo incidents and a few documents, indexed by the assets."""
    root = tmp_path_factory.mktemp("service") / "appops_home"
    docs = root / "landing" / "docs"
    docs.mkdir(parents=True)
    for path in (FIXTURES / "docs").iterdir():
        shutil.copy(path, docs / path.name)
    shutil.copy(PRODUCTS / "python.md", docs / "python.md")
    materialize(root, ["raw_incidents", "ticket_embeddings", "incident_index"], "2024-09-10", "2024-09-16")
    materialize(root, ["document_chunks", "document_index"], "2024-09-16", "2024-09-16")
    return root


@pytest.fixture(scope="module")
def service(home):
    return Service(Settings(root=str(home), reload_s=0), llm=LLMResource())


@pytest.fixture
def client(service):
    with TestClient(create_app(Settings(root=service.settings.root, reload_s=0), service)) as c:
        yield c


def indexed(home, n=3):
    """The first ``n`` indexed incidents that carry a category (the demo leaves about 10 % of
    resolved incidents uncategorised, as service desks do)."""
    storage = LakehouseStorage(root=str(home))
    days = sorted(p.name for p in storage.lake_dir("incident_index").glob("*.parquet"))
    frame = storage.read_days("incident_index", [date.fromisoformat(d[:10]) for d in days], strict=False)
    return frame.filter(pl.col("category").is_not_null()).sort("number").head(n).to_dicts()


def test_health_lists_the_loaded_indexes(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["incidents"] > 50 and body["passages"] > 20
    assert body["classifier"] == "LabelModel" and body["versions"]["document_chunks"] == "2024-09-16.parquet"


def test_triage_answers_with_labels_review_and_similar_resolved_incidents(client, home):
    incident = indexed(home, 1)[0]
    ticket = {
        "number": "INC-NEW",
        "short_description": incident["short_description"],
        "description": incident["text"],
        "cmdb_ci": incident["cmdb_ci"],
        "u_extra": "kept",
    }
    response = client.post("/v1/tickets/triage", json=ticket)
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "INC-NEW"
    for name in ("category", "subcategory", "assignment_group"):
        assert body[name]["value"] is not None and 0 < body[name]["confidence"] <= 1
    assert body["category"]["value"] == incident["category"]
    assert isinstance(body["needs_review"], bool) and body["reason"]
    assert len(body["similar"]) == 5
    assert incident["number"] in [s["number"] for s in body["similar"]]
    first = body["similar"][0]
    assert {"number", "short_description", "close_notes", "similarity"} <= set(first)
    assert first["close_notes"] and 0 < first["similarity"] <= 1.0001


def test_batch_gives_the_single_answers_in_order(client, home):
    tickets = [
        {"short_description": i["short_description"], "description": i["text"]} for i in indexed(home, 3)
    ]
    batch = client.post("/v1/tickets/triage/batch", json={"tickets": tickets}).json()["results"]
    singles = [client.post("/v1/tickets/triage", json=t).json() for t in tickets]
    assert batch == singles


@pytest.mark.parametrize(
    "path,payload,field",
    [
        ("/v1/tickets/triage", {"description": "no short description"}, "short_description"),
        ("/v1/tickets/triage", {"short_description": ""}, "short_description"),
        ("/v1/tickets/triage", {"short_description": "x" * 5000}, "short_description"),
        ("/v1/tickets/triage/batch", {"tickets": []}, "tickets"),
        (
            "/v1/tickets/triage/batch",
            {"tickets": [{"short_description": "ok"}, {"number": "2"}]},
            "tickets.1.short_description",
        ),
        ("/v1/ask", {"question": "When?", "top_k": 0}, "top_k"),
        ("/v1/ask", {"top_k": 3}, "question"),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_field(client, path, payload, field):
    response = client.post(path, json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field and body["message"].startswith(field + ":")


def test_a_body_that_is_not_json_is_refused_with_a_message(client):
    response = client.post("/v1/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "message" in response.json()


def test_a_10_mb_body_is_refused_with_or_without_content_length(client):
    big = json.dumps({"short_description": "x" * (10 * 1024 * 1024)})
    response = client.post("/v1/tickets/triage", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["field"] == "body"

    def chunks():
        for _ in range(20):
            yield b"x" * (512 * 1024)

    response = client.post(
        "/v1/tickets/triage", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_api_key_is_required_when_set(service):
    settings = Settings(root=service.settings.root, reload_s=0, api_key="s3cret")
    with TestClient(create_app(settings, service)) as client:
        assert client.get("/healthz").status_code == 200
        refused = client.post("/v1/ask", json={"question": "python"})
        assert refused.status_code == 401 and refused.json()["field"] == "X-API-Key"
        assert (
            client.post("/v1/ask", json={"question": "python"}, headers={"X-API-Key": "wrong"}).status_code
            == 401
        )
        assert (
            client.post("/v1/ask", json={"question": "python"}, headers={"X-API-Key": "s3cret"}).status_code
            == 200
        )
        assert (
            client.post(
                "/v1/ask", json={"question": "python"}, headers={"Authorization": "Bearer s3cret"}
            ).status_code
            == 200
        )


def test_ask_returns_passages_and_an_extractive_answer(client):
    import yaml

    front = yaml.safe_load((PRODUCTS / "python.md").read_text().split("---")[1])
    eol = next(str(r["eol"]) for r in front["releases"] if r["releaseCycle"] == "3.11")
    body = client.post(
        "/v1/ask", json={"question": "When does Python 3.11 reach end of life?", "top_k": 3}
    ).json()
    assert body["mode"] == "extractive" and body["generated_answer"] is None
    assert eol in body["answer"]
    assert len(body["passages"]) == 3
    top = body["passages"][0]
    assert top["path"] == "landing/docs/python.md" and top["heading"] == "Release cycles > 3.11"
    assert top["score"] > 0 and eol in top["text"]
    vpn = client.post("/v1/ask", json={"question": "How do I fix a VPN tunnel that drops every hour?"}).json()
    assert vpn["passages"][0]["path"] == "landing/docs/vpn-runbook.md"
    assert "rekey" in vpn["answer"]  # from the section titled with the symptom


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/tickets/triage", "/v1/tickets/triage/batch", "/v1/ask", "/healthz"} <= set(paths)


@pytest.fixture
def llm_url():
    with fake_chat(f"Python 3.11 reaches end of life as stated in [1]. Ask {EMAIL} for exceptions.") as url:
        yield url


def test_llm_answer_cites_passages_and_only_redacted_text_crosses(home, service, llm_url):
    with_llm = Service(
        Settings(root=str(home), reload_s=0, semantic="off"), llm=LLMResource(base_url=llm_url)
    )
    with TestClient(create_app(Settings(root=str(home), reload_s=0), with_llm)) as client:
        body = client.post(
            "/v1/ask", json={"question": f"When does Python 3.11 reach end of life? I am {EMAIL}"}
        ).json()
    assert body["mode"] == "llm" and "[1]" in body["generated_answer"]
    assert EMAIL not in body["generated_answer"] and "<EMAIL>" in body["generated_answer"]
    assert body["answer"] and body["passages"]
    [sent] = FakeChat.requests
    assert sent["path"] == "/v1/chat/completions"
    text = json.dumps(sent["body"])
    assert EMAIL not in text and "<EMAIL>" in text and "[1] landing/docs/python.md" in text


def test_a_failing_llm_leaves_the_extractive_answer(home):
    down = Service(
        Settings(root=str(home), reload_s=0, semantic="off"),
        llm=LLMResource(base_url=f"http://127.0.0.1:{free_port()}/v1", timeout_s=2),
    )
    body = down.ask("When does Python 3.11 reach end of life?")
    assert body["mode"] == "extractive" and body["generated_answer"] is None
    assert body["answer"] and body["llm_error"]


def test_nothing_unredacted_is_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/v1/tickets/triage", json={"short_description": f"VPN down, call {EMAIL}"})
    client.post("/v1/ask", json={"question": f"vpn rekey for {EMAIL}"})
    client.post("/v1/ask", json={"question": f"{EMAIL}", "top_k": 99})
    assert EMAIL not in caplog.text


def test_a_newer_index_version_is_picked_up(home, tmp_path):
    root = tmp_path / "appops_home"
    shutil.copytree(home / "lake", root / "lake")
    live = Service(Settings(root=str(root), reload_s=0, semantic="off"), llm=LLMResource())
    question = "Which firmware version restored the card payments?"
    assert not any("postmortem" in p["path"] for p in live.ask(question)["passages"])
    assert live.holder.refresh() is False  # nothing changed
    docs = root / "landing" / "docs"
    docs.mkdir(parents=True)
    shutil.copy(FIXTURES / "docs" / "postmortem_2024-09-18.pdf", docs / "postmortem_2024-09-18.pdf")
    materialize(root, ["document_chunks", "document_index"], "2024-09-18", "2024-09-18")
    assert live.holder.refresh() is True
    answer = live.ask(question)
    assert answer["passages"][0]["path"] == "landing/docs/postmortem_2024-09-18.pdf"
    assert "7.2" in answer["answer"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_real_server_answers_on_loopback(home):
    port = free_port()
    env = {
        **os.environ,
        "APPOPS_HOME": str(home),
        "APPOPS_SERVICE_PORT": str(port),
        "APPOPS_SERVICE_SEMANTIC": "off",
        "PYTHONPATH": str(Path(__file__).parent.parent),
    }
    env.pop("APPOPS_LLM_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
        triaged = httpx.post(
            f"{base}/v1/tickets/triage",
            timeout=30,
            json={"short_description": f"Application mobile plante, {EMAIL}"},
        )
        assert triaged.status_code == 200 and len(triaged.json()["similar"]) == 5
        bad = httpx.post(f"{base}/v1/ask", json={"top_k": 2}, timeout=30)
        assert bad.status_code == 422 and bad.json()["field"] == "question"
        big = httpx.post(
            f"{base}/v1/ask",
            content=b"x" * (10 * 1024 * 1024),
            timeout=30,
            headers={"Content-Type": "application/json"},
        )
        assert big.status_code == 413
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "Uvicorn running" in output and EMAIL not in output


def test_cli_triage_and_ask_print_json(home, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("APPOPS_HOME", str(home))
    monkeypatch.setenv("APPOPS_SERVICE_SEMANTIC", "off")
    monkeypatch.delenv("APPOPS_LLM_URL", raising=False)
    ticket = tmp_path / "ticket.json"
    ticket.write_text(
        json.dumps([{"short_description": "VPN tunnel drops"}, {"short_description": "Paiement SEPA rejeté"}])
    )
    assert cli(["triage", str(ticket)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 2 and len(results[0]["similar"]) == 5
    assert cli(["ask", "When does Python 3.11 reach end of life?"]) == 0
    assert "Python 3.11 reaches end of life on" in json.loads(capsys.readouterr().out)["answer"]
    ticket.write_text(json.dumps({"number": "1"}))
    with pytest.raises(SystemExit, match="ticket 0: field short_description is required"):
        cli(["triage", str(ticket)])


def test_a_new_champion_in_the_registry_reloads_the_classifier(tmp_path, monkeypatch):
    import types

    import numpy as np

    from service.knowledge import KnowledgeHolder

    aliases = {"ticket_category": "1"}
    model = types.SimpleNamespace(
        classes_=["network"], thresholds={}, predict_proba=lambda t: np.ones((len(t), 1))
    )

    class Registry:
        def __init__(self, root):
            pass

        def alias(self, name, alias):
            return aliases.get(name)

    def load_champion(name, root):
        if name not in aliases:
            raise LookupError(name)
        return model

    monkeypatch.setitem(
        sys.modules,
        "resources.model_registry",
        types.SimpleNamespace(ModelRegistry=Registry, load_champion=load_champion),
    )
    holder = KnowledgeHolder(LakehouseStorage(root=str(tmp_path)), 365, None)
    assert type(holder.current.predictor).__name__ == "RegisteredPredictor"
    assert holder.refresh() is False
    aliases["ticket_category"] = "2"
    assert holder.refresh() is True
    assert dict(holder.current.version["champions"])["ticket_category"] == "2"
