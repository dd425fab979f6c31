"""A fake OpenAI-compatible chat endpoint on loopback, shared by the LLM and service tests: it
records every request (path, bearer header, JSON body) and answers with a set content, or
fails with a set status."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar


class FakeChat(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict]] = []
    status: ClassVar[int] = 200
    content: ClassVar[str] = ""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        answer = {"choices": [{"message": {"role": "assistant", "content": FakeChat.content}}]}
        payload = json.dumps(answer).encode() if self.status == 200 else b"overloaded"
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@contextmanager
def fake_chat(content: str) -> Iterator[str]:
    """Serve the fake answering ``content``; yields its base URL (``…/v1``)."""
    FakeChat.requests, FakeChat.status, FakeChat.content = [], 200, content
    server = HTTPServer(("127.0.0.1", 0), FakeChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
