"""The optional LLM: an OpenAI-compatible endpoint (a fake on loopback) writes abstractive
summaries and actions; only redacted text goes out, the reply is redacted too, and the
resource stays off without ``APPOPS_LLM_URL``."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import pytest
from fake_llm import FakeChat, fake_chat

from assets.verbatims.summaries import topic_summaries
from definitions import build_definitions
from resources.calendar import RANGE_END_TAG, RANGE_START_TAG
from resources.llm import LLMResource, llm_from_env
from resources.storage import LakehouseStorage, read_parquet

REPLY = {
    "summary": "Les clients signalent que l'appli plante. Écrire à chef@banque.fr.",
    "actions": ["Corriger la mise à jour iOS", "Informer les clients"],
}


@pytest.fixture
def endpoint():
    with fake_chat("```json\n" + json.dumps(REPLY) + "\n```") as url:
        yield url


def test_chat_posts_openai_payload_with_bearer_key(endpoint):
    llm = LLMResource(base_url=endpoint, api_key="sk-test", model="mistral")
    assert "appli plante" in llm.chat("system", "user")
    request = FakeChat.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "mistral"
    assert [m["role"] for m in request["body"]["messages"]] == ["system", "user"]
    FakeChat.status = 503
    with pytest.raises(RuntimeError, match="HTTP 503"):
        llm.chat("system", "user")


def test_llm_is_off_without_url_and_reads_env(monkeypatch):
    monkeypatch.delenv("APPOPS_LLM_URL", raising=False)
    assert not llm_from_env().enabled
    monkeypatch.setenv("APPOPS_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("APPOPS_LLM_API_KEY", "sk-secret")
    resource = llm_from_env()
    assert isinstance(resource.base_url, dg.EnvVar) and isinstance(resource.api_key, dg.EnvVar)


def test_topic_summaries_with_llm_are_abstractive_and_redacted(root, endpoint):
    defs = build_definitions(root=str(root), mode="demo")
    resources = {**defs.resources, "llm": LLMResource(base_url=endpoint, model="fake")}
    tags = {RANGE_START_TAG: "2024-03-01", RANGE_END_TAG: "2024-03-05"}
    dg.materialize(list(defs.assets), selection=["raw_verbatims"], tags=tags, resources=resources)
    config = {"ops": {"verbatim_topics": {"config": {"window_days": 5, "min_cluster_size": 8}}}}
    dg.materialize(
        list(defs.assets),
        selection=["verbatim_topics", "verbatim_topic_assignments"],
        partition_key="2024-03-05",
        resources=resources,
        run_config=config,
    )
    result = dg.materialize([topic_summaries], partition_key="2024-03-05", resources=resources)
    assert result.success
    frame = read_parquet(LakehouseStorage(root=str(root)).lake_file("topic_summaries", date(2024, 3, 5)))
    assert frame.height == len(FakeChat.requests) > 0
    assert (frame["summary_model"] == "fake").all()
    assert frame["abstractive_summary"].to_list()[0] == (
        "Les clients signalent que l'appli plante. Écrire à <EMAIL>."
    )
    assert frame["suggested_actions"][0] == "Corriger la mise à jour iOS; Informer les clients"
    prompts = " ".join(r["body"]["messages"][1]["content"] for r in FakeChat.requests)
    assert "@" not in prompts and "Thème" in prompts
