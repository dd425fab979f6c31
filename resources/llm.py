"""Optional LLM for abstractive summaries: any OpenAI-compatible ``/v1/chat/completions``
endpoint (vLLM, Ollama, LiteLLM, Azure OpenAI behind a gateway…).

Off unless ``APPOPS_LLM_URL`` is set (e.g. ``http://llm.internal:8000/v1``); the key comes
from ``APPOPS_LLM_API_KEY`` and the model from ``APPOPS_LLM_MODEL``, read through
``dagster.EnvVar`` so they never appear in the run configuration or logs. Only redacted text
is ever sent.
"""

import os

import dagster as dg
import httpx


class LLMResource(dg.ConfigurableResource):
    """``base_url`` empty = disabled (summaries stay extractive)."""

    base_url: str = ""
    api_key: str = ""
    model: str = "default"
    timeout_s: float = 60.0
    temperature: float = 0.2

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)

    def chat(self, system: str, user: str) -> str:
        """The assistant's reply to one system + user message."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"
        response = httpx.post(
            url,
            headers=headers,
            timeout=self.timeout_s,
            json={
                "model": self.model,
                "temperature": self.temperature,
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            },
        )
        if response.status_code != 200:
            raise RuntimeError(
                f"LLM endpoint {url} answered HTTP {response.status_code}: {response.text[:200]}"
            )
        try:
            return response.json()["choices"][0]["message"]["content"].strip()
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise RuntimeError(f"LLM endpoint {url}: unexpected answer {response.text[:200]!r}") from error


def llm_from_env() -> LLMResource:
    """The configured endpoint, or a disabled resource when ``APPOPS_LLM_URL`` is unset."""
    if not os.environ.get("APPOPS_LLM_URL"):
        return LLMResource()
    secret = {"api_key": dg.EnvVar("APPOPS_LLM_API_KEY")} if os.environ.get("APPOPS_LLM_API_KEY") else {}
    return LLMResource(
        base_url=dg.EnvVar("APPOPS_LLM_URL"), model=os.environ.get("APPOPS_LLM_MODEL", "default"), **secret
    )
